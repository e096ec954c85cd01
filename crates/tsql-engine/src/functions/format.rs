//! FORMAT(value, format [, culture]) with .NET's en-US formats (the culture argument is
//! accepted; every culture formats as en-US). Numbers: standard `N`, `F`, `D`, `C`, `P`,
//! `X`, `E`, `G` with a precision digit count, and custom patterns of `0`, `#`, `,`, `.`,
//! `%` and literals. Dates and times: standard `d`, `D`, `t`, `T`, `f`, `F`, `g`, `G`, `M`,
//! `Y`, `s`, `u`, `o`, and custom patterns (`yyyy`, `MMMM`, `dd`, `HH`, `hh`, `mm`, `ss`,
//! `fff`, `tt`, `zzz`, quoted literals, `\` escapes). A format that does not apply gives
//! NULL, as on SQL Server.

use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;

use super::args::{self, text, Num};
use super::dates::{DAY_NAMES, MONTH_NAMES};
use super::{deterministic, raise};
use crate::convert::datestr;
use crate::values::decimal;
use crate::values::temporal::{self as tm, Stamp, TICKS_PER_SECOND};

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    for n in [2, 3] {
        conn.create_scalar_function("FORMAT", n, deterministic(), |ctx| {
            let Some(fmt) = text(ctx.get_raw(1)) else {
                return Ok(SqliteValue::Null);
            };
            let out = format_value(ctx.get_raw(0), &fmt).map_err(raise)?;
            Ok(out.map_or(SqliteValue::Null, SqliteValue::Text))
        })?;
    }
    Ok(())
}

fn format_value(
    v: ValueRef<'_>,
    fmt: &str,
) -> Result<Option<String>, tds_protocol::types::SqlError> {
    if let ValueRef::Text(t) = v {
        if decimal::parse_plain(t).is_none() {
            let s = String::from_utf8_lossy(t);
            let time_only = tm::parse_canonical_time(t).is_some();
            let stamp = tm::parse_canonical_any(t).or_else(|| {
                datestr::parse(&s, 0).map(|p| Stamp {
                    days: p.days,
                    ticks: p.ticks,
                    offset: p.offset,
                })
            });
            return Ok(stamp.map(|st| format_date(st, fmt, time_only)));
        }
    }
    Ok(match args::num(v)? {
        Some(n) => format_number(n, fmt),
        None => None,
    })
}

/// The number as (negative, integer digits, fraction digits) rounded to `decimals`.
fn digits(n: Num, decimals: usize) -> Option<(bool, String, String)> {
    let decimals = decimals.min(30);
    let m = match n {
        Num::Int(i) => i128::from(i).checked_mul(decimal::pow10(decimals as u32))?,
        Num::Dec(m, s) => decimal::rescale(m, s, decimals as u8)?,
        Num::Float(f) => decimal::from_f64(f, decimals as u8)?,
    };
    let s = decimal::format(m.abs(), decimals as u8);
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    Some((m < 0, int.to_string(), frac.to_string()))
}

