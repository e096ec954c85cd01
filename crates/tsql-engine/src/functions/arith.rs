//! Exact arithmetic on SQL Server's numbers as they are stored: INTEGER, decimal TEXT
//! (`-12.50`) and REAL. SQLite's own operators would turn decimal text into a float; the
//! translator emits these instead when an operand may be a decimal:
//! `__mssql_sub`, `__mssql_mul`, `__mssql_div`, `__mssql_mod` (and `__mssql_add`, see
//! [`super::internal::add`]), and the aggregates `__mssql_sum` and `__mssql_avg` (also
//! usable as window functions).
//!
//! Types follow SQL Server: integer with integer stays integer (division truncates),
//! anything with a float is float, otherwise exact decimal — products keep `s1 + s2`
//! digits after the point, quotients at least 6 (truncated), at most 38 digits in all.

use rusqlite::functions::{Aggregate, Context, WindowAggregate};
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::SqlError;

use super::args::{self, Num};
use super::internal::numeric_operand;
use super::{deterministic, raise};
use crate::values::decimal;

type Binary = fn(Num, Num) -> Result<SqliteValue, SqlError>;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let ops: &[(&str, Binary)] = &[
        ("__mssql_sub", sub),
        ("__mssql_mul", mul),
        ("__mssql_div", div),
        ("__mssql_mod", modulo),
    ];
    for &(name, op) in ops {
        conn.create_scalar_function(name, 2, deterministic(), move |ctx| {
            binary(ctx.get_raw(0), ctx.get_raw(1), op).map_err(raise)
        })?;
    }
    conn.create_window_function("__mssql_sum", 1, deterministic(), Sum { avg: false })?;
    conn.create_window_function("__mssql_avg", 1, deterministic(), Sum { avg: true })?;
    Ok(())
}

fn binary(a: ValueRef<'_>, b: ValueRef<'_>, op: Binary) -> Result<SqliteValue, SqlError> {
    if matches!(a, ValueRef::Null) || matches!(b, ValueRef::Null) {
        return Ok(SqliteValue::Null);
    }
    op(numeric_operand(a, b)?, numeric_operand(b, a)?)
}

fn divide_by_zero() -> SqlError {
    SqlError::new(8134, 16, "Divide by zero error encountered.")
}

fn as_dec(n: Num) -> (i128, u8) {
    match n {
        Num::Int(i) => (i128::from(i), 0),
        Num::Dec(m, s) => (m, s),
        Num::Float(f) => (f as i128, 0),
    }
}

fn is_float(x: Num, y: Num) -> bool {
    matches!(x, Num::Float(_)) || matches!(y, Num::Float(_))
}

/// A decimal result, its scale lowered (rounding) until it fits 38 digits, never below
/// `min_scale`; 8115 if it cannot fit.
fn fit(m: i128, s: u8, min_scale: u8) -> Result<SqliteValue, SqlError> {
    let mut m = m;
    let mut s = s;
    while m.abs() >= decimal::limit(38) || s > 38 {
        if s <= min_scale {
            return Err(args::numeric_overflow());
        }
        m = decimal::rescale(m, s, s - 1).ok_or_else(args::numeric_overflow)?;
        s -= 1;
    }
    Ok(SqliteValue::Text(decimal::format(m, s)))
}

fn sub(x: Num, y: Num) -> Result<SqliteValue, SqlError> {
    Ok(match (x, y) {
        (Num::Int(p), Num::Int(q)) => {
            SqliteValue::Integer(p.checked_sub(q).ok_or_else(args::int_overflow)?)
        }
        _ if is_float(x, y) => SqliteValue::Real(x.to_f64() - y.to_f64()),
        _ => {
            let ((pm, ps), (qm, qs)) = (as_dec(x), as_dec(y));
            let s = ps.max(qs);
            let p = decimal::rescale(pm, ps, s).ok_or_else(args::numeric_overflow)?;
            let q = decimal::rescale(qm, qs, s).ok_or_else(args::numeric_overflow)?;
            return fit(p.checked_sub(q).ok_or_else(args::numeric_overflow)?, s, s);
        }
    })
}

