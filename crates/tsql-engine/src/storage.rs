//! How a table's rows are kept in SQLite.
//!
//! A heap is a rowid table. A table with a clustered key (its primary key unless that is
//! NONCLUSTERED, a UNIQUE CLUSTERED constraint, or a CREATE CLUSTERED INDEX) is a
//! `WITHOUT ROWID` table whose PRIMARY KEY is that key: its columns in key order, each with
//! its ASC/DESC and its column's collation (`values::sqlite_decl`), so the b-tree that holds
//! the rows is in SQL Server's clustered order and `ORDER BY <clustered key>` (or a range of
//! it, as a keyset read sends) is one pass over it. A clustered index that is not unique
//! ends its key with a hidden column, [`UNIQUIFIER`], numbered from a counter per table
//! (`__mssql_uniquifiers`, drawn by `dml`'s INSERT) as SQL Server adds its own; `SELECT *`
//! never shows it (`translate::wildcard`). SQLite refuses NULL in a WITHOUT ROWID key, so a
//! clustered index with a nullable column (SQL Server allows one; a primary key never has
//! one) leaves the table a rowid table with the key as a plain index.
//!
//! A row is found by its locator ([`Storage::locator`]): `rowid` in a rowid table, the key
//! columns in a keyed one; statements that pick rows by a join (DELETE ... FROM, MERGE) and
//! the triggers of `keys` name rows that way, so they work for both kinds.
//!
//! Adding or dropping the clustered key of a table that exists rebuilds it ([`rebuild`]):
//! the old table is renamed aside, a new one made in the new layout from the catalog, the
//! rows copied in key order, and the indexes and triggers put back.

use rusqlite::OptionalExtension;
use tds_protocol::types::SqlError;

use crate::catalog::{quote, TableMeta};
use crate::errors;
use crate::session::{Res, Session};
use crate::values;

/// The hidden last key column of a non-unique clustered index.
pub const UNIQUIFIER: &str = "__mssql_uniquifier";

/// How a table's rows are stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Storage {
    /// A rowid table: a heap, a view, or a clustered index SQLite cannot key (a nullable
    /// column).
    #[default]
    Rowid,
    /// A WITHOUT ROWID table keyed by the clustered key's columns (SQLite names, in key
    /// order), then [`UNIQUIFIER`] when the index is not unique.
    Keyed { key: Vec<String>, uniquifier: bool },
}

impl Storage {
    /// The columns that name one row: `rowid`, or the key with its uniquifier.
    pub fn locator(&self) -> Vec<String> {
        match self {
            Storage::Rowid => vec!["rowid".into()],
            Storage::Keyed { key, uniquifier } => {
                let mut cols = key.clone();
                if *uniquifier {
                    cols.push(UNIQUIFIER.into());
                }
                cols
            }
        }
    }

    /// The locator's columns as a SQL list (`a, b`), qualified by `table` when given.
    pub fn locator_items(&self, table: Option<&str>) -> String {
        let cols: Vec<String> = self
            .locator()
            .iter()
            .map(|c| {
                let c = if c == "rowid" { c.clone() } else { quote(c) };
                match table {
                    Some(t) => format!("{t}.{c}"),
                    None => c,
                }
            })
            .collect();
        cols.join(", ")
    }

    /// The locator as one SQL value: a column, or a row value `(a, b)`.
    pub fn locator_value(&self, table: Option<&str>) -> String {
        let items = self.locator_items(table);
        if self.locator().len() == 1 {
            items
        } else {
            format!("({items})")
        }
    }

    /// A condition true for rows of the table other than the trigger row `row` (`OLD`).
    pub fn other_than(&self, row: &str) -> String {
        match self {
            Storage::Rowid => format!("rowid <> {row}.rowid"),
            Storage::Keyed { .. } => {
                let same: Vec<String> = self
                    .locator()
                    .iter()
                    .map(|c| format!("{0} IS {row}.{0}", quote(c)))
                    .collect();
                format!("NOT ({})", same.join(" AND "))
            }
        }
    }

