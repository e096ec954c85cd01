//! Date and time arithmetic of the wire formats: scaled times, 3-byte dates, the 1900-based
//! `datetime`/`smalldatetime`, and the local/UTC shift of `datetimeoffset`.

use super::wire::{err, le_uint};
use crate::types::{Date, Time};
use crate::Result;

/// 100-nanosecond ticks in a day.
pub const TICKS_PER_DAY: u64 = 864_000_000_000;
/// Days from 0001-01-01 to 9999-12-31, the largest `date`.
pub const MAX_DATE_DAYS: u32 = 3_652_058;
/// Days from 0001-01-01 to 1900-01-01, the epoch of `datetime` and `smalldatetime`.
pub const DAYS_TO_1900: i64 = 693_595;

/// `datetime` ticks (1/300 s) in a day.
pub(crate) const DATETIME_TICKS_PER_DAY: u32 = 25_920_000;
/// `datetime` days of 1753-01-01 and 9999-12-31, relative to 1900-01-01.
pub(crate) const DATETIME_MIN_DAYS: i32 = -53_690;
pub(crate) const DATETIME_MAX_DAYS: i32 = 2_958_463;
const MINUTES_PER_DAY: u16 = 1440;

/// Bytes of a `time(scale)` value: 3 for scales 0-2, 4 for 3-4, 5 for 5-7.
pub(crate) fn time_len(scale: u8) -> usize {
    match scale {
        0..=2 => 3,
        3..=4 => 4,
        _ => 5,
    }
}

/// 100-ns ticks per unit of a `time(scale)` value: 10^(7 - scale).
fn scale_unit(scale: u8) -> u64 {
    10u64.pow(u32::from(7u8.saturating_sub(scale)))
}

pub(crate) fn check_scale(scale: u8) -> Result<()> {
    if scale > 7 {
        return Err(err(format!("time scale {scale} is over 7")));
    }
    Ok(())
}

/// Writes a time of day in units of its scale (a value finer than the scale is cut to it).
pub(crate) fn write_time(time: Time, scale: u8, out: &mut Vec<u8>) -> Result<()> {
    check_scale(scale)?;
    if time.0 >= TICKS_PER_DAY {
        return Err(err(format!(
            "time of day {} ticks is 24:00 or later",
            time.0
        )));
    }
    let units = time.0 / scale_unit(scale);
    out.extend_from_slice(&units.to_le_bytes()[..time_len(scale)]);
    Ok(())
}

/// Reads a 3-5 byte time of `scale`: its units of 10^-scale s since midnight, below 24:00.
pub(crate) fn read_time_units(bytes: &[u8], scale: u8) -> Result<u64> {
    check_scale(scale)?;
    if !(3..=5).contains(&bytes.len()) {
        return Err(err(format!("time value of {} bytes", bytes.len())));
    }
    let units = le_uint(bytes);
    units
        .checked_mul(scale_unit(scale))
        .filter(|&t| t < TICKS_PER_DAY)
        .ok_or_else(|| err("time value is 24:00 or later"))?;
    Ok(units)
}

/// A checked `time(scale)` value's units as 100-ns ticks.
pub(crate) fn units_to_time(units: u64, scale: u8) -> Time {
    Time(units * scale_unit(scale))
}

pub(crate) fn write_date(date: Date, out: &mut Vec<u8>) -> Result<()> {
    if date.0 > MAX_DATE_DAYS {
        return Err(err(format!("date {} days is after 9999-12-31", date.0)));
    }
    out.extend_from_slice(&date.0.to_le_bytes()[..3]);
    Ok(())
}

pub(crate) fn read_date(bytes: &[u8]) -> Result<Date> {
    if bytes.len() != 3 {
        return Err(err(format!("date value of {} bytes", bytes.len())));
    }
    let days = le_uint(bytes) as u32;
    if days > MAX_DATE_DAYS {
        return Err(err(format!("date {days} days is after 9999-12-31")));
    }
    Ok(Date(days))
}

/// Offsets SQL Server accepts: -14:00 to +14:00.
pub(crate) fn check_offset(offset_minutes: i16) -> Result<()> {
    if !(-840..=840).contains(&offset_minutes) {
        return Err(err(format!(
            "datetimeoffset offset {offset_minutes} minutes is beyond +-14:00"
        )));
    }
    Ok(())
}

/// Moves a date and time by `minutes`, carrying across midnight; fails outside 0001-9999.
fn shift(date: Date, time: Time, minutes: i64) -> Result<(Date, Time)> {
    let day = TICKS_PER_DAY as i64;
    let ticks = time.0 as i64 + minutes * 600_000_000;
    let days = date.0 as i64 + ticks.div_euclid(day);
    let ticks = ticks.rem_euclid(day);
    if !(0..=MAX_DATE_DAYS as i64).contains(&days) {
        return Err(err(
            "datetimeoffset is outside 0001-01-01..9999-12-31 in UTC",
        ));
    }
    Ok((Date(days as u32), Time(ticks as u64)))
}

/// The UTC instant of a local date and time at `offset_minutes` east of UTC.
pub(crate) fn local_to_utc(date: Date, time: Time, offset_minutes: i16) -> Result<(Date, Time)> {
    check_offset(offset_minutes)?;
    shift(date, time, -i64::from(offset_minutes))
}

/// The local date and time of a UTC instant at `offset_minutes` east of UTC.
pub(crate) fn utc_to_local(date: Date, time: Time, offset_minutes: i16) -> Result<(Date, Time)> {
    check_offset(offset_minutes)?;
    shift(date, time, i64::from(offset_minutes))
}

