//! DDL: CREATE/DROP/ALTER of tables, views, indexes, schemas and databases, each applied to
//! SQLite and recorded in the metadata tables in one atomic step.

use std::sync::Arc;

use rusqlite::OptionalExtension;
use sqlparser::ast::{
    AlterSchemaOperation, AlterTableOperation, ColumnDef, ColumnOption, CreateIndex, CreateTable,
    Expr, IdentityPropertyFormatKind, IdentityPropertyKind, IndexColumn, ObjectName, ObjectType,
    Spanned, Statement, TableConstraint,
};
use tds_protocol::types::{SqlError, SqlType};

use crate::catalog::record::{opt_str, record_column, record_heap, record_table};
use crate::catalog::{self, literal, quote, ColumnInfo, Identity, TableMeta};
use crate::errors;
use crate::keys::{trigger_sql, UniqueKind};
use crate::session::{Res, Session};
use crate::storage::{self, ClusterKey, Storage};
use crate::translate::expr::Rewriter;
use crate::translate::names::Parts;
use crate::translate::Clustering;
use crate::values;

/// A PRIMARY KEY, UNIQUE constraint or index being created.
pub(crate) struct Key {
    pub(crate) name: Option<String>,
    pub(crate) kind: KeyKind,
    pub(crate) clustered: Option<bool>,
    pub(crate) columns: Vec<(String, bool)>,
    pub(crate) included: Vec<String>,
}

impl Key {
    /// Clustered as declared, else as SQL Server defaults: a primary key is clustered
    /// (unless another key of the table is declared CLUSTERED).
    pub(crate) fn is_clustered(&self, other_declared_clustered: bool) -> bool {
        self.clustered
            .unwrap_or(self.kind == KeyKind::PrimaryKey && !other_declared_clustered)
    }
}

/// Where a key goes: its resolved name, index id and options.
pub(crate) struct Placement {
    pub(crate) name: String,
    pub(crate) index_id: i64,
    pub(crate) clustered: bool,
    /// The name was generated (`PK__t__...`), as `sys.key_constraints.is_system_named` says.
    pub(crate) system_named: bool,
    /// Part of the CREATE TABLE (its SQLite index comes with the table).
    pub(crate) inline: bool,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum KeyKind {
    PrimaryKey,
    Unique,
    UniqueIndex,
    Index,
}

pub fn run(s: &mut Session, stmt: &Statement, clustering: &mut Clustering) -> Res<()> {
    match stmt {
        Statement::CreateTable(ct) => s.atomic(|s| create_table(s, ct, clustering)),
        Statement::CreateIndex(ci) => s.atomic(|s| create_index(s, ci, clustering)),
        Statement::CreateView(v) => s.atomic(|s| create_view(s, &v.name, &v.query)),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            ..
        } => {
            for n in names {
                match object_type {
                    ObjectType::Database => crate::ddl_databases::drop_database(s, n, *if_exists)?,
                    ObjectType::Schema => {
                        s.atomic(|s| crate::ddl_databases::drop_schema(s, n, *if_exists))?
                    }
                    ObjectType::Index => s.atomic(|s| crate::ddl_keys::drop_index(s, n, stmt))?,
                    ObjectType::Table | ObjectType::View => {
                        s.atomic(|s| drop_table(s, n, *if_exists, *object_type))?
                    }
                    _ => return Err(errors::not_supported(&format!("DROP {object_type}")).into()),
                }
            }
            Ok(())
        }
        Statement::AlterTable(at) => {
            s.atomic(|s| alter_table(s, &at.name, &at.operations, clustering))
        }
        Statement::CreateSchema { schema_name, .. } => {
            s.atomic(|s| crate::ddl_databases::create_schema(s, &schema_name.to_string()))
        }
        Statement::CreateDatabase { db_name, .. } => {
            crate::ddl_databases::create_database(s, db_name)
        }
        Statement::AlterSchema(a) => match a.operations.as_slice() {
            [AlterSchemaOperation::Rename { name }]
                if clustering.transfers.contains(&{
                    let at = a.name.span().start;
                    (at.line, at.column)
                }) =>
            {
                crate::ddl_rename::transfer(s, &a.name, name)
            }
            _ => Err(errors::not_supported("this ALTER SCHEMA").into()),
        },
        _ => Err(errors::not_supported("this DDL").into()),
    }
}

