//! The engine's internal functions: conversions, DATALENGTH and the untyped `+`.

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::{SqlError, SqlType};

use super::args::{self, Num};
use super::{deterministic, raise, Carried};
use crate::values::{decimal, text};
use crate::{convert, typename};

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("__mssql_conv", 4, deterministic(), |ctx| {
        let ty = type_arg(ctx, 1, false)?;
        let column = ctx.get_raw(2).as_str().unwrap_or("");
        let table = ctx.get_raw(3).as_str().unwrap_or("");
        convert::implicit_in(ctx.get_raw(0), &ty, table, column).map_err(raise)
    })?;
    conn.create_scalar_function("__mssql_conv", 2, deterministic(), |ctx| {
        let ty = type_arg(ctx, 1, false)?;
        convert::implicit(ctx.get_raw(0), &ty).map_err(raise)
    })?;
    conn.create_scalar_function("__mssql_cast", 3, deterministic(), |ctx| {
        if null_style(ctx) {
            return Ok(SqliteValue::Null);
        }
        let ty = type_arg(ctx, 1, true)?;
        let style = args::int(ctx.get_raw(2)).map_err(raise)?.unwrap_or(0) as i32;
        convert::cast(ctx.get_raw(0), &ty, style).map_err(raise)
    })?;
    conn.create_scalar_function("__mssql_cast", 4, deterministic(), |ctx| {
        if null_style(ctx) {
            return Ok(SqliteValue::Null);
        }
        let ty = type_arg(ctx, 1, true)?;
        let style = args::int(ctx.get_raw(2)).map_err(raise)?.unwrap_or(0) as i32;
        let from = type_arg(ctx, 3, false)?;
        convert::cast_typed(ctx.get_raw(0), &from, &ty, style).map_err(raise)
    })?;
    conn.create_scalar_function("__mssql_try_cast", 3, deterministic(), |ctx| {
        if null_style(ctx) {
            return Ok(SqliteValue::Null);
        }
        let ty = type_arg(ctx, 1, true)?;
        let style = args::int(ctx.get_raw(2)).map_err(raise)?.unwrap_or(0) as i32;
        Ok(convert::cast(ctx.get_raw(0), &ty, style).unwrap_or(SqliteValue::Null))
    })?;
    conn.create_scalar_function("__mssql_try_cast", 4, deterministic(), |ctx| {
        if null_style(ctx) {
            return Ok(SqliteValue::Null);
        }
        let ty = type_arg(ctx, 1, true)?;
        let style = args::int(ctx.get_raw(2)).map_err(raise)?.unwrap_or(0) as i32;
        let from = type_arg(ctx, 3, false)?;
        Ok(convert::cast_typed(ctx.get_raw(0), &from, &ty, style).unwrap_or(SqliteValue::Null))
    })?;
    conn.create_scalar_function("ISNUMERIC", 1, deterministic(), |ctx| {
        Ok(SqliteValue::Integer(i64::from(is_numeric(ctx.get_raw(0)))))
    })?;
    conn.create_scalar_function("DATALENGTH", 1, deterministic(), |ctx| {
        Ok(datalength(ctx.get_raw(0), None))
    })?;
    conn.create_scalar_function("__mssql_datalength", 2, deterministic(), |ctx| {
        let ty = match ctx.get_raw(1) {
            ValueRef::Text(t) if !t.is_empty() => Some(*type_arg(ctx, 1, false)?),
            _ => None,
        };
        Ok(datalength(ctx.get_raw(0), ty.as_ref()))
    })?;
    conn.create_scalar_function("__mssql_datalength", 1, deterministic(), |ctx| {
        Ok(datalength(ctx.get_raw(0), None))
    })?;
    conn.create_scalar_function("__mssql_add", 2, deterministic(), |ctx| {
        add(ctx.get_raw(0), ctx.get_raw(1)).map_err(raise)
    })?;
    Ok(())
}

