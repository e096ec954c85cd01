//! The *FROMPARTS constructors, ISDATE, SWITCHOFFSET and TODATETIMEOFFSET.

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::{SqlError, SqlType};

use super::args::{self};
use super::{deterministic, raise};
use crate::convert;
use crate::values::temporal::{self as tm, TICKS_PER_SECOND};

type Scalar = fn(&Context<'_>) -> Result<SqliteValue, SqlError>;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let fns: &[(&str, i32, Scalar)] = &[
        ("DATETIMEFROMPARTS", 7, datetimefromparts),
        ("DATETIME2FROMPARTS", 8, datetime2fromparts),
        ("SMALLDATETIMEFROMPARTS", 5, smalldatetimefromparts),
        ("TIMEFROMPARTS", 5, timefromparts),
        ("DATETIMEOFFSETFROMPARTS", 10, datetimeoffsetfromparts),
        ("ISDATE", 1, isdate),
        ("SWITCHOFFSET", 2, switchoffset),
        ("TODATETIMEOFFSET", 2, todatetimeoffset),
    ];
    for &(name, n, f) in fns {
        conn.create_scalar_function(name, n, deterministic(), move |ctx| f(ctx).map_err(raise))?;
    }
    Ok(())
}

/// All integer arguments, or `None` if any is NULL.
fn ints(ctx: &Context<'_>) -> Result<Option<Vec<i64>>, SqlError> {
    let mut out = Vec::with_capacity(ctx.len());
    for i in 0..ctx.len() {
        match args::int(ctx.get_raw(i))? {
            Some(v) => out.push(v),
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}

fn invalid(type_name: &str) -> SqlError {
    SqlError::new(
        289,
        16,
        format!(
            "Cannot construct data type {type_name}, some of the arguments have values which are not valid."
        ),
    )
}

fn day(y: i64, m: i64, d: i64, type_name: &str) -> Result<i64, SqlError> {
    let m = u32::try_from(m).map_err(|_| invalid(type_name))?;
    let d = u32::try_from(d).map_err(|_| invalid(type_name))?;
    tm::checked_days(y, m, d).ok_or_else(|| invalid(type_name))
}

/// Ticks of h:m:s plus a fraction of `precision` digits.
fn ticks(
    h: i64,
    mi: i64,
    s: i64,
    frac: i64,
    precision: i64,
    type_name: &str,
) -> Result<u64, SqlError> {
    let ok = (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..60).contains(&s)
        && (0..=7).contains(&precision)
        && frac >= 0
        && frac < 10i64.pow(precision as u32);
    if !ok {
        return Err(invalid(type_name));
    }
    let secs = (h * 3600 + mi * 60 + s) as u64;
    Ok(secs * TICKS_PER_SECOND + frac as u64 * 10u64.pow(7 - precision as u32))
}

fn text(s: String) -> Result<SqliteValue, SqlError> {
    Ok(SqliteValue::Text(s))
}

fn datetimefromparts(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(v) = ints(ctx)? else {
        return Ok(SqliteValue::Null);
    };
    let days = day(v[0], v[1], v[2], "datetime")?;
    if !(0..1000).contains(&v[6]) || days < tm::DAYS_TO_1753 {
        return Err(invalid("datetime"));
    }
    let t = ticks(v[3], v[4], v[5], v[6], 3, "datetime")?;
    // Stored through the datetime conversion, which rounds to 1/300 s.
    let stamp = tm::format_datetime(days, t);
    match convert::cast(ValueRef::Text(stamp.as_bytes()), &SqlType::DateTime, 0)? {
        SqliteValue::Text(s) => text(s),
        other => Ok(other),
    }
}

fn datetime2fromparts(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(v) = ints(ctx)? else {
        return Ok(SqliteValue::Null);
    };
    let days = day(v[0], v[1], v[2], "datetime2")?;
    let t = ticks(v[3], v[4], v[5], v[6], v[7], "datetime2")?;
    text(tm::format_datetime(days, t))
}

fn smalldatetimefromparts(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(v) = ints(ctx)? else {
        return Ok(SqliteValue::Null);
    };
    let days = day(v[0], v[1], v[2], "smalldatetime")?;
    if !(tm::DAYS_TO_1900..=tm::DAYS_TO_2079_06_06).contains(&days) {
        return Err(invalid("smalldatetime"));
    }
    let t = ticks(v[3], v[4], 0, 0, 0, "smalldatetime")?;
    text(tm::format_datetime(days, t))
}

fn timefromparts(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(v) = ints(ctx)? else {
        return Ok(SqliteValue::Null);
    };
    text(tm::format_time(ticks(
        v[0], v[1], v[2], v[3], v[4], "time",
    )?))
}

fn datetimeoffsetfromparts(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(v) = ints(ctx)? else {
        return Ok(SqliteValue::Null);
    };
    let days = day(v[0], v[1], v[2], "datetimeoffset")?;
    let t = ticks(v[3], v[4], v[5], v[6], v[9], "datetimeoffset")?;
    let (oh, om) = (v[7], v[8]);
    let offset = oh * 60 + if oh < 0 { -om.abs() } else { om.abs() };
    if !(-14..=14).contains(&oh) || !(0..60).contains(&om.abs()) || offset.abs() > 840 {
        return Err(invalid("datetimeoffset"));
    }
    text(tm::format_offset(days, t, offset as i16))
}

/// An offset argument: `'+hh:mm'`/`'-hh:mm'` or a number of minutes.
fn offset_arg(v: ValueRef<'_>) -> Result<Option<i16>, SqlError> {
    let bad = || {
        SqlError::new(
            9812,
            16,
            "The timezone provided to builtin function todatetimeoffset is invalid.",
        )
    };
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(m) if (-840..=840).contains(&m) => Ok(Some(m as i16)),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let probe = format!("2000-01-01 00:00:00 {}", s.trim());
            match crate::convert::datestr::parse(&probe, 0).and_then(|p| p.offset) {
                Some(o) => Ok(Some(o)),
                None => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

/// A date/time argument read as datetimeoffset (no offset: +00:00).
fn offset_stamp(v: ValueRef<'_>) -> Result<Option<tm::Stamp>, SqlError> {
    let ty = SqlType::DateTimeOffset { scale: 7 };
    match convert::cast(v, &ty, 0)? {
        SqliteValue::Text(t) => Ok(tm::parse_canonical_offset(t.as_bytes())),
        _ => Ok(None),
    }
}

/// SWITCHOFFSET: the same instant shown in another offset.
fn switchoffset(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(st), Some(to)) = (offset_stamp(ctx.get_raw(0))?, offset_arg(ctx.get_raw(1))?) else {
        return Ok(SqliteValue::Null);
    };
    let utc = st.utc_ticks() + i128::from(to) * i128::from(tm::TICKS_PER_MINUTE);
    let tpd = i128::from(tm::TICKS_PER_DAY);
    let days = utc.div_euclid(tpd) as i64;
    if !(0..=tm::MAX_DAYS).contains(&days) {
        return Err(SqlError::new(
            517,
            16,
            "Adding a value to a 'datetimeoffset' column caused an overflow.",
        ));
    }
    text(tm::format_offset(days, utc.rem_euclid(tpd) as u64, to))
}

/// TODATETIMEOFFSET: the local date and time given an offset.
fn todatetimeoffset(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(st), Some(to)) = (offset_stamp(ctx.get_raw(0))?, offset_arg(ctx.get_raw(1))?) else {
        return Ok(SqliteValue::Null);
    };
    text(tm::format_offset(st.days, st.ticks, to))
}

/// ISDATE: 1 if the value converts to datetime (so years before 1753 are 0).
fn isdate(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let v = ctx.get_raw(0);
    let ok = matches!(v, ValueRef::Text(_)) && convert::cast(v, &SqlType::DateTime, 0).is_ok();
    Ok(SqliteValue::Integer(i64::from(ok)))
}

#[cfg(test)]
mod tests {
    use super::super::register as register_all;
    use rusqlite::types::Value as V;

    fn q(sql: &str) -> Result<V, rusqlite::Error> {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        register_all(&c).unwrap();
        c.query_row(&format!("SELECT {sql}"), [], |r| r.get(0))
    }

    fn txt(sql: &str) -> String {
        match q(sql).unwrap() {
            V::Text(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn constructors() {
        assert_eq!(
            txt("DATETIMEFROMPARTS(2024, 1, 2, 3, 4, 5, 998)"),
            "2024-01-02 03:04:05.9966667"
        );
        assert_eq!(
            txt("DATETIME2FROMPARTS(2024, 1, 2, 3, 4, 5, 5, 1)"),
            "2024-01-02 03:04:05.5000000"
        );
        assert_eq!(
            txt("SMALLDATETIMEFROMPARTS(2024, 1, 2, 3, 4)"),
            "2024-01-02 03:04:00.0000000"
        );
        assert_eq!(txt("TIMEFROMPARTS(23, 59, 59, 123, 3)"), "23:59:59.1230000");
        assert_eq!(
            txt("DATETIMEOFFSETFROMPARTS(2024, 1, 2, 3, 4, 5, 0, -5, 30, 0)"),
            "2024-01-02 03:04:05.0000000 -05:30"
        );
        assert_eq!(
            q("DATETIME2FROMPARTS(2024, NULL, 2, 3, 4, 5, 0, 0)").unwrap(),
            V::Null
        );
        let e = q("TIMEFROMPARTS(24, 0, 0, 0, 0)").unwrap_err();
        let e = super::super::recover(&e).unwrap();
        assert_eq!(e.number, 289);
        assert_eq!(
            e.message,
            "Cannot construct data type time, some of the arguments have values which are not valid."
        );
        assert_eq!(q("ISDATE('2024-02-29')").unwrap(), V::Integer(1));
        assert_eq!(q("ISDATE('2023-02-29')").unwrap(), V::Integer(0));
        assert_eq!(q("ISDATE('1700-01-01')").unwrap(), V::Integer(0));
        assert_eq!(q("ISDATE(5)").unwrap(), V::Integer(0));
        assert_eq!(
            txt("SWITCHOFFSET('2024-01-01 10:00:00.0000000 +01:00', '-05:00')"),
            "2024-01-01 04:00:00.0000000 -05:00"
        );
        assert_eq!(
            txt("TODATETIMEOFFSET('2024-01-01 10:00:00', 120)"),
            "2024-01-01 10:00:00.0000000 +02:00"
        );
    }
}