    pub fn has_uniquifier(&self) -> bool {
        matches!(
            self,
            Storage::Keyed {
                uniquifier: true,
                ..
            }
        )
    }
}

/// A clustered key as DDL declares it: (column, descending) in key order, and uniqueness.
pub struct ClusterKey {
    pub columns: Vec<(String, bool)>,
    pub unique: bool,
}

/// The storage a table with these columns gets for clustered key `key`: keyed unless a key
/// column may be NULL.
pub fn layout(t: &TableMeta, key: Option<&ClusterKey>) -> Storage {
    let Some(key) = key else {
        return Storage::Rowid;
    };
    let mut names = Vec::new();
    for (c, _) in &key.columns {
        match t.column(c) {
            Some((_, col)) if !col.nullable => names.push(col.name.clone()),
            _ => return Storage::Rowid,
        }
    }
    Storage::Keyed {
        key: names,
        uniquifier: !key.unique,
    }
}

/// `a, b DESC` for key or index columns, spelled as `t` spells them.
pub fn column_items(t: &TableMeta, columns: &[(String, bool)]) -> String {
    let cols: Vec<String> = columns
        .iter()
        .map(|(c, desc)| {
            let name = t.column(c).map_or(c.as_str(), |(_, col)| col.name.as_str());
            format!("{}{}", quote(name), if *desc { " DESC" } else { "" })
        })
        .collect();
    cols.join(", ")
}

/// `(a, b DESC)`: [`column_items`] in parentheses.
pub fn column_list(t: &TableMeta, columns: &[(String, bool)]) -> String {
    format!("({})", column_items(t, columns))
}

/// `CREATE TABLE` for `t` in the layout `t.storage` says (`key` is its clustered key, for
/// ASC/DESC), with `uniques` as inline UNIQUE constraints.
pub fn create_sql(
    t: &TableMeta,
    key: Option<&ClusterKey>,
    uniques: &[&[(String, bool)]],
) -> String {
    let mut decls: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                quote(&c.name),
                values::sqlite_decl(&c.ty),
                if c.nullable { "" } else { " NOT NULL" }
            )
        })
        .collect();
    let keyed = match (&t.storage, key) {
        (Storage::Keyed { uniquifier, .. }, Some(key)) => {
            if *uniquifier {
                decls.push(format!("{} INTEGER NOT NULL", quote(UNIQUIFIER)));
            }
            let mut cols = key.columns.clone();
            if *uniquifier {
                cols.push((UNIQUIFIER.into(), false));
            }
            decls.push(format!("PRIMARY KEY {}", column_list(t, &cols)));
            true
        }
        _ => false,
    };
    for u in uniques {
        decls.push(format!("UNIQUE {}", column_list(t, u)));
    }
    format!(
        "CREATE TABLE {} ({}){}",
        t.qualified(),
        decls.join(", "),
        if keyed { " WITHOUT ROWID" } else { "" }
    )
}

/// The storage of SQLite table `sqlite_name` in `db`, read from SQLite's own schema (only a
/// keyed table has a PRIMARY KEY there).
pub fn of_sqlite(
    conn: &rusqlite::Connection,
    db: &str,
    sqlite_name: &str,
) -> Result<Storage, SqlError> {
    let mut stmt = conn
        .prepare_cached("SELECT name FROM pragma_table_info(?1, ?2) WHERE pk > 0 ORDER BY pk")
        .map_err(|e| errors::internal(&e))?;
    let rows = stmt
        .query_map([sqlite_name, db], |r| r.get::<_, String>(0))
        .map_err(|e| errors::internal(&e))?;
    let mut key = Vec::new();
    for row in rows {
        key.push(row.map_err(|e| errors::internal(&e))?);
    }
    if key.is_empty() {
        return Ok(Storage::Rowid);
    }
    let uniquifier = key.last().is_some_and(|c| c == UNIQUIFIER);
    if uniquifier {
        key.pop();
    }
    Ok(Storage::Keyed { key, uniquifier })
}

