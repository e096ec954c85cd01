//! Where an incremental read may checkpoint.
//!
//! Rows arrive ordered by the cursor, and the next sync reads from the saved
//! cursor value on (`>=`). A checkpoint is only written once every row with
//! the saved value has been read, that is at the first row of a new value,
//! so a resumed sync repeats at most the rows sharing the saved value and
//! never skips one. Its row count is how many rows had that value.

use crate::json::value_text;
use crate::protocol::airbyte::StreamDescriptor;
use crate::state::StreamState;
use tiberius::ColumnData;

#[derive(Debug, Clone)]
pub struct CursorTracker {
    /// The cursor of the rows read last, once a row has been read.
    current: Option<ColumnData<'static>>,
    /// How many rows in a row had `current`.
    run: u64,
    /// The state's cursor and count, kept until a row is read.
    saved: Option<String>,
    saved_count: u64,
}

impl CursorTracker {
    pub fn new(saved: Option<String>, saved_count: u64) -> Self {
        Self {
            current: None,
            run: 0,
            saved,
            saved_count,
        }
    }

    /// True when `value` differs from the previous row's: every row of the
    /// previous value has been read, so a checkpoint may be written now,
    /// before this row.
    pub fn starts_run(&self, value: &ColumnData<'static>) -> bool {
        self.current.as_ref() != Some(value)
    }

    /// Counts a row with this cursor value.
    pub fn observe(&mut self, value: &ColumnData<'static>) {
        if self.starts_run(value) {
            self.current = Some(value.clone());
            self.run = 1;
        } else {
            self.run += 1;
        }
    }

    /// The state to save: the last value read and how many rows had it,
    /// or the saved state when no row has been read.
    pub fn state(&self, stream: &StreamDescriptor, column: &str) -> StreamState {
        match &self.current {
            Some(value) => StreamState::cursor(stream, column, value_text(value), self.run),
            None => StreamState::cursor(stream, column, self.saved.clone(), self.saved_count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::CursorState;

    fn stream() -> StreamDescriptor {
        StreamDescriptor {
            name: "t".into(),
            namespace: Some("dbo".into()),
        }
    }

    fn cursor_of(state: StreamState) -> (Option<String>, Option<u64>) {
        let StreamState::Cursor(CursorState {
            cursor,
            cursor_record_count,
            ..
        }) = state
        else {
            panic!("a cursor state")
        };
        (cursor, cursor_record_count)
    }

    #[test]
    fn runs_of_equal_values() {
        let mut t = CursorTracker::new(Some("5".into()), 2);
        assert_eq!(
            cursor_of(t.state(&stream(), "id")),
            (Some("5".into()), Some(2))
        );
        let five = ColumnData::I32(Some(5));
        let six = ColumnData::I32(Some(6));
        assert!(t.starts_run(&five));
        t.observe(&five);
        assert!(!t.starts_run(&five));
        t.observe(&five);
        t.observe(&five);
        assert_eq!(
            cursor_of(t.state(&stream(), "id")),
            (Some("5".into()), Some(3))
        );
        assert!(t.starts_run(&six));
        t.observe(&six);
        assert_eq!(
            cursor_of(t.state(&stream(), "id")),
            (Some("6".into()), Some(1))
        );
    }

    #[test]
    fn null_cursor_saves_none() {
        let mut t = CursorTracker::new(None, 0);
        t.observe(&ColumnData::I64(None));
        t.observe(&ColumnData::I64(None));
        assert_eq!(cursor_of(t.state(&stream(), "id")), (None, Some(2)));
        assert!(t.starts_run(&ColumnData::I64(Some(1))));
    }
}
