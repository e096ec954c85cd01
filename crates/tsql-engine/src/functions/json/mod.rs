//! SQL Server's JSON built-ins: JSON_VALUE, JSON_QUERY, ISJSON (with SQL Server 2022's type
//! constraint), JSON_MODIFY, JSON_PATH_EXISTS, and the readers OPENJSON uses ([`rows`],
//! `__mssql_openjson_col`). Paths are lax or strict, with SQL Server's errors (13607 bad
//! path, 13608 no such property, 13609 bad JSON text, 13623/13624 wrong kind, 13625 too
//! long). The text is read by [`parse`], which keeps every value's place in it.
//!
//! The translator adds what a SQLite function cannot see: JSON_MODIFY's new value comes with
//! its kind (`'text'`, `'number'`, `'bool'` or `'json'`, the last for JSON_QUERY, JSON_MODIFY
//! and FOR JSON results, inserted unescaped), as `__mssql_json_modify(x, path, v, kind)`;
//! ISJSON's type keyword comes as a string.

mod modify;
pub mod parse;
pub mod path;

use std::borrow::Cow;

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::{SqlError, SqlType};

use super::args::text;
use super::{deterministic, raise};
use parse::{Doc, Kind};
use path::{find, Found, Path};

/// JSON_VALUE's result is nvarchar(4000).
const VALUE_LIMIT: usize = 4000;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    type Scalar = fn(&Context<'_>) -> Result<SqliteValue, SqlError>;
    let fns: &[(&str, i32, Scalar)] = &[
        ("JSON_VALUE", 2, json_value),
        ("JSON_QUERY", 1, json_query),
        ("JSON_QUERY", 2, json_query),
        ("ISJSON", 1, isjson),
        ("ISJSON", 2, isjson),
        ("JSON_PATH_EXISTS", 2, path_exists),
        ("__mssql_json_modify", 4, json_modify),
        ("__mssql_openjson_col", 4, openjson_column),
    ];
    for &(name, n, f) in fns {
        conn.create_scalar_function(name, n, deterministic(), move |ctx| f(ctx).map_err(raise))?;
    }
    Ok(())
}

/// 13608, strict mode's answer to a path that leads nowhere.
pub(crate) fn not_found() -> SqlError {
    SqlError::new(
        13608,
        16,
        "Property cannot be found on the specified JSON path.",
    )
}

/// A JSON text argument: `None` for NULL; binary is refused as SQL Server refuses it.
fn json_arg<'a>(v: ValueRef<'a>, function: &str) -> Result<Option<Cow<'a, str>>, SqlError> {
    match v {
        ValueRef::Blob(_) => Err(SqlError::new(
            8116,
            16,
            format!(
                "Argument data type varbinary is invalid for argument 1 of {function} function."
            ),
        )),
        other => Ok(text(other)),
    }
}

fn path_arg(ctx: &Context<'_>, i: usize, append: bool) -> Result<Option<Path>, SqlError> {
    match text(ctx.get_raw(i)) {
        None => Ok(None),
        Some(p) => Path::parse(&p, append).map(Some),
    }
}

/// The value a path designates: `Ok(None)` when there is none (lax mode's NULL).
fn locate(doc: &Doc<'_>, path: &Path) -> Result<Option<usize>, SqlError> {
    match find(doc, &path.steps)? {
        Found::Node(n) => Ok(Some(n)),
        Found::Missing if path.strict => Err(not_found()),
        Found::Missing => Ok(None),
    }
}

fn json_value(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(json) = json_arg(ctx.get_raw(0), "json_value")? else {
        return Ok(SqliteValue::Null);
    };
    let Some(path) = path_arg(ctx, 1, false)? else {
        return Ok(SqliteValue::Null);
    };
    let doc = Doc::read(&json);
    let Some(n) = locate(&doc, &path)? else {
        return Ok(SqliteValue::Null);
    };
    scalar(&doc, n, path.strict)
}

