//! Calendar arithmetic and the canonical storage text of the date and time types.
//!
//! Days count from 0001-01-01 (proleptic Gregorian), times in 100 ns ticks since midnight,
//! offsets in minutes. Everything here is integer arithmetic on bytes: the canonical
//! parsers sit on the hot path of every scan.

/// 100 ns ticks in one second.
pub const TICKS_PER_SECOND: u64 = 10_000_000;
/// 100 ns ticks in one minute.
pub const TICKS_PER_MINUTE: u64 = 60 * TICKS_PER_SECOND;
/// 100 ns ticks in one day.
pub const TICKS_PER_DAY: u64 = 86_400 * TICKS_PER_SECOND;
/// Days from 0001-01-01 to 9999-12-31, the last day SQL Server's date types hold.
pub const MAX_DAYS: i64 = 3_652_058;
/// Days from 0001-01-01 to 1900-01-01, the epoch of datetime and smalldatetime.
pub const DAYS_TO_1900: i64 = 693_595;
/// Days from 0001-01-01 to 1753-01-01, the first day datetime holds.
pub const DAYS_TO_1753: i64 = 639_905;
/// Days from 0001-01-01 to 2079-06-06, the last day smalldatetime holds.
pub const DAYS_TO_2079_06_06: i64 = 759_130;
/// Days from 0001-01-01 to 1970-01-01 (the Unix epoch).
pub const DAYS_TO_1970: i64 = 719_162;
/// 1/300 s ticks of datetime in a day.
pub const DATETIME_TICKS_PER_DAY: u32 = 300 * 86_400;

/// A point in time as the date/time types hold it: a day, a time of day and, for
/// datetimeoffset, the offset from UTC in minutes (date and time are then local).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub days: i64,
    pub ticks: u64,
    pub offset: Option<i16>,
}

impl Stamp {
    /// The UTC instant in ticks since 0001-01-01, for ordering datetimeoffset values.
    pub fn utc_ticks(&self) -> i128 {
        let local = self.days as i128 * TICKS_PER_DAY as i128 + self.ticks as i128;
        local - self.offset.unwrap_or(0) as i128 * TICKS_PER_MINUTE as i128
    }
}

/// Days since 0001-01-01 of a civil date (no validation).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = ((month + 9) % 12) as i64;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 306
}

/// The civil date (year, month, day) of a day count since 0001-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 306;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 0001-01-01 of a valid date in years 1..=9999, `None` otherwise.
pub fn checked_days(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Day of the week, 0 = Sunday.
pub fn weekday(days: i64) -> u32 {
    // 0001-01-01 was a Monday.
    ((days + 1).rem_euclid(7)) as u32
}

/// Rounds a time of day to `scale` fractional digits (half up, as SQL Server does);
/// the bool is true when rounding carried into the next day.
pub fn round_ticks(ticks: u64, scale: u8) -> (u64, bool) {
    let unit = 10u64.pow(7 - u32::from(scale.min(7)));
    let r = (ticks + unit / 2) / unit * unit;
    if r >= TICKS_PER_DAY {
        (r - TICKS_PER_DAY, true)
    } else {
        (r, false)
    }
}

/// 100 ns ticks → datetime's 1/300 s ticks, rounded as SQL Server rounds (.000/.003/.007);
/// may equal a full day, which the caller carries.
pub fn ticks_to_300(ticks: u64) -> u32 {
    ((ticks * 3 + 50_000) / 100_000) as u32
}

/// datetime's 1/300 s ticks → 100 ns ticks, rounded to nearest (so the way back is exact).
pub fn ticks_from_300(t300: u32) -> u64 {
    (u64::from(t300) * 100_000 + 1) / 3
}

/// Parses `n` ASCII digits.
#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
}

/// Canonical `YYYY-MM-DD` → days.
#[inline]
pub fn parse_canonical_date(b: &[u8]) -> Option<i64> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    checked_days(i64::from(y), m, d)
}

/// Canonical `hh:mm:ss.fffffff` → ticks.
#[inline]
pub fn parse_canonical_time(b: &[u8]) -> Option<u64> {
    if b.len() != 16 || b[2] != b':' || b[5] != b':' || b[8] != b'.' {
        return None;
    }
    let h = digits(&b[0..2])?;
    let m = digits(&b[3..5])?;
    let s = digits(&b[6..8])?;
    let f = digits(&b[9..16])?;
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(u64::from(h * 3600 + m * 60 + s) * TICKS_PER_SECOND + u64::from(f))
}

/// Canonical `YYYY-MM-DD hh:mm:ss.fffffff` → (days, ticks).
#[inline]
pub fn parse_canonical_datetime(b: &[u8]) -> Option<(i64, u64)> {
    if b.len() != 27 || b[10] != b' ' {
        return None;
    }
    Some((
        parse_canonical_date(&b[..10])?,
        parse_canonical_time(&b[11..])?,
    ))
}

/// Canonical `YYYY-MM-DD hh:mm:ss.fffffff +hh:mm` → stamp with offset.
#[inline]
pub fn parse_canonical_offset(b: &[u8]) -> Option<Stamp> {
    if b.len() != 34 || b[27] != b' ' || b[31] != b':' {
        return None;
    }
    let (days, ticks) = parse_canonical_datetime(&b[..27])?;
    let oh = digits(&b[29..31])? as i16;
    let om = digits(&b[32..34])? as i16;
    let mag = oh * 60 + om;
    if oh > 14 || om > 59 || mag > 840 {
        return None;
    }
    let offset = match b[28] {
        b'+' => mag,
        b'-' => -mag,
        _ => return None,
    };
    Some(Stamp {
        days,
        ticks,
        offset: Some(offset),
    })
}