fn group(int: &str) -> String {
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && i % 3 == int.len() % 3 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn join(neg: bool, int: &str, frac: &str) -> String {
    let sign = if neg { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

fn format_number(n: Num, fmt: &str) -> Option<String> {
    let b = fmt.as_bytes();
    let standard = !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.len() <= 3
        && b[1..].iter().all(u8::is_ascii_digit);
    if !standard {
        return custom_number(n, fmt);
    }
    let precision: Option<usize> = fmt[1..].parse().ok();
    let p = |default: usize| precision.unwrap_or(default);
    match b[0].to_ascii_uppercase() {
        b'N' => digits(n, p(2)).map(|(neg, i, f)| join(neg, &group(&i), &f)),
        b'F' => digits(n, p(2)).map(|(neg, i, f)| join(neg, &i, &f)),
        b'C' => digits(n, p(2)).map(|(neg, i, f)| {
            let body = join(false, &group(&i), &f);
            if neg {
                format!("-${body}")
            } else {
                format!("${body}")
            }
        }),
        b'P' => {
            let scaled = match n {
                Num::Int(i) => Num::Dec(i128::from(i) * 100, 0),
                Num::Dec(m, s) => Num::Dec(m * 100, s),
                Num::Float(f) => Num::Float(f * 100.0),
            };
            digits(scaled, p(2)).map(|(neg, i, f)| format!("{}%", join(neg, &group(&i), &f)))
        }
        b'D' => match n {
            Num::Int(i) => Some(format!(
                "{}{:0>width$}",
                if i < 0 { "-" } else { "" },
                i.unsigned_abs(),
                width = p(1)
            )),
            _ => None,
        },
        b'X' => match n {
            Num::Int(i) => {
                let h = format!("{:0>width$X}", i, width = p(1));
                Some(if b[0] == b'x' {
                    h.to_ascii_lowercase()
                } else {
                    h
                })
            }
            _ => None,
        },
        b'E' => {
            let s = format!("{:.*e}", p(6), n.to_f64());
            let (mant, exp) = s.split_once('e')?;
            let (sign, digits) = exp.strip_prefix('-').map_or(('+', exp), |d| ('-', d));
            let e = if b[0] == b'e' { 'e' } else { 'E' };
            Some(format!("{mant}{e}{sign}{digits:0>3}"))
        }
        b'G' => Some(match n {
            Num::Int(i) => i.to_string(),
            Num::Dec(m, s) => decimal::format(m, s),
            Num::Float(f) => format!("{f}"),
        }),
        _ => None,
    }
}

/// Custom numeric patterns: `0` a digit always shown, `#` a digit if significant, `,`
/// grouping, `.` the point, `%` percent (×100); other characters are literal.
fn custom_number(n: Num, fmt: &str) -> Option<String> {
    let is_ph = |c: char| c == '0' || c == '#';
    let first = fmt.find(|c| is_ph(c) || c == '.')?;
    let last = fmt.rfind(|c| is_ph(c) || c == '.')?;
    let (prefix, body, suffix) = (&fmt[..first], &fmt[first..=last], &fmt[last + 1..]);
    let (int_pat, frac_pat) = body.split_once('.').unwrap_or((body, ""));
    let percent = fmt.contains('%');
    let n = if percent {
        match n {
            Num::Int(i) => Num::Dec(i128::from(i) * 100, 0),
            Num::Dec(m, s) => Num::Dec(m * 100, s),
            Num::Float(f) => Num::Float(f * 100.0),
        }
    } else {
        n
    };
    let max_frac = frac_pat.chars().filter(|&c| is_ph(c)).count();
    let min_frac = frac_pat.chars().filter(|&c| c == '0').count();
    let min_int = int_pat.chars().filter(|&c| c == '0').count();
    let (neg, int, frac) = digits(n, max_frac)?;
    let mut frac = frac;
    while frac.len() > min_frac && frac.ends_with('0') {
        frac.pop();
    }
    let int = int.trim_start_matches('0');
    let int = format!("{int:0>min_int$}");
    let int = if int_pat.contains(',') {
        group(&int)
    } else {
        int
    };
    let neg = neg && (int.chars().any(|c| c != '0' && c != ',') || frac.chars().any(|c| c != '0'));
    Some(format!("{prefix}{}{suffix}", join(neg, &int, &frac)))
}

fn standard_date(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "M/d/yyyy",
        'D' => "dddd, MMMM d, yyyy",
        't' => "h:mm tt",
        'T' => "h:mm:ss tt",
        'f' => "dddd, MMMM d, yyyy h:mm tt",
        'F' => "dddd, MMMM d, yyyy h:mm:ss tt",
        'g' => "M/d/yyyy h:mm tt",
        'G' => "M/d/yyyy h:mm:ss tt",
        'M' | 'm' => "MMMM d",
        'Y' | 'y' => "MMMM yyyy",
        's' => "yyyy-MM-ddTHH:mm:ss",
        'u' => "yyyy-MM-dd HH:mm:ssZ",
        'O' | 'o' => "yyyy-MM-ddTHH:mm:ss.fffffffzzz",
        _ => return None,
    })
}

/// Formats a date/time; `time_only` reads `hh` as hours of a duration (TimeSpan rules).
fn format_date(st: Stamp, fmt: &str, time_only: bool) -> String {
    let mut chars = fmt.chars();
    let pattern = match (chars.next(), chars.next()) {
        (Some(c), None) => standard_date(c).unwrap_or(fmt),
        _ => fmt,
    };
    let (y, mo, d) = tm::civil_from_days(st.days);
    let secs = st.ticks / TICKS_PER_SECOND;
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let p: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        let run = p[i..].iter().take_while(|&&x| x == c).count();
        match c {
            '\'' | '"' => {
                let end = p[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .map_or(p.len(), |e| i + 1 + e);
                out.extend(&p[i + 1..end]);
                i = end + 1;
                continue;
            }
            '\\' => {
                if let Some(&next) = p.get(i + 1) {
                    out.push(next);
                }
                i += 2;
                continue;
            }
            'y' => out.push_str(&match run {
                1 => (y % 100).to_string(),
                2 => format!("{:02}", y % 100),
                n => format!("{y:0n$}"),
            }),
            'M' => out.push_str(&match run {
                1 => mo.to_string(),
                2 => format!("{mo:02}"),
                3 => MONTH_NAMES[mo as usize - 1][..3].to_string(),
                _ => MONTH_NAMES[mo as usize - 1].to_string(),
            }),
            'd' => out.push_str(&match run {
                1 => d.to_string(),
                2 => format!("{d:02}"),
                3 => DAY_NAMES[tm::weekday(st.days) as usize][..3].to_string(),
                _ => DAY_NAMES[tm::weekday(st.days) as usize].to_string(),
            }),
            'H' => out.push_str(&pad(h, run)),
            'h' if time_only => out.push_str(&pad(h, run)),
            'h' => out.push_str(&pad(if h % 12 == 0 { 12 } else { h % 12 }, run)),
            'm' => out.push_str(&pad(mi, run)),
            's' => out.push_str(&pad(s, run)),
            'f' | 'F' => {
                let digits = run.min(7);
                let frac = st.ticks % TICKS_PER_SECOND / 10u64.pow(7 - digits as u32);
                let text = format!("{frac:0digits$}");
                out.push_str(if c == 'F' {
                    text.trim_end_matches('0')
                } else {
                    &text
                });
            }
            't' => {
                let ampm = if h < 12 { "AM" } else { "PM" };
                out.push_str(if run == 1 { &ampm[..1] } else { ampm });
            }
            'z' => {
                let off = st.offset.unwrap_or(0);
                let sign = if off < 0 { '-' } else { '+' };
                let (oh, om) = (off.unsigned_abs() / 60, off.unsigned_abs() % 60);
                out.push_str(&match run {
                    1 => format!("{sign}{oh}"),
                    2 => format!("{sign}{oh:02}"),
                    _ => format!("{sign}{oh:02}:{om:02}"),
                });
            }
            _ => out.extend(std::iter::repeat_n(c, run)),
        }
        i += run;
    }
    out
}

fn pad(v: u64, run: usize) -> String {
    if run >= 2 {
        format!("{v:02}")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: ValueRef<'_>, fmt: &str) -> Option<String> {
        format_value(v, fmt).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(
            f(ValueRef::Real(1234.567), "N2").as_deref(),
            Some("1,234.57")
        );
        assert_eq!(
            f(ValueRef::Text(b"-1234.565"), "N2").as_deref(),
            Some("-1,234.57")
        );
        assert_eq!(f(ValueRef::Integer(5), "D3").as_deref(), Some("005"));
        assert_eq!(f(ValueRef::Integer(255), "X4").as_deref(), Some("00FF"));
        assert_eq!(f(ValueRef::Real(1234.5), "C").as_deref(), Some("$1,234.50"));
        assert_eq!(f(ValueRef::Real(0.1234), "P1").as_deref(), Some("12.3%"));
        assert_eq!(f(ValueRef::Real(1234.5), "F0").as_deref(), Some("1235"));
        assert_eq!(
            f(ValueRef::Real(1234.5), "#,##0.00").as_deref(),
            Some("1,234.50")
        );
        assert_eq!(f(ValueRef::Integer(7), "0000").as_deref(), Some("0007"));
        assert_eq!(f(ValueRef::Real(3.1), "#.##").as_deref(), Some("3.1"));
        assert_eq!(
            f(ValueRef::Real(12345.0), "E2").as_deref(),
            Some("1.23E+004")
        );
        assert_eq!(f(ValueRef::Real(1.5), "D2"), None);
    }

    #[test]
    fn dates() {
        let dt = ValueRef::Text(b"2024-03-05 14:07:09.1234567");
        assert_eq!(f(dt, "yyyy-MM-dd").as_deref(), Some("2024-03-05"));
        assert_eq!(
            f(dt, "dd/MM/yyyy HH:mm:ss").as_deref(),
            Some("05/03/2024 14:07:09")
        );
        assert_eq!(f(dt, "d").as_deref(), Some("3/5/2024"));
        assert_eq!(f(dt, "D").as_deref(), Some("Tuesday, March 5, 2024"));
        assert_eq!(f(dt, "hh:mm tt").as_deref(), Some("02:07 PM"));
        assert_eq!(
            f(dt, "MMM d, yyyy 'at' h:mm").as_deref(),
            Some("Mar 5, 2024 at 2:07")
        );
        assert_eq!(f(dt, "HH:mm:ss.fff").as_deref(), Some("14:07:09.123"));
        let t = ValueRef::Text(b"14:07:09.0000000");
        assert_eq!(f(t, "hh\\:mm").as_deref(), Some("14:07"));
        let dto = ValueRef::Text(b"2024-03-05 14:07:09.0000000 -05:30");
        assert_eq!(
            f(dto, "yyyy-MM-ddTHH:mmzzz").as_deref(),
            Some("2024-03-05T14:07-05:30")
        );
    }
}
