//! SQLite storage ⟷ [`Value`]: how each SQL Server type is kept in a SQLite column.
//!
//! Every type has one canonical storage form, which sorts and compares under the
//! collations of [`crate::collation`]:
//!
//! | SQL Server | SQLite | canonical form |
//! |---|---|---|
//! | bit, tinyint, smallint, int, bigint | INTEGER | |
//! | decimal, numeric, money, smallmoney | TEXT | `-`? digits, `.` and exactly `scale` digits (4 for money), no `-0` |
//! | real, float | REAL | real already rounded to f32 |
//! | date | TEXT | `YYYY-MM-DD` |
//! | time | TEXT | `hh:mm:ss.fffffff` (rounded to the scale) |
//! | smalldatetime, datetime, datetime2 | TEXT | `YYYY-MM-DD hh:mm:ss.fffffff` (datetime: its 1/300 s tick to 100 ns) |
//! | datetimeoffset | TEXT | `YYYY-MM-DD hh:mm:ss.fffffff +hh:mm` (local time) |
//! | char types | TEXT | char/nchar space-padded; varchar/char/text only cp1252 characters |
//! | binary, varbinary, image, rowversion | BLOB | binary(n) zero-padded |
//! | uniqueidentifier | TEXT | upper-case `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` |
//! | xml | TEXT | |
//! | sql_variant | TEXT | `basetype|canonical value` (binary as hex) |
//!
//! [`from_sqlite`] is the hot path of every scan: it parses canonical text with byte
//! arithmetic and falls back to a full conversion only for non-canonical input (values
//! computed by SQLite expressions, such as `SUM()` of a decimal column giving a REAL).

pub mod decimal;
pub mod temporal;
pub mod text;

use rusqlite::types::{Value as SqliteValue, ValueRef};
use tds_protocol::types::{Date, Decimal, SqlError, SqlType, Time, Value};

use crate::convert;
use temporal::{ticks_to_300, DAYS_TO_1900, TICKS_PER_MINUTE};

/// The SQLite column declaration (type affinity and collation) for a SQL Server type.
pub fn sqlite_decl(ty: &SqlType) -> String {
    let decl = match ty {
        SqlType::Bit | SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt => {
            "INTEGER"
        }
        SqlType::Decimal { .. }
        | SqlType::Numeric { .. }
        | SqlType::Money
        | SqlType::SmallMoney => "TEXT COLLATE MSSQL_DECIMAL",
        SqlType::Real | SqlType::Float => "REAL",
        SqlType::Date
        | SqlType::Time { .. }
        | SqlType::SmallDateTime
        | SqlType::DateTime
        | SqlType::DateTime2 { .. } => "TEXT COLLATE MSSQL_DATETIME",
        SqlType::DateTimeOffset { .. } => "TEXT COLLATE MSSQL_DATETIMEOFFSET",
        SqlType::Char(_)
        | SqlType::VarChar(_)
        | SqlType::NChar(_)
        | SqlType::NVarChar(_)
        | SqlType::Text
        | SqlType::NText => "TEXT COLLATE MSSQL_CI_AS",
        SqlType::Xml | SqlType::SqlVariant => "TEXT",
        SqlType::UniqueIdentifier => "TEXT COLLATE MSSQL_GUID",
        SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion => "BLOB",
    };
    decl.to_string()
}

/// A typed value (a client's parameter) in the canonical storage of `ty`, converting as an
/// INSERT would (a `Value::Int` for a decimal column, a `Value::String` for a date).
pub fn to_sqlite(v: &Value, ty: &SqlType) -> Result<SqliteValue, SqlError> {
    convert::from_value(v, ty, "", "")
}

