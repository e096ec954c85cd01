//! The rows of a BulkLoad message into the table its `INSERT BULK` named.

use rusqlite::types::Value as SqliteValue;
use tds_protocol::types::{ColumnMeta, Date, Decimal, SqlError, SqlType, Time, Value};

use super::BulkTarget;
use crate::catalog::TableMeta;
use crate::session::{Fail, Res, Session, CANCEL_CHECK};
use crate::sink::{Abort, ResultSink};
use crate::{convert, dml, errors};

/// Why the rows stopped coming: the message is broken (SQL Server's 4815, 4804...; the
/// rest of it cannot be read) or the connection is.
#[derive(Debug)]
pub enum BulkFail {
    Sql(SqlError),
    Abort(Abort),
}

impl From<BulkFail> for Fail {
    fn from(f: BulkFail) -> Fail {
        match f {
            BulkFail::Sql(e) => Fail::Sql(e),
            BulkFail::Abort(a) => Fail::Abort(a),
        }
    }
}

/// The rows of a BulkLoad message, decoded by whoever reads the message.
pub trait BulkRows {
    /// The next row into `values` (one value per column of the message's COLMETADATA);
    /// `Ok(false)` after the last one.
    fn next_row(&mut self, values: &mut Vec<Value>) -> Result<bool, BulkFail>;
}

impl Session {
    /// Loads the rows of a BulkLoad message, whose COLMETADATA described `columns`, into
    /// the table of the `INSERT BULK` before it; answers with the row count (or the error).
    pub fn bulk_load(
        &mut self,
        columns: &[ColumnMeta],
        rows: &mut dyn BulkRows,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        let r = match self.bulk.take() {
            None => Err(SqlError::new(
                4806,
                16,
                "A bulk load message arrived without an INSERT BULK statement before it: send INSERT BULK first.",
            )
            .into()),
            // The key triggers first, outside the load's transaction: created inside it, a
            // failed load would roll them back while the engine counts them as made.
            Some(target) => check_columns(&target, columns)
                .map_err(Fail::from)
                .and_then(|_| crate::keys::ensure_triggers(self, &target.table))
                .and_then(|_| self.atomic(|s| load(s, &target, columns, rows, out))),
        };
        let r = r.and_then(|n| {
            self.rowcount = n as i64;
            self.done(out, Some(n))
        });
        crate::session::finish(out, r)
    }
}

/// The message's columns against the statement's: as many, and each of a type SQL Server
/// converts to its column's implicitly (else 4816, naming the column by its 1-based colid).
fn check_columns(target: &BulkTarget, columns: &[ColumnMeta]) -> Result<(), SqlError> {
    let bad_type = |colid: usize| {
        SqlError::new(
            4816,
            16,
            format!("Invalid column type from bcp client for colid {colid}."),
        )
    };
    if columns.len() != target.columns.len() {
        return Err(bad_type(columns.len().min(target.columns.len()) + 1));
    }
    for (i, (col, j)) in columns.iter().zip(&target.columns).enumerate() {
        if let Some(j) = j {
            let to = &target.table.columns[*j].ty;
            if !implicitly_convertible(&col.ty, to) {
                return Err(bad_type(i + 1));
            }
        }
    }
    Ok(())
}

/// Whether SQL Server converts values of `from` to `to` without CAST: a sample value of
/// `from` goes through the engine's conversion, whose refusals are 206, 257 and 529.
fn implicitly_convertible(from: &SqlType, to: &SqlType) -> bool {
    let Some(sample) = sample(from) else {
        return true;
    };
    !matches!(
        convert::from_value(&sample, to, "", ""),
        Err(e) if matches!(e.number, 206 | 257 | 529)
    )
}

/// A value of type `ty` (its zero), to try a conversion with.
fn sample(ty: &SqlType) -> Option<Value> {
    let zero_time = Time(0);
    Some(match ty {
        SqlType::Bit => Value::Bit(false),
        SqlType::TinyInt => Value::TinyInt(0),
        SqlType::SmallInt => Value::SmallInt(0),
        SqlType::Int => Value::Int(0),
        SqlType::BigInt => Value::BigInt(0),
        SqlType::Decimal { scale, .. } | SqlType::Numeric { scale, .. } => {
            Value::Decimal(Decimal {
                mantissa: 0,
                scale: *scale,
            })
        }
        SqlType::Money | SqlType::SmallMoney => Value::Money(0),
        SqlType::Real => Value::Real(0.0),
        SqlType::Float => Value::Float(0.0),
        SqlType::Date => Value::Date(Date(693_595)),
        SqlType::Time { .. } => Value::Time(zero_time),
        SqlType::SmallDateTime => Value::SmallDateTime {
            days: 0,
            minutes: 0,
        },
        SqlType::DateTime => Value::DateTime { days: 0, ticks: 0 },
        SqlType::DateTime2 { .. } => Value::DateTime2(Date(693_595), zero_time),
        SqlType::DateTimeOffset { .. } => Value::DateTimeOffset {
            date: Date(693_595),
            time: zero_time,
            offset_minutes: 0,
        },
        SqlType::Char(_)
        | SqlType::VarChar(_)
        | SqlType::NChar(_)
        | SqlType::NVarChar(_)
        | SqlType::Text
        | SqlType::NText
        | SqlType::Xml => Value::String(String::new()),
        SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion => {
            Value::Bytes(Vec::new())
        }
        SqlType::UniqueIdentifier => Value::Guid([0; 16]),
        SqlType::SqlVariant => return None,
    })
}