/// JSON_VALUE's answer for node `n`: the scalar's text, NULL for null; a container is NULL
/// (lax) or 13623 (strict); a text over 4000 characters NULL (lax) or 13625 (strict).
fn scalar(doc: &Doc<'_>, n: usize, strict: bool) -> Result<SqliteValue, SqlError> {
    if doc.node(n).kind.is_container() {
        return if strict {
            Err(SqlError::new(
                13623,
                16,
                "Scalar value cannot be found in the specified JSON path.",
            ))
        } else {
            Ok(SqliteValue::Null)
        };
    }
    match doc.scalar_text(n) {
        None => Ok(SqliteValue::Null),
        Some(s) if s.chars().count() > VALUE_LIMIT => {
            if strict {
                Err(SqlError::new(
                    13625,
                    16,
                    "String value in the specified JSON path would be truncated.",
                ))
            } else {
                Ok(SqliteValue::Null)
            }
        }
        Some(s) => Ok(SqliteValue::Text(s)),
    }
}

fn json_query(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(json) = json_arg(ctx.get_raw(0), "json_query")? else {
        return Ok(SqliteValue::Null);
    };
    let path = if ctx.len() > 1 {
        match path_arg(ctx, 1, false)? {
            Some(p) => p,
            None => return Ok(SqliteValue::Null),
        }
    } else {
        Path::parse("$", false)?
    };
    let doc = Doc::read(&json);
    let Some(n) = locate(&doc, &path)? else {
        return Ok(SqliteValue::Null);
    };
    fragment(&doc, n, path.strict)
}

/// JSON_QUERY's answer for node `n`: an object or array exactly as written; a scalar is
/// NULL (lax) or 13624 (strict).
fn fragment(doc: &Doc<'_>, n: usize, strict: bool) -> Result<SqliteValue, SqlError> {
    if !doc.node(n).kind.is_container() {
        return if strict {
            Err(SqlError::new(
                13624,
                16,
                "Object or array cannot be found in the specified JSON path.",
            ))
        } else {
            Ok(SqliteValue::Null)
        };
    }
    Ok(doc
        .raw(n)
        .map_or(SqliteValue::Null, |r| SqliteValue::Text(r.to_string())))
}

