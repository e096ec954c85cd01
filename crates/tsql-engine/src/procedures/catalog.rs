//! Procedures in the catalog: a `__mssql_objects` row of type `P` holding the definition
//! text, and a `__mssql_parameters` row per parameter (`sys.parameters`,
//! `INFORMATION_SCHEMA.PARAMETERS`).

use rusqlite::OptionalExtension;
use tds_protocol::types::SqlError;

use super::header::{DefKind, Definition, ParamDef};
use crate::catalog::record::{opt, opt_str};
use crate::catalog::types::info;
use crate::catalog::{self, literal, quote};
use crate::errors;
use crate::session::{Res, Session};
use crate::translate::names::Parts;

fn now() -> &'static str {
    "strftime('%Y-%m-%d %H:%M:%f0000', 'now')"
}

/// A procedure found by name: where it lives and its definition text.
pub struct Stored {
    pub db: String,
    pub schema: String,
    pub name: String,
    pub definition: String,
}

/// CREATE / ALTER / CREATE OR ALTER PROCEDURE: records `def` (whose text is `text`).
pub fn define(s: &mut Session, def: &Definition, text: &str) -> Res<()> {
    let parts = Parts::parse(&def.name)?;
    if parts.name.starts_with('#') {
        return Err(errors::not_supported("temporary procedures").into());
    }
    let db = s.resolver().database(&parts)?;
    let schema = parts.schema.clone().unwrap_or_else(|| "dbo".into());
    let schema_id = catalog::schema_id(&s.conn, &db, &schema)?.ok_or_else(|| SqlError::new(2760, 16, format!("The specified schema name \"{schema}\" either does not exist or you do not have permission to use it.")))?;
    let existing = catalog::find_object(&s.conn, &db, &schema, &parts.name)?;
    let q = quote(&db);
    let object_id = match (def.kind, existing) {
        (DefKind::Create, Some(_)) => return Err(errors::object_exists(&parts.name).into()),
        (DefKind::Alter, None) => return Err(errors::invalid_object(&parts.name).into()),
        (_, Some((_, kind))) if kind != "P" => {
            return Err(SqlError::new(
                2010,
                16,
                format!(
                    "Cannot perform alter on '{}' because it is an incompatible object type.",
                    parts.name
                ),
            )
            .into())
        }
        (_, Some((id, _))) => {
            s.exec_ddl(&format!(
                "UPDATE {q}.__mssql_objects SET definition = {}, modify_date = {} WHERE object_id = {id}",
                literal(text),
                now()
            ))?;
            s.exec_ddl(&format!(
                "DELETE FROM {q}.__mssql_parameters WHERE object_id = {id}"
            ))?;
            id
        }
        (_, None) => {
            let id = catalog::next_object_id(&s.conn, &db)?;
            s.exec_ddl(&format!(
                "INSERT INTO {q}.__mssql_objects VALUES ({id}, {}, NULL, {schema_id}, 0, 'P ', 'SQL_STORED_PROCEDURE', {now}, {now}, 0, 0, 0, {}, {}, NULL, {}, {}, NULL, 0, NULL, NULL)",
                literal(&parts.name), literal(&db), literal(&schema), literal(text),
                literal(&format!("{schema}.{}", parts.name)), now = now()
            ))?;
            id
        }
    };
    for (i, p) in def.params.iter().enumerate() {
        record_parameter(s, &db, &schema, &parts.name, object_id, i + 1, p)?;
    }
    s.catalog_changed();
    Ok(())
}

fn record_parameter(
    s: &Session,
    db: &str,
    schema: &str,
    proc_name: &str,
    object_id: i64,
    ordinal: usize,
    p: &ParamDef,
) -> Res<()> {
    let i = info(&p.ty);
    s.exec_ddl(&format!(
        "INSERT INTO {}.__mssql_parameters VALUES ({object_id}, {}, {ordinal}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        quote(db), literal(&p.name), i.system_type_id, i.system_type_id, i.max_length, i.precision, i.scale,
        p.output as i64, literal(&p.ty.to_string()), literal(db), literal(schema), literal(proc_name),
        literal(if p.output { "INOUT" } else { "IN" }), literal(p.ty.name()),
        opt(i.char_max_len), opt(i.char_octet_len), opt(i.num_precision), opt(i.num_radix), opt(i.num_scale),
        opt(i.dt_precision), opt_str(i.collation)
    ))?;
    Ok(())
}

/// DROP PROCEDURE [IF EXISTS] name.
pub fn drop(s: &mut Session, name: &str, if_exists: bool) -> Res<()> {
    let Some(p) = find(s, name)? else {
        if if_exists {
            return Ok(());
        }
        return Err(errors::cannot_drop("procedure", &Parts::parse(name)?.display()).into());
    };
    let q = quote(&p.db);
    let id: i64 = s
        .conn
        .query_row(
            &format!("SELECT object_id FROM {q}.__mssql_objects WHERE schema_name = ?1 AND name = ?2 AND type = 'P'"),
            [&p.schema, &p.name],
            |r| r.get(0),
        )
        .map_err(|e| errors::internal(&e))?;
    s.exec_ddl(&format!(
        "DELETE FROM {q}.__mssql_parameters WHERE object_id = {id}"
    ))?;
    s.exec_ddl(&format!(
        "DELETE FROM {q}.__mssql_objects WHERE object_id = {id}"
    ))?;
    s.catalog_changed();
    Ok(())
}

/// The procedure `name` designates (default schema dbo), if there is one.
pub fn find(s: &Session, name: &str) -> Res<Option<Stored>> {
    let parts = Parts::parse(name)?;
    let Ok(db) = s.resolver().database(&parts) else {
        return Ok(None);
    };
    let schema = parts.schema.clone().unwrap_or_else(|| "dbo".into());
    let row = s
        .conn
        .query_row(
            &format!("SELECT schema_name, name, definition FROM {}.__mssql_objects WHERE schema_name = ?1 AND name = ?2 AND type = 'P'", quote(&db)),
            [&schema, &parts.name],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        )
        .optional()
        .map_err(|e| errors::internal(&e))?;
    Ok(row.map(|(schema, name, definition)| Stored {
        db,
        schema,
        name,
        definition,
    }))
}
