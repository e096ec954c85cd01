//! A T-SQL engine on SQLite.
//!
//! T-SQL is parsed with sqlparser's MsSqlDialect (after a pre-pass for the forms it does not
//! parse), rewritten to SQLite's dialect, and run on an embedded SQLite with SQL Server's
//! types, collation, errors and catalog views layered on top.
//!
//! - [`Engine`]: the server's databases; shared by all sessions.
//! - [`Session`]: one client connection's state (current database, transactions, temp tables).
//! - [`sink`]: what a batch produces, streamed to the caller.

pub mod sink;

pub use sink::{Abort, Done, EnvChange, Param, ResultSink};
pub use tds_protocol::types::{ColumnMeta, SqlError, SqlType, Value};

use std::path::PathBuf;
use std::sync::Arc;

/// How to open an engine.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Where databases live, one SQLite file each. `None`: a private temporary directory
    /// (in memory where the machine has `/dev/shm`) removed when the engine is dropped.
    pub data_dir: Option<PathBuf>,
    /// Databases to create at start if missing (besides `master`, `tempdb`, `model`, `msdb`).
    pub databases: Vec<String>,
    /// The name `@@SERVERNAME`, `SERVERPROPERTY('ServerName')` and ERROR tokens carry.
    pub server_name: String,
}

/// The server's databases, shared by all sessions.
pub struct Engine {
    _private: (),
}

impl Engine {
    pub fn open(_options: EngineOptions) -> Result<Arc<Engine>, SqlError> {
        todo!("engine helper")
    }

    /// True if a database of that name exists (case-insensitive).
    pub fn database_exists(&self, _name: &str) -> bool {
        todo!("engine helper")
    }

    /// A new session in `database` for `login`: SQL Server's error 4060 when it does not exist.
    /// `spid` is what `@@SPID` returns.
    pub fn session(
        self: &Arc<Engine>,
        _login: &str,
        _database: &str,
        _spid: u16,
    ) -> Result<Session, SqlError> {
        todo!("engine helper")
    }
}

/// One connection's state: current database, open transaction, temporary tables, @@ROWCOUNT.
pub struct Session {
    _private: (),
}

impl Session {
    /// Runs a batch of one or more statements, streaming what it produces into `out`.
    /// SQL errors go to `out` as messages (the batch stops or goes on as SQL Server's would);
    /// `Err` only when the sink aborts (attention or I/O).
    pub fn execute(
        &mut self,
        _sql: &str,
        _params: &mut [Param],
        _out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        todo!("engine helper")
    }

    /// The current database's name.
    pub fn database(&self) -> &str {
        todo!("engine helper")
    }

    /// `@@TRANCOUNT`.
    pub fn transaction_count(&self) -> u32 {
        todo!("engine helper")
    }

    /// A transaction manager request (TM_BEGIN_XACT): as `BEGIN TRANSACTION`.
    pub fn begin_transaction(&mut self, _out: &mut dyn ResultSink) -> Result<(), Abort> {
        todo!("engine helper")
    }

    /// TM_COMMIT_XACT: as `COMMIT`.
    pub fn commit(&mut self, _out: &mut dyn ResultSink) -> Result<(), Abort> {
        todo!("engine helper")
    }

    /// TM_ROLLBACK_XACT: as `ROLLBACK`.
    pub fn rollback(&mut self, _out: &mut dyn ResultSink) -> Result<(), Abort> {
        todo!("engine helper")
    }
}
