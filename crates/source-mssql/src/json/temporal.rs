//! Dates and times as SQL Server shows them, written from the driver's raw
//! day counts and tick counts without going through chrono: this runs for
//! every temporal value of every row.
//!
//! The fraction keeps the column's own precision: `datetime2(7)` prints seven
//! digits, `datetime2(0)` none, so no value is rounded or padded into a
//! different one.

use super::digits::{push_2, push_4, push_fraction};
use tiberius::time::{Date, DateTime, DateTime2, DateTimeOffset, SmallDateTime, Time};

/// Days from 0001-01-01 (the `date`/`datetime2` epoch) to 1970-01-01.
const DAYS_0001_TO_1970: i64 = 719_162;
/// Days from 1900-01-01 (the `datetime`/`smalldatetime` epoch) to 1970-01-01.
const DAYS_1900_TO_1970: i64 = 25_567;
const SECONDS_PER_DAY: u64 = 86_400;

/// `YYYY-MM-DD`
pub fn push_date(out: &mut Vec<u8>, date: Date) {
    push_civil_date(out, i64::from(date.days()) - DAYS_0001_TO_1970);
}

/// `HH:MM:SS[.fffffff]`
pub fn push_time(out: &mut Vec<u8>, time: Time) {
    push_time_of_day(out, time.increments(), time.scale());
}

/// `YYYY-MM-DDTHH:MM:SS[.fffffff]`
pub fn push_datetime2(out: &mut Vec<u8>, value: DateTime2) {
    push_date(out, value.date());
    out.push(b'T');
    push_time(out, value.time());
}

/// `YYYY-MM-DDTHH:MM:SS.mmm`: `datetime` counts 1/300 s, which SQL Server
/// shows rounded to the millisecond (.000, .003, .007); so do we, as any
/// longer fraction would be a value SQL Server never shows.
pub fn push_datetime(out: &mut Vec<u8>, value: DateTime) {
    push_civil_date(out, i64::from(value.days()) - DAYS_1900_TO_1970);
    out.push(b'T');
    let fragments = u64::from(value.seconds_fragments());
    let millis = (fragments * 10 + 1) / 3;
    push_time_of_day(out, millis, 3);
}

/// `YYYY-MM-DDTHH:MM:SS`: `smalldatetime` counts whole minutes.
pub fn push_smalldatetime(out: &mut Vec<u8>, value: SmallDateTime) {
    push_civil_date(out, i64::from(value.days()) - DAYS_1900_TO_1970);
    out.push(b'T');
    push_time_of_day(out, u64::from(value.seconds_fragments()) * 60, 0);
}

/// `YYYY-MM-DDTHH:MM:SS[.fffffff]+HH:MM`, in the value's own offset as SQL
/// Server shows it. The wire carries the UTC time, so the offset is added.
pub fn push_datetimeoffset(out: &mut Vec<u8>, value: DateTimeOffset) {
    let datetime = value.datetime2();
    let time = datetime.time();
    let unit = 10i64.pow(u32::from(time.scale()));
    let day = SECONDS_PER_DAY as i64 * unit;
    let offset = i64::from(value.offset());
    let local = time.increments() as i64 + offset * 60 * unit;
    let days = i64::from(datetime.date().days()) + local.div_euclid(day);
    push_civil_date(out, days - DAYS_0001_TO_1970);
    out.push(b'T');
    push_time_of_day(out, local.rem_euclid(day) as u64, time.scale());
    out.push(if offset < 0 { b'-' } else { b'+' });
    let minutes = offset.unsigned_abs();
    push_2(out, (minutes / 60) as u32);
    out.push(b':');
    push_2(out, (minutes % 60) as u32);
}

/// `ticks` counts units of 10^-scale s since midnight.
fn push_time_of_day(out: &mut Vec<u8>, ticks: u64, scale: u8) {
    let unit = 10u64.pow(u32::from(scale));
    let seconds = ticks / unit;
    push_2(out, (seconds / 3600) as u32);
    out.push(b':');
    push_2(out, (seconds / 60 % 60) as u32);
    out.push(b':');
    push_2(out, (seconds % 60) as u32);
    if scale > 0 {
        out.push(b'.');
        push_fraction(out, ticks % unit, scale);
    }
}

