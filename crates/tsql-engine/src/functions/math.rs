//! T-SQL's mathematical built-ins. Integers stay integers, decimal text stays exact
//! decimal text (at its own scale), REAL stays float, as SQL Server keeps the argument's
//! type; SQRT and SQUARE return float.

use rusqlite::functions::Context;
use rusqlite::types::Value as SqliteValue;
use rusqlite::Connection;
use tds_protocol::types::SqlError;

use super::args::{self, Num};
use super::{deterministic, raise};
use crate::values::decimal;

type Scalar = fn(&Context<'_>) -> Result<SqliteValue, SqlError>;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let fns: &[(&str, i32, Scalar)] = &[
        ("ABS", 1, abs),
        ("CEILING", 1, ceiling),
        ("FLOOR", 1, floor),
        ("ROUND", 2, round),
        ("ROUND", 3, round),
        ("POWER", 2, power),
        ("SQRT", 1, sqrt),
        ("SIGN", 1, sign),
        ("SQUARE", 1, square),
        ("LOG", 1, log),
        ("LOG", 2, log),
        ("LOG10", 1, log10),
        ("EXP", 1, exp),
        ("SIN", 1, sin),
        ("COS", 1, cos),
        ("TAN", 1, tan),
        ("ASIN", 1, asin),
        ("ACOS", 1, acos),
        ("ATAN", 1, atan),
        ("ATN2", 2, atn2),
        ("DEGREES", 1, degrees),
        ("RADIANS", 1, radians),
        ("PI", 0, pi),
    ];
    for &(name, n, f) in fns {
        conn.create_scalar_function(name, n, deterministic(), move |ctx| f(ctx).map_err(raise))?;
    }
    Ok(())
}

fn arg(ctx: &Context<'_>, i: usize) -> Result<Option<Num>, SqlError> {
    args::num(ctx.get_raw(i))
}

fn invalid_float() -> SqlError {
    SqlError::new(3623, 16, "An invalid floating point operation occurred.")
}

fn abs(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(match arg(ctx, 0)? {
        None => SqliteValue::Null,
        Some(Num::Int(i)) => SqliteValue::Integer(i.checked_abs().ok_or_else(args::int_overflow)?),
        Some(Num::Dec(m, s)) => Num::Dec(m.abs(), s).into_sqlite(),
        Some(Num::Float(f)) => SqliteValue::Real(f.abs()),
    })
}

/// CEILING/FLOOR of a decimal: scale 0, as SQL Server returns decimal(p,0).
fn whole(m: i128, s: u8, up: bool) -> SqliteValue {
    let t = decimal::truncate(m, s, 0).unwrap_or(0);
    let exact = decimal::rescale(t, 0, s) == Some(m);
    let r = match (exact, up, m > 0) {
        (true, _, _) => t,
        (false, true, true) => t + 1,
        (false, false, false) => t - 1,
        _ => t,
    };
    SqliteValue::Text(decimal::format(r, 0))
}

fn ceiling(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(match arg(ctx, 0)? {
        None => SqliteValue::Null,
        Some(Num::Int(i)) => SqliteValue::Integer(i),
        Some(Num::Dec(m, s)) => whole(m, s, true),
        Some(Num::Float(f)) => SqliteValue::Real(f.ceil()),
    })
}

fn floor(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(match arg(ctx, 0)? {
        None => SqliteValue::Null,
        Some(Num::Int(i)) => SqliteValue::Integer(i),
        Some(Num::Dec(m, s)) => whole(m, s, false),
        Some(Num::Float(f)) => SqliteValue::Real(f.floor()),
    })
}

/// Rounds (or truncates) a mantissa at `length` digits after the point, keeping its scale.
fn round_dec(m: i128, s: u8, length: i64, truncate: bool) -> Option<i128> {
    let keep = i64::from(s).saturating_sub(length);
    if keep <= 0 {
        return Some(m);
    }
    if keep > 38 {
        return Some(0);
    }
    let unit = decimal::pow10(keep as u32);
    let q = m / unit;
    let r = m % unit;
    let q = if !truncate && r.abs() * 2 >= unit {
        q + m.signum()
    } else {
        q
    };
    q.checked_mul(unit)
}

/// ROUND(x, length [, function]): half away from zero; a non-zero function truncates.
fn round(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(x), Some(length)) = (arg(ctx, 0)?, args::int(ctx.get_raw(1))?) else {
        return Ok(SqliteValue::Null);
    };
    let truncate = ctx.len() > 2 && args::int(ctx.get_raw(2))?.unwrap_or(0) != 0;
    Ok(match x {
        Num::Int(i) => {
            let r = round_dec(i128::from(i), 0, length, truncate).ok_or_else(args::int_overflow)?;
            SqliteValue::Integer(i64::try_from(r).map_err(|_| args::int_overflow())?)
        }
        Num::Dec(m, s) => {
            let r = round_dec(m, s, length, truncate)
                .filter(|r| r.abs() < decimal::limit(38))
                .ok_or_else(args::numeric_overflow)?;
            SqliteValue::Text(decimal::format(r, s))
        }
        Num::Float(f) => SqliteValue::Real(round_float(f, length, truncate)),
    })
}

