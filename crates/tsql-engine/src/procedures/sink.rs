//! What a procedure's body sends, on its way to the caller's sink: statements end with
//! DONEINPROC, messages name the procedure, and the last error's severity is kept (a
//! procedure that ends without RETURN after an error returns `10 - severity`, as SQL
//! Server's do).

use tds_protocol::types::{ColumnMeta, SqlError, Value};

use crate::sink::{Abort, Done, EnvChange, ResultSink};

pub struct ProcSink<'a> {
    pub inner: &'a mut dyn ResultSink,
    /// The procedure's name, for the messages' procedure field (empty: dynamic SQL).
    pub name: &'a str,
    /// The severity of the last error the body reported.
    pub error_class: Option<u8>,
}

impl ResultSink for ProcSink<'_> {
    fn columns(&mut self, columns: &[ColumnMeta]) -> Result<(), Abort> {
        self.inner.columns(columns)
    }
    fn row(&mut self, values: &[Value]) -> Result<(), Abort> {
        self.inner.row(values)
    }
    fn done(&mut self, done: Done) -> Result<(), Abort> {
        self.inner.done_in_proc(done)
    }
    fn done_in_proc(&mut self, done: Done) -> Result<(), Abort> {
        self.inner.done_in_proc(done)
    }
    fn message(&mut self, message: &SqlError, is_error: bool) -> Result<(), Abort> {
        if is_error && message.class > 10 {
            self.error_class = Some(message.class);
        }
        if message.procedure.is_empty() && !self.name.is_empty() {
            let mut m = message.clone();
            m.procedure = self.name.to_string();
            return self.inner.message(&m, is_error);
        }
        self.inner.message(message, is_error)
    }
    fn env_change(&mut self, change: &EnvChange) -> Result<(), Abort> {
        self.inner.env_change(change)
    }
    fn cancelled(&self) -> bool {
        self.inner.cancelled()
    }
}