/// A stored cell as a value of its column's type.
pub fn from_sqlite(v: ValueRef<'_>, ty: &SqlType) -> Result<Value, SqlError> {
    if let Some(value) = canonical(v, ty) {
        return Ok(value);
    }
    if let ValueRef::Text(t) = v {
        if *ty == SqlType::SqlVariant {
            return variant_from_text(t);
        }
    }
    // Not canonical: convert as CAST would, then read the canonical result. Text holding a
    // plain number (a decimal expression typed as int, say) converts as that number.
    let converted = match (v, ty) {
        (
            ValueRef::Text(t),
            SqlType::Bit
            | SqlType::TinyInt
            | SqlType::SmallInt
            | SqlType::Int
            | SqlType::BigInt
            | SqlType::Real
            | SqlType::Float,
        ) if decimal::parse_plain(t).is_some() => {
            let (m, s) = decimal::parse_plain(t).unwrap_or((0, 0));
            let ctx = convert::Ctx {
                implicit: false,
                style: 0,
                table: "",
                column: "",
            };
            convert::convert(convert::Src::Decimal(m, s), ty, &ctx)?
        }
        // A float read as text keeps every digit (CAST's 6-digit style is for CAST only).
        (
            ValueRef::Real(f),
            SqlType::Char(_)
            | SqlType::VarChar(_)
            | SqlType::NChar(_)
            | SqlType::NVarChar(_)
            | SqlType::Text
            | SqlType::NText,
        ) => return Ok(Value::String(format!("{f}"))),
        _ => convert::cast(v, ty, 0)?,
    };
    canonical(ValueRef::from(&converted), ty).ok_or_else(|| {
        SqlError::new(
            8114,
            16,
            format!("Error converting data type varchar to {}.", ty.name()),
        )
    })
}

/// Reads canonical storage; `None` when the cell is not in the canonical form of `ty`.
#[inline]
fn canonical(v: ValueRef<'_>, ty: &SqlType) -> Option<Value> {
    if let ValueRef::Null = v {
        return Some(Value::Null);
    }
    match (ty, v) {
        (SqlType::Bit, ValueRef::Integer(i)) => Some(Value::Bit(i != 0)),
        (SqlType::TinyInt, ValueRef::Integer(i)) => u8::try_from(i).ok().map(Value::TinyInt),
        (SqlType::SmallInt, ValueRef::Integer(i)) => i16::try_from(i).ok().map(Value::SmallInt),
        (SqlType::Int, ValueRef::Integer(i)) => i32::try_from(i).ok().map(Value::Int),
        (SqlType::BigInt, ValueRef::Integer(i)) => Some(Value::BigInt(i)),
        (SqlType::Decimal { precision, scale } | SqlType::Numeric { precision, scale }, _) => {
            let m = decimal_mantissa(v, *scale)?;
            (m.abs() < decimal::limit(*precision)).then_some(Value::Decimal(Decimal {
                mantissa: m,
                scale: *scale,
            }))
        }
        (SqlType::Money, _) => money(v, i64::MAX).map(Value::Money),
        (SqlType::SmallMoney, _) => money(v, 2_147_483_647).map(Value::Money),
        (SqlType::Real, ValueRef::Real(f)) => Some(Value::Real(f as f32)),
        (SqlType::Real, ValueRef::Integer(i)) => Some(Value::Real(i as f32)),
        (SqlType::Float, ValueRef::Real(f)) => Some(Value::Float(f)),
        (SqlType::Float, ValueRef::Integer(i)) => Some(Value::Float(i as f64)),
        (SqlType::Date, ValueRef::Text(t)) => {
            let days = temporal::parse_canonical_date(t.get(..10)?)?;
            (t.len() == 10 || t.len() == 27).then_some(Value::Date(Date(days as u32)))
        }
        (SqlType::Time { .. }, ValueRef::Text(t)) => {
            let tail = t.get(t.len().checked_sub(16)?..)?;
            let ticks = temporal::parse_canonical_time(tail)?;
            (t.len() == 16 || t.len() == 27).then_some(Value::Time(Time(ticks)))
        }
        (SqlType::DateTime2 { .. }, ValueRef::Text(t)) => {
            let (days, ticks) = temporal::parse_canonical_datetime(t)?;
            Some(Value::DateTime2(Date(days as u32), Time(ticks)))
        }
        (SqlType::DateTime, ValueRef::Text(t)) => {
            let (days, ticks) = temporal::parse_canonical_datetime(t)?;
            let t300 = ticks_to_300(ticks);
            if t300 >= temporal::DATETIME_TICKS_PER_DAY || days < temporal::DAYS_TO_1753 {
                return None;
            }
            Some(Value::DateTime {
                days: (days - DAYS_TO_1900) as i32,
                ticks: t300,
            })
        }
        (SqlType::SmallDateTime, ValueRef::Text(t)) => {
            let (days, ticks) = temporal::parse_canonical_datetime(t)?;
            let days = u16::try_from(days - DAYS_TO_1900).ok()?;
            (ticks % TICKS_PER_MINUTE == 0).then_some(Value::SmallDateTime {
                days,
                minutes: (ticks / TICKS_PER_MINUTE) as u16,
            })
        }
        (SqlType::DateTimeOffset { .. }, ValueRef::Text(t)) => {
            let st = temporal::parse_canonical_offset(t)?;
            Some(Value::DateTimeOffset {
                date: Date(st.days as u32),
                time: Time(st.ticks),
                offset_minutes: st.offset.unwrap_or(0),
            })
        }
        (
            SqlType::Char(_)
            | SqlType::VarChar(_)
            | SqlType::NChar(_)
            | SqlType::NVarChar(_)
            | SqlType::Text
            | SqlType::NText
            | SqlType::Xml,
            ValueRef::Text(t),
        ) => Some(Value::String(match std::str::from_utf8(t) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        })),
        (
            SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion,
            ValueRef::Blob(b),
        ) => Some(Value::Bytes(b.to_vec())),
        (SqlType::UniqueIdentifier, ValueRef::Text(t)) => {
            text::parse_guid(std::str::from_utf8(t).ok()?).map(Value::Guid)
        }
        (SqlType::SqlVariant, ValueRef::Integer(i)) => Some(match i32::try_from(i) {
            Ok(n) => Value::Variant(Box::new((SqlType::Int, Value::Int(n)))),
            Err(_) => Value::Variant(Box::new((SqlType::BigInt, Value::BigInt(i)))),
        }),
        (SqlType::SqlVariant, ValueRef::Real(f)) => {
            Some(Value::Variant(Box::new((SqlType::Float, Value::Float(f)))))
        }
        (SqlType::SqlVariant, ValueRef::Blob(b)) => Some(Value::Variant(Box::new((
            SqlType::VarBinary(Some(b.len().clamp(1, 8000) as u16)),
            Value::Bytes(b.to_vec()),
        )))),
        _ => None,
    }
}