pub(crate) fn check_datetime(days: i32, ticks: u32) -> Result<()> {
    if !(DATETIME_MIN_DAYS..=DATETIME_MAX_DAYS).contains(&days) {
        return Err(err(format!(
            "datetime day {days} is outside 1753-01-01..9999-12-31"
        )));
    }
    if ticks >= DATETIME_TICKS_PER_DAY {
        return Err(err(format!(
            "datetime time {ticks}/300 s is 24:00 or later"
        )));
    }
    Ok(())
}

pub(crate) fn check_smalldatetime(minutes: u16) -> Result<()> {
    if minutes >= MINUTES_PER_DAY {
        return Err(err(format!(
            "smalldatetime minute {minutes} is 24:00 or later"
        )));
    }
    Ok(())
}

/// A `datetime` as a date and 100-ns time (exact to the nearest tick).
pub(crate) fn datetime_to_dt2(days: i32, ticks: u32) -> Result<(Date, Time)> {
    check_datetime(days, ticks)?;
    let date = Date((DAYS_TO_1900 + i64::from(days)) as u32);
    let time = (u64::from(ticks) * 100_000 + 1) / 3;
    Ok((date, Time(time)))
}

/// A date and 100-ns time as `datetime`, rounded to 1/300 s as SQL Server converts.
pub(crate) fn dt2_to_datetime(date: Date, time: Time) -> Result<(i32, u32)> {
    let mut days = i64::from(date.0) - DAYS_TO_1900;
    let mut ticks = (time.0 * 3 + 50_000) / 100_000;
    if ticks >= u64::from(DATETIME_TICKS_PER_DAY) {
        ticks -= u64::from(DATETIME_TICKS_PER_DAY);
        days += 1;
    }
    let days = i32::try_from(days).map_err(|_| err("date out of datetime range"))?;
    check_datetime(days, ticks as u32)?;
    Ok((days, ticks as u32))
}

/// A `smalldatetime` as `datetime` (exact).
pub(crate) fn smalldatetime_to_datetime(days: u16, minutes: u16) -> (i32, u32) {
    (i32::from(days), u32::from(minutes) * 60 * 300)
}

/// A `datetime` as `smalldatetime`, rounded to the minute as SQL Server converts
/// (29.998 s rounds down, 29.999 s up).
pub(crate) fn datetime_to_smalldatetime(days: i32, ticks: u32) -> Result<(u16, u16)> {
    check_datetime(days, ticks)?;
    let mut minutes = (ticks + 9_000) / 18_000;
    let mut days = i64::from(days);
    if minutes >= u32::from(MINUTES_PER_DAY) {
        minutes -= u32::from(MINUTES_PER_DAY);
        days += 1;
    }
    let days = u16::try_from(days)
        .map_err(|_| err("date out of smalldatetime range 1900-01-01..2079-06-06"))?;
    Ok((days, minutes as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_lengths_follow_scale() {
        let lens: Vec<usize> = (0..=7).map(time_len).collect();
        assert_eq!(lens, [3, 3, 3, 4, 4, 5, 5, 5]);
    }

    #[test]
    fn datetimeoffset_shift_crosses_midnight_and_years() {
        // 2000-01-01 00:30 at +01:00 is 1999-12-31 23:30 UTC.
        let d = Date(730_119);
        let t = Time(30 * 600_000_000);
        let (ud, ut) = local_to_utc(d, t, 60).expect("in range");
        assert_eq!(ud, Date(730_118));
        assert_eq!(ut, Time(23 * 36_000_000_000 + 30 * 600_000_000));
        assert_eq!(utc_to_local(ud, ut, 60).expect("in range"), (d, t));
        // 9999-12-31 23:00 at -05:00 is past 9999 in UTC.
        assert!(local_to_utc(Date(MAX_DATE_DAYS), Time(23 * 36_000_000_000), -300).is_err());
        assert!(local_to_utc(Date(0), Time(0), 60).is_err());
        assert!(local_to_utc(Date(0), Time(0), 841).is_err());
    }

    #[test]
    fn datetime_conversions() {
        // 1900-01-01 is day 693595 of the 0001 epoch.
        assert_eq!(datetime_to_dt2(0, 0).expect("ok"), (Date(693_595), Time(0)));
        // 1/300 s ticks round-trip through 100 ns.
        for ticks in [0, 1, 2, 3, 299, 300, 25_919_999] {
            let (d, t) = datetime_to_dt2(5, ticks).expect("ok");
            assert_eq!(dt2_to_datetime(d, t).expect("ok"), (5, ticks));
        }
        // 23:59:59.9999999 rounds up into the next day.
        let (d, t) = (Date(693_595), Time(TICKS_PER_DAY - 1));
        assert_eq!(dt2_to_datetime(d, t).expect("ok"), (1, 0));
        assert!(dt2_to_datetime(Date(0), Time(0)).is_err());
        assert_eq!(
            datetime_to_smalldatetime(3, 18_000 * 61 + 8_999).expect("ok"),
            (3, 61)
        );
        assert_eq!(
            datetime_to_smalldatetime(3, 18_000 * 61 + 9_000).expect("ok"),
            (3, 62)
        );
        assert!(datetime_to_smalldatetime(-1, 0).is_err());
        assert_eq!(smalldatetime_to_datetime(2, 1), (2, 18_000));
    }
}