/// Object ids of temporary tables: negative, unique in the process (like tempdb's).
fn next_temp_id() -> i64 {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(-1_000_000);
    NEXT.fetch_sub(1, std::sync::atomic::Ordering::Relaxed)
}

pub(crate) fn now() -> &'static str {
    "strftime('%Y-%m-%d %H:%M:%f0000', 'now')"
}

/// SQL Server's system-generated constraint name: `PK__table__hex16`.
pub(crate) fn auto_name(prefix: &str, table: &str, object_id: i64, n: usize) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in format!("{table}{object_id}{n}").bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    let t: String = table.chars().take(8).collect();
    format!("{prefix}__{t}__{h:016X}")
}

fn column_type(def: &ColumnDef) -> Result<SqlType, SqlError> {
    crate::typename::parse(&def.data_type.to_string())
}

fn literal_i64(e: &Expr) -> i64 {
    e.to_string()
        .replace(['(', ')', ' '], "")
        .parse()
        .unwrap_or(1)
}

/// How SQL Server shows a default in COLUMN_DEFAULT: `((0))`, `('x')`, `(getdate())`.
fn default_text(e: &Expr) -> String {
    let t = e.to_string();
    let inner = t.trim_start_matches('(').trim_end_matches(')');
    if inner.parse::<f64>().is_ok() {
        format!("(({inner}))")
    } else if t.starts_with('(') {
        t
    } else {
        format!("({t})")
    }
}

pub(crate) fn index_columns(cols: &[IndexColumn]) -> Vec<(String, bool)> {
    cols.iter()
        .map(|c| {
            let name = match &c.column.expr {
                Expr::Identifier(i) => i.value.clone(),
                Expr::CompoundIdentifier(ids) => {
                    ids.last().map(|i| i.value.clone()).unwrap_or_default()
                }
                other => other.to_string(),
            };
            (
                name,
                matches!(
                    c.column.options.sort,
                    Some(sqlparser::ast::OrderBySort::Desc)
                ),
            )
        })
        .collect()
}

fn column_info(
    def: &ColumnDef,
    keys: &mut Vec<Key>,
    clustering: &mut Clustering,
) -> Result<(ColumnInfo, Option<(i64, i64)>), SqlError> {
    let ty = column_type(def)?;
    let mut col = ColumnInfo {
        name: def.name.value.clone(),
        ty,
        // A rowversion is NOT NULL unless declared NULL (then it is a varbinary(8)).
        nullable: ty != SqlType::RowVersion,
        identity: false,
        default: None,
    };
    let mut identity = None;
    for opt in &def.options {
        match &opt.option {
            ColumnOption::Null => col.nullable = true,
            ColumnOption::NotNull => col.nullable = false,
            ColumnOption::Default(e) => col.default = Some(default_text(e)),
            ColumnOption::Identity(kind) => {
                let p = match kind {
                    IdentityPropertyKind::Identity(p) | IdentityPropertyKind::Autoincrement(p) => p,
                };
                let (seed, inc) = match &p.parameters {
                    Some(
                        IdentityPropertyFormatKind::FunctionCall(a)
                        | IdentityPropertyFormatKind::StartAndIncrement(a),
                    ) => (literal_i64(&a.seed), literal_i64(&a.increment)),
                    None => (1, 1),
                };
                identity = Some((seed, inc));
                col.identity = true;
                col.nullable = false;
            }
            ColumnOption::PrimaryKey(_) => {
                col.nullable = false;
                keys.push(Key {
                    name: opt.name.as_ref().map(|n| n.value.clone()),
                    kind: KeyKind::PrimaryKey,
                    clustered: clustering.primary_keys.pop_front().flatten(),
                    columns: vec![(col.name.clone(), false)],
                    included: vec![],
                });
            }
            ColumnOption::Unique(_) => keys.push(Key {
                name: opt.name.as_ref().map(|n| n.value.clone()),
                kind: KeyKind::Unique,
                clustered: clustering.uniques.pop_front().flatten(),
                columns: vec![(col.name.clone(), false)],
                included: vec![],
            }),
            _ => {}
        }
    }
    Ok((col, identity))
}

