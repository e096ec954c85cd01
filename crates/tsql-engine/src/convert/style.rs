//! CONVERT's styles for values turned into strings: dates and times, float, money.

use tds_protocol::types::SqlError;

use super::{msg, Kind};
use crate::values::decimal;
use crate::values::temporal::{
    civil_from_days, push_offset, push_time, ticks_to_300, Stamp, TICKS_PER_SECOND,
};

const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Fraction digits a kind shows by default (datetime: 3, smalldatetime: none).
fn default_digits(kind: Kind) -> u8 {
    match kind {
        Kind::Time(s) | Kind::DateTime2(s) | Kind::DateTimeOffset(s) => s,
        Kind::DateTime => 3,
        Kind::SmallDateTime | Kind::Date => 0,
    }
}

/// Milliseconds of a time of day as datetime shows them (.003, .007 for its ticks).
fn millis(kind: Kind, ticks: u64) -> u64 {
    if kind == Kind::DateTime {
        let t300 = u64::from(ticks_to_300(ticks) % 300);
        (t300 * 10 + 1) / 3
    } else {
        (ticks % TICKS_PER_SECOND + 5_000) / 10_000 % 1000
    }
}

fn two(out: &mut String, v: u64) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

fn year(out: &mut String, y: i64, century: bool) {
    if century {
        out.push_str(&format!("{y:04}"));
    } else {
        two(out, (y % 100) as u64);
    }
}

/// `hh:mm:ss` then `.` and `digits` fraction digits (datetime shows its own rounding).
fn time_with_fraction(out: &mut String, kind: Kind, ticks: u64, digits: u8) {
    if kind == Kind::DateTime && digits > 0 {
        push_time(out, ticks - ticks % TICKS_PER_SECOND, 0);
        out.push_str(&format!(".{:03}", millis(kind, ticks)));
    } else {
        push_time(out, ticks, digits);
    }
}

/// `hh:miAM` / `hh:mi:ss:mmmAM` (12-hour clock, hour space-padded).
fn twelve_hour(out: &mut String, kind: Kind, ticks: u64, seconds: bool) {
    let secs = ticks / TICKS_PER_SECOND;
    let h = secs / 3600;
    let h12 = match h % 12 {
        0 => 12,
        r => r,
    };
    out.push_str(&format!("{h12:>2}:"));
    two(out, secs / 60 % 60);
    if seconds {
        out.push(':');
        two(out, secs % 60);
        out.push(':');
        out.push_str(&format!("{:03}", millis(kind, ticks)));
    }
    out.push_str(if h < 12 { "AM" } else { "PM" });
}