/// Product of two mantissas, dropping low digits (rounded) when the exact product would
/// overflow i128; returns the mantissa and its scale.
fn wide_mul(p: i128, q: i128, scale: u8) -> Option<(i128, u8)> {
    if let Some(m) = p.checked_mul(q) {
        return Some((m, scale));
    }
    // Shift digits off the larger factor, keeping scale >= 0.
    let (mut p, mut q, mut scale) = (p, q, scale);
    while scale > 0 {
        if p.abs() >= q.abs() {
            p = decimal::rescale(p, 1, 0)?;
        } else {
            q = decimal::rescale(q, 1, 0)?;
        }
        scale -= 1;
        if let Some(m) = p.checked_mul(q) {
            return Some((m, scale));
        }
    }
    None
}

fn mul(x: Num, y: Num) -> Result<SqliteValue, SqlError> {
    Ok(match (x, y) {
        (Num::Int(p), Num::Int(q)) => {
            SqliteValue::Integer(p.checked_mul(q).ok_or_else(args::int_overflow)?)
        }
        _ if is_float(x, y) => SqliteValue::Real(x.to_f64() * y.to_f64()),
        _ => {
            let ((pm, ps), (qm, qs)) = (as_dec(x), as_dec(y));
            let (m, s) = wide_mul(pm, qm, ps + qs).ok_or_else(args::numeric_overflow)?;
            return fit(m, s, s.min(6));
        }
    })
}

fn div(x: Num, y: Num) -> Result<SqliteValue, SqlError> {
    Ok(match (x, y) {
        (Num::Int(p), Num::Int(q)) => {
            if q == 0 {
                return Err(divide_by_zero());
            }
            SqliteValue::Integer(p.checked_div(q).ok_or_else(args::int_overflow)?)
        }
        _ if is_float(x, y) => {
            if y.to_f64() == 0.0 {
                return Err(divide_by_zero());
            }
            SqliteValue::Real(x.to_f64() / y.to_f64())
        }
        _ => {
            let ((pm, ps), (qm, qs)) = (as_dec(x), as_dec(y));
            if qm == 0 {
                return Err(divide_by_zero());
            }
            // SQL Server's result scale: max(6, s1 + p2 + 1), lowered to fit 38 digits.
            let p2 = decimal::digit_count(qm).max(u32::from(qs)) as u8;
            let mut scale = (ps + p2 + 1).clamp(6, 38);
            loop {
                // m = pm * 10^(scale - ps + qs) / qm
                let shift = i32::from(scale) - i32::from(ps) + i32::from(qs);
                let num = if shift >= 0 {
                    pm.checked_mul(decimal::pow10(shift as u32))
                } else {
                    Some(pm / decimal::pow10((-shift) as u32))
                };
                match num {
                    Some(n) if shift <= 38 => return fit(n / qm, scale, 6),
                    _ if scale > 6 => scale -= 1,
                    _ => return Err(args::numeric_overflow()),
                }
            }
        }
    })
}

fn modulo(x: Num, y: Num) -> Result<SqliteValue, SqlError> {
    Ok(match (x, y) {
        (Num::Int(p), Num::Int(q)) => {
            if q == 0 {
                return Err(divide_by_zero());
            }
            SqliteValue::Integer(p.checked_rem(q).unwrap_or(0))
        }
        _ if is_float(x, y) => {
            if y.to_f64() == 0.0 {
                return Err(divide_by_zero());
            }
            SqliteValue::Real(x.to_f64() % y.to_f64())
        }
        _ => {
            let ((pm, ps), (qm, qs)) = (as_dec(x), as_dec(y));
            let s = ps.max(qs);
            let p = decimal::rescale(pm, ps, s).ok_or_else(args::numeric_overflow)?;
            let q = decimal::rescale(qm, qs, s).ok_or_else(args::numeric_overflow)?;
            if q == 0 {
                return Err(divide_by_zero());
            }
            SqliteValue::Text(decimal::format(p % q, s))
        }
    })
}

