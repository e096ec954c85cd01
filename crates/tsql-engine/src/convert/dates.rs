//! Conversions to date, time, smalldatetime, datetime, datetime2 and datetimeoffset, with
//! SQL Server's rounding (datetime to 1/300 s, smalldatetime to the minute, the others to
//! their scale) and ranges.

use rusqlite::types::Value as SqliteValue;
use tds_protocol::types::{SqlError, SqlType};

use super::{datestr, msg, Ctx, Kind, Src};
use crate::values::temporal::{
    self, round_ticks, Stamp, DATETIME_TICKS_PER_DAY, DAYS_TO_1753, DAYS_TO_1900,
    DAYS_TO_2079_06_06, MAX_DAYS, TICKS_PER_DAY, TICKS_PER_MINUTE,
};

/// To any date/time type: canonical storage text.
pub fn to_temporal(src: Src<'_>, ty: &SqlType, ctx: &Ctx<'_>) -> Result<SqliteValue, SqlError> {
    let stamp = match src {
        Src::Null => return Ok(SqliteValue::Null),
        Src::Text(t, _) => {
            let p = datestr::parse(t, ctx.style).ok_or_else(msg::bad_date_string)?;
            Stamp {
                days: p.days,
                ticks: p.ticks,
                offset: p.offset,
            }
        }
        Src::Temporal(st, kind) => {
            let bad = match ty {
                SqlType::Date => matches!(kind, Kind::Time(_)),
                SqlType::Time { .. } => kind == Kind::Date,
                _ => false,
            };
            if bad {
                return Err(msg::not_allowed(&src, ty, ctx.implicit));
            }
            st
        }
        Src::Int(_) | Src::Float(_) | Src::Decimal(..) | Src::Money(_)
            if matches!(ty, SqlType::DateTime | SqlType::SmallDateTime) =>
        {
            from_day_number(&src, ty)?
        }
        _ => return Err(msg::not_allowed(&src, ty, ctx.implicit)),
    };
    build(stamp, &src, ty)
}

/// A number as datetime reads it: days since 1900-01-01, the fraction a part of a day.
fn from_day_number(src: &Src<'_>, ty: &SqlType) -> Result<Stamp, SqlError> {
    let f = match *src {
        Src::Int(i) => i as f64,
        Src::Float(f) => f,
        Src::Decimal(m, s) => crate::values::decimal::to_f64(m, s),
        Src::Money(m) => m as f64 / 10_000.0,
        _ => 0.0,
    };
    let overflow = || msg::overflow("expression", ty);
    if !f.is_finite() || f.abs() > 4e6 {
        return Err(overflow());
    }
    let day = f.floor();
    let ticks = ((f - day) * TICKS_PER_DAY as f64).round() as u64;
    let (days, ticks) = if ticks >= TICKS_PER_DAY {
        (day as i64 + 1, ticks - TICKS_PER_DAY)
    } else {
        (day as i64, ticks)
    };
    let days = DAYS_TO_1900 + days;
    if !(DAYS_TO_1753..=MAX_DAYS).contains(&days) {
        return Err(overflow());
    }
    Ok(Stamp {
        days,
        ticks,
        offset: None,
    })
}

/// Rounds and range-checks a stamp for the target type and writes its canonical text.
fn build(st: Stamp, src: &Src<'_>, ty: &SqlType) -> Result<SqliteValue, SqlError> {
    let out_of_range = || match src {
        Src::Text(..) => msg::date_out_of_range(src, ty),
        _ => msg::overflow("expression", ty),
    };
    let text = match *ty {
        SqlType::Date => temporal::format_date(st.days),
        SqlType::Time { scale } => temporal::format_time(round_ticks(st.ticks, scale).0),
        SqlType::DateTime2 { scale } => {
            let (ticks, carry) = round_ticks(st.ticks, scale);
            let days = st.days + i64::from(carry);
            if days > MAX_DAYS {
                return Err(out_of_range());
            }
            temporal::format_datetime(days, ticks)
        }
        SqlType::DateTimeOffset { scale } => {
            let (ticks, carry) = round_ticks(st.ticks, scale);
            let days = st.days + i64::from(carry);
            if days > MAX_DAYS {
                return Err(out_of_range());
            }
            temporal::format_offset(days, ticks, st.offset.unwrap_or(0))
        }
        SqlType::DateTime => {
            let mut t300 = temporal::ticks_to_300(st.ticks);
            let mut days = st.days;
            if t300 >= DATETIME_TICKS_PER_DAY {
                t300 -= DATETIME_TICKS_PER_DAY;
                days += 1;
            }
            if !(DAYS_TO_1753..=MAX_DAYS).contains(&days) {
                return Err(out_of_range());
            }
            temporal::format_datetime(days, temporal::ticks_from_300(t300))
        }
        SqlType::SmallDateTime => {
            let (days, minutes) = smalldatetime_minutes(st);
            if !(DAYS_TO_1900..=DAYS_TO_2079_06_06).contains(&days) {
                return Err(out_of_range());
            }
            temporal::format_datetime(days, minutes * TICKS_PER_MINUTE)
        }
        _ => return Err(msg::bad_date_string()),
    };
    Ok(SqliteValue::Text(text))
}