fn create_table(s: &mut Session, ct: &CreateTable, clustering: &mut Clustering) -> Res<()> {
    let parts = Parts::of(&ct.name)?;
    let temp = parts.name.starts_with('#');
    let (db, schema) = if temp {
        ("temp".to_string(), "dbo".to_string())
    } else {
        let db = s.resolver().database(&parts)?;
        (db, parts.schema.clone().unwrap_or_else(|| "dbo".into()))
    };
    let schema_id = if temp {
        Some(1)
    } else {
        catalog::schema_id(&s.conn, &db, &schema)?
    };
    let Some(schema_id) = schema_id else {
        return Err(SqlError::new(2760, 16, format!("The specified schema name \"{schema}\" either does not exist or you do not have permission to use it.")).into());
    };
    let exists = if temp {
        s.temps.contains_key(&parts.name.to_ascii_lowercase())
    } else {
        catalog::find_object(&s.conn, &db, &schema, &parts.name)?.is_some()
    };
    if exists {
        if ct.if_not_exists {
            return Ok(());
        }
        return Err(errors::object_exists(&parts.name).into());
    }
    let mut keys = Vec::new();
    let mut columns = Vec::new();
    let mut identity = None;
    for def in &ct.columns {
        let (col, id) = column_info(def, &mut keys, clustering)?;
        if let Some((seed, increment)) = id {
            if identity.is_some() {
                return Err(SqlError::new(2744, 16, format!("Multiple identity columns specified for table '{}'. Only one identity column per table is allowed.", parts.name)).into());
            }
            identity = Some(Identity {
                column: columns.len(),
                seed,
                increment,
            });
        }
        if columns
            .iter()
            .any(|c: &ColumnInfo| c.name.eq_ignore_ascii_case(&col.name))
        {
            return Err(SqlError::new(2705, 16, format!("Column names in each table must be unique. Column name '{}' in table '{}' specified more than once.", col.name, parts.name)).into());
        }
        columns.push(col);
    }
    for c in &ct.constraints {
        match c {
            TableConstraint::PrimaryKey(pk) => keys.push(Key {
                name: pk.name.as_ref().map(|n| n.value.clone()),
                kind: KeyKind::PrimaryKey,
                clustered: clustering.primary_keys.pop_front().flatten(),
                columns: index_columns(&pk.columns),
                included: vec![],
            }),
            TableConstraint::Unique(uq) => keys.push(Key {
                name: uq.name.as_ref().map(|n| n.value.clone()),
                kind: KeyKind::Unique,
                clustered: clustering.uniques.pop_front().flatten(),
                columns: index_columns(&uq.columns),
                included: vec![],
            }),
            _ => {}
        }
    }
    if keys
        .iter()
        .filter(|k| k.kind == KeyKind::PrimaryKey)
        .count()
        > 1
    {
        return Err(SqlError::new(
            8110,
            16,
            format!(
                "Cannot add multiple PRIMARY KEY constraints to table '{}'.",
                parts.name
            ),
        )
        .into());
    }
    for k in &keys {
        for (c, _) in &k.columns {
            let Some(col) = columns.iter_mut().find(|x| x.name.eq_ignore_ascii_case(c)) else {
                return Err(SqlError::new(
                    1911,
                    16,
                    format!("Column name '{c}' does not exist in the target table or view."),
                )
                .into());
            };
            if k.kind == KeyKind::PrimaryKey {
                col.nullable = false;
            }
        }
    }
    let sqlite_name = if temp {
        parts.name.clone()
    } else {
        format!("{schema}.{}", parts.name)
    };
    let object_id = if temp {
        next_temp_id()
    } else {
        catalog::next_object_id(&s.conn, &db)?
    };
    // The clustered key: the one declared CLUSTERED, else the primary key.
    let declared = keys.iter().filter(|k| k.clustered == Some(true)).count();
    let clustered: Vec<bool> = keys.iter().map(|k| k.is_clustered(declared > 0)).collect();
    if clustered.iter().filter(|c| **c).count() > 1 {
        return Err(SqlError::new(
            8112,
            16,
            format!(
                "Cannot add more than one clustered index for constraints on table '{}'.",
                parts.name
            ),
        )
        .into());
    }
    let cluster_at = clustered.iter().position(|c| *c);
    let cluster = cluster_at.map(|i| ClusterKey {
        columns: keys[i].columns.clone(),
        unique: true,
    });
    let mut meta = TableMeta {
        object_id,
        db: db.clone(),
        schema: schema.clone(),
        name: parts.name.clone(),
        sqlite_name,
        is_view: false,
        columns,
        identity,
        storage: Storage::Rowid,
    };
    meta.storage = storage::layout(&meta, cluster.as_ref());
    // The clustered key is the table's own b-tree when it is keyed; the other keys are
    // inline UNIQUE constraints: one schema change for the table and its indexes.
    let keyed = matches!(meta.storage, Storage::Keyed { .. });
    let uniques: Vec<&[(String, bool)]> = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| !(keyed && cluster_at == Some(*i)))
        .map(|(_, k)| k.columns.as_slice())
        .collect();
    s.exec_ddl(&storage::create_sql(&meta, cluster.as_ref(), &uniques))?;
    if !temp {
        record_table(s, &meta, schema_id)?;
    } else if let Some(id) = meta.identity {
        s.conn
            .execute_batch(&catalog::schema::create_sql(
                &catalog::schema::IDENTITY,
                "temp",
            ))
            .map_err(|e| errors::internal(&e))?;
        s.exec_ddl(&format!(
            "INSERT INTO temp.__mssql_identity VALUES ({object_id}, {}, {}, {}, {}, NULL)",
            id.column + 1,
            id.seed,
            id.increment,
            id.seed
        ))?;
    }
    if !temp && cluster_at.is_none() {
        record_heap(s, &meta)?;
    }
    let mut next_index = 2;
    for (n, key) in keys.iter().enumerate() {
        let clustered = clustered[n];
        let index_id = if clustered { 1 } else { next_index };
        if !clustered {
            next_index += 1;
        }
        let name = key.name.clone().unwrap_or_else(|| {
            auto_name(
                if key.kind == KeyKind::PrimaryKey {
                    "PK"
                } else {
                    "UQ"
                },
                &meta.name,
                meta.object_id,
                n,
            )
        });
        if !temp && catalog::find_object(&s.conn, &db, &schema, &name)?.is_some() {
            return Err(errors::object_exists(&name).into());
        }
        let at = Placement {
            system_named: key.name.is_none(),
            name,
            index_id,
            clustered,
            inline: true,
        };
        add_key(s, &meta, key, &at)?;
    }
    if temp {
        s.temps
            .insert(meta.name.to_ascii_lowercase(), Arc::new(meta));
    }
    // Temp tables too: cached translations may have resolved the name elsewhere.
    s.catalog_changed();
    Ok(())
}

