//! What `read` does for each configured stream, decided before any row is
//! read: the table, the selected columns, the query, and where it resumes:
//! after the last key read for a read in key order (a full refresh, or an
//! incremental stream's initial load), or from the saved cursor.
//!
//! A catalog the user must fix (a cursor column that can't be one, or is
//! gone) fails the sync here, before any stream is read, as Airbyte's own
//! source does. A stream whose table is gone is only set aside: the others
//! are still read (see `read`).

use super::discover::Schemas;
use crate::config::Config;
use crate::discover::{Column, Table};
use crate::error::{Error, Result};
use crate::protocol::airbyte::{StreamDescriptor, SyncMode};
use crate::protocol::catalog::{ConfiguredCatalog, ConfiguredStream};
use crate::query::{full_table, ordered_by, Query, Start};
use crate::state::{InputState, StreamState};

mod key;
pub use key::{InitialLoad, KeyPlan, LoadStart};

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub streams: Vec<StreamPlan>,
    /// Configured streams whose table or view no longer exists.
    pub missing: Vec<StreamDescriptor>,
    /// What the user should know before the read starts.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StreamPlan {
    pub stream: StreamDescriptor,
    pub schema: String,
    pub table: String,
    /// The columns the query selects, in its order: the record's keys.
    pub columns: Vec<String>,
    pub query: Query,
    /// Set for an incremental stream read by its cursor.
    pub cursor: Option<CursorPlan>,
    /// Set for a read in key order.
    pub key: Option<KeyPlan>,
}

