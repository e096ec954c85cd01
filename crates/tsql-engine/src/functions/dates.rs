//! T-SQL's date and time built-ins, the clock functions and the GUID generators.
//!
//! Arguments are canonical storage text (or any date string SQL Server accepts). Results
//! keep the shape of the input: a `date` stays `YYYY-MM-DD`, a `time` stays a time,
//! a datetimeoffset keeps its offset, anything else is `YYYY-MM-DD hh:mm:ss.fffffff`.
//! The server's clock is UTC: GETDATE() equals GETUTCDATE().

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::{SqlError, SqlType};

use super::args::{self, text};
use super::{deterministic, raise, volatile};
use crate::collation::GUID_ORDER;
use crate::convert::{self, datestr};
use crate::values::temporal::{self as tm, Stamp, MAX_DAYS, TICKS_PER_DAY, TICKS_PER_SECOND};
use crate::values::text::format_guid;

type Scalar = fn(&Context<'_>) -> Result<SqliteValue, SqlError>;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let pure: &[(&str, i32, Scalar)] = &[
        ("DATEADD", 3, dateadd),
        ("DATEDIFF", 3, datediff),
        ("DATEDIFF_BIG", 3, datediff_big),
        ("DATEPART", 2, datepart),
        ("DATENAME", 2, datename),
        ("YEAR", 1, year),
        ("MONTH", 1, month),
        ("DAY", 1, day),
        ("EOMONTH", 1, eomonth),
        ("EOMONTH", 2, eomonth),
        ("DATEFROMPARTS", 3, datefromparts),
    ];
    for &(name, n, f) in pure {
        conn.create_scalar_function(name, n, deterministic(), move |ctx| f(ctx).map_err(raise))?;
    }
    let clock: &[(&str, Scalar)] = &[
        ("GETDATE", getdate),
        ("GETUTCDATE", getdate),
        ("SYSDATETIME", sysdatetime),
        ("SYSUTCDATETIME", sysdatetime),
        ("SYSDATETIMEOFFSET", sysdatetimeoffset),
        ("NEWID", newid),
        ("NEWSEQUENTIALID", newsequentialid),
        ("RAND", rand),
    ];
    for &(name, f) in clock {
        conn.create_scalar_function(name, 0, volatile(), move |ctx| f(ctx).map_err(raise))?;
    }
    conn.create_scalar_function("RAND", 1, volatile(), |ctx| {
        // RAND(seed): the same value for the same seed (not SQL Server's sequence).
        let seed = args::int(ctx.get_raw(0)).map_err(raise)?;
        Ok(SqliteValue::Real(match seed {
            Some(s) => unit_float(splitmix(s as u64)),
            None => unit_float(random_u64()),
        }))
    })?;
    Ok(())
}

/// Which date/time type an argument is, judged from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Date,
    Time,
    DateTime,
    Offset,
}

impl Shape {
    fn type_name(self) -> &'static str {
        match self {
            Shape::Date => "date",
            Shape::Time => "time",
            Shape::DateTime => "datetime",
            Shape::Offset => "datetimeoffset",
        }
    }
}

/// A date/time argument; `None` for NULL.
fn stamp_arg(v: ValueRef<'_>) -> Result<Option<(Stamp, Shape)>, SqlError> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => {
            if let Some(st) = tm::parse_canonical_any(t) {
                let shape = match t.len() {
                    10 => Shape::Date,
                    16 => Shape::Time,
                    34 => Shape::Offset,
                    _ => Shape::DateTime,
                };
                return Ok(Some((st, shape)));
            }
            let s = String::from_utf8_lossy(t);
            let p = datestr::parse(&s, 0).ok_or_else(bad_date)?;
            let shape = if p.offset.is_some() {
                Shape::Offset
            } else {
                Shape::DateTime
            };
            let st = Stamp {
                days: p.days,
                ticks: p.ticks,
                offset: p.offset,
            };
            Ok(Some((st, shape)))
        }
        other => {
            let converted = convert::cast(other, &SqlType::DateTime, 0)?;
            match converted {
                SqliteValue::Text(t) => stamp_arg(ValueRef::Text(t.as_bytes())),
                _ => Ok(None),
            }
        }
    }
}

fn bad_date() -> SqlError {
    SqlError::new(
        241,
        16,
        "Conversion failed when converting date and/or time from character string.",
    )
}

