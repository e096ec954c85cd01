//! Bulk load, as bulk clients (tiberius' `bulk_insert`, python-tds' `copy_to`, FreeTDS'
//! `freebcp`, `bcp`, SqlBulkCopy) do it: an `INSERT BULK` statement names the table and the
//! columns ([`statement`]), then a BulkLoad message carries COLMETADATA, the rows and a DONE;
//! the listener decodes the message and hands its rows to [`Session::bulk_load`] one by one.
//!
//! Rows go in through the statement INSERT builds ([`crate::dml::column_values`]: identity,
//! rowversion and defaults filled the same way), prepared once per message and run once per
//! row; each value is converted to its column's type by the same implicit conversion as
//! INSERT's ([`crate::convert::from_value`]). The whole message is one transaction (a
//! savepoint inside the client's transaction): any failure rolls all of its rows back, as
//! SQL Server rolls back the batch.
//!
//! As on SQL Server: a NULL takes the column's default unless `KEEP_NULLS`; an identity
//! column named in the column list keeps the values sent (bulk clients name it only to keep
//! them: tiberius' KeepIdentity, `freebcp -E`) and is generated otherwise; a rowversion column
//! is always generated. `CHECK_CONSTRAINTS`, `FIRE_TRIGGERS`, `TABLOCK` and the batch hints
//! are accepted: the emulator enforces no CHECK or FOREIGN KEY constraint and has no user
//! triggers for any statement, and its write lock covers the whole database.

mod load;
pub mod statement;

use std::sync::Arc;

use tds_protocol::types::{SqlError, SqlType};

use crate::catalog::TableMeta;
use crate::errors;
use crate::session::{finish, Res, Session};
use crate::sink::ResultSink;
use crate::translate::names::Parts;

pub use load::{BulkFail, BulkRows};
pub use statement::{BulkOptions, InsertBulk};

/// What an accepted `INSERT BULK` leaves for the BulkLoad message that follows it.
#[derive(Debug, Clone)]
pub(crate) struct BulkTarget {
    pub table: Arc<TableMeta>,
    /// For each column of the statement's list (and of the message's rows): the table
    /// column it fills, `None` for a rowversion column (its values are ignored).
    pub columns: Vec<Option<usize>>,
    /// The names in the statement's list, for error texts.
    pub names: Vec<String>,
    pub options: BulkOptions,
    /// Identity values come from the rows.
    pub explicit_identity: bool,
}

impl Session {
    /// Runs `INSERT BULK`: checks the table and columns and waits for the rows.
    pub(crate) fn insert_bulk(
        &mut self,
        parsed: Result<InsertBulk, SqlError>,
        out: &mut dyn ResultSink,
    ) -> Result<(), crate::Abort> {
        let r = parsed
            .map_err(Into::into)
            .and_then(|stmt| self.bulk_target(stmt))
            .and_then(|target| {
                self.bulk = Some(target);
                self.rowcount = 0;
                self.done(out, None)
            });
        finish(out, r)
    }

    fn bulk_target(&self, stmt: InsertBulk) -> Res<BulkTarget> {
        let t = self.resolver().table_parts(&Parts::parse(&stmt.table)?)?;
        if t.is_view {
            return Err(errors::not_supported("INSERT BULK into a view").into());
        }
        let listed: Vec<String> = match &stmt.columns {
            Some(cols) => cols.iter().map(|(name, _)| name.clone()).collect(),
            None => t
                .columns
                .iter()
                .filter(|c| !c.identity && c.ty != SqlType::RowVersion)
                .map(|c| c.name.clone())
                .collect(),
        };
        let mut columns = Vec::with_capacity(listed.len());
        for name in &listed {
            let (j, c) = t.column(name).ok_or_else(|| errors::invalid_column(name))?;
            if columns.contains(&Some(j)) {
                return Err(SqlError::new(
                    264,
                    16,
                    format!("The column name '{}' is specified more than once in the SET clause or column list of an INSERT. A column cannot be assigned more than one value in the same clause. Modify the clause to make sure that a column is updated only once. If this statement updates or inserts columns into a view, column aliasing can conceal the duplication in your code.", c.name),
                )
                .into());
            }
            columns.push((c.ty != SqlType::RowVersion).then_some(j));
        }
        let explicit_identity = t
            .identity
            .is_some_and(|id| columns.contains(&Some(id.column)));
        Ok(BulkTarget {
            table: t,
            columns,
            names: listed,
            options: stmt.options,
            explicit_identity,
        })
    }
}