/// Writes the proleptic Gregorian date `days` after 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn push_civil_date(out: &mut Vec<u8>, days: i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    push_4(out, year as u32);
    out.push(b'-');
    push_2(out, month as u32);
    out.push(b'-');
    push_2(out, day as u32);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn days_since_0001(y: i32, m: u32, d: u32) -> u32 {
        let epoch = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        (NaiveDate::from_ymd_opt(y, m, d).unwrap() - epoch).num_days() as u32
    }

    #[test]
    fn dates_across_the_whole_range() {
        for (y, m, d) in [
            (1, 1, 1),
            (1582, 10, 15),
            (1900, 2, 28),
            (2000, 2, 29),
            (9999, 12, 31),
        ] {
            let s = text(|o| push_date(o, Date::new(days_since_0001(y, m, d))));
            assert_eq!(s, format!("{y:04}-{m:02}-{d:02}"));
        }
    }

    #[test]
    fn every_day_agrees_with_chrono() {
        let epoch = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        for days in (0..3_652_059).step_by(997) {
            let expected = (epoch + chrono::Days::new(days))
                .format("%Y-%m-%d")
                .to_string();
            assert_eq!(text(|o| push_date(o, Date::new(days as u32))), expected);
        }
    }

    #[test]
    fn time_keeps_its_scale() {
        let t = (13 * 3600 + 4 * 60 + 5) as u64;
        assert_eq!(
            text(|o| push_time(o, Time::new(t * 10_000_000 + 1234567, 7))),
            "13:04:05.1234567"
        );
        assert_eq!(
            text(|o| push_time(o, Time::new(t * 1000 + 50, 3))),
            "13:04:05.050"
        );
        assert_eq!(text(|o| push_time(o, Time::new(t, 0))), "13:04:05");
        assert_eq!(
            text(|o| push_time(o, Time::new(86_399_999_999, 6))),
            "23:59:59.999999"
        );
    }

    #[test]
    fn datetime2_full_precision() {
        let date = Date::new(days_since_0001(2024, 3, 9));
        let value = DateTime2::new(date, Time::new(1, 7));
        assert_eq!(
            text(|o| push_datetime2(o, value)),
            "2024-03-09T00:00:00.0000001"
        );
    }

    #[test]
    fn datetime_rounds_ticks_like_sql_server() {
        // 1900-01-01 is day 0; 2024-03-09 12:00:00 plus 1 and 2 ticks.
        let days = days_since_0001(2024, 3, 9) as i32 - days_since_0001(1900, 1, 1) as i32;
        let noon = 12 * 3600 * 300;
        let cases = [(0, "000"), (1, "003"), (2, "007"), (299, "997")];
        for (ticks, millis) in cases {
            let s = text(|o| push_datetime(o, DateTime::new(days, noon + ticks)));
            assert_eq!(s, format!("2024-03-09T12:00:00.{millis}"));
        }
        // datetime reaches back to 1753, before its epoch.
        let days = days_since_0001(1753, 1, 1) as i32 - days_since_0001(1900, 1, 1) as i32;
        assert_eq!(
            text(|o| push_datetime(o, DateTime::new(days, 0))),
            "1753-01-01T00:00:00.000"
        );
    }

    #[test]
    fn smalldatetime_minutes() {
        let days = (days_since_0001(2079, 6, 6) - days_since_0001(1900, 1, 1)) as u16;
        let s = text(|o| push_smalldatetime(o, SmallDateTime::new(days, 23 * 60 + 59)));
        assert_eq!(s, "2079-06-06T23:59:00");
    }

    #[test]
    fn datetimeoffset_shows_local_time_and_offset() {
        // 2024-03-09 23:30:00.5 UTC
        let utc = DateTime2::new(
            Date::new(days_since_0001(2024, 3, 9)),
            Time::new((23 * 3600 + 30 * 60) * 10 + 5, 1),
        );
        let cases = [
            (0, "2024-03-09T23:30:00.5+00:00"),
            (330, "2024-03-10T05:00:00.5+05:30"),
            (-600, "2024-03-09T13:30:00.5-10:00"),
        ];
        for (offset, expected) in cases {
            let s = text(|o| push_datetimeoffset(o, DateTimeOffset::new(utc, offset)));
            assert_eq!(s, expected);
        }
        // Crossing midnight backwards.
        let utc = DateTime2::new(Date::new(days_since_0001(2024, 3, 1)), Time::new(3600, 0));
        let s = text(|o| push_datetimeoffset(o, DateTimeOffset::new(utc, -120)));
        assert_eq!(s, "2024-02-29T23:00:00-02:00");
    }
}
