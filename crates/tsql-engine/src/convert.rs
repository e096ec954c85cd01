//! CAST/CONVERT with styles, and the implicit conversion SQL Server applies when a value is
//! stored into a column (INSERT/UPDATE) or bound to a typed parameter.
//!
//! Every conversion reads its input as a [`Src`] (a SQLite cell, or a client's typed
//! [`Value`]) and produces the canonical SQLite storage of the target type (see
//! [`crate::values`]). Implicit conversion differs from CAST in two ways, as on SQL Server:
//! data that does not fit raises 2628 instead of being cut, and conversions SQL Server
//! only allows explicitly raise 206/257.

mod dates;
pub mod datestr;
mod msg;
mod numeric;
mod strings;
mod style;

use rusqlite::types::{Value as SqliteValue, ValueRef};
use tds_protocol::types::{SqlError, SqlType, Value};

use crate::values::temporal::{self, Stamp, DAYS_TO_1900, TICKS_PER_MINUTE};

pub use msg::type_name_for_error;

/// Which date/time type a temporal source is (its text form and conversions depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Date,
    Time(u8),
    SmallDateTime,
    DateTime,
    DateTime2(u8),
    DateTimeOffset(u8),
}

/// A value to convert, with as much of its type as is known.
#[derive(Debug, Clone, Copy)]
pub enum Src<'a> {
    Null,
    Bit(bool),
    Int(i64),
    Float(f64),
    Decimal(i128, u8),
    /// money/smallmoney in ten-thousandths.
    Money(i64),
    /// Character data; `true` when Unicode (nvarchar), which only changes error texts and
    /// binary conversions.
    Text(&'a str, bool),
    Blob(&'a [u8]),
    Temporal(Stamp, Kind),
    Guid([u8; 16]),
}

/// How a conversion is being applied.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Implicit (on store): too-long data is error 2628, not cut.
    pub implicit: bool,
    /// CONVERT's style number (0 for CAST).
    pub style: i32,
    /// The table and column an implicit conversion stores into (error 2628 names them).
    pub table: &'a str,
    pub column: &'a str,
}

/// Implicit conversion of a SQLite value to the canonical storage of `ty`.
pub fn implicit(v: ValueRef<'_>, ty: &SqlType) -> Result<SqliteValue, SqlError> {
    implicit_in(v, ty, "", "")
}

/// Implicit conversion on store into `table`.`column` (named by error 2628).
pub fn implicit_in(
    v: ValueRef<'_>,
    ty: &SqlType,
    table: &str,
    column: &str,
) -> Result<SqliteValue, SqlError> {
    let ctx = Ctx {
        implicit: true,
        style: 0,
        table,
        column,
    };
    with_src(v, |src| convert(src, ty, &ctx))
}

/// CAST / CONVERT(`ty`, v, `style`) of a SQLite value whose SQL type is not known
/// (TEXT reads as varchar, INTEGER as int or bigint, REAL as float, BLOB as varbinary).
pub fn cast(v: ValueRef<'_>, ty: &SqlType, style: i32) -> Result<SqliteValue, SqlError> {
    let ctx = Ctx {
        implicit: false,
        style,
        table: "",
        column: "",
    };
    with_src(v, |src| convert(src, ty, &ctx))
}

/// CAST / CONVERT of a SQLite cell known to hold canonical storage of `from`
/// (`CONVERT(varchar, datetime_column, 103)` formats as a datetime, not as its text).
pub fn cast_typed(
    v: ValueRef<'_>,
    from: &SqlType,
    ty: &SqlType,
    style: i32,
) -> Result<SqliteValue, SqlError> {
    let ctx = Ctx {
        implicit: false,
        style,
        table: "",
        column: "",
    };
    if *ty == SqlType::SqlVariant {
        return to_variant_typed(v, from, &ctx);
    }
    let value = crate::values::from_sqlite(v, from)?;
    value_src(&value, |src| convert(of_type(src, from), ty, &ctx))
}