/// A date/time value as text in CONVERT's `style`.
pub fn format_temporal(st: Stamp, kind: Kind, style: i32) -> Result<String, SqlError> {
    let (y, m, d) = civil_from_days(st.days);
    let (m, d) = (u64::from(m), u64::from(d));
    let mut o = String::with_capacity(40);
    let has_date = !matches!(kind, Kind::Time(_));
    let has_time = kind != Kind::Date;
    let digits = default_digits(kind);
    let century = style >= 100;
    let date_sep = |o: &mut String, first: u64, second: u64, sep: char, yfirst: bool| {
        if yfirst {
            year(o, y, century);
            o.push(sep);
        }
        two(o, first);
        o.push(sep);
        two(o, second);
        if !yfirst {
            o.push(sep);
            year(o, y, century);
        }
    };
    match style {
        0 if !matches!(kind, Kind::DateTime | Kind::SmallDateTime) => {
            // The newer types' default: ISO text with the type's own fraction digits.
            if has_date {
                o.push_str(&format!("{y:04}-"));
                two(&mut o, m);
                o.push('-');
                two(&mut o, d);
            }
            if has_time {
                if has_date {
                    o.push(' ');
                }
                push_time(&mut o, st.ticks, digits);
            }
            if let (Kind::DateTimeOffset(_), Some(off)) = (kind, st.offset) {
                o.push(' ');
                push_offset(&mut o, off);
            }
        }
        0 | 100 | 9 | 109 => {
            if has_date {
                o.push_str(&format!("{} {:>2} {:04}", MON[m as usize - 1], d, y));
            }
            if has_time {
                if has_date {
                    o.push(' ');
                }
                twelve_hour(&mut o, kind, st.ticks, style == 9 || style == 109);
            }
        }
        1 | 101 => date_sep(&mut o, m, d, '/', false),
        2 | 102 => date_sep(&mut o, m, d, '.', true),
        3 | 103 => date_sep(&mut o, d, m, '/', false),
        4 | 104 => date_sep(&mut o, d, m, '.', false),
        5 | 105 => date_sep(&mut o, d, m, '-', false),
        10 | 110 => date_sep(&mut o, m, d, '-', false),
        11 | 111 => date_sep(&mut o, m, d, '/', true),
        12 | 112 => {
            year(&mut o, y, century);
            two(&mut o, m);
            two(&mut o, d);
        }
        6 | 106 => {
            two(&mut o, d);
            o.push_str(&format!(" {} ", MON[m as usize - 1]));
            year(&mut o, y, century);
        }
        7 | 107 => {
            o.push_str(&format!("{} ", MON[m as usize - 1]));
            two(&mut o, d);
            o.push_str(", ");
            year(&mut o, y, century);
        }
        8 | 108 | 24 => push_time(&mut o, st.ticks, 0),
        13 | 113 => {
            two(&mut o, d);
            o.push_str(&format!(" {} {:04} ", MON[m as usize - 1], y));
            push_time(&mut o, st.ticks, 0);
            o.push_str(&format!(":{:03}", millis(kind, st.ticks)));
        }
        14 | 114 => {
            push_time(&mut o, st.ticks, 0);
            o.push_str(&format!(":{:03}", millis(kind, st.ticks)));
        }
        20 | 120 | 21 | 121 | 25 | 23 | 126 | 127 => {
            let iso_t = style == 126 || style == 127;
            if has_date {
                o.push_str(&format!("{y:04}-"));
                two(&mut o, m);
                o.push('-');
                two(&mut o, d);
            }
            if style != 23 && has_time {
                if has_date {
                    o.push(if iso_t { 'T' } else { ' ' });
                }
                let frac = match style {
                    20 | 120 => 0,
                    _ if iso_t && kind == Kind::DateTime && millis(kind, st.ticks) == 0 => 0,
                    21 | 121 | 25 if kind == Kind::SmallDateTime => 3,
                    _ => digits,
                };
                time_with_fraction(&mut o, kind, st.ticks, frac);
                match (kind, st.offset) {
                    (Kind::DateTimeOffset(_), Some(off)) if style == 127 && off == 0 => o.push('Z'),
                    (Kind::DateTimeOffset(_), Some(off)) if iso_t => push_offset(&mut o, off),
                    (Kind::DateTimeOffset(_), Some(off)) => {
                        o.push(' ');
                        push_offset(&mut o, off);
                    }
                    _ => {}
                }
            }
        }
        _ => return Err(msg::bad_style(style, msg::kind_name(kind), true)),
    }
    Ok(o)
}

/// A float as text: style 0 up to 6 significant digits (scientific when the exponent is
/// below -4 or at least 6), 1 eight digits and 2 sixteen digits always scientific,
/// 3 seventeen digits (lossless).
pub fn format_float(f: f64, style: i32) -> String {
    match style {
        1 => scientific(f, 8),
        2 => scientific(f, 16),
        3 => scientific(f, 17),
        _ => general(f, 6),
    }
}

/// `%.{p-1}e` with SQL Server's exponent form (`e+006`).
fn scientific(f: f64, sig: usize) -> String {
    fix_exponent(&format!("{:.*e}", sig - 1, f))
}

fn fix_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((mant, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mant}e{sign}{digits:0>3}")
        }
        None => s.to_owned(),
    }
}