/// `CONVERT(t, x, NULL)` is NULL on SQL Server (the translator passes 0 for no style).
fn null_style(ctx: &Context<'_>) -> bool {
    matches!(ctx.get_raw(2), ValueRef::Null)
}

/// A type-name argument, parsed once per statement (SQLite keeps it as auxiliary data).
fn type_arg(ctx: &Context<'_>, idx: i32, cast: bool) -> rusqlite::Result<std::sync::Arc<SqlType>> {
    ctx.get_or_create_aux(idx, |v| {
        let name = v.as_str().unwrap_or("");
        let parsed = if cast {
            typename::parse_cast(name)
        } else {
            typename::parse(name)
        };
        parsed.map_err(Carried)
    })
}

/// DATALENGTH: bytes of the value as SQL Server stores the type (`None`: guessed from the
/// storage: TEXT as nvarchar, INTEGER as int or bigint).
pub fn datalength(v: ValueRef<'_>, ty: Option<&SqlType>) -> SqliteValue {
    let n: usize = match (v, ty) {
        (ValueRef::Null, _) => return SqliteValue::Null,
        (_, Some(SqlType::Bit | SqlType::TinyInt)) => 1,
        (_, Some(SqlType::SmallInt)) => 2,
        (_, Some(SqlType::Int | SqlType::SmallMoney | SqlType::Real)) => 4,
        (_, Some(SqlType::BigInt | SqlType::Money | SqlType::Float | SqlType::DateTime)) => 8,
        (_, Some(SqlType::SmallDateTime)) => 4,
        (_, Some(SqlType::Decimal { precision, .. } | SqlType::Numeric { precision, .. })) => {
            match precision {
                0..=9 => 5,
                10..=19 => 9,
                20..=28 => 13,
                _ => 17,
            }
        }
        (_, Some(SqlType::Date)) => 3,
        (_, Some(SqlType::Time { scale })) => time_bytes(*scale),
        (_, Some(SqlType::DateTime2 { scale })) => time_bytes(*scale) + 3,
        (_, Some(SqlType::DateTimeOffset { scale })) => time_bytes(*scale) + 5,
        (_, Some(SqlType::UniqueIdentifier)) => 16,
        (_, Some(SqlType::RowVersion)) => 8,
        (ValueRef::Text(t), Some(SqlType::Char(_) | SqlType::VarChar(_) | SqlType::Text)) => {
            String::from_utf8_lossy(t).chars().count()
        }
        (ValueRef::Text(t), _) => String::from_utf8_lossy(t).encode_utf16().count() * 2,
        (ValueRef::Blob(b), _) => b.len(),
        (ValueRef::Integer(i), _) => {
            if i32::try_from(i).is_ok() {
                4
            } else {
                8
            }
        }
        (ValueRef::Real(_), _) => 8,
    };
    SqliteValue::Integer(n as i64)
}

/// ISNUMERIC: 1 for numbers and for strings that convert to float or money (so `'$1,000'`,
/// `'1e5'`, `'.'` and `'-'` count, as on SQL Server), else 0.
fn is_numeric(v: ValueRef<'_>) -> bool {
    match v {
        ValueRef::Integer(_) | ValueRef::Real(_) => true,
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let s = s.trim();
            if s.is_empty() {
                return false;
            }
            if matches!(s, "." | "-" | "+" | "$") {
                return true;
            }
            let float = convert::cast(ValueRef::Text(s.as_bytes()), &SqlType::Float, 0).is_ok();
            float || convert::cast(ValueRef::Text(s.as_bytes()), &SqlType::Money, 0).is_ok()
        }
        _ => false,
    }
}

fn time_bytes(scale: u8) -> usize {
    match scale {
        0..=2 => 3,
        3 | 4 => 4,
        _ => 5,
    }
}

