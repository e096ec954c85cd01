//! DDL for schemas and databases: CREATE/DROP SCHEMA, CREATE/DROP DATABASE.

use sqlparser::ast::ObjectName;
use tds_protocol::types::SqlError;

use crate::catalog::{self, literal, quote};
use crate::databases;
use crate::errors;
use crate::session::{Res, Session};
use crate::translate::names::Parts;

pub fn create_schema(s: &mut Session, name: &str) -> Res<()> {
    let name = Parts::parse(name)?.name;
    if catalog::schema_id(&s.conn, &s.db, &name)?.is_some() {
        return Err(SqlError::new(
            2714,
            16,
            format!("There is already an object named '{name}' in the database."),
        )
        .into());
    }
    let db = quote(&s.db);
    s.exec_ddl(&format!(
        "INSERT INTO {db}.__mssql_schemas VALUES ((SELECT max(5, coalesce(max(schema_id), 0) + 1) FROM {db}.__mssql_schemas WHERE schema_id < 16384), {}, 1, {}, 'dbo')",
        literal(&name), literal(&s.db)
    ))?;
    s.catalog_changed();
    Ok(())
}

pub fn drop_schema(s: &mut Session, name: &ObjectName, if_exists: bool) -> Res<()> {
    let name = Parts::of(name)?.name;
    let Some(id) = catalog::schema_id(&s.conn, &s.db, &name)? else {
        if if_exists {
            return Ok(());
        }
        return Err(errors::cannot_drop("schema", &name).into());
    };
    s.exec_ddl(&format!(
        "DELETE FROM {}.__mssql_schemas WHERE schema_id = {id}",
        quote(&s.db)
    ))?;
    s.catalog_changed();
    Ok(())
}

pub fn create_database(s: &mut Session, name: &ObjectName) -> Res<()> {
    let name = Parts::of(name)?.name;
    if s.engine.database_exists(&name) {
        return Err(errors::database_exists(&name).into());
    }
    if name.eq_ignore_ascii_case("main") || name.eq_ignore_ascii_case("temp") {
        return Err(SqlError::new(
            5001,
            16,
            format!("Database name '{name}' is reserved by this server."),
        )
        .into());
    }
    databases::create(&s.conn, &s.engine.dir, &name)?;
    let list = databases::list(&s.conn, &s.engine.dir)?;
    s.engine.set_databases(list);
    s.adopt_databases();
    Ok(())
}

pub fn drop_database(s: &mut Session, name: &ObjectName, if_exists: bool) -> Res<()> {
    let name = Parts::of(name)?.name;
    let Some(entry) = s.engine.database(&name) else {
        if if_exists {
            return Ok(());
        }
        return Err(SqlError::new(3701, 11, format!("Cannot drop the database '{name}', because it does not exist or you do not have permission.")).into());
    };
    if databases::SYSTEM_DATABASES
        .iter()
        .any(|d| d.eq_ignore_ascii_case(&entry.name))
    {
        return Err(SqlError::new(
            3708,
            16,
            format!(
                "Cannot drop the database '{}' because it is a system database.",
                entry.name
            ),
        )
        .into());
    }
    if s.db.eq_ignore_ascii_case(&entry.name) {
        return Err(SqlError::new(
            3702,
            16,
            format!(
                "Cannot drop database \"{}\" because it is currently in use.",
                entry.name
            ),
        )
        .into());
    }
    s.exec_ddl(&format!("DETACH DATABASE {}", quote(&entry.name)))?;
    s.exec_ddl(&format!(
        "DELETE FROM master.__mssql_databases WHERE name = {}",
        literal(&entry.name)
    ))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = entry.path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let list = databases::list(&s.conn, &s.engine.dir)?;
    s.engine.set_databases(list);
    s.adopt_databases();
    s.set_database_after_drop();
    Ok(())
}