impl StreamPlan {
    /// Whether the stream is incremental (read by cursor, or loading first).
    pub fn incremental(&self) -> bool {
        self.cursor.is_some() || self.key.as_ref().is_some_and(|k| k.initial_load.is_some())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CursorPlan {
    pub column: String,
    /// Its position in `StreamPlan::columns`.
    pub index: usize,
    /// The cursor the state saved, if any: the read starts there.
    pub saved: Option<String>,
    /// How many rows had the saved cursor, for a state written before any
    /// row is read.
    pub saved_count: u64,
}

/// The schemas whose tables `read` must know: the catalog's namespaces, and
/// the configured schemas for a stream without one (all, when the config
/// names none).
pub fn schemas(catalog: &ConfiguredCatalog, config: &Config) -> Schemas {
    let mut schemas: Vec<String> = Vec::new();
    for configured in &catalog.streams {
        let names = match &configured.stream.namespace {
            Some(namespace) => std::slice::from_ref(namespace),
            None if config.schemas.is_empty() => return Schemas::All,
            None => config.schemas.as_slice(),
        };
        for name in names {
            if !schemas.contains(name) {
                schemas.push(name.clone());
            }
        }
    }
    Schemas::Only(schemas)
}

pub fn plan(catalog: &ConfiguredCatalog, tables: &[Table], state: &InputState) -> Result<Plan> {
    let mut plan = Plan {
        streams: Vec::new(),
        missing: Vec::new(),
        warnings: Vec::new(),
    };
    for configured in &catalog.streams {
        let descriptor = configured.descriptor();
        match find_table(configured, tables)? {
            Some(table) => {
                let stream_plan = plan_stream(
                    configured,
                    table,
                    state.get(&descriptor),
                    &mut plan.warnings,
                )?;
                plan.streams.push(stream_plan);
            }
            None => {
                plan.warnings.push(format!(
                    "stream `{}` is in the catalog but its table or view no longer exists (or \
                     the login can't see it); it is not read. Refresh the source schema",
                    configured.display_name()
                ));
                plan.missing.push(descriptor);
            }
        }
    }
    Ok(plan)
}

/// The stream's table: by schema and name, or by name alone in the
/// configured schemas when the stream has no namespace.
fn find_table<'t>(configured: &ConfiguredStream, tables: &'t [Table]) -> Result<Option<&'t Table>> {
    let name = &configured.stream.name;
    let namespace = configured.stream.namespace.as_ref();
    let matches: Vec<&Table> = tables
        .iter()
        .filter(|t| &t.name == name && namespace.is_none_or(|ns| &t.schema == ns))
        .collect();
    match matches.as_slice() {
        [] => Ok(None),
        [table] => Ok(Some(table)),
        several => Err(Error::config(format!(
            "catalog: stream `{name}` has no namespace, and schemas {} all have a table of \
             that name; set the stream's namespace",
            several
                .iter()
                .map(|t| format!("`{}`", t.schema))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn plan_stream(
    configured: &ConfiguredStream,
    table: &Table,
    state: Option<&StreamState>,
    warnings: &mut Vec<String>,
) -> Result<StreamPlan> {
    let name = configured.display_name();
    let cursor_column = match configured.sync_mode {
        SyncMode::Incremental => configured.cursor_column(),
        SyncMode::FullRefresh => None,
    };
    if let Some(column) = cursor_column {
        let Some(found) = table.columns.iter().find(|c| c.name == column) else {
            return Err(Error::config(format!(
                "catalog: stream `{name}` has the cursor column `{column}`, which its table no \
                 longer has; refresh the source schema and choose another cursor"
            )));
        };
        found.column_type.check_cursor(&name, column)?;
    }
    let mut always: Vec<&str> = table.order_key.iter().map(String::as_str).collect();
    always.extend(cursor_column);
    let selected = Table {
        columns: selected_columns(configured, table, &always, warnings)?,
        ..table.clone()
    };
    let columns: Vec<String> = selected.columns.iter().map(|c| c.name.clone()).collect();
    let by_cursor = match (cursor_column, state) {
        (Some(column), Some(StreamState::Cursor(_))) => Some(column),
        (Some(column), _) if table.order_key.is_empty() => Some(column),
        _ => None,
    };
    let (query, cursor, key) = match by_cursor {
        Some(column) => {
            let (saved, saved_count) = resume_point(state, column, &name, warnings);
            let start = saved.as_deref().map_or(Start::Beginning, Start::From);
            let query = ordered_by(&selected, column, start)?;
            let index = position(&columns, column);
            let cursor = CursorPlan {
                column: column.to_string(),
                index,
                saved,
                saved_count,
            };
            (query, Some(cursor), None)
        }
        None if table.order_key.is_empty() => (full_table(&selected), None, None),
        None => {
            let (query, key) =
                key::plan(&selected, &columns, cursor_column, state, &name, warnings)?;
            (query, None, Some(key))
        }
    };
    Ok(StreamPlan {
        stream: configured.descriptor(),
        schema: table.schema.clone(),
        table: table.name.clone(),
        columns,
        query,
        cursor,
        key,
    })
}

/// Where `column` is in the selected `columns`.
fn position(columns: &[String], column: &str) -> usize {
    columns.iter().position(|c| c == column).unwrap_or(0)
}

/// The table's columns the catalog selects (its schema's `properties`; all
/// when it lists none), in the table's order, and always the cursor and the
/// key the read is ordered by, which the checkpoints need.
fn selected_columns(
    configured: &ConfiguredStream,
    table: &Table,
    always: &[&str],
    warnings: &mut Vec<String>,
) -> Result<Vec<Column>> {
    let properties = configured
        .stream
        .json_schema
        .get("properties")
        .and_then(|p| p.as_object())
        .filter(|p| !p.is_empty());
    let Some(properties) = properties else {
        return Ok(table.columns.clone());
    };
    let name = configured.display_name();
    let gone: Vec<String> = properties
        .keys()
        .filter(|key| !table.columns.iter().any(|c| &c.name == *key))
        .map(|key| format!("`{key}`"))
        .collect();
    if !gone.is_empty() {
        warnings.push(format!(
            "stream `{name}`: the table no longer has the column(s) {}; they are not read. \
             Refresh the source schema",
            gone.join(", ")
        ));
    }
    let columns: Vec<Column> = table
        .columns
        .iter()
        .filter(|c| properties.contains_key(&c.name) || always.contains(&c.name.as_str()))
        .cloned()
        .collect();
    if columns.is_empty() {
        return Err(Error::config(format!(
            "catalog: stream `{name}` selects no column its table still has; refresh the \
             source schema"
        )));
    }
    Ok(columns)
}

/// Where an incremental stream resumes: the saved cursor and its row count,
/// or the beginning when the state is for another cursor or another kind of read.
fn resume_point(
    state: Option<&StreamState>,
    column: &str,
    name: &str,
    warnings: &mut Vec<String>,
) -> (Option<String>, u64) {
    match state {
        None => (None, 0),
        Some(StreamState::Cursor(saved))
            if saved.cursor_field.first().map(String::as_str) == Some(column) =>
        {
            (saved.cursor.clone(), saved.cursor_record_count.unwrap_or(0))
        }
        Some(StreamState::Cursor(saved)) => {
            warnings.push(format!(
                "stream `{name}`: the state's cursor column is {:?} but the catalog's is \
                 `{column}`; the stream is read again from the start",
                saved.cursor_field
            ));
            (None, 0)
        }
        // Rows past the saved key may have any cursor value, so resuming
        // from the state's cursor could lose them.
        Some(StreamState::Ordered(_) | StreamState::Split(_)) => {
            warnings.push(format!(
                "stream `{name}`: the state is from a first read in key order that did not \
                 finish, and the table no longer has a key to resume it by; the stream is \
                 read again from the start, by `{column}`"
            ));
            (None, 0)
        }
        Some(StreamState::FullRefresh(_)) => (None, 0),
    }
}

#[cfg(test)]
mod tests;