fn format(st: Stamp, shape: Shape) -> SqliteValue {
    SqliteValue::Text(match shape {
        Shape::Date => tm::format_date(st.days),
        Shape::Time => tm::format_time(st.ticks),
        Shape::DateTime => tm::format_datetime(st.days, st.ticks),
        Shape::Offset => tm::format_offset(st.days, st.ticks, st.offset.unwrap_or(0)),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Year,
    Quarter,
    Month,
    DayOfYear,
    Day,
    Week,
    Weekday,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
    TzOffset,
    IsoWeek,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Year => "year",
            Part::Quarter => "quarter",
            Part::Month => "month",
            Part::DayOfYear => "dayofyear",
            Part::Day => "day",
            Part::Week => "week",
            Part::Weekday => "weekday",
            Part::Hour => "hour",
            Part::Minute => "minute",
            Part::Second => "second",
            Part::Millisecond => "millisecond",
            Part::Microsecond => "microsecond",
            Part::Nanosecond => "nanosecond",
            Part::TzOffset => "tzoffset",
            Part::IsoWeek => "iso_week",
        }
    }

    fn is_time(self) -> bool {
        matches!(
            self,
            Part::Hour
                | Part::Minute
                | Part::Second
                | Part::Millisecond
                | Part::Microsecond
                | Part::Nanosecond
        )
    }

    /// 100 ns ticks in one unit of a time part.
    fn ticks(self) -> i128 {
        match self {
            Part::Hour => 36_000_000_000,
            Part::Minute => 600_000_000,
            Part::Second => 10_000_000,
            Part::Millisecond => 10_000,
            Part::Microsecond => 10,
            _ => 1,
        }
    }
}

/// A datepart name or abbreviation (the translator passes it as a string).
fn part_arg(v: ValueRef<'_>) -> Result<Part, SqlError> {
    let name = text(v)
        .unwrap_or_default()
        .trim()
        .trim_matches(['\'', '"'])
        .to_ascii_lowercase();
    Ok(match name.as_str() {
        "year" | "yy" | "yyyy" => Part::Year,
        "quarter" | "qq" | "q" => Part::Quarter,
        "month" | "mm" | "m" => Part::Month,
        "dayofyear" | "dy" | "y" => Part::DayOfYear,
        "day" | "dd" | "d" => Part::Day,
        "week" | "wk" | "ww" => Part::Week,
        "weekday" | "dw" | "w" => Part::Weekday,
        "hour" | "hh" => Part::Hour,
        "minute" | "mi" | "n" => Part::Minute,
        "second" | "ss" | "s" => Part::Second,
        "millisecond" | "ms" => Part::Millisecond,
        "microsecond" | "mcs" => Part::Microsecond,
        "nanosecond" | "ns" => Part::Nanosecond,
        "tzoffset" | "tz" => Part::TzOffset,
        "iso_week" | "isowk" | "isoww" => Part::IsoWeek,
        _ => {
            return Err(SqlError::new(
                155,
                15,
                format!("'{name}' is not a recognized datepart option."),
            ))
        }
    })
}

fn unsupported(part: Part, function: &str, shape: Shape) -> SqlError {
    SqlError::new(
        9810,
        16,
        format!(
            "The datepart {} is not supported by date function {} for data type {}.",
            part.name(),
            function,
            shape.type_name()
        ),
    )
}

/// A date `months` months later, the day clipped to the month's length.
fn add_months(days: i64, months: i64) -> Option<i64> {
    let (y, m, d) = tm::civil_from_days(days);
    let total = (y * 12 + i64::from(m) - 1).checked_add(months)?;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    if !(1..=9999).contains(&ny) {
        return None;
    }
    Some(tm::days_from_civil(
        ny,
        nm,
        d.min(tm::days_in_month(ny, nm)),
    ))
}