/// Creates a key or index on `t`: the SQLite index, the triggers that raise SQL Server's
/// duplicate-key errors, and its catalog rows.
pub(crate) fn add_key(s: &Session, t: &TableMeta, key: &Key, at: &Placement) -> Res<()> {
    let Placement {
        name,
        index_id,
        clustered,
        system_named,
        inline,
    } = at;
    let (name, index_id, clustered, system_named, inline) =
        (name.as_str(), *index_id, *clustered, *system_named, *inline);
    let mut cols = Vec::new();
    for (c, desc) in &key.columns {
        let (i, col) = t.column(c).ok_or_else(|| {
            SqlError::new(
                1911,
                16,
                format!("Column name '{c}' does not exist in the target table or view."),
            )
        })?;
        cols.push((i, col.name.clone(), *desc));
    }
    let temp = t.db == "temp";
    let sqlite_index = format!("{}.{}", t.sqlite_name, name);
    if !inline {
        let col_list: Vec<String> = cols
            .iter()
            .map(|(_, n, d)| format!("{}{}", quote(n), if *d { " DESC" } else { "" }))
            .collect();
        s.exec_ddl(&format!(
            "CREATE INDEX {}.{} ON {} ({})",
            quote(&t.db),
            quote(&sqlite_index),
            quote(&t.sqlite_name),
            col_list.join(", ")
        ))?;
    }
    let unique_kind = match key.kind {
        KeyKind::PrimaryKey => Some(UniqueKind::PrimaryKey),
        KeyKind::Unique => Some(UniqueKind::UniqueConstraint),
        KeyKind::UniqueIndex => Some(UniqueKind::UniqueIndex),
        KeyKind::Index => None,
    };
    if let (Some(kind), true) = (unique_kind, temp) {
        let names: Vec<String> = cols.iter().map(|(_, n, _)| n.clone()).collect();
        for sql in trigger_sql(t, kind, name, &names) {
            s.exec_ddl(&sql)?;
        }
    }
    if temp {
        return Ok(());
    }
    let db = quote(&t.db);
    let constraint = match key.kind {
        KeyKind::PrimaryKey => Some(("PK", "PRIMARY_KEY_CONSTRAINT", "PRIMARY KEY")),
        KeyKind::Unique => Some(("UQ", "UNIQUE_CONSTRAINT", "UNIQUE")),
        _ => None,
    };
    let unique = key.kind != KeyKind::Index;
    s.exec_ddl(&format!(
        "INSERT INTO {db}.__mssql_indexes VALUES ({}, {}, {index_id}, {}, {}, {}, 1, 0, {}, {}, 0, 0, 0, 0, 1, 1, 0, {}, {}, {}, {}, {}, {}, {}, 1)",
        t.object_id, literal(name), if clustered { 1 } else { 2 }, literal(if clustered { "CLUSTERED" } else { "NONCLUSTERED" }),
        unique as i64, (key.kind == KeyKind::PrimaryKey) as i64, (key.kind == KeyKind::Unique) as i64,
        literal(&t.db), literal(&t.schema), literal(&t.name), opt_str(constraint.map(|c| c.2)), literal(&t.sqlite_name), literal(&sqlite_index),
        t.object_id * 65536 + index_id
    ))?;
    let cname = constraint.map(|_| name);
    for (n, (i, col, desc)) in cols.iter().enumerate() {
        s.exec_ddl(&format!(
            "INSERT INTO {db}.__mssql_index_columns VALUES ({}, {index_id}, {}, {}, {}, 0, {}, 0, {}, {}, {}, {}, {})",
            t.object_id, n + 1, i + 1, n + 1, *desc as i64, literal(col), opt_str(cname), literal(&t.db), literal(&t.schema), literal(&t.name)
        ))?;
    }
    for (n, inc) in key.included.iter().enumerate() {
        if let Some((i, col)) = t.column(inc) {
            s.exec_ddl(&format!(
                "INSERT INTO {db}.__mssql_index_columns VALUES ({}, {index_id}, {}, {}, 0, 0, 0, 1, {}, NULL, {}, {}, {})",
                t.object_id, cols.len() + n + 1, i + 1, literal(&col.name), literal(&t.db), literal(&t.schema), literal(&t.name)
            ))?;
        }
    }
    if let Some((ty, desc, _)) = constraint {
        let id = catalog::next_object_id(&s.conn, &t.db)?;
        s.exec_ddl(&format!(
            "INSERT INTO {db}.__mssql_objects VALUES ({id}, {}, NULL, (SELECT schema_id FROM {db}.__mssql_schemas WHERE name = {}), {}, '{ty}', '{desc}', {now}, {now}, 0, 0, 0, {}, {}, NULL, NULL, NULL, {index_id}, {}, {}, {})",
            literal(name), literal(&t.schema), t.object_id, literal(&t.db), literal(&t.schema), system_named as i64, literal(&t.name), opt_str(constraint.map(|c| c.2)), now = now()
        ))?;
    }
    Ok(())
}

