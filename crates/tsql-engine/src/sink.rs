//! What a statement produces, handed to whoever serves the client (the TDS listener, a test).
//!
//! The engine streams: it calls [`ResultSink::row`] as SQLite steps, so a result of any size
//! is never held in memory, and it asks [`ResultSink::cancelled`] between rows so that a
//! client's attention stops a long result.

use tds_protocol::types::{ColumnMeta, SqlError, SqlType, Value};

/// Why the engine stopped producing output early.
#[derive(Debug)]
pub enum Abort {
    /// The client sent an attention: stop, the caller answers with DONE(attention).
    Cancelled,
    /// The sink could not write (the client went away).
    Io(std::io::Error),
}

impl From<std::io::Error> for Abort {
    fn from(e: std::io::Error) -> Abort {
        Abort::Io(e)
    }
}

/// The end of one statement: SQL Server's DONE (or DONEINPROC inside a procedure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Done {
    /// Rows affected or returned, where the statement counts them (DONE_COUNT).
    pub rowcount: Option<u64>,
    /// The statement failed (DONE_ERROR).
    pub error: bool,
}

/// A change of the session's environment that the client must be told of (ENVCHANGE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvChange {
    Database {
        old: String,
        new: String,
    },
    /// A transaction began; the descriptor identifies it in later requests' headers.
    BeginTransaction {
        descriptor: u64,
    },
    CommitTransaction {
        descriptor: u64,
    },
    RollbackTransaction {
        descriptor: u64,
    },
}

/// Receives the output of a batch, in the order SQL Server sends it.
pub trait ResultSink {
    /// A result set begins (COLMETADATA).
    fn columns(&mut self, columns: &[ColumnMeta]) -> Result<(), Abort>;
    /// One row of the current result set, a value per column.
    fn row(&mut self, values: &[Value]) -> Result<(), Abort>;
    /// A statement ended.
    fn done(&mut self, done: Done) -> Result<(), Abort>;
    /// An error (`is_error`) or an informational message (INFO, e.g. 5701 on USE).
    fn message(&mut self, message: &SqlError, is_error: bool) -> Result<(), Abort>;
    /// The session's environment changed.
    fn env_change(&mut self, change: &EnvChange) -> Result<(), Abort>;
    /// A statement of a procedure's body ended (DONEINPROC).
    fn done_in_proc(&mut self, done: Done) -> Result<(), Abort> {
        self.done(done)
    }
    /// A procedure the batch called ended with `status` (RETURNSTATUS, then DONEPROC). A
    /// server answering an RPC sends its own for the call instead.
    fn procedure_end(&mut self, status: i32) -> Result<(), Abort> {
        let _ = status;
        Ok(())
    }
    /// True once the client asked to cancel the running request.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A parameter of a parameterized statement (`sp_executesql`, prepared statements).
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name with its `@`, as the statement refers to it (`@P1`).
    pub name: String,
    pub ty: SqlType,
    pub value: Value,
    /// An OUTPUT parameter: the engine writes its final value back into `value`.
    pub output: bool,
}

/// Passes everything on but rows: `SET FMTONLY ON`, under which a query describes its
/// result (COLMETADATA) and returns no row (FreeTDS' bcp asks for a table's columns so).
pub(crate) struct ColumnsOnly<'a>(pub &'a mut dyn ResultSink);

impl ResultSink for ColumnsOnly<'_> {
    fn columns(&mut self, columns: &[ColumnMeta]) -> Result<(), Abort> {
        self.0.columns(columns)
    }
    fn row(&mut self, _values: &[Value]) -> Result<(), Abort> {
        Ok(())
    }
    fn done(&mut self, done: Done) -> Result<(), Abort> {
        self.0.done(Done {
            rowcount: done.rowcount.map(|_| 0),
            ..done
        })
    }
    fn done_in_proc(&mut self, done: Done) -> Result<(), Abort> {
        self.0.done_in_proc(Done {
            rowcount: done.rowcount.map(|_| 0),
            ..done
        })
    }
    fn procedure_end(&mut self, status: i32) -> Result<(), Abort> {
        self.0.procedure_end(status)
    }
    fn message(&mut self, message: &SqlError, is_error: bool) -> Result<(), Abort> {
        self.0.message(message, is_error)
    }
    fn env_change(&mut self, change: &EnvChange) -> Result<(), Abort> {
        self.0.env_change(change)
    }
    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}