fn dateadd(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let part = part_arg(ctx.get_raw(0))?;
    let (Some(n), Some((st, shape))) = (args::int(ctx.get_raw(1))?, stamp_arg(ctx.get_raw(2))?)
    else {
        return Ok(SqliteValue::Null);
    };
    let overflow = || {
        SqlError::new(
            517,
            16,
            format!(
                "Adding a value to a '{}' column caused an overflow.",
                shape.type_name()
            ),
        )
    };
    if matches!(part, Part::TzOffset | Part::IsoWeek)
        || (shape == Shape::Date && part.is_time())
        || (shape == Shape::Time && !part.is_time())
    {
        return Err(unsupported(part, "dateadd", shape));
    }
    let mut out = st;
    match part {
        Part::Year | Part::Quarter | Part::Month => {
            let months = match part {
                Part::Year => n.checked_mul(12),
                Part::Quarter => n.checked_mul(3),
                _ => Some(n),
            };
            out.days = months
                .and_then(|m| add_months(st.days, m))
                .ok_or_else(overflow)?;
        }
        Part::DayOfYear | Part::Day | Part::Weekday | Part::Week => {
            let days = if part == Part::Week {
                i128::from(n) * 7
            } else {
                i128::from(n)
            };
            let d = i128::from(st.days) + days;
            if !(0..=i128::from(MAX_DAYS)).contains(&d) {
                return Err(overflow());
            }
            out.days = d as i64;
        }
        _ => {
            let delta = if part == Part::Nanosecond {
                i128::from(n) / 100
            } else {
                i128::from(n) * part.ticks()
            };
            let total =
                i128::from(st.days) * i128::from(TICKS_PER_DAY) + i128::from(st.ticks) + delta;
            let tpd = i128::from(TICKS_PER_DAY);
            if shape == Shape::Time {
                out.ticks = total.rem_euclid(tpd) as u64;
            } else {
                let days = total.div_euclid(tpd);
                if !(0..=i128::from(MAX_DAYS)).contains(&days) {
                    return Err(overflow());
                }
                out.days = days as i64;
                out.ticks = total.rem_euclid(tpd) as u64;
            }
        }
    }
    Ok(format(out, shape))
}

/// Number of `part` boundaries between two stamps (SQL Server's DATEDIFF).
fn diff(part: Part, a: Stamp, b: Stamp) -> Result<i128, SqlError> {
    // With an offset on either side, both are compared as UTC instants.
    let utc = |st: Stamp| {
        let t = st.utc_ticks();
        let tpd = i128::from(TICKS_PER_DAY);
        (t.div_euclid(tpd) as i64, t.rem_euclid(tpd) as u64)
    };
    let (a, b) = if a.offset.is_some() || b.offset.is_some() {
        let (ad, at) = utc(a);
        let (bd, bt) = utc(b);
        (
            Stamp {
                days: ad,
                ticks: at,
                offset: None,
            },
            Stamp {
                days: bd,
                ticks: bt,
                offset: None,
            },
        )
    } else {
        (a, b)
    };
    let (ay, am, _) = tm::civil_from_days(a.days);
    let (by, bm, _) = tm::civil_from_days(b.days);
    let total = |st: Stamp| i128::from(st.days) * i128::from(TICKS_PER_DAY) + i128::from(st.ticks);
    Ok(match part {
        Part::Year => i128::from(by - ay),
        Part::Quarter => {
            i128::from(by * 4 + i64::from((bm - 1) / 3))
                - i128::from(ay * 4 + i64::from((am - 1) / 3))
        }
        Part::Month => i128::from(by * 12 + i64::from(bm)) - i128::from(ay * 12 + i64::from(am)),
        Part::DayOfYear | Part::Day | Part::Weekday => i128::from(b.days - a.days),
        Part::Week => i128::from((b.days + 1).div_euclid(7) - (a.days + 1).div_euclid(7)),
        Part::Nanosecond => (total(b) - total(a)) * 100,
        Part::TzOffset | Part::IsoWeek => {
            return Err(unsupported(part, "datediff", Shape::DateTime))
        }
        _ => total(b).div_euclid(part.ticks()) - total(a).div_euclid(part.ticks()),
    })
}

fn diff_args(ctx: &Context<'_>) -> Result<Option<i128>, SqlError> {
    let part = part_arg(ctx.get_raw(0))?;
    match (stamp_arg(ctx.get_raw(1))?, stamp_arg(ctx.get_raw(2))?) {
        (Some((a, _)), Some((b, _))) => diff(part, a, b).map(Some),
        _ => Ok(None),
    }
}