fn create_index(s: &mut Session, ci: &CreateIndex, clustering: &mut Clustering) -> Res<()> {
    let t = s.resolver().table(&ci.table_name)?;
    let name = ci
        .name
        .as_ref()
        .map(|n| Parts::of(n).map(|p| p.name))
        .transpose()?
        .ok_or_else(|| errors::syntax_near("ON"))?;
    let clustered = clustering.indexes.pop_front().flatten().unwrap_or(false);
    let exists: i64 = s
        .conn
        .query_row(
            &format!(
                "SELECT count(*) FROM {}.__mssql_indexes WHERE object_id = ?1 AND name = ?2",
                quote(&t.db)
            ),
            rusqlite::params![t.object_id, name],
            |r| r.get(0),
        )
        .unwrap_or(0);
    if exists > 0 {
        return Err(SqlError::new(1913, 16, format!("The operation failed because an index or statistics with name '{name}' already exists on table '{}.{}'.", t.schema, t.name)).into());
    }
    let key = Key {
        name: Some(name.clone()),
        kind: if ci.unique {
            KeyKind::UniqueIndex
        } else {
            KeyKind::Index
        },
        clustered: Some(clustered),
        columns: index_columns(&ci.columns),
        included: ci.include.iter().map(|i| i.value.clone()).collect(),
    };
    crate::ddl_keys::place_key(s, &t, &key, name, false)?;
    s.catalog_changed();
    Ok(())
}

