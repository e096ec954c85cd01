//! Metadata built-ins computed from what the catalog holds: PARSENAME, and the row functions
//! behind COLUMNPROPERTY and DATABASEPROPERTYEX (the translator turns those into subqueries
//! on `__mssql_columns` and master's `__mssql_databases` that call them, see
//! `translate::calls`), and CHOOSE.

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::{SqlError, SqlType};

use super::args::{int, owned, text};
use super::{deterministic, raise};
use crate::catalog::types::COLLATION;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    type Scalar = fn(&Context<'_>) -> Result<SqliteValue, SqlError>;
    let fns: &[(&str, i32, Scalar)] = &[
        ("PARSENAME", 2, parsename),
        ("CHOOSE", -1, choose),
        ("__mssql_columnproperty", 6, column_property),
        ("__mssql_databaseproperty", 7, database_property),
    ];
    for &(name, n, f) in fns {
        conn.create_scalar_function(name, n, deterministic(), move |ctx| f(ctx).map_err(raise))?;
    }
    Ok(())
}

/// PARSENAME(name, part): part 1 is the object, 2 the schema, 3 the database, 4 the server;
/// NULL for a part the name does not have, or a name that is not a valid 1- to 4-part name.
fn parsename(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(name), Some(part)) = (text(ctx.get_raw(0)), int(ctx.get_raw(1))?) else {
        return Ok(SqliteValue::Null);
    };
    let Some(parts) = split_name(&name) else {
        return Ok(SqliteValue::Null);
    };
    let k = match usize::try_from(part) {
        Ok(k @ 1..=4) => k,
        _ => return Ok(SqliteValue::Null),
    };
    Ok(parts
        .len()
        .checked_sub(k)
        .and_then(|i| parts[i].clone())
        .map_or(SqliteValue::Null, SqliteValue::Text))
}

/// The parts of a multi-part name (unquoted; `None` for an empty part), or `None` when it has
/// more than four or an unclosed `[` or `"`.
fn split_name(name: &str) -> Option<Vec<Option<String>>> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' | '"' => {
                let close = if c == '[' { ']' } else { '"' };
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == close {
                        if chars.peek() == Some(&close) {
                            chars.next();
                            cur.push(close);
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        cur.push(c);
                    }
                }
                if !closed {
                    return None;
                }
            }
            '.' => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    if parts.len() > 4 {
        return None;
    }
    Some(
        parts
            .into_iter()
            .map(|p| (!p.is_empty()).then_some(p))
            .collect(),
    )
}

/// CHOOSE(index, v1, v2, ...): the index-th value (from 1), NULL when out of range.
fn choose(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    if ctx.len() < 2 {
        return Err(SqlError::new(
            174,
            15,
            "The choose function requires 2 argument(s).",
        ));
    }
    let Some(i) = int(ctx.get_raw(0))? else {
        return Ok(SqliteValue::Null);
    };
    match usize::try_from(i) {
        Ok(k) if k >= 1 && k < ctx.len() => Ok(owned(ctx.get_raw(k))),
        _ => Ok(SqliteValue::Null),
    }
}

