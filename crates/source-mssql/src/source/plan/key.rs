//! A read in key order: where it resumes, and for an incremental stream's
//! initial load, where incremental reads start once it is done.
//!
//! Like Airbyte's source, the initial load keeps the cursor's largest value
//! when it started (`incremental_state`): once the load is done, the stream
//! reads rows with a cursor at or past it (`>=`). A row changed during the
//! load has a cursor past that value (if its cursor grows), so it is read
//! again then rather than lost.

use super::position;
use crate::discover::Table;
use crate::error::Result;
use crate::query::{cursor_max, key_ordered, KeyStart, Query};
use crate::state::{OrderedState, StreamState};

#[derive(Debug, Clone, PartialEq)]
pub struct KeyPlan {
    /// The key's columns, in key order.
    pub columns: Vec<String>,
    /// Their positions in `StreamPlan::columns`.
    pub indexes: Vec<usize>,
    /// The key the read resumes after (or at, for a shorter saved key);
    /// `None` from the start.
    pub resumed_after: Option<Vec<String>>,
    /// Set for an incremental stream's initial load.
    pub initial_load: Option<InitialLoad>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InitialLoad {
    /// The stream's cursor column.
    pub cursor: String,
    pub start: LoadStart,
}

/// Where incremental reads start once the initial load is done.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadStart {
    /// The cursor's largest value when the load began, as its state kept it
    /// (`None`: the table was empty).
    Saved(Option<String>),
    /// A new load: `read` runs this query (the cursor's largest value) first.
    Query(Query),
}

/// The query and key plan of a read of `table` (its selected columns) in
/// the order of its `order_key`, resuming from `state` when it is one of
/// this read's.
pub fn plan(
    table: &Table,
    columns: &[String],
    cursor: Option<&str>,
    state: Option<&StreamState>,
    name: &str,
    warnings: &mut Vec<String>,
) -> Result<(Query, KeyPlan)> {
    let key = &table.order_key;
    let resumable = resumable(state, key, cursor, name, warnings);
    let (start, resumed_after) = match &resumable {
        None => (KeyStart::Beginning, None),
        Some((ordered, values)) if ordered.columns().len() == key.len() => {
            (KeyStart::After(values), Some(values.clone()))
        }
        Some((_, values)) => (KeyStart::FromPrefix(values), Some(values.clone())),
    };
    let query = key_ordered(table, key, start)?;
    let initial_load = match cursor {
        None => None,
        Some(column) => {
            let saved = resumable
                .as_ref()
                .and_then(|(ordered, _)| ordered.incremental_state.as_deref());
            let start = match saved {
                Some(StreamState::Cursor(saved)) => LoadStart::Saved(saved.cursor.clone()),
                _ => LoadStart::Query(cursor_max(table, column)?),
            };
            Some(InitialLoad {
                cursor: column.to_string(),
                start,
            })
        }
    };
    let plan = KeyPlan {
        columns: key.clone(),
        indexes: key.iter().map(|k| position(columns, k)).collect(),
        resumed_after,
        initial_load,
    };
    Ok((query, plan))
}

/// The saved state and its key values, when the read can resume from it:
/// an unfinished read by this key (or by its first columns, as Airbyte's
/// source keeps one), and for an initial load, one that kept this cursor.
fn resumable<'s>(
    state: Option<&'s StreamState>,
    key: &[String],
    cursor: Option<&str>,
    name: &str,
    warnings: &mut Vec<String>,
) -> Option<(&'s OrderedState, Vec<String>)> {
    let Some(StreamState::Ordered(ordered)) = state else {
        return None;
    };
    if ordered.finished {
        return None;
    }
    let values = ordered.values()?;
    let columns = ordered.columns();
    let kept_cursor = match ordered.incremental_state.as_deref() {
        Some(StreamState::Cursor(c)) => c.cursor_field.first().map(String::as_str),
        _ => None,
    };
    let same_key = columns.len() <= key.len() && key.starts_with(&columns);
    if same_key && kept_cursor == cursor && values.len() == columns.len() {
        return Some((ordered, values));
    }
    let what = match cursor {
        Some(c) => format!("an initial load by key {key:?} for cursor `{c}`"),
        None => format!("a full refresh by key {key:?}"),
    };
    warnings.push(format!(
        "stream `{name}`: the state is from a read in the order of {columns:?}{}, not {what}; \
         the stream is read again from the start",
        kept_cursor.map_or(String::new(), |c| format!(" for cursor `{c}`"))
    ));
    None
}