fn create_view(s: &mut Session, name: &ObjectName, query: &sqlparser::ast::Query) -> Res<()> {
    let parts = Parts::of(name)?;
    let db = s.resolver().database(&parts)?;
    let schema = parts.schema.clone().unwrap_or_else(|| "dbo".into());
    let schema_id = catalog::schema_id(&s.conn, &db, &schema)?.ok_or_else(|| SqlError::new(2760, 16, format!("The specified schema name \"{schema}\" either does not exist or you do not have permission to use it.")))?;
    if catalog::find_object(&s.conn, &db, &schema, &parts.name)?.is_some() {
        return Err(errors::object_exists(&parts.name).into());
    }
    let scope = crate::typing::Scope::of_query(query, &s.resolver());
    let types = crate::typing::projection_types(query, &scope);
    let nulls = crate::typing::projection_nulls(query, &s.resolver());
    let mut q = query.clone();
    {
        let r = s.resolver();
        Rewriter::new(&r).query(&mut q)?;
    }
    let sqlite_name = format!("{schema}.{}", parts.name);
    s.exec_ddl(&format!(
        "CREATE VIEW {}.{} AS {q}",
        quote(&db),
        quote(&sqlite_name)
    ))?;
    // The view's columns, typed as a SELECT from it would be.
    let mut columns = Vec::new();
    {
        let r = s.resolver();
        let stmt = s
            .conn
            .prepare(&format!(
                "SELECT * FROM {}.{}",
                quote(&db),
                quote(&sqlite_name)
            ))
            .map_err(|e| errors::from_sqlite(&e))?;
        for (i, col) in stmt.columns_with_metadata().enumerate() {
            let mut info = ColumnInfo {
                name: col.name().to_string(),
                ty: types
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or(SqlType::NVarChar(Some(4000))),
                nullable: nulls.nullable(i, None),
                identity: false,
                default: None,
            };
            if let (Some(d), Some(t), Some(o)) =
                (col.database_name(), col.table_name(), col.origin_name())
            {
                if let Ok(Some(meta)) = r.lookup(d, t) {
                    if let Some((_, c)) = meta.column(o) {
                        info.ty = c.ty;
                        info.nullable = nulls.nullable(i, Some(c.nullable));
                    }
                }
            }
            columns.push(info);
        }
    }
    let object_id = catalog::next_object_id(&s.conn, &db)?;
    let meta = TableMeta {
        object_id,
        db: db.clone(),
        schema: schema.clone(),
        name: parts.name.clone(),
        sqlite_name,
        is_view: true,
        columns,
        identity: None,
        storage: Storage::Rowid,
    };
    s.exec_ddl(&format!(
        "INSERT INTO {}.__mssql_objects VALUES ({object_id}, {}, NULL, {schema_id}, 0, 'V ', 'VIEW', {now}, {now}, 0, 0, 0, {}, {}, 'VIEW', {}, {}, NULL, 0, NULL, NULL)",
        quote(&db), literal(&meta.name), literal(&db), literal(&schema), literal(&format!("CREATE VIEW {name} AS {query}")), literal(&meta.sqlite_name), now = now()
    ))?;
    for (i, c) in meta.columns.iter().enumerate() {
        record_column(s, &meta, i + 1, c)?;
    }
    s.catalog_changed();
    Ok(())
}