/// SUM / AVG state: the count and an exact running total.
#[derive(Debug, Default)]
pub struct Total {
    count: i64,
    /// Integer total while every value is an integer.
    int: i128,
    /// Decimal total (mantissa, scale) once a decimal has been seen.
    dec: Option<(i128, u8)>,
    /// Float total once a float has been seen.
    float: Option<f64>,
}

impl Total {
    fn apply(&mut self, v: Num, sign: i128) -> Result<(), SqlError> {
        self.count += sign as i64;
        match v {
            Num::Int(i) => self.int += sign * i128::from(i),
            Num::Float(f) => *self.float.get_or_insert(0.0) += sign as f64 * f,
            Num::Dec(m, s) => {
                let (tm, ts) = self.dec.unwrap_or((0, s));
                let scale = ts.max(s);
                let a = decimal::rescale(tm, ts, scale).ok_or_else(args::numeric_overflow)?;
                let b = decimal::rescale(m, s, scale).ok_or_else(args::numeric_overflow)?;
                let sum = a.checked_add(sign * b).ok_or_else(args::numeric_overflow)?;
                if sum.abs() >= decimal::limit(38) {
                    return Err(args::numeric_overflow());
                }
                self.dec = Some((sum, scale));
            }
        }
        Ok(())
    }

    fn result(&self, avg: bool) -> Result<SqliteValue, SqlError> {
        if self.count == 0 {
            return Ok(SqliteValue::Null);
        }
        if let Some(f) = self.float {
            let total = f + self.int as f64 + self.dec.map_or(0.0, |(m, s)| decimal::to_f64(m, s));
            return Ok(SqliteValue::Real(if avg {
                total / self.count as f64
            } else {
                total
            }));
        }
        if let Some((m, s)) = self.dec {
            let m = decimal::rescale(self.int, 0, s)
                .and_then(|i| i.checked_add(m))
                .ok_or_else(args::numeric_overflow)?;
            if !avg {
                return fit(m, s, s);
            }
            // AVG of decimal(p, s) has scale max(s, 6), truncated.
            let scale = s.max(6);
            let num = decimal::rescale(m, s, scale).ok_or_else(args::numeric_overflow)?;
            return fit(num / i128::from(self.count), scale, 6);
        }
        let total = if avg {
            self.int / i128::from(self.count)
        } else {
            self.int
        };
        i64::try_from(total)
            .map(SqliteValue::Integer)
            .map_err(|_| args::int_overflow())
    }
}

/// `__mssql_sum` / `__mssql_avg`.
pub struct Sum {
    avg: bool,
}

fn step_value(ctx: &Context<'_>) -> rusqlite::Result<Option<Num>> {
    args::num(ctx.get_raw(0)).map_err(raise)
}

impl Aggregate<Total, SqliteValue> for Sum {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Total> {
        Ok(Total::default())
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut Total) -> rusqlite::Result<()> {
        match step_value(ctx)? {
            Some(v) => acc.apply(v, 1).map_err(raise),
            None => Ok(()),
        }
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<Total>) -> rusqlite::Result<SqliteValue> {
        acc.unwrap_or_default().result(self.avg).map_err(raise)
    }
}

impl WindowAggregate<Total, SqliteValue> for Sum {
    fn value(&self, acc: Option<&mut Total>) -> rusqlite::Result<SqliteValue> {
        match acc {
            Some(t) => t.result(self.avg).map_err(raise),
            None => Ok(SqliteValue::Null),
        }
    }

    fn inverse(&self, ctx: &mut Context<'_>, acc: &mut Total) -> rusqlite::Result<()> {
        match step_value(ctx)? {
            Some(v) => acc.apply(v, -1).map_err(raise),
            None => Ok(()),
        }
    }
}
