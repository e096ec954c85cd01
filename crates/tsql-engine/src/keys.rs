//! Duplicate-key errors as SQL Server words them (2627, 2601, with the duplicate value).
//!
//! SQLite's own UNIQUE failure names neither the constraint nor the value, so every unique
//! key gets BEFORE INSERT / BEFORE UPDATE triggers that raise SQL Server's message (the
//! UPDATE one tells the row itself from others by its locator, `storage::Storage`). Creating
//! them costs a schema change each, so for database tables they are created lazily, on a
//! table's first write, from the catalog (temporary tables get them at once).

use rusqlite::params;

use crate::catalog::{literal, quote, TableMeta};
use crate::errors;
use crate::session::{Res, Session};

/// What a unique key is, for its error message.
#[derive(Clone, Copy, PartialEq)]
pub enum UniqueKind {
    PrimaryKey,
    UniqueConstraint,
    UniqueIndex,
}

/// The trigger statements that enforce unique key `name` on `cols` of `t`.
pub fn trigger_sql(t: &TableMeta, kind: UniqueKind, name: &str, cols: &[String]) -> Vec<String> {
    let object = format!("{}.{}", t.schema, t.name);
    let message = match kind {
        UniqueKind::PrimaryKey => format!("2627|Violation of PRIMARY KEY constraint '{name}'. Cannot insert duplicate key in object '{object}'. The duplicate key value is ("),
        UniqueKind::UniqueConstraint => format!("2627|Violation of UNIQUE KEY constraint '{name}'. Cannot insert duplicate key in object '{object}'. The duplicate key value is ("),
        UniqueKind::UniqueIndex => format!("2601|Cannot insert duplicate key row in object '{object}' with unique index '{name}'. The duplicate key value is ("),
    };
    let cond: Vec<String> = cols
        .iter()
        .map(|n| format!("{0} IS NEW.{0}", quote(n)))
        .collect();
    let vals: Vec<String> = cols
        .iter()
        .map(|n| format!("coalesce(CAST(NEW.{} AS TEXT), '<NULL>')", quote(n)))
        .collect();
    let raise = format!(
        "{} || {} || ').'",
        literal(&format!("{}{message}", errors::RAISE_PREFIX)),
        vals.join(" || ', ' || ")
    );
    let temp = t.db == "temp";
    let create = if temp {
        "CREATE TEMP TRIGGER IF NOT EXISTS"
    } else {
        "CREATE TRIGGER IF NOT EXISTS"
    };
    // A temporary trigger takes no database name (it lives in `temp`).
    let db = if temp {
        String::new()
    } else {
        format!("{}.", quote(&t.db))
    };
    let table = quote(&t.sqlite_name);
    let base = format!("{}.{}", t.sqlite_name, name);
    let of: Vec<String> = cols.iter().map(|n| quote(n)).collect();
    vec![
        format!(
            "{create} {db}{} BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM {table} WHERE {}) BEGIN SELECT RAISE(ABORT, {raise}); END",
            quote(&format!("{base}.ins")),
            cond.join(" AND ")
        ),
        format!(
            "{create} {db}{} BEFORE UPDATE OF {} ON {table} WHEN EXISTS (SELECT 1 FROM {table} WHERE {} AND {}) BEGIN SELECT RAISE(ABORT, {raise}); END",
            quote(&format!("{base}.upd")),
            of.join(", "),
            cond.join(" AND "),
            t.storage.other_than("OLD")
        ),
    ]
}

/// Whether SQLite trigger `name` on `t` is one of [`trigger_sql`]'s.
pub fn is_key_trigger(t: &TableMeta, name: &str) -> bool {
    name.strip_prefix(&t.sqlite_name).is_some_and(|rest| {
        rest.starts_with('.') && (rest.ends_with(".ins") || rest.ends_with(".upd"))
    })
}

/// Creates the key triggers of a database table before its first write (once per catalog
/// generation and table in this process).
pub fn ensure_triggers(s: &Session, t: &TableMeta) -> Res<()> {
    if t.db == "temp" || t.is_view {
        return Ok(());
    }
    let generation = s.engine.catalog_generation();
    let key = (
        t.db.to_ascii_lowercase(),
        t.sqlite_name.to_ascii_lowercase(),
        generation,
    );
    {
        let ready = s
            .engine
            .triggers_ready
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if ready.contains(&key) {
            return Ok(());
        }
    }
    let db = quote(&t.db);
    let mut keys = Vec::new();
    {
        let mut stmt = s
            .conn
            .prepare_cached(&format!(
                "SELECT index_id, name, is_primary_key, is_unique_constraint FROM {db}.__mssql_indexes WHERE object_id = ?1 AND is_unique = 1"
            ))
            .map_err(|e| errors::internal(&e))?;
        let rows = stmt
            .query_map([t.object_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, bool>(3)?,
                ))
            })
            .map_err(|e| errors::internal(&e))?;
        for row in rows {
            keys.push(row.map_err(|e| errors::internal(&e))?);
        }
    }
    for (index_id, name, pk, uq) in keys {
        let mut cols = Vec::new();
        {
            let mut stmt = s
                .conn
                .prepare_cached(&format!(
                    "SELECT column_name FROM {db}.__mssql_index_columns WHERE object_id = ?1 AND index_id = ?2 AND is_included_column = 0 ORDER BY key_ordinal"
                ))
                .map_err(|e| errors::internal(&e))?;
            let rows = stmt
                .query_map(params![t.object_id, index_id], |r| r.get::<_, String>(0))
                .map_err(|e| errors::internal(&e))?;
            for row in rows {
                cols.push(row.map_err(|e| errors::internal(&e))?);
            }
        }
        let kind = if pk {
            UniqueKind::PrimaryKey
        } else if uq {
            UniqueKind::UniqueConstraint
        } else {
            UniqueKind::UniqueIndex
        };
        for sql in trigger_sql(t, kind, &name, &cols) {
            s.conn
                .execute_batch(&sql)
                .map_err(|e| errors::from_sqlite(&e))?;
        }
    }
    s.engine
        .triggers_ready
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key);
    Ok(())
}