fn drop_table(s: &mut Session, name: &ObjectName, if_exists: bool, kind: ObjectType) -> Res<()> {
    let parts = Parts::of(name)?;
    let t = s.resolver().find_table(&parts)?;
    let kind_name = if kind == ObjectType::View {
        "view"
    } else {
        "table"
    };
    let Some(t) = t.filter(|t| t.is_view == (kind == ObjectType::View)) else {
        if if_exists {
            return Ok(());
        }
        return Err(errors::cannot_drop(kind_name, &parts.display()).into());
    };
    s.exec_ddl(&format!(
        "DROP {} {}",
        if t.is_view { "VIEW" } else { "TABLE" },
        t.qualified()
    ))?;
    if t.db == "temp" {
        s.temps.remove(&t.name.to_ascii_lowercase());
        s.catalog_changed();
        return Ok(());
    }
    forget(s, &t.db, t.object_id)?;
    s.catalog_changed();
    Ok(())
}

/// Deletes an object's catalog rows (and those of its constraints).
fn forget(s: &Session, db: &str, object_id: i64) -> Res<()> {
    let db = quote(db);
    for table in [
        "__mssql_columns",
        "__mssql_identity",
        "__mssql_indexes",
        "__mssql_index_columns",
        "__mssql_uniquifiers",
    ] {
        s.exec_ddl(&format!(
            "DELETE FROM {db}.{table} WHERE object_id = {object_id}"
        ))?;
    }
    s.exec_ddl(&format!("DELETE FROM {db}.__mssql_objects WHERE object_id = {object_id} OR parent_object_id = {object_id}"))?;
    Ok(())
}

/// SQL Server's 5074 for dropping a column a key or an index is made of (SQLite's key
/// b-trees could not lose it either).
fn refuse_indexed_column(s: &Session, t: &TableMeta, column: &str) -> Res<()> {
    let user = s
        .conn
        .query_row(
            &format!(
                "SELECT i.name, i.is_primary_key OR i.is_unique_constraint FROM {db}.__mssql_index_columns c JOIN {db}.__mssql_indexes i ON i.object_id = c.object_id AND i.index_id = c.index_id WHERE c.object_id = ?1 AND c.column_name = ?2 ORDER BY c.index_id LIMIT 1",
                db = quote(&t.db)
            ),
            rusqlite::params![t.object_id, column],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)),
        )
        .optional()
        .map_err(|e| errors::internal(&e))?;
    match user {
        Some((name, constraint)) => Err(SqlError::new(
            5074,
            16,
            format!(
                "The {} '{name}' is dependent on column '{column}'.",
                if constraint { "object" } else { "index" }
            ),
        )
        .into()),
        None => Ok(()),
    }
}