/// A value of a known type as sql_variant: the variant's base type is that type
/// (`CAST(CAST(1 AS decimal(10,2)) AS sql_variant)` is a decimal(10,2), not a numeric(3,2)).
pub fn to_variant_typed(
    v: ValueRef<'_>,
    from: &SqlType,
    ctx: &Ctx<'_>,
) -> Result<SqliteValue, SqlError> {
    if *from == SqlType::SqlVariant {
        return Ok(match v {
            ValueRef::Null => SqliteValue::Null,
            ValueRef::Integer(i) => SqliteValue::Integer(i),
            ValueRef::Real(r) => SqliteValue::Real(r),
            ValueRef::Text(t) => SqliteValue::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => SqliteValue::Blob(b.to_vec()),
        });
    }
    let value = crate::values::from_sqlite(v, from)?;
    value_src(&value, |src| {
        let src = of_type(src, from);
        match variant_base(from) {
            Some(base) => strings::variant_of(src, &base, ctx),
            None => strings::to_variant(src, ctx),
        }
    })
}

/// The base type a value of `ty` keeps inside a sql_variant; `None` for the types a
/// variant cannot hold (max and large types: their value decides the base type).
fn variant_base(ty: &SqlType) -> Option<SqlType> {
    match ty {
        SqlType::VarChar(None)
        | SqlType::NVarChar(None)
        | SqlType::VarBinary(None)
        | SqlType::Text
        | SqlType::NText
        | SqlType::Image
        | SqlType::Xml
        | SqlType::SqlVariant => None,
        SqlType::RowVersion => Some(SqlType::Binary(8)),
        other => Some(*other),
    }
}

/// A typed value's [`Src`] refined by its declared type: a `Value` does not say whether
/// its text is varchar or nvarchar (error texts differ) nor a time's scale (which decides
/// how many fraction digits CONVERT prints).
fn of_type<'a>(src: Src<'a>, from: &SqlType) -> Src<'a> {
    match (src, from) {
        (Src::Text(s, _), SqlType::Char(_) | SqlType::VarChar(_) | SqlType::Text) => {
            Src::Text(s, false)
        }
        (Src::Temporal(st, Kind::Time(_)), SqlType::Time { scale }) => {
            Src::Temporal(st, Kind::Time(*scale))
        }
        (Src::Temporal(st, Kind::DateTime2(_)), SqlType::DateTime2 { scale }) => {
            Src::Temporal(st, Kind::DateTime2(*scale))
        }
        (Src::Temporal(st, Kind::DateTimeOffset(_)), SqlType::DateTimeOffset { scale }) => {
            Src::Temporal(st, Kind::DateTimeOffset(*scale))
        }
        (other, _) => other,
    }
}

/// A typed value (a client's parameter) into the canonical storage of `ty`, converting
/// implicitly (error 2628 names `table` and `column`).
pub fn from_value(
    v: &Value,
    ty: &SqlType,
    table: &str,
    column: &str,
) -> Result<SqliteValue, SqlError> {
    let ctx = Ctx {
        implicit: true,
        style: 0,
        table,
        column,
    };
    value_src(v, |src| convert(src, ty, &ctx))
}

/// Runs `f` on the [`Src`] view of a SQLite value.
pub fn with_src<T>(v: ValueRef<'_>, f: impl FnOnce(Src<'_>) -> T) -> T {
    match v {
        ValueRef::Null => f(Src::Null),
        ValueRef::Integer(i) => f(Src::Int(i)),
        ValueRef::Real(r) => f(Src::Float(r)),
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => f(Src::Text(s, false)),
            Err(_) => f(Src::Text(&String::from_utf8_lossy(t), false)),
        },
        ValueRef::Blob(b) => f(Src::Blob(b)),
    }
}

