//! Transactions: BEGIN/COMMIT/ROLLBACK TRANSACTION (nesting counts `@@TRANCOUNT`, only the
//! outermost pair reaches SQLite) and the TDS transaction-manager requests.

use std::time::Duration;

use rusqlite::TransactionState;
use tds_protocol::types::SqlError;

use crate::errors;
use crate::session::{finish, Res, Session};
use crate::sink::{Abort, EnvChange, ResultSink};

impl Session {
    pub(crate) fn begin(&mut self, out: &mut dyn ResultSink) -> Res<()> {
        if self.tran_count == 0 {
            // Deferred: a transaction that only reads holds no lock while it is open.
            self.conn
                .execute_batch("BEGIN")
                .map_err(|e| errors::from_sqlite(&e))?;
            self.descriptor = self.engine.descriptor();
            out.env_change(&EnvChange::BeginTransaction {
                descriptor: self.descriptor,
            })?;
        }
        self.tran_count += 1;
        Ok(())
    }

    pub(crate) fn commit_tran(&mut self, out: &mut dyn ResultSink) -> Res<()> {
        if self.tran_count == 0 {
            return Err(SqlError::new(
                3902,
                16,
                "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            )
            .into());
        }
        self.tran_count -= 1;
        if self.tran_count == 0 {
            self.conn
                .execute_batch("COMMIT")
                .map_err(|e| errors::from_sqlite(&e))?;
            self.end_transaction();
            out.env_change(&EnvChange::CommitTransaction {
                descriptor: self.descriptor,
            })?;
            self.descriptor = 0;
        }
        Ok(())
    }

    pub(crate) fn rollback_tran(&mut self, out: &mut dyn ResultSink) -> Res<()> {
        if self.tran_count == 0 {
            return Err(SqlError::new(
                3903,
                16,
                "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            )
            .into());
        }
        self.tran_count = 0;
        self.conn
            .execute_batch("ROLLBACK")
            .map_err(|e| errors::from_sqlite(&e))?;
        self.end_transaction();
        // Temp tables created inside the transaction are gone with it.
        let conn = &self.conn;
        self.temps.retain(|_, t| {
            conn.query_row(
                "SELECT count(*) FROM temp.sqlite_master WHERE name = ?1",
                [&t.sqlite_name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .unwrap_or(false)
        });
        self.engine.bump_catalog();
        out.env_change(&EnvChange::RollbackTransaction {
            descriptor: self.descriptor,
        })?;
        self.descriptor = 0;
        Ok(())
    }

    /// Runs several statements atomically: all or none. Outside a transaction they get one
    /// of their own that takes the write lock first (see [`Session::begin_writing`]);
    /// inside one, a savepoint.
    pub(crate) fn atomic<T>(&mut self, f: impl FnOnce(&mut Session) -> Res<T>) -> Res<T> {
        let own = self.conn.is_autocommit();
        let (commit, rollback) = if own {
            self.begin_writing()?;
            ("COMMIT", "ROLLBACK")
        } else {
            self.hold_write_lock()?;
            self.conn
                .execute_batch("SAVEPOINT __mssql_stmt")
                .map_err(|e| errors::internal(&e))?;
            (
                "RELEASE __mssql_stmt",
                "ROLLBACK TO __mssql_stmt; RELEASE __mssql_stmt",
            )
        };
        match f(self) {
            Ok(v) => {
                self.conn
                    .execute_batch(commit)
                    .map_err(|e| errors::from_sqlite(&e))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch(rollback);
                Err(e)
            }
        }
    }

    /// Opens a SQLite transaction holding the write lock from the start (waiting for it as
    /// long as LOCK_TIMEOUT allows). A deferred transaction that reads before it writes
    /// fails with SQLITE_BUSY_SNAPSHOT, without waiting, when another session wrote in
    /// between; SQL Server would have waited for the lock instead.
    pub(crate) fn begin_writing(&mut self) -> Res<()> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| errors::from_sqlite(&e))?;
        Ok(())
    }

    /// Before the first write of an explicit transaction: a transaction that has only read
    /// cannot take the write lock once another session has committed since its reads
    /// (SQLITE_BUSY_SNAPSHOT). Its reads need not stay repeatable under READ COMMITTED, so
    /// it restarts holding the write lock.
    pub(crate) fn hold_write_lock(&mut self) -> Res<()> {
        let state = self
            .conn
            .transaction_state(None::<&str>)
            .map_err(|e| errors::internal(&e))?;
        if state == TransactionState::Write {
            return Ok(());
        }
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| errors::from_sqlite(&e))?;
        self.begin_writing()
    }

    /// `SET LOCK_TIMEOUT ms`: SQLite's busy handler waits that long (-1: without limit).
    pub(crate) fn set_lock_timeout(&mut self, ms: i64) -> Res<()> {
        self.conn
            .busy_timeout(lock_wait(ms))
            .map_err(|e| errors::internal(&e))?;
        self.lock_timeout = ms.max(-1);
        Ok(())
    }

    fn end_transaction(&mut self) {
        if self.ddl_in_tran {
            self.engine.bump_catalog();
            self.ddl_in_tran = false;
        }
    }

    /// A transaction manager request (TM_BEGIN_XACT): as `BEGIN TRANSACTION`.
    pub fn begin_transaction(&mut self, out: &mut dyn ResultSink) -> Result<(), Abort> {
        let r = self.begin(out).and_then(|_| self.done(out, None));
        finish(out, r)
    }

    /// TM_COMMIT_XACT: as `COMMIT`.
    pub fn commit(&mut self, out: &mut dyn ResultSink) -> Result<(), Abort> {
        let r = self.commit_tran(out).and_then(|_| self.done(out, None));
        finish(out, r)
    }

    /// TM_ROLLBACK_XACT: as `ROLLBACK`.
    pub fn rollback(&mut self, out: &mut dyn ResultSink) -> Result<(), Abort> {
        let r = self.rollback_tran(out).and_then(|_| self.done(out, None));
        finish(out, r)
    }
}

/// The busy-handler wait for a LOCK_TIMEOUT: SQLite counts in `int` milliseconds, so
/// "without limit" is the longest it can wait (about 24 days).
pub(crate) fn lock_wait(ms: i64) -> Duration {
    let ms = if ms < 0 {
        i64::from(i32::MAX)
    } else {
        ms.min(i64::from(i32::MAX))
    };
    Duration::from_millis(ms as u64)
}