fn datediff(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match diff_args(ctx)? {
        None => Ok(SqliteValue::Null),
        Some(d) => i32::try_from(d).map(|d| SqliteValue::Integer(i64::from(d))).map_err(|_| {
            SqlError::new(
                535,
                16,
                "The datediff function resulted in an overflow. The number of dateparts separating two date/time instances is too large. Try to use datediff with a less precise datepart.",
            )
        }),
    }
}

fn datediff_big(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match diff_args(ctx)? {
        None => Ok(SqliteValue::Null),
        Some(d) => i64::try_from(d).map(SqliteValue::Integer).map_err(|_| {
            SqlError::new(
                535,
                16,
                "The datediff_big function resulted in an overflow. The number of dateparts separating two date/time instances is too large. Try to use datediff_big with a less precise datepart.",
            )
        }),
    }
}

/// ISO 8601 week number (weeks start on Monday; week 1 holds the year's first Thursday).
fn iso_week(days: i64) -> i64 {
    let wd = (tm::weekday(days) + 6) % 7; // Monday = 0
    let thursday = days - i64::from(wd) + 3;
    let (y, _, _) = tm::civil_from_days(thursday);
    (thursday - tm::days_from_civil(y, 1, 1)) / 7 + 1
}

/// DATEPART's value (us_english, DATEFIRST 7: weeks start on Sunday).
fn part_value(part: Part, st: Stamp) -> i64 {
    let (y, m, d) = tm::civil_from_days(st.days);
    let secs = st.ticks / TICKS_PER_SECOND;
    let frac = st.ticks % TICKS_PER_SECOND;
    let doy = st.days - tm::days_from_civil(y, 1, 1) + 1;
    match part {
        Part::Year => y,
        Part::Quarter => i64::from((m - 1) / 3 + 1),
        Part::Month => i64::from(m),
        Part::DayOfYear => doy,
        Part::Day => i64::from(d),
        Part::Week => {
            let jan1 = i64::from(tm::weekday(tm::days_from_civil(y, 1, 1)));
            (doy + jan1 - 1) / 7 + 1
        }
        Part::Weekday => i64::from(tm::weekday(st.days)) + 1,
        Part::Hour => (secs / 3600) as i64,
        Part::Minute => (secs / 60 % 60) as i64,
        Part::Second => (secs % 60) as i64,
        Part::Millisecond => (frac / 10_000) as i64,
        Part::Microsecond => (frac / 10) as i64,
        Part::Nanosecond => (frac * 100) as i64,
        Part::TzOffset => i64::from(st.offset.unwrap_or(0)),
        Part::IsoWeek => iso_week(st.days),
    }
}

fn part_of(ctx: &Context<'_>, part: Part, idx: usize) -> Result<Option<i64>, SqlError> {
    Ok(stamp_arg(ctx.get_raw(idx))?.map(|(st, _)| part_value(part, st)))
}

fn int_or_null(v: Option<i64>) -> SqliteValue {
    v.map_or(SqliteValue::Null, SqliteValue::Integer)
}

fn datepart(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let part = part_arg(ctx.get_raw(0))?;
    Ok(int_or_null(part_of(ctx, part, 1)?))
}

/// us_english month names (DATENAME, FORMAT).
pub(super) const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(super) const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn datename(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let part = part_arg(ctx.get_raw(0))?;
    let Some((st, _)) = stamp_arg(ctx.get_raw(1))? else {
        return Ok(SqliteValue::Null);
    };
    let v = part_value(part, st);
    Ok(SqliteValue::Text(match part {
        Part::Month => MONTH_NAMES[(v - 1) as usize].to_string(),
        Part::Weekday => DAY_NAMES[(v - 1) as usize].to_string(),
        Part::TzOffset => {
            let mut s = String::new();
            tm::push_offset(&mut s, v as i16);
            s
        }
        _ => v.to_string(),
    }))
}

fn year(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(int_or_null(part_of(ctx, Part::Year, 0)?))
}

fn month(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(int_or_null(part_of(ctx, Part::Month, 0)?))
}

fn day(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(int_or_null(part_of(ctx, Part::Day, 0)?))
}

