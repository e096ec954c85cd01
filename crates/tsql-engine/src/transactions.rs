//! Transactions: BEGIN/COMMIT/ROLLBACK TRANSACTION (nesting counts `@@TRANCOUNT`, only the
//! outermost pair reaches SQLite) and the TDS transaction-manager requests.

use tds_protocol::types::SqlError;

use crate::errors;
use crate::session::{finish, Res, Session};
use crate::sink::{Abort, EnvChange, ResultSink};

impl Session {
    pub(crate) fn begin(&mut self, out: &mut dyn ResultSink) -> Res<()> {
        if self.tran_count == 0 {
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
