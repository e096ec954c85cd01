//! The catalog: metadata tables in each database file, the views over them, and the
//! in-memory table descriptions the translator and result typing look up.

pub mod dm;
pub mod record;
pub mod schema;
pub mod size;
pub mod types;

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use tds_protocol::types::{SqlError, SqlType};

use crate::errors;
use crate::storage::Storage;

/// An identity column's definition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Identity {
    pub column: usize,
    pub seed: i64,
    pub increment: i64,
}

/// One column of a table or view.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub identity: bool,
    /// The DEFAULT expression as T-SQL text.
    pub default: Option<String>,
}

/// A table or view as the translator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableMeta {
    pub object_id: i64,
    /// The SQLite schema (attach name) it lives in: a database name or `temp`.
    pub db: String,
    pub schema: String,
    pub name: String,
    /// The SQLite table name (`schema.name`, `#t` for temp tables).
    pub sqlite_name: String,
    pub is_view: bool,
    pub columns: Vec<ColumnInfo>,
    pub identity: Option<Identity>,
    /// How SQLite keeps its rows (rowid table, or keyed by the clustered key).
    pub storage: Storage,
}

impl TableMeta {
    /// The column named `name` (case-insensitive).
    pub fn column(&self, name: &str) -> Option<(usize, &ColumnInfo)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name.eq_ignore_ascii_case(name))
    }

    /// `"db"."sqlite_name"` for SQL text.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote(&self.db), quote(&self.sqlite_name))
    }
}

/// Quotes an identifier for SQLite.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a string literal for SQLite.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The built-in schemas every database has: (name, schema_id).
const BUILTIN_SCHEMAS: &[(&str, i64)] = &[
    ("dbo", 1),
    ("guest", 2),
    ("INFORMATION_SCHEMA", 3),
    ("sys", 4),
];

/// Creates the metadata tables and catalog views in attached database `attach` if missing.
pub fn init_database(conn: &Connection, attach: &str, catalog: &str) -> Result<(), SqlError> {
    let db = quote(attach);
    let exists: bool = conn
        .query_row(
            &format!("SELECT count(*) FROM {db}.sqlite_master WHERE name = '__mssql_objects'"),
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| errors::internal(&e))?
        > 0;
    let mut sql = String::from("BEGIN;\n");
    // IF NOT EXISTS throughout: files made by older versions gain new tables.
    for t in schema::BASE_TABLES {
        sql.push_str(&schema::create_sql(t, &db));
    }
    // Views are (re)declared on every start, so files made by older versions gain new ones.
    for (s, v, body) in schema::VIEWS {
        sql.push_str(&format!(
            "CREATE VIEW IF NOT EXISTS {db}.{} AS {body};\n",
            quote(&format!("{s}.{v}"))
        ));
    }
    for (s, v, cols) in schema::EMPTY_VIEWS {
        sql.push_str(&format!(
            "CREATE VIEW IF NOT EXISTS {db}.{} AS {};\n",
            quote(&format!("{s}.{v}")),
            schema::empty_view_sql(cols)
        ));
    }
    sql.push_str(&format!(
        "CREATE VIEW IF NOT EXISTS {db}.\"sys.databases\" AS {};\n",
        schema::DATABASES_VIEW
    ));
    if exists {
        sql.push_str("COMMIT;");
        return conn.execute_batch(&sql).map_err(|e| errors::internal(&e));
    }
    for (name, id) in BUILTIN_SCHEMAS {
        sql.push_str(&format!(
            "INSERT INTO {db}.__mssql_schemas VALUES ({id}, '{name}', {id}, {}, '{}');\n",
            literal(catalog),
            if *name == "guest" { "guest" } else { "dbo" },
        ));
    }
    for (name, sid, uid, len, prec, scale, coll) in types::system_types() {
        sql.push_str(&format!(
            "INSERT INTO {db}.__mssql_types VALUES ('{name}', {sid}, {uid}, 4, NULL, {len}, {prec}, {scale}, {}, 1, 0, 0, 0, 0, 0);\n",
            coll.map_or("NULL".to_string(), literal)
        ));
    }
    sql.push_str("COMMIT;");
    conn.execute_batch(&sql).map_err(|e| errors::internal(&e))
}

/// A schema's id in `attach`, if it exists.
pub fn schema_id(conn: &Connection, attach: &str, schema: &str) -> Result<Option<i64>, SqlError> {
    conn.query_row(
        &format!(
            "SELECT schema_id FROM {}.__mssql_schemas WHERE name = ?1",
            quote(attach)
        ),
        [schema],
        |r| r.get(0),
    )
    .optional()
    .map_err(|e| errors::internal(&e))
}

/// The name of schema `id` in `attach`, spelled as it was created.
pub fn schema_name(conn: &Connection, attach: &str, id: i64) -> Result<String, SqlError> {
    conn.query_row(
        &format!(
            "SELECT name FROM {}.__mssql_schemas WHERE schema_id = ?1",
            quote(attach)
        ),
        [id],
        |r| r.get(0),
    )
    .map_err(|e| errors::internal(&e))
}

/// The next free object id in `attach` (SQL Server's ids are large and scattered; ours climb).
pub fn next_object_id(conn: &Connection, attach: &str) -> Result<i64, SqlError> {
    conn.query_row(
        &format!(
            "SELECT coalesce(max(object_id), 245575000) + 16 FROM {}.__mssql_objects",
            quote(attach)
        ),
        [],
        |r| r.get(0),
    )
    .map_err(|e| errors::internal(&e))
}

