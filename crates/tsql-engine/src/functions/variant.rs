//! SQL_VARIANT_PROPERTY: what a sql_variant's storage (`basetype|value`, see
//! [`crate::values`]) says about the value it holds.

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::SqlType;

use super::deterministic;
use crate::catalog::types;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("SQL_VARIANT_PROPERTY", 2, deterministic(), |ctx| {
        Ok(property(ctx).map_or(SqliteValue::Null, SqliteValue::Text))
    })
}

/// The property as sql_variant storage: the base type's name is a sysname, the figures ints.
/// NULL for a NULL variant or an unknown property, as on SQL Server.
fn property(ctx: &Context<'_>) -> Option<String> {
    let ValueRef::Text(stored) = ctx.get_raw(0) else {
        return None;
    };
    let ValueRef::Text(prop) = ctx.get_raw(1) else {
        return None;
    };
    let stored = String::from_utf8_lossy(stored);
    let (name, value) = stored.split_once('|')?;
    let base = crate::typename::parse(name).ok()?;
    let info = types::info(&base);
    let sysname = |s: &str| format!("nvarchar(128)|{s}");
    let int = |n: i64| format!("int|{n}");
    match String::from_utf8_lossy(prop).to_ascii_lowercase().as_str() {
        "basetype" => Some(sysname(base.name())),
        "precision" => Some(int(info.precision)),
        "scale" => Some(int(info.scale)),
        "maxlength" => Some(int(info.max_length)),
        "totalbytes" => Some(int(header_bytes(&base) + data_bytes(&base, value, &info))),
        "collation" => info.collation.map(sysname),
        _ => None,
    }
}

/// The metadata a variant stores before its value: type and version, then precision and
/// scale (decimal), scale (time types) or max length and collation (strings).
fn header_bytes(base: &SqlType) -> i64 {
    2 + match base {
        SqlType::Decimal { .. } | SqlType::Numeric { .. } => 2,
        SqlType::Time { .. } | SqlType::DateTime2 { .. } | SqlType::DateTimeOffset { .. } => 1,
        SqlType::Char(_) | SqlType::VarChar(_) | SqlType::NChar(_) | SqlType::NVarChar(_) => 7,
        SqlType::Binary(_) | SqlType::VarBinary(_) => 2,
        _ => 0,
    }
}

/// The bytes of the value itself: the actual length for variable-length types.
fn data_bytes(base: &SqlType, value: &str, info: &types::TypeInfo) -> i64 {
    match base {
        SqlType::VarChar(_) => value.chars().count() as i64,
        SqlType::NVarChar(_) => value.encode_utf16().count() as i64 * 2,
        SqlType::VarBinary(_) => value.len() as i64 / 2,
        _ => info.max_length,
    }
}
