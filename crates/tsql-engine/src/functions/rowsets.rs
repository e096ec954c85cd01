//! Table-valued functions as SQLite eponymous virtual tables: `__mssql_tvf_<name>(args)` in a
//! FROM clause, whose arguments may be columns of the tables on their left (SQLite passes
//! them as constraints on hidden columns), which is what CROSS and OUTER APPLY need.
//!
//! A function is a [`RowSource`]: its visible columns and how many arguments it takes, and
//! the rows for one set of arguments (computed whole when SQLite starts the scan).
//! [`register`] makes a module of each; `translate::tvf` knows their T-SQL names, types and
//! arguments. SQL Server errors raised by `rows` reach the client with their own number.

use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::sync::Arc;

use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::vtab::{
    Context, Filters, IndexConstraintOp, IndexInfo, Module, VTab, VTabConnection, VTabCursor,
};
use rusqlite::{ffi, Connection};
use tds_protocol::types::SqlError;

use super::raise;

/// Rows of one call.
pub type Rows = Vec<Vec<SqliteValue>>;

/// What a table-valued function computes.
pub trait RowSource: Send + Sync + 'static {
    /// The visible columns, in order (the arguments follow them as hidden columns).
    fn columns(&self) -> &'static [&'static str];
    /// The most arguments a call passes (trailing ones may be left out: they are NULL).
    fn arguments(&self) -> usize;
    /// The rows for these arguments.
    fn rows(&self, args: &[ValueRef<'_>]) -> Result<Rows, SqlError>;
}

/// The SQLite name of table-valued function `name` (`__mssql_tvf_string_split`).
pub fn module_name(name: &str) -> String {
    format!("__mssql_tvf_{}", name.to_ascii_lowercase())
}

/// Registers `source` as `__mssql_tvf_<name>` on `conn`.
pub fn register(conn: &Connection, name: &str, source: Arc<dyn RowSource>) -> rusqlite::Result<()> {
    const MODULE: Module<'static, RowsTab> = Module::eponymous_only_module();
    conn.create_module(module_name(name).as_str(), &MODULE, Some(source))
}

#[repr(C)]
struct RowsTab {
    /// Base class; must be first.
    base: ffi::sqlite3_vtab,
    source: Arc<dyn RowSource>,
}

unsafe impl<'vtab> VTab<'vtab> for RowsTab {
    type Aux = Arc<dyn RowSource>;
    type Cursor = RowsCursor<'vtab>;

    fn connect(
        _: &mut VTabConnection,
        aux: Option<&Self::Aux>,
        _module: &[u8],
        _database: &[u8],
        _table: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let source = aux.cloned().ok_or_else(|| {
            rusqlite::Error::ModuleError("table function without a source".into())
        })?;
        let mut cols: Vec<String> = source
            .columns()
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        for i in 0..source.arguments() {
            cols.push(format!("arg{i} HIDDEN"));
        }
        let schema = CString::new(format!("CREATE TABLE x({})", cols.join(", ")))
            .map_err(|e| rusqlite::Error::ModuleError(e.to_string()))?;
        Ok((
            Cow::Owned(schema),
            RowsTab {
                base: ffi::sqlite3_vtab::default(),
                source,
            },
        ))
    }

    /// Every argument given is an `=` constraint on a hidden column; `idx_num` records which
    /// arguments got one (they arrive in argument order).
    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        let visible = self.source.columns().len() as c_int;
        // (argument, constraint) for each usable `=` on a hidden column, first one per argument.
        let mut chosen: Vec<(c_int, usize)> = Vec::new();
        let mut unusable = false;
        for (k, (c, _)) in info.constraints_and_usages().enumerate() {
            let arg = c.column() - visible;
            if arg < 0 || c.operator() != IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ {
                continue;
            }
            if !c.is_usable() {
                unusable = true;
            } else if !chosen.iter().any(|(a, _)| *a == arg) {
                chosen.push((arg, k));
            }
        }
        chosen.sort();
        let mut given = 0;
        for (k, (_, mut usage)) in info.constraints_and_usages().enumerate() {
            if let Some(pos) = chosen.iter().position(|(_, ck)| *ck == k) {
                usage.set_argv_index(pos as c_int + 1);
                usage.set_omit(true);
                given |= 1 << chosen[pos].0;
            }
        }
        if unusable {
            // An argument comes from a table SQLite has not placed before this one: refuse
            // this order (SQLITE_CONSTRAINT), so the planner puts that table first.
            return Ok(false);
        }
        info.set_estimated_cost(10.0);
        info.set_estimated_rows(10);
        info.set_idx_num(given);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<RowsCursor<'vtab>> {
        Ok(RowsCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            source: self.source.clone(),
            rows: Vec::new(),
            at: 0,
            phantom: PhantomData,
        })
    }
}

