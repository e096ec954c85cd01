//! `sys.allocation_units.used_pages`: a table's size on disk, in SQL Server's
//! 8 KB pages, measured from the SQLite b-tree that holds its rows.

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

/// SQL Server's page size.
const PAGE: i64 = 8192;

/// Registers `__mssql_used_pages(database, sqlite table)`: the 8 KB pages
/// its b-tree uses (overflow pages, where long values go, included), NULL
/// if it is gone.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("__mssql_used_pages", 2, FunctionFlags::SQLITE_UTF8, |ctx| {
        let db: String = ctx.get(0)?;
        let table: Option<String> = ctx.get(1)?;
        let Some(table) = table else { return Ok(None) };
        // SAFETY: the connection is only used to run a read-only query while the calling
        // statement is stepping, which SQLite allows on the same connection.
        let conn = unsafe { ctx.get_connection()? };
        let bytes = conn
            .query_row(
                "SELECT sum(pgsize) FROM dbstat(?1, 1) WHERE name = ?2",
                rusqlite::params![db, table],
                |r| r.get::<_, Option<i64>>(0),
            )
            .ok()
            .flatten();
        Ok(bytes.map(|b| (b + PAGE - 1) / PAGE))
    })
}
