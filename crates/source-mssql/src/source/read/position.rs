//! Where a stream's read is, as the state a checkpoint saves, for each way
//! of reading: by cursor, in key order, or in one pass.
//!
//! - By cursor: a checkpoint may only fall where the cursor value changes
//!   (see `cursor`), and saves that value.
//! - In key order: keys are unique, so a checkpoint may fall after any row
//!   and saves its key; the next run reads strictly after it. At the end, a
//!   full refresh saves that it finished (the next one starts over) and an
//!   initial load hands over to its cursor.
//! - In one pass: nothing to resume from; the only state, at the end, says so.
//!
//! The key is taken from the last row read, which the loop keeps until the
//! next arrives: nothing is kept per row.

use crate::driver_error::query_error;
use crate::error::{Error, Result};
use crate::json::value_text;
use crate::protocol::airbyte::StreamDescriptor;
use crate::source::cursor::CursorTracker;
use crate::source::plan::{CursorPlan, KeyPlan, StreamPlan};
use crate::state::{FullRefreshState, OrderedState, StreamState};
use tiberius::Row;

pub enum Position<'p> {
    OnePass,
    Cursor(&'p CursorPlan, CursorTracker),
    Key {
        plan: &'p KeyPlan,
        /// An initial load's cursor column and where incremental reads
        /// will start.
        load: Option<(&'p str, Option<String>)>,
    },
}

impl<'p> Position<'p> {
    /// `load_start`: for an initial load, the cursor's largest value when it began.
    pub fn new(plan: &'p StreamPlan, load_start: Option<String>) -> Self {
        if let Some(cursor) = &plan.cursor {
            let tracker = CursorTracker::new(cursor.saved.clone(), cursor.saved_count);
            return Position::Cursor(cursor, tracker);
        }
        match &plan.key {
            None => Position::OnePass,
            Some(key) => Position::Key {
                plan: key,
                load: key
                    .initial_load
                    .as_ref()
                    .map(|load| (load.cursor.as_str(), load_start)),
            },
        }
    }

    /// Whether the read can resume from here if a checkpoint is written
    /// before `row`. A read in one pass never can.
    pub fn can_checkpoint_before(&self, row: &Row) -> Result<bool> {
        match self {
            Position::OnePass => Ok(false),
            Position::Cursor(cursor, tracker) => Ok(tracker.starts_run(cell(row, cursor.index)?)),
            Position::Key { .. } => Ok(true),
        }
    }

    /// Takes `row` into account; call before the next one.
    pub fn observe(&mut self, row: &Row) -> Result<()> {
        if let Position::Cursor(cursor, tracker) = self {
            tracker.observe(cell(row, cursor.index)?);
        }
        Ok(())
    }

    /// The state after `last`, the last row read (`None` when this run has
    /// read none); `finished` when the query has returned every row.
    pub fn state(
        &self,
        stream: &StreamDescriptor,
        last: Option<&Row>,
        finished: bool,
    ) -> Result<StreamState> {
        match self {
            Position::OnePass => Ok(StreamState::FullRefresh(FullRefreshState::one_pass())),
            Position::Cursor(cursor, tracker) => Ok(tracker.state(stream, &cursor.column)),
            Position::Key { plan, load } => {
                let values = match last {
                    Some(row) => Some(key_values(plan, row)?),
                    None => plan.resumed_after.clone(),
                };
                let cursor = load
                    .as_ref()
                    .map(|(column, start)| StreamState::cursor(stream, column, start.clone(), 0));
                match cursor {
                    // The load is done: incremental reads take over.
                    Some(cursor) if finished => Ok(cursor),
                    cursor => {
                        let mut state = OrderedState::new(&plan.columns, values, finished);
                        state.incremental_state = cursor.map(Box::new);
                        Ok(StreamState::Ordered(state))
                    }
                }
            }
        }
    }
}

/// The key of `row`, a text per column as the state keeps it.
fn key_values(plan: &KeyPlan, row: &Row) -> Result<Vec<String>> {
    plan.indexes
        .iter()
        .zip(&plan.columns)
        .map(|(index, column)| {
            value_text(cell(row, *index)?).ok_or_else(|| {
                Error::system(format!(
                    "key column `{column}` is NULL in a row, though the catalog says it \
                     can't be; the read can't resume after it"
                ))
            })
        })
        .collect()
}

fn cell(row: &Row, index: usize) -> Result<&tiberius::ColumnData<'static>> {
    row.get_column_data(index).map_err(|e| query_error(&e))
}
