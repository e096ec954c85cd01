//! Conversions to the exact and approximate numeric types.

use rusqlite::types::Value as SqliteValue;
use tds_protocol::types::{SqlError, SqlType};

use super::{msg, Ctx, Kind, Src};
use crate::values::decimal::{self, NumError};
use crate::values::temporal::{DAYS_TO_1900, TICKS_PER_DAY};

/// The range of an integer type.
fn int_range(ty: &SqlType) -> (i64, i64) {
    match ty {
        SqlType::Bit => (0, 1),
        SqlType::TinyInt => (0, 255),
        SqlType::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
        SqlType::Int => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

/// To bit, tinyint, smallint, int or bigint. bit takes any non-zero number as 1.
pub fn to_integer(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let is_bit = *ty == SqlType::Bit;
    let overflow = || msg::overflow("expression", ty);
    let wide: i128 = match src {
        Src::Null => return Ok(SqliteValue::Null),
        Src::Bit(b) => i128::from(b),
        Src::Int(i) => i128::from(i),
        Src::Float(f) => {
            if is_bit {
                i128::from(f != 0.0)
            } else if f.is_finite() && f.abs() < 1e30 {
                f.trunc() as i128
            } else {
                return Err(overflow());
            }
        }
        Src::Decimal(m, s) => decimal::truncate(m, s, 0).unwrap_or(m),
        // money → integer rounds (SQL Server's rule), decimal truncates.
        Src::Money(m) => decimal::rescale(i128::from(m), 4, 0).unwrap_or(0),
        Src::Text(t, _) => return text_to_integer(src, t, ty),
        Src::Blob(b) => {
            let width = match ty {
                SqlType::Bit | SqlType::TinyInt => 1,
                SqlType::SmallInt => 2,
                SqlType::Int => 4,
                _ => 8,
            };
            let tail = &b[b.len().saturating_sub(width)..];
            let mut v: i64 = if tail.first().is_some_and(|&x| x & 0x80 != 0) && tail.len() == width
            {
                -1
            } else {
                0
            };
            for &x in tail {
                v = (v << 8) | i64::from(x);
            }
            if *ty == SqlType::TinyInt {
                v &= 0xFF;
            }
            i128::from(v)
        }
        Src::Temporal(st, Kind::DateTime | Kind::SmallDateTime) => {
            let days = st.days - DAYS_TO_1900;
            i128::from(days + i64::from(st.ticks >= TICKS_PER_DAY / 2))
        }
        Src::Temporal(..) | Src::Guid(_) => return Err(msg::not_allowed(&src, ty, ctx.implicit)),
    };
    if is_bit {
        return Ok(SqliteValue::Integer(i64::from(wide != 0)));
    }
    let (lo, hi) = int_range(ty);
    if wide < i128::from(lo) || wide > i128::from(hi) {
        return Err(overflow());
    }
    Ok(SqliteValue::Integer(wide as i64))
}

/// A string to an integer type: blanks around, a sign, digits; '' is 0. bit also takes
/// 'true' and 'false'.
fn text_to_integer(src: Src<'_>, text: &str, ty: &SqlType) -> Result<SqliteValue, SqlError> {
    let t = text.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\n');
    if *ty == SqlType::Bit {
        if t.eq_ignore_ascii_case("true") {
            return Ok(SqliteValue::Integer(1));
        }
        if t.eq_ignore_ascii_case("false") {
            return Ok(SqliteValue::Integer(0));
        }
    }
    if t.is_empty() {
        return Ok(SqliteValue::Integer(0));
    }
    let (neg, digits) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(msg::conversion_failed(&src, text, ty));
    }
    let magnitude = digits.trim_start_matches('0');
    if *ty == SqlType::Bit {
        return Ok(SqliteValue::Integer(i64::from(!magnitude.is_empty())));
    }
    let value = if magnitude.len() > 20 {
        None
    } else {
        magnitude
            .parse::<i128>()
            .ok()
            .or(Some(0).filter(|_| magnitude.is_empty()))
            .map(|v| if neg { -v } else { v })
    };
    let (lo, hi) = int_range(ty);
    match value {
        Some(v) if v >= i128::from(lo) && v <= i128::from(hi) => Ok(SqliteValue::Integer(v as i64)),
        _ => Err(msg::int_string_overflow(&src, text, ty)),
    }
}

/// To decimal(p,s), numeric(p,s), money or smallmoney: canonical text at the target scale.
pub fn to_decimal(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let (scale, fits): (u8, Box<dyn Fn(i128) -> bool>) = match *ty {
        SqlType::Decimal { precision, scale } | SqlType::Numeric { precision, scale } => {
            let lim = decimal::limit(precision);
            (scale, Box::new(move |m: i128| m.abs() < lim))
        }
        SqlType::Money => (4, Box::new(|m: i128| i64::try_from(m).is_ok())),
        _ => (
            4,
            Box::new(|m: i128| (-2_147_483_648..=2_147_483_647).contains(&m)),
        ),
    };
    let from = msg::src_name(&src);
    let from = match src {
        Src::Int(_) | Src::Float(_) | Src::Decimal(..) | Src::Money(_) => from,
        Src::Text(..) => from,
        _ => "expression",
    };
    let overflow = || msg::overflow(from, ty);
    let m: i128 = match src {
        Src::Null => return Ok(SqliteValue::Null),
        Src::Bit(b) => i128::from(b) * decimal::pow10(u32::from(scale)),
        Src::Int(i) => i128::from(i)
            .checked_mul(decimal::pow10(u32::from(scale)))
            .ok_or_else(overflow)?,
        Src::Float(f) => decimal::from_f64(f, scale).ok_or_else(overflow)?,
        Src::Decimal(m, s) => decimal::rescale(m, s, scale).ok_or_else(overflow)?,
        Src::Money(m) => decimal::rescale(i128::from(m), 4, scale).ok_or_else(overflow)?,
        Src::Text(t, _) => {
            let is_money = matches!(ty, SqlType::Money | SqlType::SmallMoney);
            let cleaned;
            let t = if is_money {
                cleaned = t.trim().trim_start_matches('$').replace(',', "");
                cleaned.as_str()
            } else {
                t
            };
            match decimal::parse_text(t) {
                Ok((m, s)) if t.trim().is_empty() => decimal::rescale(m, s, scale).unwrap_or(0),
                Ok((m, s)) => decimal::rescale(m, s, scale).ok_or_else(overflow)?,
                Err(NumError::Overflow) => return Err(overflow()),
                Err(NumError::Syntax) if is_money && t.trim().is_empty() => 0,
                Err(NumError::Syntax) if is_money => return Err(SqlError::new(
                    235,
                    16,
                    "Cannot convert a char value to money. The char value has incorrect syntax.",
                )),
                Err(NumError::Syntax) => return Err(msg::error_converting(&src, ty)),
            }
        }
        Src::Temporal(st, Kind::DateTime | Kind::SmallDateTime) => {
            // Days since 1900 and the fraction of the day.
            let day_frac = st.ticks as f64 / TICKS_PER_DAY as f64;
            let f = (st.days - DAYS_TO_1900) as f64 + day_frac;
            decimal::from_f64(f, scale).ok_or_else(overflow)?
        }
        Src::Blob(_) => return Err(msg::error_converting(&src, ty)),
        Src::Temporal(..) | Src::Guid(_) => return Err(msg::not_allowed(&src, ty, ctx.implicit)),
    };
    if !fits(m) {
        return Err(overflow());
    }
    Ok(SqliteValue::Text(decimal::format(m, scale)))
}

/// True if `t` is a float literal SQL Server reads: sign, digits with one point, and an
/// optional exponent (no `inf`/`nan`, which Rust's parser would take).
fn is_float_text(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    let mut point = false;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => digits += 1,
            b'.' if !point => point = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// To float or real (real rounded to the nearest f32).
pub fn to_float(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let f = match src {
        Src::Null => return Ok(SqliteValue::Null),
        Src::Bit(b) => f64::from(u8::from(b)),
        Src::Int(i) => i as f64,
        Src::Float(f) => f,
        Src::Decimal(m, s) => decimal::to_f64(m, s),
        Src::Money(m) => decimal::to_f64(i128::from(m), 4),
        Src::Text(t, _) => {
            let t = t.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\n');
            if t.is_empty() {
                0.0
            } else if is_float_text(t) {
                t.parse::<f64>()
                    .map_err(|_| msg::error_converting(&src, ty))?
            } else {
                return Err(msg::error_converting(&src, ty));
            }
        }
        Src::Temporal(st, Kind::DateTime | Kind::SmallDateTime) => {
            (st.days - DAYS_TO_1900) as f64 + st.ticks as f64 / TICKS_PER_DAY as f64
        }
        Src::Blob(_) | Src::Temporal(..) | Src::Guid(_) => {
            return Err(msg::not_allowed(&src, ty, ctx.implicit))
        }
    };
    if !f.is_finite() {
        return Err(msg::overflow("expression", ty));
    }
    if *ty == SqlType::Real {
        let r = f as f32;
        if !r.is_finite() {
            return Err(msg::overflow("expression", ty));
        }
        return Ok(SqliteValue::Real(f64::from(r)));
    }
    Ok(SqliteValue::Real(f))
}
