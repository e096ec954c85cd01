//! The server's databases: one SQLite file each, listed in master's `__mssql_databases`,
//! attached under their own names to every session's connection.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use tds_protocol::types::SqlError;

use crate::catalog::{self, quote};
use crate::errors;

/// Databases every server has.
pub const SYSTEM_DATABASES: &[&str] = &["master", "tempdb", "model", "msdb"];

/// One database of the server.
#[derive(Debug, Clone, PartialEq)]
pub struct DbEntry {
    pub name: String,
    pub id: i64,
    pub path: PathBuf,
}

/// The file a database named `name` lives in: a name safe on any file system.
pub fn file_for(dir: &Path, name: &str) -> PathBuf {
    let mut file = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            file.push(c);
        } else {
            file.push_str(&format!("~{:x}", c as u32));
        }
    }
    dir.join(format!("{file}.sqlite"))
}

/// A fresh connection with the engine's functions, and every database attached.
pub fn connect(dbs: &[DbEntry]) -> Result<Connection, SqlError> {
    let conn = Connection::open_in_memory().map_err(|e| errors::internal(&e))?;
    // SQL Server's default LOCK_TIMEOUT is -1: wait for locks without limit.
    conn.busy_timeout(crate::transactions::lock_wait(-1))
        .map_err(|e| errors::internal(&e))?;
    crate::functions::register(&conn).map_err(|e| errors::internal(&e))?;
    crate::session_functions::register(&conn).map_err(|e| errors::internal(&e))?;
    conn.set_prepared_statement_cache_capacity(256);
    let _ = conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 125);
    for db in dbs {
        attach(&conn, db)?;
    }
    Ok(conn)
}

/// Attaches `db` to `conn` under its name, in WAL mode.
pub fn attach(conn: &Connection, db: &DbEntry) -> Result<(), SqlError> {
    let path = db.path.to_string_lossy().to_string();
    conn.execute(&format!("ATTACH DATABASE ?1 AS {}", quote(&db.name)), [path])
        .map_err(|e| {
            if e.to_string().contains("too many attached") {
                SqlError::new(
                    1807,
                    16,
                    format!("Could not open database '{}': too many databases are attached to one session (the limit is {}).", db.name,
                        conn.limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED).unwrap_or(10)),
                )
            } else {
                errors::internal(&e)
            }
        })?;
    let _: String = conn
        .query_row(
            &format!("PRAGMA {}.journal_mode=WAL", quote(&db.name)),
            [],
            |r| r.get(0),
        )
        .map_err(|e| errors::internal(&e))?;
    conn.execute_batch(&format!("PRAGMA {}.synchronous=NORMAL", quote(&db.name)))
        .map_err(|e| errors::internal(&e))?;
    Ok(())
}

/// Reads the database list from master (attached to `conn` as `master`).
pub fn list(conn: &Connection, dir: &Path) -> Result<Vec<DbEntry>, SqlError> {
    let mut stmt = conn
        .prepare("SELECT name, database_id FROM master.__mssql_databases ORDER BY database_id")
        .map_err(|e| errors::internal(&e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(|e| errors::internal(&e))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, id) = row.map_err(|e| errors::internal(&e))?;
        let path = file_for(dir, &name);
        out.push(DbEntry { name, id, path });
    }
    Ok(out)
}

/// Records a new database in master and creates its file with the catalog; `conn` has
/// master attached. Returns the entry (attached to `conn` on return).
pub fn create(conn: &Connection, dir: &Path, name: &str) -> Result<DbEntry, SqlError> {
    let id: i64 = conn
        .query_row(
            "SELECT coalesce(max(database_id), 0) + 1 FROM master.__mssql_databases",
            [],
            |r| r.get(0),
        )
        .map_err(|e| errors::internal(&e))?;
    let entry = DbEntry {
        name: name.to_string(),
        id,
        path: file_for(dir, name),
    };
    let _ = std::fs::remove_file(&entry.path);
    attach(conn, &entry)?;
    catalog::init_database(conn, name, name)?;
    conn.execute(
        "INSERT INTO master.__mssql_databases VALUES (?1, ?2, NULL, X'01', strftime('%Y-%m-%d %H:%M:%f0000', 'now'), 160, ?3, 0, 'MULTI_USER', 0, 0, 'ONLINE', 3, 'SIMPLE', ?4)",
        rusqlite::params![name, id, catalog::types::COLLATION, entry.path.to_string_lossy()],
    )
    .map_err(|e| errors::internal(&e))?;
    Ok(entry)
}