/// `+` on values of unknown type. The rule:
/// - NULL on either side gives NULL;
/// - two BLOBs (or a BLOB and TEXT) concatenate as binary;
/// - two TEXTs concatenate, unless both are plain numbers (`-12.50`, as decimal columns
///   store them), which add exactly;
/// - a number and a TEXT: the text must be a number (as SQL Server converts the string to
///   the number's type) and they add; otherwise error 245 (or 8114 for float);
/// - numbers add: integers exactly (error 8115 on overflow), decimal text exactly at the
///   larger scale, anything with a REAL as float.
pub fn add(a: ValueRef<'_>, b: ValueRef<'_>) -> Result<SqliteValue, SqlError> {
    match (a, b) {
        (ValueRef::Null, _) | (_, ValueRef::Null) => Ok(SqliteValue::Null),
        (ValueRef::Blob(x), ValueRef::Blob(y)) => Ok(SqliteValue::Blob([x, y].concat())),
        (ValueRef::Blob(x), ValueRef::Text(y)) => {
            let y = text::to_cp1252_bytes(&String::from_utf8_lossy(y));
            Ok(SqliteValue::Blob([x, &y[..]].concat()))
        }
        (ValueRef::Text(x), ValueRef::Blob(y)) => {
            let x = text::to_cp1252_bytes(&String::from_utf8_lossy(x));
            Ok(SqliteValue::Blob([&x[..], y].concat()))
        }
        (ValueRef::Text(x), ValueRef::Text(y)) => {
            match (decimal::parse_plain(x), decimal::parse_plain(y)) {
                (Some(p), Some(q)) => add_nums(Num::Dec(p.0, p.1), Num::Dec(q.0, q.1)),
                _ => {
                    let mut s = String::from_utf8_lossy(x).into_owned();
                    s.push_str(&String::from_utf8_lossy(y));
                    Ok(SqliteValue::Text(s))
                }
            }
        }
        _ => {
            let x = numeric_operand(a, b)?;
            let y = numeric_operand(b, a)?;
            add_nums(x, y)
        }
    }
}

/// One side of a numeric `+`: a string converts to the other side's type.
pub(super) fn numeric_operand(v: ValueRef<'_>, other: ValueRef<'_>) -> Result<Num, SqlError> {
    match v {
        ValueRef::Integer(i) => Ok(Num::Int(i)),
        ValueRef::Real(f) => Ok(Num::Float(f)),
        ValueRef::Text(t) => {
            if let Some((m, s)) = decimal::parse_plain(t) {
                return Ok(Num::Dec(m, s));
            }
            let target = match other {
                ValueRef::Real(_) => SqlType::Float,
                _ => SqlType::Int,
            };
            match convert::cast(v, &target, 0)? {
                SqliteValue::Integer(i) => Ok(Num::Int(i)),
                SqliteValue::Real(f) => Ok(Num::Float(f)),
                _ => Ok(Num::Int(0)),
            }
        }
        _ => Ok(Num::Int(0)),
    }
}

fn add_nums(x: Num, y: Num) -> Result<SqliteValue, SqlError> {
    Ok(match (x, y) {
        (Num::Int(p), Num::Int(q)) => {
            SqliteValue::Integer(p.checked_add(q).ok_or_else(args::int_overflow)?)
        }
        (Num::Float(_), _) | (_, Num::Float(_)) => SqliteValue::Real(x.to_f64() + y.to_f64()),
        _ => {
            let (pm, ps) = as_dec(x);
            let (qm, qs) = as_dec(y);
            let s = ps.max(qs);
            let sum = decimal::rescale(pm, ps, s)
                .zip(decimal::rescale(qm, qs, s))
                .and_then(|(p, q)| p.checked_add(q))
                .filter(|m| m.abs() < decimal::limit(38))
                .ok_or_else(args::numeric_overflow)?;
            SqliteValue::Text(decimal::format(sum, s))
        }
    })
}

fn as_dec(n: Num) -> (i128, u8) {
    match n {
        Num::Int(i) => (i128::from(i), 0),
        Num::Dec(m, s) => (m, s),
        Num::Float(f) => (f as i128, 0),
    }
}