fn isjson(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(json) = json_arg(ctx.get_raw(0), "isjson")? else {
        return Ok(SqliteValue::Null);
    };
    let constraint = if ctx.len() > 1 {
        text(ctx.get_raw(1))
            .map(|c| c.to_ascii_uppercase())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let doc = Doc::read(&json);
    let kind = doc.is_valid().then(|| doc.node(0).kind);
    let ok = match (constraint.as_str(), kind) {
        (_, None) => false,
        ("", Some(k)) => k.is_container(),
        ("VALUE", Some(_)) => true,
        ("ARRAY", Some(k)) => k == Kind::Array,
        ("OBJECT", Some(k)) => k == Kind::Object,
        ("SCALAR", Some(k)) => matches!(k, Kind::Number | Kind::String),
        _ => {
            return Err(SqlError::new(
                13622,
                16,
                "An invalid value was specified for argument 2.",
            ))
        }
    };
    Ok(SqliteValue::Integer(i64::from(ok)))
}

fn path_exists(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(json) = json_arg(ctx.get_raw(0), "json_path_exists")? else {
        return Ok(SqliteValue::Null);
    };
    let Some(path) = path_arg(ctx, 1, false)? else {
        return Ok(SqliteValue::Null);
    };
    let doc = Doc::read(&json);
    let found = matches!(find(&doc, &path.steps), Ok(Found::Node(_)));
    Ok(SqliteValue::Integer(i64::from(found)))
}

fn json_modify(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(json) = json_arg(ctx.get_raw(0), "json_modify")? else {
        return Ok(SqliteValue::Null);
    };
    let Some(path) = path_arg(ctx, 1, true)? else {
        return Err(SqlError::new(
            13610,
            16,
            "The argument 2 of the \"JSON_MODIFY\" must be a string literal.",
        ));
    };
    let kind = text(ctx.get_raw(3)).unwrap_or_default();
    let new = render(ctx.get_raw(2), &kind);
    modify::modify(&json, &path, new.as_deref()).map(SqliteValue::Text)
}

/// A SQL value as JSON text, by the kind the translator saw (`text` is quoted and escaped).
pub fn render(v: ValueRef<'_>, kind: &str) -> Option<String> {
    if let ValueRef::Blob(b) = v {
        return Some(format!("\"{}\"", super::base64(b)));
    }
    let s = text(v)?;
    Some(match kind {
        "json" => s.into_owned(),
        "number" => s.into_owned(),
        "bool" => if s == "0" { "false" } else { "true" }.to_string(),
        _ => {
            let mut out = String::with_capacity(s.len() + 2);
            parse::quote(&s, &mut out);
            out
        }
    })
}

/// One row of OPENJSON's default schema: key, value, type, and the element's JSON text.
pub struct Row {
    pub key: String,
    pub value: Option<String>,
    pub kind: Kind,
    pub raw: String,
}

/// OPENJSON(json [, path]): the members of the object or elements of the array at `path`.
/// NULL JSON or (lax) nothing at the path: no rows; a scalar there: no rows (lax) or 13611.
pub fn rows(json: Option<&str>, path: Option<&str>) -> Result<Vec<Row>, SqlError> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let path = Path::parse(path.unwrap_or("$"), false)?;
    let doc = Doc::read(json);
    doc.check()?;
    let Some(n) = locate(&doc, &path)? else {
        return Ok(Vec::new());
    };
    let node = doc.node(n);
    if !node.kind.is_container() {
        return if path.strict {
            Err(SqlError::new(
                13611,
                16,
                "Value referenced by JSON path is not an array or object and cannot be opened with OPENJSON.",
            ))
        } else {
            Ok(Vec::new())
        };
    }
    let mut out = Vec::with_capacity(node.children.len());
    for (i, &c) in node.children.iter().enumerate() {
        let child = doc.node(c);
        let value = if child.kind.is_container() {
            doc.raw(c).map(str::to_string)
        } else {
            doc.scalar_text(c)
        };
        out.push(Row {
            key: child.key.clone().unwrap_or_else(|| i.to_string()),
            value,
            kind: child.kind,
            raw: doc.raw(c).unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

/// `__mssql_openjson_col(element, path, 'type', as_json)`: an OPENJSON WITH column, read
/// from one element's JSON text as JSON_VALUE (or, AS JSON, JSON_QUERY) would and converted
/// to the column's type (binary types from base64, as SQL Server reads them).
fn openjson_column(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(element) = text(ctx.get_raw(0)) else {
        return Ok(SqliteValue::Null);
    };
    let path = Path::parse(&text(ctx.get_raw(1)).unwrap_or_default(), false)?;
    let ty = crate::typename::parse(&text(ctx.get_raw(2)).unwrap_or_default())?;
    let as_json = matches!(ctx.get_raw(3), ValueRef::Integer(1));
    let doc = Doc::read(&element);
    let Some(n) = locate(&doc, &path)? else {
        return Ok(SqliteValue::Null);
    };
    if as_json {
        return fragment(&doc, n, path.strict);
    }
    if doc.node(n).kind.is_container() {
        return if path.strict {
            Err(not_found())
        } else {
            Ok(SqliteValue::Null)
        };
    }
    let Some(s) = doc.scalar_text(n) else {
        return Ok(SqliteValue::Null);
    };
    match ty {
        SqlType::Binary(_) | SqlType::VarBinary(_) => super::unbase64(&s).map(SqliteValue::Blob).ok_or_else(|| {
            SqlError::new(
                13612,
                16,
                "Cannot convert a string value found in the JSON text to binary value because it is not Base64 encoded.",
            )
        }),
        SqlType::Bit if matches!(s.as_str(), "true" | "false") => {
            Ok(SqliteValue::Integer(i64::from(s == "true")))
        }
        ty => crate::convert::cast(ValueRef::Text(s.as_bytes()), &ty, 0),
    }
}
