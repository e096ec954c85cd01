//! Renaming a table or a column (`sp_rename`) and moving a table to another schema
//! (`ALTER SCHEMA s TRANSFER t`) in place: the SQLite table and its indexes
//! take the new name, the catalog rows keep their object id, and the key triggers (whose
//! names and messages carry the table's name) are dropped for `keys::ensure_triggers` to
//! re-create on the next write.

use sqlparser::ast::ObjectName;
use tds_protocol::types::SqlError;

use crate::catalog::{self, literal, quote, TableMeta};
use crate::errors;
use crate::session::{Res, Session};
use crate::storage;
use crate::translate::names::Parts;

/// What `sp_rename` was asked to rename (`@objtype`).
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Object,
    Column,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Object => "OBJECT",
            Kind::Column => "COLUMN",
        }
    }
}

fn sp_error(number: i32, message: String) -> SqlError {
    let mut e = SqlError::new(number, 11, message);
    e.procedure = "sp_rename".into();
    e
}

/// Error 15248: no object of that name and type.
fn not_found(kind: Kind) -> SqlError {
    sp_error(
        15248,
        format!(
            "Either the parameter @objname is ambiguous or the claimed @objtype ({}) is wrong.",
            kind.word()
        ),
    )
}

/// Error 15335: the new name is taken.
fn taken(name: &str, kind: Kind) -> SqlError {
    sp_error(
        15335,
        format!(
            "Error: The new name '{name}' is already in use as a {} name and would cause a duplicate that is not permitted.",
            kind.word()
        ),
    )
}

/// Error 15151 for a schema that does not exist.
fn no_schema(schema: &str) -> SqlError {
    SqlError::new(
        15151,
        16,
        format!("Cannot alter the schema '{schema}', because it does not exist or you do not have permission."),
    )
}

/// `sp_rename @objname, @newname [, @objtype]`, in one atomic step.
pub(crate) fn sp_rename(s: &mut Session, objname: &str, newname: &str, kind: Kind) -> Res<()> {
    if newname.is_empty() {
        // NULL or '': SQL Server refuses both before looking at the object.
        return Err(sp_error(
            15223,
            "Error: The input parameter '@newname' is not acceptable because it is NULL.".into(),
        )
        .into());
    }
    let parts = Parts::parse(objname)?;
    match kind {
        Kind::Object => {
            let t = database_table(s, &parts)?.ok_or_else(|| not_found(kind))?;
            if catalog::find_object(&s.conn, &t.db, &t.schema, newname)?.is_some() {
                return Err(taken(newname, kind).into());
            }
            let schema = t.schema.clone();
            s.atomic(|s| move_table(s, &t, &schema, newname))
        }
        Kind::Column => {
            // `table.column` or `schema.table.column`: the parser's (db, schema, name).
            let table = match (parts.db, parts.schema) {
                (Some(schema), Some(table)) => Parts {
                    db: None,
                    schema: Some(schema),
                    name: table,
                },
                (None, Some(table)) => Parts {
                    db: None,
                    schema: None,
                    name: table,
                },
                _ => return Err(not_found(kind).into()),
            };
            let t = database_table(s, &table)?.ok_or_else(|| not_found(kind))?;
            let (_, col) = t.column(&parts.name).ok_or_else(|| not_found(kind))?;
            let old = col.name.clone();
            if t.column(newname).is_some_and(|(_, c)| c.name != old) {
                return Err(taken(newname, kind).into());
            }
            s.atomic(|s| rename_column(s, &t, &old, newname))
        }
    }
}

/// `ALTER SCHEMA target TRANSFER [OBJECT::]object`.
pub(crate) fn transfer(s: &mut Session, target: &ObjectName, object: &ObjectName) -> Res<()> {
    let schema = Parts::of(target)?.name;
    let parts = Parts::of(object)?;
    let t = database_table(s, &parts)?.ok_or_else(|| {
        SqlError::new(
            15151,
            16,
            format!(
                "Cannot find the object '{}', because it does not exist or you do not have permission.",
                parts.display()
            ),
        )
    })?;
    let Some(schema_id) = catalog::schema_id(&s.conn, &t.db, &schema)? else {
        return Err(no_schema(&schema).into());
    };
    let schema = catalog::schema_name(&s.conn, &t.db, schema_id)?;
    if schema == t.schema {
        return Ok(());
    }
    if catalog::find_object(&s.conn, &t.db, &schema, &t.name)?.is_some() {
        return Err(SqlError::new(
            2714,
            16,
            format!(
                "There is already an object named '{}' in the database.",
                t.name
            ),
        )
        .into());
    }
    let name = t.name.clone();
    s.atomic(|s| move_table(s, &t, &schema, &name))
}

/// A table of the current database (temporary tables are not renamed here).
fn database_table(s: &Session, parts: &Parts) -> Res<Option<std::sync::Arc<TableMeta>>> {
    if parts.name.starts_with('#') {
        return Err(errors::not_supported("renaming a temporary table").into());
    }
    let t = s.resolver().find_table(parts)?;
    Ok(t.filter(|t| !t.is_view))
}