/// Any canonical shape (date, time, datetime, datetimeoffset) → stamp; a time alone is on
/// 1900-01-01, as SQL Server reads a time-only string.
#[inline]
pub fn parse_canonical_any(b: &[u8]) -> Option<Stamp> {
    match b.len() {
        10 => Some(Stamp {
            days: parse_canonical_date(b)?,
            ticks: 0,
            offset: None,
        }),
        16 => Some(Stamp {
            days: DAYS_TO_1900,
            ticks: parse_canonical_time(b)?,
            offset: None,
        }),
        27 => {
            let (days, ticks) = parse_canonical_datetime(b)?;
            Some(Stamp {
                days,
                ticks,
                offset: None,
            })
        }
        34 => parse_canonical_offset(b),
        _ => None,
    }
}

fn push_num(out: &mut String, v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut v = v;
    for i in (0..width).rev() {
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    // Digits only: always valid UTF-8.
    out.push_str(std::str::from_utf8(&buf[..width]).unwrap_or("0"));
}

pub fn push_date(out: &mut String, days: i64) {
    let (y, m, d) = civil_from_days(days);
    push_num(out, y.max(0) as u64, 4);
    out.push('-');
    push_num(out, u64::from(m), 2);
    out.push('-');
    push_num(out, u64::from(d), 2);
}

/// `hh:mm:ss` and, when `digits` > 0, `.` and that many fractional digits.
pub fn push_time(out: &mut String, ticks: u64, frac_digits: u8) {
    let secs = ticks / TICKS_PER_SECOND;
    push_num(out, secs / 3600, 2);
    out.push(':');
    push_num(out, secs / 60 % 60, 2);
    out.push(':');
    push_num(out, secs % 60, 2);
    if frac_digits > 0 {
        let frac_digits = frac_digits.min(7);
        out.push('.');
        let frac = ticks % TICKS_PER_SECOND / 10u64.pow(7 - u32::from(frac_digits));
        push_num(out, frac, usize::from(frac_digits));
    }
}

pub fn push_offset(out: &mut String, offset: i16) {
    out.push(if offset < 0 { '-' } else { '+' });
    let mag = offset.unsigned_abs();
    push_num(out, u64::from(mag / 60), 2);
    out.push(':');
    push_num(out, u64::from(mag % 60), 2);
}

pub fn format_date(days: i64) -> String {
    let mut s = String::with_capacity(10);
    push_date(&mut s, days);
    s
}

pub fn format_time(ticks: u64) -> String {
    let mut s = String::with_capacity(16);
    push_time(&mut s, ticks, 7);
    s
}

pub fn format_datetime(days: i64, ticks: u64) -> String {
    let mut s = String::with_capacity(27);
    push_date(&mut s, days);
    s.push(' ');
    push_time(&mut s, ticks, 7);
    s
}

pub fn format_offset(days: i64, ticks: u64, offset: i16) -> String {
    let mut s = String::with_capacity(34);
    push_date(&mut s, days);
    s.push(' ');
    push_time(&mut s, ticks, 7);
    s.push(' ');
    push_offset(&mut s, offset);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_epochs() {
        assert_eq!(days_from_civil(1, 1, 1), 0);
        assert_eq!(days_from_civil(1900, 1, 1), DAYS_TO_1900);
        assert_eq!(days_from_civil(1753, 1, 1), DAYS_TO_1753);
        assert_eq!(days_from_civil(1970, 1, 1), DAYS_TO_1970);
        assert_eq!(days_from_civil(2079, 6, 6), DAYS_TO_2079_06_06);
        assert_eq!(days_from_civil(9999, 12, 31), MAX_DAYS);
        for d in (0..=MAX_DAYS).step_by(997) {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(checked_days(y, m, dd), Some(d));
        }
        assert_eq!(checked_days(2023, 2, 29), None);
        assert_eq!(
            checked_days(2024, 2, 29),
            Some(days_from_civil(2024, 2, 29))
        );
        assert_eq!(weekday(days_from_civil(2024, 1, 1)), 1); // a Monday
    }

    #[test]
    fn canonical_text_round_trips() {
        let s = format_offset(
            days_from_civil(2024, 3, 5),
            12 * 3600 * TICKS_PER_SECOND + 1,
            -330,
        );
        assert_eq!(s, "2024-03-05 12:00:00.0000001 -05:30");
        let st = parse_canonical_offset(s.as_bytes()).unwrap();
        assert_eq!(st.offset, Some(-330));
        assert_eq!(format_offset(st.days, st.ticks, -330), s);
        assert_eq!(parse_canonical_time(b"24:00:00.0000000"), None);
        assert_eq!(parse_canonical_date(b"2024-02-30"), None);
    }

    #[test]
    fn datetime_ticks_round_like_sql_server() {
        let ms = |m: u64| ticks_to_300(m * 10_000);
        // .990/.991 -> .990, .992..994 -> .993, .995..998 -> .997, .999 -> next second
        assert_eq!(ms(59_991) % 300, 297);
        assert_eq!(ms(59_992) % 300, 298);
        assert_eq!(ms(59_998) % 300, 299);
        assert_eq!(ms(59_999), 300 * 60);
        for t in 0..DATETIME_TICKS_PER_DAY {
            if t % 997 == 0 {
                assert_eq!(ticks_to_300(ticks_from_300(t)), t);
            }
        }
        assert_eq!(round_ticks(TICKS_PER_DAY - 1, 6), (0, true));
        assert_eq!(round_ticks(15, 6), (20, false));
        assert_eq!(round_ticks(14, 6), (10, false));
    }
}
