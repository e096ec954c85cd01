//! SQLite functions the engine itself needs (as opposed to T-SQL built-ins): catalog helpers
//! that look at the connection they run on.

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use crate::catalog::quote;
use crate::translate::names::Parts;

/// Registers the engine's own helper functions on `conn`.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    crate::catalog::size::register(conn)?;
    // A rowversion value: the counter as 8 bytes, big-endian.
    conn.create_scalar_function(
        "__mssql_rv",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let v: Option<i64> = ctx.get(0)?;
            Ok(v.map(|v| v.to_be_bytes().to_vec()))
        },
    )?;
    // OBJECT_ID of a name known only at run time: its `schema.name` key in
    // `__mssql_objects.sqlite_name` (the default schema is dbo).
    conn.create_scalar_function(
        "__mssql_object_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let name: Option<String> = ctx.get(0)?;
            Ok(name.and_then(|n| Parts::parse(&n).ok()).map(|p| {
                let schema = p.schema.unwrap_or_else(|| "dbo".into());
                format!("{schema}.{}", p.name)
            }))
        },
    )?;
    // `sys.partitions.rows`: the current row count of a table, NULL if it is gone.
    conn.create_scalar_function("__mssql_rowcount", 2, FunctionFlags::SQLITE_UTF8, |ctx| {
        let db: String = ctx.get(0)?;
        let table: Option<String> = ctx.get(1)?;
        let Some(table) = table else { return Ok(None) };
        // SAFETY: the connection is only used to run a read-only query while the calling
        // statement is stepping, which SQLite allows on the same connection.
        let conn = unsafe { ctx.get_connection()? };
        let sql = format!("SELECT count(*) FROM {}.{}", quote(&db), quote(&table));
        Ok(conn.query_row(&sql, [], |r| r.get::<_, i64>(0)).ok())
    })
}