/// `%g` with `sig` significant digits and trailing zeros removed.
fn general(f: f64, sig: usize) -> String {
    if f == 0.0 {
        return "0".into();
    }
    if !f.is_finite() {
        return f.to_string();
    }
    let e = format!("{:.*e}", sig - 1, f);
    let exp: i32 = e
        .split_once('e')
        .and_then(|(_, x)| x.parse().ok())
        .unwrap_or(0);
    if exp < -4 || exp >= sig as i32 {
        let (mant, _) = e.split_once('e').unwrap_or((&e, ""));
        let mant = trim_fraction(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:03}", exp.abs())
    } else {
        let decimals = (sig as i32 - 1 - exp).max(0) as usize;
        trim_fraction(&format!("{:.*}", decimals, f)).to_string()
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// money as text: style 0 two decimals, 1 two decimals with thousands commas, 2 four decimals.
pub fn format_money(m: i64, style: i32) -> String {
    match style {
        2 | 126 => decimal::format(i128::from(m), 4),
        _ => {
            let cents = decimal::rescale(i128::from(m), 4, 2).unwrap_or(0);
            let plain = decimal::format(cents, 2);
            if style == 1 {
                with_commas(&plain)
            } else {
                plain
            }
        }
    }
}

fn with_commas(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && i % 3 == int.len() % 3 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::temporal::{days_from_civil, TICKS_PER_SECOND};

    fn st(y: i64, m: u32, d: u32, secs: u64, frac: u64) -> Stamp {
        Stamp {
            days: days_from_civil(y, m, d),
            ticks: secs * TICKS_PER_SECOND + frac,
            offset: None,
        }
    }

    #[test]
    fn datetime_styles() {
        let v = st(2024, 1, 5, 13 * 3600 + 4 * 60 + 5, 1_233_333);
        let f = |s| format_temporal(v, Kind::DateTime, s).unwrap();
        assert_eq!(f(0), "Jan  5 2024  1:04PM");
        assert_eq!(f(1), "01/05/24");
        assert_eq!(f(101), "01/05/2024");
        assert_eq!(f(3), "05/01/24");
        assert_eq!(f(103), "05/01/2024");
        assert_eq!(f(108), "13:04:05");
        assert_eq!(f(112), "20240105");
        assert_eq!(f(120), "2024-01-05 13:04:05");
        assert_eq!(f(121), "2024-01-05 13:04:05.123");
        assert_eq!(f(23), "2024-01-05");
        assert_eq!(f(126), "2024-01-05T13:04:05.123");
        assert_eq!(f(109), "Jan  5 2024  1:04:05:123PM");
        let midnight = st(2024, 1, 5, 0, 0);
        assert_eq!(
            format_temporal(midnight, Kind::DateTime, 126).unwrap(),
            "2024-01-05T00:00:00"
        );
        assert_eq!(
            format_temporal(midnight, Kind::DateTime, 999)
                .unwrap_err()
                .number,
            281
        );
    }

    #[test]
    fn newer_types_default_to_iso() {
        let v = st(2024, 1, 5, 3600, 1_234_567);
        assert_eq!(
            format_temporal(v, Kind::DateTime2(7), 0).unwrap(),
            "2024-01-05 01:00:00.1234567"
        );
        assert_eq!(
            format_temporal(v, Kind::DateTime2(2), 0).unwrap(),
            "2024-01-05 01:00:00.12"
        );
        assert_eq!(format_temporal(v, Kind::Date, 0).unwrap(), "2024-01-05");
        assert_eq!(format_temporal(v, Kind::Time(0), 0).unwrap(), "01:00:00");
        let o = Stamp {
            offset: Some(-300),
            ..v
        };
        assert_eq!(
            format_temporal(o, Kind::DateTimeOffset(3), 0).unwrap(),
            "2024-01-05 01:00:00.123 -05:00"
        );
        assert_eq!(
            format_temporal(o, Kind::DateTimeOffset(3), 127).unwrap(),
            "2024-01-05T01:00:00.123-05:00"
        );
    }

    #[test]
    fn float_and_money_styles() {
        assert_eq!(format_float(1234567.0, 0), "1.23457e+006");
        assert_eq!(format_float(123456.0, 0), "123456");
        assert_eq!(format_float(0.1, 0), "0.1");
        assert_eq!(format_float(0.00001, 0), "1e-005");
        assert_eq!(format_float(-2.5, 0), "-2.5");
        assert_eq!(format_float(1234567.0, 1), "1.2345670e+006");
        assert_eq!(format_float(0.1, 3), "1.0000000000000001e-001");
        assert_eq!(format_money(12_345_678, 0), "1234.57");
        assert_eq!(format_money(12_345_678_900, 1), "1,234,567.89");
        assert_eq!(format_money(-12_345_678, 2), "-1234.5678");
    }
}