/// Rounds a float at a decimal position through its exact decimal expansion.
fn round_float(f: f64, length: i64, truncate: bool) -> f64 {
    if !f.is_finite() || f.abs() >= 1e30 || length > 30 {
        return f;
    }
    // As many fraction digits as fit 38 in all.
    let int_digits = decimal::digit_count(f.abs() as i128) as u8;
    let scale = 37u8.saturating_sub(int_digits).min(30);
    match decimal::from_f64(f, scale) {
        Some(m) => match round_dec(m, scale, length, truncate) {
            Some(r) => decimal::to_f64(r, scale),
            None => f,
        },
        None => f,
    }
}

/// POWER: the result has the type of the base (an integer base gives an integer).
fn power(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(x), Some(y)) = (arg(ctx, 0)?, arg(ctx, 1)?) else {
        return Ok(SqliteValue::Null);
    };
    let f = x.to_f64().powf(y.to_f64());
    if f.is_nan() {
        return Err(invalid_float());
    }
    Ok(match x {
        Num::Int(i) => match y {
            Num::Int(e) if (0..=u32::MAX as i64).contains(&e) => {
                SqliteValue::Integer(i.checked_pow(e as u32).ok_or_else(args::int_overflow)?)
            }
            _ if f.abs() >= 9.2e18 => return Err(args::int_overflow()),
            _ => SqliteValue::Integer(f.trunc() as i64),
        },
        Num::Dec(_, s) => {
            let m = decimal::from_f64(f, s).ok_or_else(args::numeric_overflow)?;
            SqliteValue::Text(decimal::format(m, s))
        }
        Num::Float(_) => SqliteValue::Real(f),
    })
}

fn sqrt(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match arg(ctx, 0)? {
        None => Ok(SqliteValue::Null),
        Some(x) if x.to_f64() < 0.0 => Err(invalid_float()),
        Some(x) => Ok(SqliteValue::Real(x.to_f64().sqrt())),
    }
}

fn sign(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(match arg(ctx, 0)? {
        None => SqliteValue::Null,
        Some(Num::Int(i)) => SqliteValue::Integer(i.signum()),
        Some(Num::Dec(m, s)) => SqliteValue::Text(decimal::format(
            m.signum() * decimal::pow10(u32::from(s)),
            s,
        )),
        Some(Num::Float(f)) => SqliteValue::Real(if f == 0.0 { 0.0 } else { f.signum() }),
    })
}

fn square(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(match arg(ctx, 0)? {
        None => SqliteValue::Null,
        Some(x) => SqliteValue::Real(x.to_f64() * x.to_f64()),
    })
}

/// A float function of one argument; NaN or infinity is SQL Server's error 3623.
fn float1(ctx: &Context<'_>, f: fn(f64) -> f64) -> Result<SqliteValue, SqlError> {
    match arg(ctx, 0)? {
        None => Ok(SqliteValue::Null),
        Some(x) => {
            let r = f(x.to_f64());
            if r.is_finite() {
                Ok(SqliteValue::Real(r))
            } else {
                Err(invalid_float())
            }
        }
    }
}

fn log(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    if ctx.len() > 1 {
        let (Some(x), Some(b)) = (arg(ctx, 0)?, arg(ctx, 1)?) else {
            return Ok(SqliteValue::Null);
        };
        let r = x.to_f64().ln() / b.to_f64().ln();
        return if r.is_finite() {
            Ok(SqliteValue::Real(r))
        } else {
            Err(invalid_float())
        };
    }
    float1(ctx, f64::ln)
}

fn log10(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::log10)
}

fn exp(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::exp)
}

fn sin(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::sin)
}

fn cos(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::cos)
}

fn tan(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::tan)
}

fn asin(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::asin)
}

fn acos(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::acos)
}

fn atan(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    float1(ctx, f64::atan)
}

fn atn2(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match (arg(ctx, 0)?, arg(ctx, 1)?) {
        (Some(y), Some(x)) => Ok(SqliteValue::Real(y.to_f64().atan2(x.to_f64()))),
        _ => Ok(SqliteValue::Null),
    }
}

/// DEGREES/RADIANS keep the argument's type (an integer stays an integer, truncated).
fn angle(ctx: &Context<'_>, factor: f64) -> Result<SqliteValue, SqlError> {
    Ok(match arg(ctx, 0)? {
        None => SqliteValue::Null,
        Some(Num::Int(i)) => SqliteValue::Integer((i as f64 * factor).trunc() as i64),
        Some(Num::Dec(m, s)) => {
            let f = decimal::to_f64(m, s) * factor;
            let scale = s.max(15);
            match decimal::from_f64(f, scale) {
                Some(r) => SqliteValue::Text(decimal::format(r, scale)),
                None => SqliteValue::Real(f),
            }
        }
        Some(Num::Float(f)) => SqliteValue::Real(f * factor),
    })
}

fn degrees(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    angle(ctx, 180.0 / std::f64::consts::PI)
}

fn radians(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    angle(ctx, std::f64::consts::PI / 180.0)
}

fn pi(_: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(SqliteValue::Real(std::f64::consts::PI))
}