/// Runs `f` on the [`Src`] view of a typed value.
pub fn value_src<T>(v: &Value, f: impl FnOnce(Src<'_>) -> T) -> T {
    let date_stamp = |days: i64, ticks: u64| Stamp {
        days,
        ticks,
        offset: None,
    };
    let src = match v {
        Value::Null => Src::Null,
        Value::Bit(b) => Src::Bit(*b),
        Value::TinyInt(n) => Src::Int(i64::from(*n)),
        Value::SmallInt(n) => Src::Int(i64::from(*n)),
        Value::Int(n) => Src::Int(i64::from(*n)),
        Value::BigInt(n) => Src::Int(*n),
        Value::Decimal(d) => Src::Decimal(d.mantissa, d.scale),
        Value::Money(m) => Src::Money(*m),
        Value::Real(r) => Src::Float(f64::from(*r)),
        Value::Float(r) => Src::Float(*r),
        Value::Date(d) => Src::Temporal(date_stamp(i64::from(d.0), 0), Kind::Date),
        Value::Time(t) => Src::Temporal(date_stamp(DAYS_TO_1900, t.0), Kind::Time(7)),
        Value::SmallDateTime { days, minutes } => Src::Temporal(
            date_stamp(
                DAYS_TO_1900 + i64::from(*days),
                u64::from(*minutes) * TICKS_PER_MINUTE,
            ),
            Kind::SmallDateTime,
        ),
        Value::DateTime { days, ticks } => Src::Temporal(
            date_stamp(
                DAYS_TO_1900 + i64::from(*days),
                temporal::ticks_from_300(*ticks),
            ),
            Kind::DateTime,
        ),
        Value::DateTime2(d, t) => {
            Src::Temporal(date_stamp(i64::from(d.0), t.0), Kind::DateTime2(7))
        }
        Value::DateTimeOffset {
            date,
            time,
            offset_minutes,
        } => Src::Temporal(
            Stamp {
                days: i64::from(date.0),
                ticks: time.0,
                offset: Some(*offset_minutes),
            },
            Kind::DateTimeOffset(7),
        ),
        Value::String(s) => Src::Text(s, true),
        Value::Bytes(b) => Src::Blob(b),
        Value::Guid(g) => Src::Guid(*g),
        Value::Variant(inner) => return value_src(&inner.1, f),
    };
    f(src)
}

/// Converts a source value to the canonical storage of `ty`.
pub fn convert(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    if let Src::Null = src {
        return Ok(SqliteValue::Null);
    }
    match ty {
        SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt => {
            numeric::to_integer(src, ty, ctx)
        }
        SqlType::Decimal { .. }
        | SqlType::Numeric { .. }
        | SqlType::Money
        | SqlType::SmallMoney => numeric::to_decimal(src, ty, ctx),
        SqlType::Real | SqlType::Float => numeric::to_float(src, ty, ctx),
        SqlType::Date
        | SqlType::Time { .. }
        | SqlType::SmallDateTime
        | SqlType::DateTime
        | SqlType::DateTime2 { .. }
        | SqlType::DateTimeOffset { .. } => dates::to_temporal(src, ty, ctx),
        SqlType::Char(_)
        | SqlType::VarChar(_)
        | SqlType::NChar(_)
        | SqlType::NVarChar(_)
        | SqlType::Text
        | SqlType::NText
        | SqlType::Xml => strings::to_text(src, ty, ctx),
        SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion => {
            strings::to_binary(src, ty, ctx)
        }
        SqlType::UniqueIdentifier => strings::to_guid(src, ty, ctx),
        SqlType::SqlVariant => strings::to_variant(src, ctx),
    }
}

/// The text a value shows when converted to a string with CONVERT's `style`
/// (used by functions such as CONCAT and DATENAME).
pub fn to_display(src: Src<'_>, style: i32) -> Result<String, SqlError> {
    let ctx = Ctx {
        implicit: false,
        style,
        table: "",
        column: "",
    };
    match convert(src, &SqlType::NVarChar(None), &ctx)? {
        SqliteValue::Text(s) => Ok(s),
        _ => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests;
