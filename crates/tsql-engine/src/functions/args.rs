//! Reading SQLite arguments as the T-SQL types the built-ins expect.

use std::borrow::Cow;

use rusqlite::types::{Value as SqliteValue, ValueRef};
use tds_protocol::types::{SqlError, SqlType};

use crate::convert;
use crate::values::decimal;

/// A numeric argument: INTEGER, canonical decimal TEXT (exact), or REAL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Dec(i128, u8),
    Float(f64),
}

/// An argument's text as T-SQL would convert it to a string; `None` for NULL.
pub fn text(v: ValueRef<'_>) -> Option<Cow<'_, str>> {
    match v {
        ValueRef::Null => None,
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t)),
        ValueRef::Integer(i) => Some(Cow::Owned(i.to_string())),
        ValueRef::Real(f) => Some(Cow::Owned(
            convert::to_display(convert::Src::Float(f), 0).unwrap_or_default(),
        )),
        ValueRef::Blob(b) => Some(Cow::Owned(crate::values::text::from_cp1252_bytes(b))),
    }
}

/// An integer argument (a REAL is truncated, a string converted as to int); `None` for NULL.
pub fn int(v: ValueRef<'_>) -> Result<Option<i64>, SqlError> {
    Ok(match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) => Some(f.trunc() as i64),
        other => match convert::cast(other, &SqlType::BigInt, 0) {
            Ok(SqliteValue::Integer(i)) => Some(i),
            Ok(_) => None,
            Err(e) => {
                // A decimal string is an exact number: truncate it.
                if let ValueRef::Text(t) = other {
                    if let Some((m, s)) = decimal::parse_plain(t) {
                        let whole = decimal::truncate(m, s, 0).unwrap_or(0);
                        return Ok(i64::try_from(whole).ok());
                    }
                }
                return Err(e);
            }
        },
    })
}

/// A numeric argument; a string that is not a number is error 8114 (to float).
pub fn num(v: ValueRef<'_>) -> Result<Option<Num>, SqlError> {
    Ok(match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(Num::Int(i)),
        ValueRef::Real(f) => Some(Num::Float(f)),
        ValueRef::Text(t) => match decimal::parse_plain(t) {
            Some((m, s)) => Some(Num::Dec(m, s)),
            None => match convert::cast(v, &SqlType::Float, 0)? {
                SqliteValue::Real(f) => Some(Num::Float(f)),
                _ => None,
            },
        },
        ValueRef::Blob(_) => match convert::cast(v, &SqlType::Float, 0)? {
            SqliteValue::Real(f) => Some(Num::Float(f)),
            _ => None,
        },
    })
}

impl Num {
    pub fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Dec(m, s) => decimal::to_f64(m, s),
            Num::Float(f) => f,
        }
    }

    /// The number in SQLite storage: INTEGER, canonical decimal TEXT, or REAL.
    pub fn into_sqlite(self) -> SqliteValue {
        match self {
            Num::Int(i) => SqliteValue::Integer(i),
            Num::Dec(m, s) => SqliteValue::Text(decimal::format(m, s)),
            Num::Float(f) => SqliteValue::Real(f),
        }
    }
}

/// 8115 for integer results that overflow.
pub fn int_overflow() -> SqlError {
    SqlError::new(
        8115,
        16,
        "Arithmetic overflow error converting expression to data type bigint.",
    )
}

/// 8115 for decimal results beyond 38 digits.
pub fn numeric_overflow() -> SqlError {
    SqlError::new(
        8115,
        16,
        "Arithmetic overflow error converting expression to data type numeric.",
    )
}

/// An owned copy of a SQLite value.
pub fn owned(v: ValueRef<'_>) -> SqliteValue {
    match v {
        ValueRef::Null => SqliteValue::Null,
        ValueRef::Integer(i) => SqliteValue::Integer(i),
        ValueRef::Real(f) => SqliteValue::Real(f),
        ValueRef::Text(t) => SqliteValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => SqliteValue::Blob(b.to_vec()),
    }
}