/// The counter a keyed table's uniquifier values are drawn from.
pub fn uniquifiers(t: &TableMeta) -> String {
    format!("{}.__mssql_uniquifiers", quote(&t.db))
}

/// The uniquifier of the `row`-th row (an SQL expression counting from 1) one INSERT puts
/// into `t`.
pub fn next_uniquifier(t: &TableMeta, row: &str) -> String {
    format!(
        "(SELECT next_value FROM {} WHERE object_id = {}) + {row} - 1",
        uniquifiers(t),
        t.object_id
    )
}

/// Moves `t`'s uniquifier counter past the `n` values an INSERT drew.
pub fn advance_uniquifier(s: &Session, t: &TableMeta, n: u64) -> Res<()> {
    if n > 0 && t.storage.has_uniquifier() {
        s.exec(&format!(
            "UPDATE {} SET next_value = next_value + {n} WHERE object_id = {}",
            uniquifiers(t),
            t.object_id
        ))?;
    }
    Ok(())
}

/// One index of a table as the catalog records it.
pub(crate) struct Index {
    pub index_id: i64,
    pub unique: bool,
    pub columns: Vec<(String, bool)>,
    pub sqlite_index: String,
}

pub(crate) fn catalog_indexes(s: &Session, t: &TableMeta) -> Res<Vec<Index>> {
    let db = quote(&t.db);
    let mut heads = Vec::new();
    {
        let mut stmt = s
            .conn
            .prepare(&format!(
                "SELECT index_id, is_unique, sqlite_index FROM {db}.__mssql_indexes WHERE object_id = ?1 AND index_id > 0 ORDER BY index_id"
            ))
            .map_err(|e| errors::internal(&e))?;
        let rows = stmt
            .query_map([t.object_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| errors::internal(&e))?;
        for row in rows {
            heads.push(row.map_err(|e| errors::internal(&e))?);
        }
    }
    let mut out = Vec::new();
    for (index_id, unique, sqlite_index) in heads {
        let mut stmt = s
            .conn
            .prepare(&format!(
                "SELECT column_name, is_descending_key FROM {db}.__mssql_index_columns WHERE object_id = ?1 AND index_id = ?2 AND is_included_column = 0 ORDER BY key_ordinal"
            ))
            .map_err(|e| errors::internal(&e))?;
        let rows = stmt
            .query_map([t.object_id, index_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })
            .map_err(|e| errors::internal(&e))?;
        let mut columns = Vec::new();
        for row in rows {
            columns.push(row.map_err(|e| errors::internal(&e))?);
        }
        out.push(Index {
            index_id,
            unique,
            columns,
            sqlite_index,
        });
    }
    Ok(out)
}

/// Whether SQLite has an index named `name` in `db` (an inline UNIQUE constraint has none).
pub fn sqlite_index_exists(s: &Session, db: &str, name: &str) -> Res<bool> {
    s.conn
        .query_row(
            &format!(
                "SELECT 1 FROM {}.sqlite_master WHERE type = 'index' AND name = ?1",
                quote(db)
            ),
            [name],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
        .map_err(|e| errors::internal(&e).into())
}

/// `CREATE INDEX "x"` as SQLite keeps it, made to create `x` in attached database `db`
/// (SQLite drops the database name from the text it keeps).
fn in_database(sql: &str, db: &str, name: &str) -> Option<String> {
    let quoted = quote(name);
    let at = sql.find(&quoted).or_else(|| sql.find(name))?;
    let len = if sql[at..].starts_with(&quoted) {
        quoted.len()
    } else {
        name.len()
    };
    Some(format!(
        "{}{}.{}{}",
        &sql[..at],
        quote(db),
        quoted,
        &sql[at + len..]
    ))
}

/// Re-creates `t`'s SQLite table in the layout its catalog rows now call for (keyed by the
/// clustered index, or a rowid table), keeping its rows, its indexes and any triggers other
/// than the key triggers (which `keys::ensure_triggers` re-creates on the next write).
/// Returns `t` with its new storage. Runs inside the caller's atomic DDL step.
pub fn rebuild(s: &Session, t: &TableMeta) -> Res<TableMeta> {
    let indexes = catalog_indexes(s, t)?;
    let cluster = indexes
        .iter()
        .find(|i| i.index_id == 1)
        .map(|i| ClusterKey {
            columns: i.columns.clone(),
            unique: i.unique,
        });
    let mut new = t.clone();
    new.storage = layout(t, cluster.as_ref());
    let db = quote(&t.db);
    // What SQLite holds on the table besides the catalog's indexes: other modules' indexes
    // and triggers, put back as they were.
    let mut keep = Vec::new();
    {
        let mut stmt = s
            .conn
            .prepare(&format!("SELECT type, name, sql FROM {db}.sqlite_master WHERE tbl_name = ?1 AND type IN ('index', 'trigger') AND sql IS NOT NULL"))
            .map_err(|e| errors::internal(&e))?;
        let rows = stmt
            .query_map([&t.sqlite_name], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| errors::internal(&e))?;
        for row in rows {
            let (kind, name, sql) = row.map_err(|e| errors::internal(&e))?;
            let ours = if kind == "index" {
                indexes.iter().any(|i| i.sqlite_index == name)
            } else {
                crate::keys::is_key_trigger(t, &name)
            };
            if !ours {
                keep.push(
                    in_database(&sql, &t.db, &name)
                        .ok_or_else(|| errors::not_supported("rebuilding this table"))?,
                );
            }
        }
    }
    let aside = format!("{}.__mssql_rebuild", t.sqlite_name);
    // Legacy renaming leaves views alone: they go on naming the table, which is the new one
    // once this is done.
    s.exec_ddl("PRAGMA legacy_alter_table = ON")?;
    let renamed = s.exec_ddl(&format!(
        "ALTER TABLE {} RENAME TO {}",
        t.qualified(),
        quote(&aside)
    ));
    s.exec_ddl("PRAGMA legacy_alter_table = OFF")?;
    renamed?;
    s.exec_ddl(&create_sql(&new, cluster.as_ref(), &[]))?;
    let cols: Vec<String> = t.columns.iter().map(|c| quote(&c.name)).collect();
    let mut into = cols.clone();
    let mut from = cols;
    if new.storage.has_uniquifier() {
        into.push(quote(UNIQUIFIER));
        from.push(match &t.storage {
            Storage::Keyed {
                uniquifier: true, ..
            } => quote(UNIQUIFIER),
            Storage::Rowid => "rowid".into(),
            Storage::Keyed { .. } => "row_number() OVER ()".into(),
        });
    }
    let order = match (&new.storage, &cluster) {
        (Storage::Keyed { .. }, Some(k)) => {
            format!(" ORDER BY {}", column_items(t, &k.columns))
        }
        _ => String::new(),
    };
    s.exec_ddl(&format!(
        "INSERT INTO {} ({}) SELECT {} FROM {db}.{}{order}",
        new.qualified(),
        into.join(", "),
        from.join(", "),
        quote(&aside)
    ))?;
    s.exec_ddl(&format!("DROP TABLE {db}.{}", quote(&aside)))?;
    for ix in &indexes {
        if ix.index_id == 1 && matches!(new.storage, Storage::Keyed { .. }) {
            continue;
        }
        s.exec_ddl(&format!(
            "CREATE {}INDEX {db}.{} ON {} {}",
            if ix.unique { "UNIQUE " } else { "" },
            quote(&ix.sqlite_index),
            quote(&t.sqlite_name),
            column_list(t, &ix.columns)
        ))?;
    }
    for sql in keep {
        s.exec_ddl(&sql)?;
    }
    if new.storage.has_uniquifier() {
        s.exec_ddl(&format!(
            "DELETE FROM {} WHERE object_id = {}",
            uniquifiers(t),
            t.object_id
        ))?;
        s.exec_ddl(&format!(
            "INSERT INTO {} SELECT {}, coalesce(max({}), 0) + 1 FROM {}",
            uniquifiers(t),
            t.object_id,
            quote(UNIQUIFIER),
            new.qualified()
        ))?;
    }
    Ok(new)
}