/// Inserts every row; returns how many. Runs inside [`Session::atomic`].
fn load(
    s: &mut Session,
    target: &BulkTarget,
    columns: &[ColumnMeta],
    rows: &mut dyn BulkRows,
    out: &mut dyn ResultSink,
) -> Res<u64> {
    let t = &target.table;
    // The table columns the rows fill, in the order their parameters are bound (?2...).
    let filled: Vec<usize> = target.columns.iter().flatten().copied().collect();
    let mut param = Vec::with_capacity(columns.len());
    let mut k = 0;
    for j in &target.columns {
        param.push(j.map(|_| {
            k += 1;
            k + 1
        }));
    }
    let (cols, exprs) = dml::column_values(s, t, &filled, "?1", |k, j| {
        let p = format!("?{}", k + 2);
        Ok(match dml::default_value(s, t, j)? {
            Some(default) if !target.options.keep_nulls => format!("coalesce({p}, {default})"),
            _ => p,
        })
    })?;
    let sql = if cols.is_empty() {
        format!("INSERT INTO {} DEFAULT VALUES", t.qualified())
    } else {
        format!(
            "INSERT INTO {} ({}) SELECT {}",
            t.qualified(),
            cols.join(", "),
            exprs.join(", ")
        )
    };
    let table_name = qualified_name(t);
    let n = {
        let mut stmt = s.conn.prepare(&sql).map_err(|e| errors::from_sqlite(&e))?;
        // ?1, the row's number, is there for an identity or rowversion column.
        let numbers_rows = stmt.parameter_count() >= 1;
        let mut values = Vec::with_capacity(columns.len());
        let mut n = 0u64;
        while rows.next_row(&mut values)? {
            n += 1;
            if n.is_multiple_of(CANCEL_CHECK) && out.cancelled() {
                return Err(Abort::Cancelled.into());
            }
            if numbers_rows {
                stmt.raw_bind_parameter(1, n as i64)
                    .map_err(|e| errors::internal(&e))?;
            }
            for (i, value) in values.iter().enumerate() {
                let (Some(p), Some(j)) = (param[i], target.columns[i]) else {
                    continue;
                };
                let c = &t.columns[j];
                let v: SqliteValue = convert::from_value(value, &c.ty, &table_name, &c.name)
                    .map_err(|e| conversion_error(e, n, i + 1, &target.names[i]))?;
                stmt.raw_bind_parameter(p, v)
                    .map_err(|e| errors::internal(&e))?;
            }
            stmt.raw_execute()
                .map_err(|e| dml::null_error(Fail::Sql(errors::from_sqlite(&e)), t, "INSERT"))?;
        }
        n
    };
    dml::after_insert(s, t, n, target.explicit_identity)?;
    Ok(n)
}

/// `db.schema.table` as SQL Server's messages name it.
fn qualified_name(t: &TableMeta) -> String {
    let db = if t.db == "temp" { "tempdb" } else { &t.db };
    format!("{db}.{}.{}", t.schema, t.name)
}

/// A value that does not convert to its column, as SQL Server's bulk load reports it:
/// 4863 when it would be cut, 4867 when out of range, 4864 otherwise; row and column
/// (colid) counted from 1.
fn conversion_error(e: SqlError, row: u64, colid: usize, name: &str) -> SqlError {
    let (number, what) = match e.number {
        2628 | 8152 => (4863, "truncation"),
        220 | 232 | 8115 | 8116 | 517 => (4867, "overflow"),
        _ => (
            4864,
            "type mismatch or invalid character for the specified codepage",
        ),
    };
    SqlError::new(
        number,
        16,
        format!("Bulk load data conversion error ({what}) for row {row}, column {colid} ({name})."),
    )
}