fn alter_table(
    s: &mut Session,
    name: &ObjectName,
    ops: &[AlterTableOperation],
    clustering: &mut Clustering,
) -> Res<()> {
    let t = s.resolver().table(name)?;
    for op in ops {
        match op {
            AlterTableOperation::AddColumn { column_def, .. } => {
                let mut keys = Vec::new();
                let (col, identity) =
                    column_info(column_def, &mut keys, &mut Clustering::default())?;
                if identity.is_some() || !keys.is_empty() {
                    return Err(
                        errors::not_supported("ALTER TABLE ADD with IDENTITY or a key").into(),
                    );
                }
                if t.column(&col.name).is_some() {
                    return Err(SqlError::new(2705, 16, format!("Column names in each table must be unique. Column name '{}' in table '{}' specified more than once.", col.name, t.name)).into());
                }
                let not_null = if col.nullable {
                    String::new()
                } else {
                    let d = col.default.clone().ok_or_else(|| SqlError::new(4901, 16, format!("ALTER TABLE only allows columns to be added that can contain nulls, or have a DEFAULT definition specified, or the column being added is an identity or timestamp column, or alternatively if none of the previous conditions are satisfied the table must be empty to allow addition of this column. Column '{}' cannot be added to non-empty table '{}' because it does not satisfy these conditions.", col.name, t.name)))?;
                    format!(" NOT NULL DEFAULT {d}")
                };
                s.exec_ddl(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}{not_null}",
                    t.qualified(),
                    quote(&col.name),
                    values::sqlite_decl(&col.ty)
                ))?;
                if t.db != "temp" {
                    let next: i64 = s.conn.query_row(&format!("SELECT coalesce(max(column_id), 0) + 1 FROM {}.__mssql_columns WHERE object_id = ?1", quote(&t.db)), [t.object_id], |r| r.get(0)).map_err(|e| errors::internal(&e))?;
                    record_column(s, &t, next as usize, &col)?;
                } else {
                    let mut m = (*t).clone();
                    m.columns.push(col);
                    s.temps.insert(m.name.to_ascii_lowercase(), Arc::new(m));
                }
            }
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                for c in column_names {
                    let Some((_, col)) = t.column(&c.value) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(SqlError::new(4924, 16, format!("ALTER TABLE DROP COLUMN failed because column '{}' does not exist in table '{}'.", c.value, t.name)).into());
                    };
                    if t.db != "temp" {
                        refuse_indexed_column(s, &t, &col.name)?;
                    }
                    s.exec_ddl(&format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        t.qualified(),
                        quote(&col.name)
                    ))?;
                    if t.db != "temp" {
                        s.exec_ddl(&format!(
                            "DELETE FROM {}.__mssql_columns WHERE object_id = {} AND name = {}",
                            quote(&t.db),
                            t.object_id,
                            literal(&col.name)
                        ))?;
                    } else {
                        let mut m = (*t).clone();
                        m.columns.retain(|x| !x.name.eq_ignore_ascii_case(&c.value));
                        s.temps.insert(m.name.to_ascii_lowercase(), Arc::new(m));
                    }
                }
            }
            AlterTableOperation::AddConstraint { constraint, .. } => {
                let declared = match constraint {
                    TableConstraint::PrimaryKey(_) => clustering.primary_keys.pop_front(),
                    TableConstraint::Unique(_) => clustering.uniques.pop_front(),
                    _ => None,
                };
                crate::ddl_keys::add_constraint(s, &t, constraint, declared.flatten())?;
            }
            AlterTableOperation::DropConstraint {
                name, if_exists, ..
            } => {
                crate::ddl_keys::drop_constraint(s, &t, &name.value, *if_exists)?;
            }
            _ => return Err(errors::not_supported("this ALTER TABLE operation").into()),
        }
    }
    if t.db != "temp" {
        s.exec_ddl(&format!(
            "UPDATE {}.__mssql_objects SET modify_date = {} WHERE object_id = {}",
            quote(&t.db),
            now(),
            t.object_id
        ))?;
    }
    s.catalog_changed();
    Ok(())
}