#[repr(C)]
struct RowsCursor<'vtab> {
    /// Base class; must be first.
    base: ffi::sqlite3_vtab_cursor,
    source: Arc<dyn RowSource>,
    rows: Rows,
    at: usize,
    phantom: PhantomData<&'vtab RowsTab>,
}

unsafe impl VTabCursor for RowsCursor<'_> {
    fn filter(
        &mut self,
        idx_num: c_int,
        _: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<()> {
        let n = self.source.arguments();
        let mut given = args.iter();
        let values: Vec<ValueRef<'_>> = (0..n)
            .map(|i| {
                if idx_num & (1 << i) != 0 {
                    given.next().unwrap_or(ValueRef::Null)
                } else {
                    ValueRef::Null
                }
            })
            .collect();
        self.rows = self.source.rows(&values).map_err(raise)?;
        self.at = 0;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.at += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.at >= self.rows.len()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        match self.rows.get(self.at).and_then(|r| r.get(i as usize)) {
            Some(v) => ctx.set_result(v),
            None => ctx.set_result(&SqliteValue::Null),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.at as i64 + 1)
    }
}

/// STRING_SPLIT(string, separator [, enable_ordinal]): `value`, `ordinal`.
struct StringSplit;

impl RowSource for StringSplit {
    fn columns(&self) -> &'static [&'static str] {
        &["value", "ordinal"]
    }

    fn arguments(&self) -> usize {
        3
    }

    fn rows(&self, args: &[ValueRef<'_>]) -> Result<Rows, SqlError> {
        let Some(s) = super::args::text(args[0]) else {
            return Ok(Vec::new());
        };
        let sep = super::args::text(args[1]).unwrap_or_default();
        let mut chars = sep.chars();
        let (Some(sep), None) = (chars.next(), chars.next()) else {
            return Err(SqlError::new(
                214,
                16,
                "Procedure expects parameter 'separator' of type 'nchar(1)/nvarchar(1)'.",
            ));
        };
        Ok(s.split(sep)
            .enumerate()
            .map(|(i, part)| {
                vec![
                    SqliteValue::Text(part.to_string()),
                    SqliteValue::Integer(i as i64 + 1),
                ]
            })
            .collect())
    }
}

/// OPENJSON(json [, path]): `key`, `value`, `type`, and `__raw` (the element's JSON text,
/// which the WITH clause's columns read).
struct OpenJson;

impl RowSource for OpenJson {
    fn columns(&self) -> &'static [&'static str] {
        &["key", "value", "type", "__raw"]
    }

    fn arguments(&self) -> usize {
        2
    }

    fn rows(&self, args: &[ValueRef<'_>]) -> Result<Rows, SqlError> {
        if let ValueRef::Blob(_) = args[0] {
            return Err(SqlError::new(
                8116,
                16,
                "Argument data type varbinary is invalid for argument 1 of openjson function.",
            ));
        }
        let json = super::args::text(args[0]);
        let path = super::args::text(args[1]);
        let rows = super::json::rows(json.as_deref(), path.as_deref())?;
        Ok(rows
            .into_iter()
            .map(|r| {
                vec![
                    SqliteValue::Text(r.key),
                    r.value.map_or(SqliteValue::Null, SqliteValue::Text),
                    SqliteValue::Integer(r.kind.openjson_type()),
                    SqliteValue::Text(r.raw),
                ]
            })
            .collect())
    }
}

/// Registers the built-in table-valued functions.
pub fn register_builtins(conn: &Connection) -> rusqlite::Result<()> {
    register(conn, "string_split", Arc::new(StringSplit))?;
    register(conn, "openjson", Arc::new(OpenJson))?;
    Ok(())
}