/// Drops `t`'s key triggers; the next write re-creates them under its current name.
fn drop_key_triggers(s: &Session, t: &TableMeta) -> Res<()> {
    let db = quote(&t.db);
    let names: Vec<String> = {
        let mut stmt = s
            .conn
            .prepare(&format!(
                "SELECT name FROM {db}.sqlite_master WHERE type = 'trigger' AND tbl_name = ?1"
            ))
            .map_err(|e| errors::internal(&e))?;
        let rows = stmt
            .query_map([&t.sqlite_name], |r| r.get::<_, String>(0))
            .map_err(|e| errors::internal(&e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| errors::internal(&e))?
    };
    for name in names.iter().filter(|n| crate::keys::is_key_trigger(t, n)) {
        s.exec_ddl(&format!("DROP TRIGGER {db}.{}", quote(name)))?;
    }
    Ok(())
}

/// Gives table `t` the name `schema.name`, keeping its object id, rows, keys and identity.
pub(crate) fn move_table(s: &mut Session, t: &TableMeta, schema: &str, name: &str) -> Res<()> {
    let db = quote(&t.db);
    let schema_id = catalog::schema_id(&s.conn, &t.db, schema)?.ok_or_else(|| no_schema(schema))?;
    let indexes = storage::catalog_indexes(s, t)?;
    drop_key_triggers(s, t)?;
    let mut new = t.clone();
    new.schema = schema.to_string();
    new.name = name.to_string();
    new.sqlite_name = format!("{schema}.{name}");
    // Legacy renaming leaves views alone: as in SQL Server, they go on naming the old name.
    s.exec_ddl("PRAGMA legacy_alter_table = ON")?;
    let renamed = s.exec_ddl(&format!(
        "ALTER TABLE {} RENAME TO {}",
        t.qualified(),
        quote(&new.sqlite_name)
    ));
    s.exec_ddl("PRAGMA legacy_alter_table = OFF")?;
    renamed?;
    // SQLite cannot rename an index: the ones named after the table are made again.
    for ix in &indexes {
        let Some(rest) = ix.sqlite_index.strip_prefix(&t.sqlite_name) else {
            continue;
        };
        if !storage::sqlite_index_exists(s, &t.db, &ix.sqlite_index)? {
            continue;
        }
        let sqlite_index = format!("{}{rest}", new.sqlite_name);
        s.exec_ddl(&format!("DROP INDEX {db}.{}", quote(&ix.sqlite_index)))?;
        s.exec_ddl(&format!(
            "CREATE {}INDEX {db}.{} ON {} {}",
            if ix.unique { "UNIQUE " } else { "" },
            quote(&sqlite_index),
            quote(&new.sqlite_name),
            storage::column_list(&new, &ix.columns)
        ))?;
        s.exec_ddl(&format!(
            "UPDATE {db}.__mssql_indexes SET sqlite_index = {} WHERE object_id = {} AND index_id = {}",
            literal(&sqlite_index),
            t.object_id,
            ix.index_id
        ))?;
    }
    let (n, sc, id) = (literal(name), literal(schema), t.object_id);
    s.exec_ddl(&format!(
        "UPDATE {db}.__mssql_objects SET name = {n}, schema_name = {sc}, schema_id = {schema_id}, sqlite_name = {}, modify_date = {} WHERE object_id = {id}",
        literal(&new.sqlite_name),
        crate::ddl::now()
    ))?;
    // Its constraints live in its schema and name it as their parent.
    s.exec_ddl(&format!(
        "UPDATE {db}.__mssql_objects SET parent_name = {n}, schema_name = {sc}, schema_id = {schema_id} WHERE parent_object_id = {id}"
    ))?;
    for table in ["__mssql_columns", "__mssql_index_columns"] {
        s.exec_ddl(&format!(
            "UPDATE {db}.{table} SET schema_name = {sc}, table_name = {n} WHERE object_id = {id}"
        ))?;
    }
    s.exec_ddl(&format!(
        "UPDATE {db}.__mssql_indexes SET schema_name = {sc}, table_name = {n}, sqlite_table = {} WHERE object_id = {id}",
        literal(&new.sqlite_name)
    ))?;
    s.catalog_changed();
    Ok(())
}

/// Renames column `old` of `t` to `new`.
fn rename_column(s: &mut Session, t: &TableMeta, old: &str, new: &str) -> Res<()> {
    let db = quote(&t.db);
    drop_key_triggers(s, t)?;
    s.exec_ddl(&format!(
        "ALTER TABLE {} RENAME COLUMN {} TO {}",
        t.qualified(),
        quote(old),
        quote(new)
    ))?;
    let (o, n, id) = (literal(old), literal(new), t.object_id);
    s.exec_ddl(&format!(
        "UPDATE {db}.__mssql_columns SET name = {n} WHERE object_id = {id} AND name = {o}"
    ))?;
    s.exec_ddl(&format!(
        "UPDATE {db}.__mssql_index_columns SET column_name = {n} WHERE object_id = {id} AND column_name = {o}"
    ))?;
    s.exec_ddl(&format!(
        "UPDATE {db}.__mssql_objects SET modify_date = {} WHERE object_id = {id}",
        crate::ddl::now()
    ))?;
    s.catalog_changed();
    Ok(())
}