/// An object of any type (table, view, constraint) named `schema.name` in `attach`:
/// (object_id, type).
pub fn find_object(
    conn: &Connection,
    attach: &str,
    schema: &str,
    name: &str,
) -> Result<Option<(i64, String)>, SqlError> {
    conn.query_row(
        &format!(
            "SELECT object_id, trim(type) FROM {}.__mssql_objects WHERE schema_name = ?1 AND name = ?2",
            quote(attach)
        ),
        params![schema, name],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(|e| errors::internal(&e))
}

/// Loads a user table or view from the metadata tables by its SQLite name.
pub fn load_table(
    conn: &Connection,
    attach: &str,
    sqlite_name: &str,
) -> Result<Option<TableMeta>, SqlError> {
    let db = quote(attach);
    let head = conn
        .query_row(
            &format!("SELECT object_id, schema_name, name, sqlite_name, trim(type) FROM {db}.__mssql_objects WHERE sqlite_name = ?1 AND type IN ('U ', 'V ')"),
            [sqlite_name],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?)),
        )
        .optional()
        .map_err(|e| errors::internal(&e))?;
    let Some((object_id, schema, name, sqlite_name, kind)) = head else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached(&format!("SELECT name, type_text, is_nullable, is_identity, default_definition FROM {db}.__mssql_columns WHERE object_id = ?1 ORDER BY column_id"))
        .map_err(|e| errors::internal(&e))?;
    let rows = stmt
        .query_map([object_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .map_err(|e| errors::internal(&e))?;
    let mut columns = Vec::new();
    for row in rows {
        let (name, ty, nullable, identity, default) = row.map_err(|e| errors::internal(&e))?;
        let ty = crate::typename::parse(&ty)?;
        columns.push(ColumnInfo {
            name,
            ty,
            nullable,
            identity,
            default,
        });
    }
    let identity = conn
        .query_row(
            &format!("SELECT column_id, seed_value, increment_value FROM {db}.__mssql_identity WHERE object_id = ?1"),
            [object_id],
            |r| Ok(Identity { column: r.get::<_, i64>(0)? as usize - 1, seed: r.get(1)?, increment: r.get(2)? }),
        )
        .optional()
        .map_err(|e| errors::internal(&e))?;
    let storage = if kind == "V" {
        Storage::Rowid
    } else {
        crate::storage::of_sqlite(conn, attach, &sqlite_name)?
    };
    Ok(Some(TableMeta {
        object_id,
        db: attach.to_string(),
        schema,
        name,
        sqlite_name,
        is_view: kind == "V",
        columns,
        identity,
        storage,
    }))
}

/// The description of a metadata table (for typing cells of catalog views).
pub fn base_table(sqlite_name: &str) -> Option<TableMeta> {
    if let Some(t) = dm::base_table(sqlite_name) {
        return Some(t);
    }
    let t = schema::BASE_TABLES
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(sqlite_name))?;
    Some(TableMeta {
        object_id: 0,
        db: String::new(),
        schema: "sys".into(),
        name: t.name.into(),
        sqlite_name: t.name.into(),
        is_view: false,
        columns: t
            .columns
            .iter()
            .map(|(n, ty)| ColumnInfo {
                name: n.to_string(),
                ty: *ty,
                nullable: true,
                identity: false,
                default: None,
            })
            .collect(),
        identity: None,
        storage: Storage::Rowid,
    })
}

/// True for the schemas whose objects are catalog views.
pub fn is_system_schema(schema: &str) -> bool {
    schema.eq_ignore_ascii_case("sys") || schema.eq_ignore_ascii_case("INFORMATION_SCHEMA")
}

/// The catalog view `schema.name`, spelled as it is stored, if there is one.
pub fn system_view(schema: &str, name: &str) -> Option<String> {
    if schema.eq_ignore_ascii_case("sys") {
        if let Some(v) = dm::server_view(name) {
            return Some(v);
        }
    }
    if schema.eq_ignore_ascii_case("sys") && name.eq_ignore_ascii_case("databases") {
        return Some("sys.databases".into());
    }
    schema::VIEWS
        .iter()
        .chain(schema::EMPTY_VIEWS.iter())
        .find(|(s, v, _)| s.eq_ignore_ascii_case(schema) && v.eq_ignore_ascii_case(name))
        .map(|(s, v, _)| format!("{s}.{v}"))
}

/// Table descriptions shared by all sessions, dropped whenever any DDL bumps the generation.
#[derive(Default)]
pub struct Cache {
    generation: u64,
    tables: HashMap<(String, String), Arc<TableMeta>>,
}

impl Cache {
    /// The cached description of (attach, sqlite name), valid at `generation`.
    pub fn get(
        &mut self,
        generation: u64,
        attach: &str,
        sqlite_name: &str,
    ) -> Option<Arc<TableMeta>> {
        if self.generation != generation {
            self.tables.clear();
            self.generation = generation;
            return None;
        }
        self.tables
            .get(&(
                attach.to_ascii_lowercase(),
                sqlite_name.to_ascii_lowercase(),
            ))
            .cloned()
    }

    pub fn put(&mut self, generation: u64, meta: Arc<TableMeta>) {
        if self.generation == generation {
            self.tables.insert(
                (
                    meta.db.to_ascii_lowercase(),
                    meta.sqlite_name.to_ascii_lowercase(),
                ),
                meta,
            );
        }
    }
}
