//! Keys and indexes on existing tables: ALTER TABLE ADD/DROP CONSTRAINT and DROP INDEX.

use rusqlite::{params, OptionalExtension};
use sqlparser::ast::{ObjectName, Statement, TableConstraint};
use tds_protocol::types::SqlError;

use crate::catalog::record::record_heap;
use crate::catalog::{literal, quote, TableMeta};
use crate::ddl::{add_key, auto_name, index_columns, Key, KeyKind, Placement};
use crate::errors;
use crate::session::{Res, Session};
use crate::storage::{self, ClusterKey, Storage};
use crate::translate::names::Parts;

/// An index's catalog row: (index_id, SQLite index, is_primary_key, is_unique_constraint).
fn find_index(s: &Session, t: &TableMeta, name: &str) -> Res<Option<(i64, String, bool, bool)>> {
    s.conn
        .query_row(
            &format!(
                "SELECT index_id, sqlite_index, is_primary_key, is_unique_constraint FROM {}.__mssql_indexes WHERE object_id = ?1 AND name = ?2",
                quote(&t.db)
            ),
            params![t.object_id, name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(|e| errors::internal(&e).into())
}

/// Removes an index: its catalog rows, its triggers and its SQLite index. An index SQLite
/// keeps inside the table (the clustered key of a keyed table, an inline UNIQUE constraint)
/// goes by rebuilding the table; dropping the clustered index leaves a heap.
fn remove_index(s: &Session, t: &TableMeta, index_id: i64, sqlite_index: &str) -> Res<()> {
    let db = quote(&t.db);
    let inside = !storage::sqlite_index_exists(s, &t.db, sqlite_index)?;
    for suffix in ["ins", "upd"] {
        s.exec_ddl(&format!(
            "DROP TRIGGER IF EXISTS {db}.{}",
            quote(&format!("{sqlite_index}.{suffix}"))
        ))?;
    }
    for table in ["__mssql_indexes", "__mssql_index_columns"] {
        s.exec_ddl(&format!(
            "DELETE FROM {db}.{table} WHERE object_id = {} AND index_id = {index_id}",
            t.object_id
        ))?;
    }
    if index_id == 1 {
        record_heap(s, t)?;
    }
    if inside || (index_id == 1 && t.storage != Storage::Rowid) {
        storage::rebuild(s, t)?;
    } else {
        s.exec_ddl(&format!("DROP INDEX {db}.{}", quote(sqlite_index)))?;
    }
    Ok(())
}

/// `DROP INDEX ix ON t` (or the older `DROP INDEX t.ix`).
pub fn drop_index(s: &mut Session, name: &ObjectName, stmt: &Statement) -> Res<()> {
    let (table, index) = match stmt {
        Statement::Drop { table: Some(t), .. } => (t.clone(), Parts::of(name)?.name),
        _ => {
            let mut parts = name.0.clone();
            let last = parts.pop().ok_or_else(|| errors::syntax_near("INDEX"))?;
            let index = Parts::of(&ObjectName(vec![last]))?.name;
            (ObjectName(parts), index)
        }
    };
    let t = s.resolver().table(&table)?;
    if t.db == "temp" {
        return Err(errors::not_supported("DROP INDEX on a temporary table").into());
    }
    let Some((index_id, sqlite_index, pk, uq)) = find_index(s, &t, &index)? else {
        return Err(errors::cannot_drop("index", &format!("{}.{index}", t.name)).into());
    };
    if pk || uq {
        let kind = if pk { "PRIMARY KEY" } else { "UNIQUE KEY" };
        return Err(SqlError::new(3723, 16, format!("An explicit DROP INDEX is not allowed on index '{}.{}.{index}'. It is being used for {kind} constraint enforcement.", t.schema, t.name)).into());
    }
    remove_index(s, &t, index_id, &sqlite_index)?;
    s.catalog_changed();
    Ok(())
}

/// `ALTER TABLE t ADD [CONSTRAINT x] PRIMARY KEY | UNIQUE (...)`.
pub fn add_constraint(
    s: &mut Session,
    t: &TableMeta,
    c: &TableConstraint,
    clustered: Option<bool>,
) -> Res<()> {
    let (name, kind, cols) = match c {
        TableConstraint::PrimaryKey(pk) => (
            pk.name.as_ref().map(|n| n.value.clone()),
            KeyKind::PrimaryKey,
            index_columns(&pk.columns),
        ),
        TableConstraint::Unique(uq) => (
            uq.name.as_ref().map(|n| n.value.clone()),
            KeyKind::Unique,
            index_columns(&uq.columns),
        ),
        _ => return Err(errors::not_supported("this constraint").into()),
    };
    if t.db == "temp" {
        return Err(errors::not_supported("ADD CONSTRAINT on a temporary table").into());
    }
    let db = quote(&t.db);
    for (c, _) in &cols {
        let (_, col) = t.column(c).ok_or_else(|| {
            SqlError::new(
                1911,
                16,
                format!("Column name '{c}' does not exist in the target table or view."),
            )
        })?;
        if kind == KeyKind::PrimaryKey && col.nullable {
            return Err(SqlError::new(
                8111,
                16,
                format!(
                    "Cannot define PRIMARY KEY constraint on nullable column in table '{}'.",
                    t.name
                ),
            )
            .into());
        }
    }
    let name = name.unwrap_or_else(|| {
        auto_name(
            if kind == KeyKind::PrimaryKey {
                "PK"
            } else {
                "UQ"
            },
            &t.name,
            t.object_id,
            0,
        )
    });
    if crate::catalog::find_object(&s.conn, &t.db, &t.schema, &name)?.is_some() {
        return Err(errors::object_exists(&name).into());
    }
    if kind == KeyKind::PrimaryKey {
        let has_pk: i64 = s
            .conn
            .query_row(&format!("SELECT count(*) FROM {db}.__mssql_indexes WHERE object_id = ?1 AND is_primary_key = 1"), [t.object_id], |r| r.get(0))
            .map_err(|e| errors::internal(&e))?;
        if has_pk > 0 {
            return Err(SqlError::new(
                1779,
                16,
                format!(
                    "Table '{}' already has a primary key defined on it.",
                    t.name
                ),
            )
            .into());
        }
    }
    let has_clustered: i64 = s
        .conn
        .query_row(
            &format!(
                "SELECT count(*) FROM {db}.__mssql_indexes WHERE object_id = ?1 AND index_id = 1"
            ),
            [t.object_id],
            |r| r.get(0),
        )
        .map_err(|e| errors::internal(&e))?;
    let clustered = clustered.unwrap_or(kind == KeyKind::PrimaryKey && has_clustered == 0);
    let system_named = match c {
        TableConstraint::PrimaryKey(pk) => pk.name.is_none(),
        TableConstraint::Unique(uq) => uq.name.is_none(),
        _ => false,
    };
    let key = Key {
        name: Some(name.clone()),
        kind,
        clustered: Some(clustered),
        columns: cols,
        included: vec![],
    };
    place_key(s, t, &key, name, system_named)
}

/// Adds `key` (CLUSTERED or not, as `key.clustered` says) to table `t`, which exists: the
/// checks SQL Server makes (one clustered index, no duplicate under a unique key), its index
/// id, catalog rows and SQLite index; a clustered key that SQLite can key the table by
/// rebuilds it (`storage::rebuild`).
pub(crate) fn place_key(
    s: &mut Session,
    t: &TableMeta,
    key: &Key,
    name: String,
    system_named: bool,
) -> Res<()> {
    let temp = t.db == "temp";
    let db = quote(&t.db);
    let clustered = key.clustered == Some(true);
    if clustered && !temp {
        let existing: Option<String> = s
            .conn
            .query_row(
                &format!(
                    "SELECT name FROM {db}.__mssql_indexes WHERE object_id = ?1 AND index_id = 1"
                ),
                [t.object_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| errors::internal(&e))?;
        if let Some(existing) = existing {
            return Err(SqlError::new(1902, 16, format!("Cannot create more than one clustered index on table '{}.{}'. Drop the existing clustered index '{existing}' before creating another.", t.schema, t.name)).into());
        }
    }
    if key.kind != KeyKind::Index {
        check_unique(s, t, &name, &key.columns)?;
    }
    let index_id: i64 = if clustered {
        1
    } else if temp {
        2
    } else {
        s.conn
            .query_row(&format!("SELECT max(2, coalesce(max(index_id), 0) + 1) FROM {db}.__mssql_indexes WHERE object_id = ?1"), [t.object_id], |r| r.get(0))
            .map_err(|e| errors::internal(&e))?
    };
    let layout = if clustered && !temp {
        storage::layout(
            t,
            Some(&ClusterKey {
                columns: key.columns.clone(),
                unique: key.kind != KeyKind::Index,
            }),
        )
    } else {
        t.storage.clone()
    };
    let rebuild = layout != t.storage;
    if clustered && !temp {
        s.exec_ddl(&format!(
            "DELETE FROM {db}.__mssql_indexes WHERE object_id = {} AND index_id = 0",
            t.object_id
        ))?;
    }
    let at = Placement {
        name,
        index_id,
        clustered,
        system_named,
        inline: rebuild,
    };
    add_key(s, t, key, &at)?;
    if rebuild {
        storage::rebuild(s, t)?;
    }
    Ok(())
}

/// SQL Server's 1505 when rows of `t` already repeat a value of unique key `name` (NULLs
/// count as equal, as SQL Server's unique indexes treat them).
fn check_unique(s: &Session, t: &TableMeta, name: &str, columns: &[(String, bool)]) -> Res<()> {
    let mut names = Vec::new();
    for (c, _) in columns {
        if let Some((_, col)) = t.column(c) {
            names.push(quote(&col.name));
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let dup = s.scalar(&format!(
        "SELECT {} FROM {} GROUP BY {} HAVING count(*) > 1 LIMIT 1",
        names
            .iter()
            .map(|n| format!("coalesce(CAST({n} AS TEXT), '<NULL>')"))
            .collect::<Vec<_>>()
            .join(" || ', ' || "),
        t.qualified(),
        names.join(", ")
    ))?;
    if let rusqlite::types::Value::Text(v) = dup {
        return Err(SqlError::new(1505, 16, format!("The CREATE UNIQUE INDEX statement terminated because a duplicate key was found for the object name '{}.{}' and the index name '{name}'. The duplicate key value is ({v}).", t.schema, t.name)).into());
    }
    Ok(())
}

/// `ALTER TABLE t DROP CONSTRAINT x`.
pub fn drop_constraint(s: &mut Session, t: &TableMeta, name: &str, if_exists: bool) -> Res<()> {
    let db = quote(&t.db);
    let object: Option<i64> = s
        .conn
        .query_row(
            &format!("SELECT object_id FROM {db}.__mssql_objects WHERE parent_object_id = ?1 AND name = ?2"),
            params![t.object_id, name],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| errors::internal(&e))?;
    let Some(object_id) = object else {
        if if_exists {
            return Ok(());
        }
        return Err(SqlError::new(3728, 16, format!("'{name}' is not a constraint.")).into());
    };
    if let Some((index_id, sqlite_index, _, _)) = find_index(s, t, name)? {
        remove_index(s, t, index_id, &sqlite_index)?;
    }
    s.exec_ddl(&format!(
        "DELETE FROM {db}.__mssql_objects WHERE object_id = {object_id} AND name = {}",
        literal(name)
    ))?;
    Ok(())
}