/// `__mssql_columnproperty(type_text, is_nullable, is_identity, is_computed, column_id,
/// property)`: COLUMNPROPERTY for one column; NULL for a property it does not know.
fn column_property(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(ty) = text(ctx.get_raw(0)).and_then(|t| crate::typename::parse(&t).ok()) else {
        return Ok(SqliteValue::Null);
    };
    let Some(prop) = text(ctx.get_raw(5)) else {
        return Ok(SqliteValue::Null);
    };
    let flag = |i: usize| matches!(ctx.get_raw(i), ValueRef::Integer(1));
    let n = |v: i64| Ok(SqliteValue::Integer(v));
    let info = crate::catalog::types::info(&ty);
    match prop.to_ascii_lowercase().as_str() {
        "allowsnull" => n(i64::from(flag(1))),
        "isidentity" => n(i64::from(flag(2))),
        "iscomputed" => n(i64::from(flag(3))),
        "columnid" => Ok(owned(ctx.get_raw(4))),
        "precision" => n(precision(&ty)),
        "scale" => n(info.scale),
        "charmaxlen" => Ok(char_length(&ty).map_or(SqliteValue::Null, SqliteValue::Integer)),
        "octetmaxlen" => Ok(octet_length(&ty).map_or(SqliteValue::Null, SqliteValue::Integer)),
        "isrowguidcol"
        | "isfulltextindexed"
        | "issparse"
        | "iscolumnset"
        | "ishidden"
        | "isidnotforrepl"
        | "isxmlindexable"
        | "generatedalwaystype"
        | "statisticalsemantics"
        | "iscursortype"
        | "isoutparam" => n(0),
        "isindexable" => n(i64::from(!is_large(&ty))),
        "usesansitrim" => Ok(match ty {
            SqlType::Char(_) | SqlType::VarChar(_) | SqlType::Binary(_) | SqlType::VarBinary(_) => {
                SqliteValue::Integer(1)
            }
            _ => SqliteValue::Null,
        }),
        // Determinism and data access describe computed and view columns only.
        "isdeterministic" | "isprecise" | "issystemverified" | "systemdataaccess"
        | "userdataaccess" => Ok(if flag(3) {
            SqliteValue::Integer(1)
        } else {
            SqliteValue::Null
        }),
        _ => Ok(SqliteValue::Null),
    }
}

fn is_large(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::VarChar(None)
            | SqlType::NVarChar(None)
            | SqlType::VarBinary(None)
            | SqlType::Text
            | SqlType::NText
            | SqlType::Image
            | SqlType::Xml
    )
}

/// COLUMNPROPERTY's Precision: digits for numbers, characters for strings and for the
/// date and time types' text, bytes for binary, -1 for xml and the max types.
fn precision(ty: &SqlType) -> i64 {
    match ty {
        SqlType::Bit => 1,
        SqlType::TinyInt => 3,
        SqlType::SmallInt => 5,
        SqlType::Int => 10,
        SqlType::BigInt => 19,
        SqlType::Decimal { precision, .. } | SqlType::Numeric { precision, .. } => {
            i64::from(*precision)
        }
        SqlType::Money => 19,
        SqlType::SmallMoney => 10,
        SqlType::Real => 24,
        SqlType::Float => 53,
        SqlType::Date => 10,
        SqlType::Time { scale } => 8 + frac(*scale),
        SqlType::SmallDateTime => 16,
        SqlType::DateTime => 23,
        SqlType::DateTime2 { scale } => 19 + frac(*scale),
        SqlType::DateTimeOffset { scale } => 26 + frac(*scale),
        SqlType::UniqueIdentifier => 36,
        SqlType::RowVersion => 8,
        SqlType::Text => 2_147_483_647,
        SqlType::NText => 1_073_741_823,
        SqlType::Image => 2_147_483_647,
        SqlType::SqlVariant => 0,
        other => char_length(other)
            .or_else(|| octet_length(other))
            .unwrap_or(0),
    }
}

/// The characters a fraction of `scale` digits adds to a time's text (its point too).
fn frac(scale: u8) -> i64 {
    if scale == 0 {
        0
    } else {
        1 + i64::from(scale)
    }
}

/// Characters a string column holds (-1 for max), as INFORMATION_SCHEMA shows them.
fn char_length(ty: &SqlType) -> Option<i64> {
    Some(match ty {
        SqlType::Char(n) | SqlType::NChar(n) => i64::from(*n),
        SqlType::VarChar(n) | SqlType::NVarChar(n) => n.map_or(-1, i64::from),
        SqlType::Binary(n) => i64::from(*n),
        SqlType::VarBinary(n) => n.map_or(-1, i64::from),
        SqlType::Text | SqlType::Image => 2_147_483_647,
        SqlType::NText => 1_073_741_823,
        SqlType::Xml => -1,
        _ => return None,
    })
}