/// The mantissa at `scale` of a canonical decimal (or an INTEGER), rounding if the text has
/// more digits than the scale.
#[inline]
fn decimal_mantissa(v: ValueRef<'_>, scale: u8) -> Option<i128> {
    match v {
        ValueRef::Text(t) => {
            let (m, s) = decimal::parse_plain(t)?;
            if s == scale {
                Some(m)
            } else {
                decimal::rescale(m, s, scale)
            }
        }
        ValueRef::Integer(i) => i128::from(i).checked_mul(decimal::pow10(u32::from(scale))),
        _ => None,
    }
}

fn money(v: ValueRef<'_>, max: i64) -> Option<i64> {
    let m = decimal_mantissa(v, 4)?;
    let m = i64::try_from(m).ok()?;
    (m >= -max - 1 && m <= max).then_some(m)
}

/// A sql_variant cell: `basetype|canonical storage of the value`; text without a known
/// base type is an nvarchar.
fn variant_from_text(t: &[u8]) -> Result<Value, SqlError> {
    let s = String::from_utf8_lossy(t);
    if let Some((name, rest)) = s.split_once('|') {
        if let Ok(base) = crate::typename::parse(name) {
            let inner = match base {
                SqlType::Bit
                | SqlType::TinyInt
                | SqlType::SmallInt
                | SqlType::Int
                | SqlType::BigInt => rest
                    .parse::<i64>()
                    .map(SqliteValue::Integer)
                    .unwrap_or_else(|_| SqliteValue::Text(rest.to_owned())),
                SqlType::Real | SqlType::Float => rest
                    .parse::<f64>()
                    .map(SqliteValue::Real)
                    .unwrap_or_else(|_| SqliteValue::Text(rest.to_owned())),
                SqlType::Binary(_) | SqlType::VarBinary(_) => {
                    SqliteValue::Blob(text::unhex(rest.as_bytes()).unwrap_or_default())
                }
                _ => SqliteValue::Text(rest.to_owned()),
            };
            let value = from_sqlite(ValueRef::from(&inner), &base)?;
            return Ok(Value::Variant(Box::new((base, value))));
        }
    }
    let len = s.chars().count().clamp(1, 4000) as u16;
    Ok(Value::Variant(Box::new((
        SqlType::NVarChar(Some(len)),
        Value::String(s.into_owned()),
    ))))
}

#[cfg(test)]
mod tests;