/// smalldatetime's rounding: 29.998 s and less round down, 29.999 s and more round up
/// (milliseconds first rounded as datetime rounds them).
fn smalldatetime_minutes(st: Stamp) -> (i64, u64) {
    let ms = (st.ticks % TICKS_PER_MINUTE + 5_000) / 10_000;
    let mut minutes = st.ticks / TICKS_PER_MINUTE + u64::from(ms >= 29_999);
    let mut days = st.days;
    if minutes >= 1440 {
        minutes -= 1440;
        days += 1;
    }
    (days, minutes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::cast;
    use rusqlite::types::ValueRef;

    fn c(s: &str, ty: SqlType) -> Result<String, SqlError> {
        match cast(ValueRef::Text(s.as_bytes()), &ty, 0)? {
            SqliteValue::Text(t) => Ok(t),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn datetime_rounds_to_three_hundredths() {
        assert_eq!(
            c("2024-01-01 23:59:59.999", SqlType::DateTime).unwrap(),
            "2024-01-02 00:00:00.0000000"
        );
        assert_eq!(
            c("2024-01-01 10:00:00.002", SqlType::DateTime).unwrap(),
            "2024-01-01 10:00:00.0033333"
        );
        assert_eq!(
            c("2024-01-01 10:00:00.005", SqlType::DateTime).unwrap(),
            "2024-01-01 10:00:00.0066667"
        );
        assert_eq!(
            c("1753-01-01", SqlType::DateTime).unwrap(),
            "1753-01-01 00:00:00.0000000"
        );
        let e = c("1752-12-31", SqlType::DateTime).unwrap_err();
        assert_eq!(e.number, 242);
        assert_eq!(
            e.message,
            "The conversion of a varchar data type to a datetime data type resulted in an out-of-range value."
        );
        assert_eq!(
            c("9999-12-31 23:59:59.998", SqlType::DateTime).unwrap(),
            "9999-12-31 23:59:59.9966667"
        );
        assert_eq!(
            c("9999-12-31 23:59:59.999", SqlType::DateTime)
                .unwrap_err()
                .number,
            242
        );
    }

    #[test]
    fn smalldatetime_rounds_to_the_minute() {
        let sdt = SqlType::SmallDateTime;
        assert_eq!(
            c("2024-01-01 10:00:29.998", sdt).unwrap(),
            "2024-01-01 10:00:00.0000000"
        );
        assert_eq!(
            c("2024-01-01 10:00:29.999", sdt).unwrap(),
            "2024-01-01 10:01:00.0000000"
        );
        assert_eq!(
            c("2079-06-06 23:59", sdt).unwrap(),
            "2079-06-06 23:59:00.0000000"
        );
        assert_eq!(c("2079-06-06 23:59:59", sdt).unwrap_err().number, 242);
        assert_eq!(c("1899-12-31", sdt).unwrap_err().number, 242);
    }

    #[test]
    fn scaled_types_round_not_truncate() {
        assert_eq!(
            c(
                "2024-01-01 10:00:00.1234567",
                SqlType::DateTime2 { scale: 3 }
            )
            .unwrap(),
            "2024-01-01 10:00:00.1230000"
        );
        assert_eq!(
            c(
                "2024-01-01 23:59:59.9999999",
                SqlType::DateTime2 { scale: 6 }
            )
            .unwrap(),
            "2024-01-02 00:00:00.0000000"
        );
        assert_eq!(
            c("23:59:59.9999999", SqlType::Time { scale: 0 }).unwrap(),
            "00:00:00.0000000"
        );
        assert_eq!(
            c("10:00:00.55", SqlType::Time { scale: 1 }).unwrap(),
            "10:00:00.6000000"
        );
        assert_eq!(
            c(
                "2024-01-01T10:00:00+01:00",
                SqlType::DateTimeOffset { scale: 7 }
            )
            .unwrap(),
            "2024-01-01 10:00:00.0000000 +01:00"
        );
        assert_eq!(
            c("2024-01-01 10:00", SqlType::DateTimeOffset { scale: 0 }).unwrap(),
            "2024-01-01 10:00:00.0000000 +00:00"
        );
        assert_eq!(c("0001-01-01", SqlType::Date).unwrap(), "0001-01-01");
        assert_eq!(c("9999-12-31 23:00", SqlType::Date).unwrap(), "9999-12-31");
        let e = c("2024-02-30", SqlType::Date).unwrap_err();
        assert_eq!(e.number, 241);
        assert_eq!(
            e.message,
            "Conversion failed when converting date and/or time from character string."
        );
    }

    #[test]
    fn numbers_only_to_datetime() {
        let one = cast(ValueRef::Integer(1), &SqlType::DateTime, 0).unwrap();
        assert_eq!(one, SqliteValue::Text("1900-01-02 00:00:00.0000000".into()));
        let half = cast(ValueRef::Real(0.5), &SqlType::DateTime, 0).unwrap();
        assert_eq!(
            half,
            SqliteValue::Text("1900-01-01 12:00:00.0000000".into())
        );
        let e = cast(ValueRef::Integer(1), &SqlType::Date, 0).unwrap_err();
        assert_eq!(e.number, 529);
        assert_eq!(
            e.message,
            "Explicit conversion from data type int to date is not allowed."
        );
    }
}