/// Bytes a string or binary column holds (-1 for max).
fn octet_length(ty: &SqlType) -> Option<i64> {
    Some(match ty {
        SqlType::NChar(n) => 2 * i64::from(*n),
        SqlType::NVarChar(n) => n.map_or(-1, |n| 2 * i64::from(n)),
        SqlType::NText => 2_147_483_646,
        other => return char_length(other),
    })
}

/// `__mssql_databaseproperty(name, collation, state_desc, is_read_only, user_access_desc,
/// recovery_model_desc, property)`: DATABASEPROPERTYEX as sql_variant storage
/// (`basetype|value`); NULL for a property SQL Server does not answer on this edition.
fn database_property(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(prop) = text(ctx.get_raw(6)) else {
        return Ok(SqliteValue::Null);
    };
    let col = |i: usize| text(ctx.get_raw(i)).map(|s| s.into_owned());
    let sysname = |s: Option<String>| s.map(|s| format!("nvarchar(128)|{s}"));
    let int = |v: i64| Some(format!("int|{v}"));
    let read_only = matches!(ctx.get_raw(3), ValueRef::Integer(1));
    let value = match prop.to_ascii_lowercase().as_str() {
        "collation" => sysname(col(1).or_else(|| Some(COLLATION.to_string()))),
        "comparisonstyle" => int(196_609),
        "lcid" => int(1033),
        "sqlsortorder" => Some("tinyint|52".to_string()),
        "status" => sysname(col(2)),
        "updateability" => sysname(Some(
            if read_only { "READ_ONLY" } else { "READ_WRITE" }.into(),
        )),
        "useraccess" => sysname(col(4)),
        "recovery" => sysname(col(5)),
        "version" => int(957),
        "isautocreatestatistics"
        | "isautoupdatestatistics"
        | "isfulltextenabled"
        | "isxtpsupported" => int(1),
        "isansinulldefault"
        | "isansinullsenabled"
        | "isansipaddingenabled"
        | "isansiwarningsenabled"
        | "isarithmeticabortenabled"
        | "isautoclose"
        | "isautocreatestatisticsincremental"
        | "isautoshrink"
        | "isclone"
        | "isclosecursorsoncommitenabled"
        | "isdatabasesuspendedforsnapshotbackup"
        | "isinstandby"
        | "islocalcursorsdefault"
        | "ismemoryoptimizedelevatetosnapshotenabled"
        | "ismergepublished"
        | "isnullconcat"
        | "isnumericroundabortenabled"
        | "isparameterizationforced"
        | "isquotedidentifiersenabled"
        | "ispublished"
        | "isrecursivetriggersenabled"
        | "issubscribed"
        | "issyncwithbackup"
        | "istornpagedetectionenabled"
        | "isverifiedclone" => int(0),
        // Edition, ServiceObjective, MaxSizeInBytes: Azure SQL's; NULL on SQL Server.
        _ => None,
    };
    Ok(value.map_or(SqliteValue::Null, SqliteValue::Text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_as_parsename_reads_them() {
        let p = |s: &str| split_name(s);
        assert_eq!(
            p("srv.db..t"),
            Some(vec![
                Some("srv".into()),
                Some("db".into()),
                None,
                Some("t".into())
            ])
        );
        assert_eq!(
            p("[a]]b].\"c.d\""),
            Some(vec![Some("a]b".into()), Some("c.d".into())])
        );
        assert_eq!(p("a.b.c.d.e"), None);
        assert_eq!(p("[open"), None);
        assert_eq!(
            p("192.168.1.10"),
            Some(vec![
                Some("192".into()),
                Some("168".into()),
                Some("1".into()),
                Some("10".into())
            ])
        );
    }
}