fn eomonth(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some((st, _)) = stamp_arg(ctx.get_raw(0))? else {
        return Ok(SqliteValue::Null);
    };
    let months = if ctx.len() > 1 {
        args::int(ctx.get_raw(1))?.unwrap_or(0)
    } else {
        0
    };
    let overflow = || {
        SqlError::new(
            517,
            16,
            "Adding a value to a 'date' column caused an overflow.",
        )
    };
    let first = add_months(st.days, months).ok_or_else(overflow)?;
    let (y, m, _) = tm::civil_from_days(first);
    Ok(SqliteValue::Text(tm::format_date(tm::days_from_civil(
        y,
        m,
        tm::days_in_month(y, m),
    ))))
}

fn datefromparts(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let y = args::int(ctx.get_raw(0))?;
    let m = args::int(ctx.get_raw(1))?;
    let d = args::int(ctx.get_raw(2))?;
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Ok(SqliteValue::Null);
    };
    let days = u32::try_from(m)
        .ok()
        .zip(u32::try_from(d).ok())
        .and_then(|(m, d)| tm::checked_days(y, m, d))
        .ok_or_else(|| {
            SqlError::new(
                289,
                16,
                "Cannot construct data type date, some of the arguments have values which are not valid.",
            )
        })?;
    Ok(SqliteValue::Text(tm::format_date(days)))
}

/// Now (UTC) as days since 0001-01-01 and 100 ns ticks.
fn now() -> (i64, u64) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs();
    let days = tm::DAYS_TO_1970 + (secs / 86_400) as i64;
    let ticks = secs % 86_400 * TICKS_PER_SECOND + u64::from(d.subsec_nanos()) / 100;
    (days, ticks)
}

/// GETDATE: datetime precision (1/300 s).
fn getdate(_: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(SqliteValue::Text(datetime_now()))
}

/// Now as datetime storage (GETDATE's value; also a session's login time).
pub(crate) fn datetime_now() -> String {
    let (mut days, ticks) = now();
    let mut t300 = tm::ticks_to_300(ticks);
    if t300 >= tm::DATETIME_TICKS_PER_DAY {
        t300 -= tm::DATETIME_TICKS_PER_DAY;
        days += 1;
    }
    tm::format_datetime(days, tm::ticks_from_300(t300))
}

fn sysdatetime(_: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (days, ticks) = now();
    Ok(SqliteValue::Text(tm::format_datetime(days, ticks)))
}

fn sysdatetimeoffset(_: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (days, ticks) = now();
    Ok(SqliteValue::Text(tm::format_offset(days, ticks, 0)))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 64 random bits: SipHash with a fresh random key (std's RandomState) over a counter and
/// the clock.
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

/// A uniform float in [0, 1) from 64 random bits.
fn unit_float(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// SplitMix64: a well-mixed 64-bit value from a seed.
fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn rand(_: &Context<'_>) -> Result<SqliteValue, SqlError> {
    Ok(SqliteValue::Real(unit_float(random_u64())))
}

/// NEWID: a random (version 4) GUID.
fn newid(_: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&random_u64().to_be_bytes());
    g[8..].copy_from_slice(&random_u64().to_be_bytes());
    g[6] = (g[6] & 0x0F) | 0x40;
    g[8] = (g[8] & 0x3F) | 0x80;
    Ok(SqliteValue::Text(format_guid(&g)))
}

/// NEWSEQUENTIALID: GUIDs that increase in SQL Server's uniqueidentifier order: a fixed
/// random node in the most significant bytes, then a counter started from the clock.
fn newsequentialid(_: &Context<'_>) -> Result<SqliteValue, SqlError> {
    static NODE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static SEQ: std::sync::OnceLock<AtomicU64> = std::sync::OnceLock::new();
    let node = *NODE.get_or_init(random_u64);
    let seq = SEQ
        .get_or_init(|| {
            let start = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            AtomicU64::new((start.as_micros() as u64) << 8)
        })
        .fetch_add(1, Ordering::Relaxed);
    // Build the key in significance order, then place each byte where SQL Server reads it.
    let mut key = [0u8; 16];
    key[..6].copy_from_slice(&node.to_be_bytes()[2..]);
    key[6..8].copy_from_slice(&[0, 0]);
    key[8..].copy_from_slice(&seq.to_be_bytes());
    let mut g = [0u8; 16];
    for (k, &pos) in GUID_ORDER.iter().enumerate() {
        g[pos] = key[k];
    }
    Ok(SqliteValue::Text(format_guid(&g)))
}
