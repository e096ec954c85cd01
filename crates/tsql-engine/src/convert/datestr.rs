//! Reads the date and time strings SQL Server accepts (us_english, DATEFORMAT mdy):
//! ISO 8601 (`2024-01-02`, `20240102`, `2024-01-02T03:04:05.1234567`, with `Z` or `+01:00`),
//! numeric forms (`1/2/2024`, `01-02-24`, `2024/01/02`), alphabetic forms (`Jan 2 2024`,
//! `January 2, 2024`, `2 Jan 2024`), times alone (`10:30`, `10:30:15.5 PM`, `10 AM`), and
//! the empty string (1900-01-01). CONVERT's style picks day-first or month-first order.

use crate::values::temporal::{checked_days, DAYS_TO_1900, TICKS_PER_SECOND};

/// A parsed date/time string (local date and time; the offset when one was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub days: i64,
    pub ticks: u64,
    pub offset: Option<i16>,
    pub has_date: bool,
    pub has_time: bool,
}

/// Order of day, month and year in numeric dates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Mdy,
    Dmy,
    Ymd,
}

fn order_for_style(style: i32) -> Order {
    match style {
        3 | 4 | 5 | 6 | 7 | 13 | 103 | 104 | 105 | 106 | 107 | 113 | 130 | 131 => Order::Dmy,
        2 | 11 | 12 | 102 | 111 | 112 => Order::Ymd,
        _ => Order::Mdy,
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A cursor over the ASCII bytes of the string.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn spaces(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i - start
    }
    /// A run of digits: (value, digit count).
    fn number(&mut self) -> Option<(u64, usize)> {
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            if self.i - start >= 18 {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
            self.i += 1;
        }
        (self.i > start).then_some((v, self.i - start))
    }
    fn word(&mut self) -> &[u8] {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        &self.b[start..self.i]
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
}

fn month_of(word: &[u8]) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    let w = word.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| m.as_bytes() == w.as_slice() || m.as_bytes()[..3] == w[..])
        .map(|i| i as u32 + 1)
}

/// A year as written: two digits are 1950..2049 (SQL Server's two-digit year cutoff).
fn year_of((v, len): (u64, usize)) -> Option<i64> {
    match len {
        1 | 2 => Some(if v < 50 {
            2000 + v as i64
        } else {
            1900 + v as i64
        }),
        4 => Some(v as i64),
        _ => None,
    }
}

/// Parses a date/time string; `style` is CONVERT's (0 for CAST and implicit conversion).
pub fn parse(s: &str, style: i32) -> Option<Parsed> {
    let t = s.trim();
    if !t.is_ascii() {
        return None;
    }
    let mut c = Cur {
        b: t.as_bytes(),
        i: 0,
    };
    let mut out = Parsed {
        days: DAYS_TO_1900,
        ticks: 0,
        offset: None,
        has_date: false,
        has_time: false,
    };
    if c.done() {
        return Some(out);
    }
    let iso = parse_date(&mut c, order_for_style(style), &mut out)?;
    // Separator between date and time: `T` after an ISO date, else blanks.
    if out.has_date && !c.done() {
        let spaced = c.spaces() > 0;
        if !spaced && !(iso && (c.eat(b'T') || c.eat(b't'))) && !c.done() {
            return None;
        }
    }
    if c.peek().is_some_and(|ch| ch.is_ascii_digit()) {
        out.ticks = parse_time(&mut c)?;
        out.has_time = true;
    }
    c.spaces();
    if !c.done() {
        out.offset = Some(parse_offset(&mut c)?);
    }
    c.spaces();
    c.done().then_some(out)
}

/// The date part, if there is one (a time alone leaves the cursor where it was).
/// Returns whether the date was ISO-shaped (may be followed by `T`).
fn parse_date(c: &mut Cur<'_>, order: Order, out: &mut Parsed) -> Option<bool> {
    let start = c.i;
    if c.peek().is_some_and(|ch| ch.is_ascii_alphabetic()) {
        // Mon [d]d[,] yyyy
        let month = month_of(c.word())?;
        c.spaces();
        let day = c.number()?;
        c.eat(b',');
        c.spaces();
        let year = year_of(c.number()?)?;
        set_date(out, year, month, day.0)?;
        return Some(false);
    }
    let n1 = c.number()?;
    match c.peek() {
        Some(b':') => {
            c.i = start;
            return Some(false);
        }
        Some(b'.') if n1.1 <= 2 && !c.b[c.i + 1..].contains(&b'.') => {
            // `10.5` is not a date; a time like `10.5` is not either.
            return None;
        }
        _ => {}
    }
    // yyyymmdd, yymmdd
    if matches!(c.peek(), None | Some(b' ' | b'T' | b't')) && (n1.1 == 8 || n1.1 == 6) {
        let v = n1.0;
        let (year, month, day) = if n1.1 == 8 {
            ((v / 10_000) as i64, (v / 100 % 100) as u32, v % 100)
        } else {
            (year_of((v / 10_000, 2))?, (v / 100 % 100) as u32, v % 100)
        };
        set_date(out, year, month, day)?;
        return Some(n1.1 == 8);
    }
    // d Mon yyyy
    if c.peek() == Some(b' ') || c.peek().is_some_and(|ch| ch.is_ascii_alphabetic()) {
        let save = c.i;
        c.spaces();
        let month = month_of(c.word());
        if let Some(month) = month {
            c.spaces();
            c.eat(b',');
            c.spaces();
            let year = year_of(c.number()?)?;
            set_date(out, year, month, n1.0)?;
            return Some(false);
        }
        // `10 AM`: a time alone.
        let _ = save;
        c.i = start;
        return Some(false);
    }
    let sep = c.peek()?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    c.i += 1;
    if c.peek().is_some_and(|ch| ch.is_ascii_alphabetic()) {
        // dd-Mon-yyyy
        let month = month_of(c.word())?;
        if !c.eat(sep) {
            return None;
        }
        let year = year_of(c.number()?)?;
        set_date(out, year, month, n1.0)?;
        return Some(false);
    }
    let n2 = c.number()?;
    if !c.eat(sep) {
        return None;
    }
    let n3 = c.number()?;
    if n1.1 == 4 {
        set_date(out, n1.0 as i64, small(n2.0), n3.0)?;
        return Some(sep == b'-');
    }
    if n1.1 > 2 || n2.1 > 2 {
        return None;
    }
    let (year, month, day) = match order {
        Order::Mdy => (year_of(n3)?, small(n1.0), n2.0),
        Order::Dmy => (year_of(n3)?, small(n2.0), n1.0),
        Order::Ymd => (year_of(n1)?, small(n2.0), n3.0),
    };
    set_date(out, year, month, day)?;
    Some(false)
}

/// A parsed number as a month or day; too large ones stay invalid.
fn small(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn set_date(out: &mut Parsed, year: i64, month: u32, day: u64) -> Option<()> {
    out.days = checked_days(year, month, u32::try_from(day).ok()?)?;
    out.has_date = true;
    Some(())
}

/// `h[:mm[:ss[.fffffff | :mmm]]] [AM|PM]` → ticks.
fn parse_time(c: &mut Cur<'_>) -> Option<u64> {
    let (h, _) = c.number()?;
    let (mut m, mut s, mut frac) = (0, 0, 0u64);
    if c.eat(b':') {
        m = c.number()?.0;
        if c.eat(b':') {
            s = c.number()?.0;
            if c.eat(b'.') {
                let start = c.i;
                if let Some((v, len)) = c.number() {
                    if len > 7 {
                        return None;
                    }
                    frac = v * 10u64.pow(7 - len as u32);
                } else {
                    c.i = start;
                }
            } else if c.eat(b':') {
                // A colon before the fraction means thousandths of a second.
                let (v, len) = c.number()?;
                if len > 3 {
                    return None;
                }
                frac = v * 10_000;
            }
        }
    }
    let save = c.i;
    c.spaces();
    let word = c.word().to_ascii_lowercase();
    let mut h = h;
    match word.as_slice() {
        b"am" | b"pm" => {
            if h > 12 {
                return None;
            }
            if h == 12 {
                h = 0;
            }
            if word == b"pm" {
                h += 12;
            }
        }
        _ => c.i = save,
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some((h * 3600 + m * 60 + s) * TICKS_PER_SECOND + frac)
}

/// `Z` or `+hh:mm` / `-hh:mm` (also `+hhmm`) → minutes east of UTC.
fn parse_offset(c: &mut Cur<'_>) -> Option<i16> {
    if c.eat(b'Z') || c.eat(b'z') {
        return Some(0);
    }
    let neg = match c.peek()? {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    c.i += 1;
    let (h, len) = c.number()?;
    let (h, m) = if len == 4 {
        (h / 100, h % 100)
    } else {
        if !c.eat(b':') {
            return None;
        }
        (h, c.number()?.0)
    };
    let mag = (h * 60 + m) as i16;
    if h > 14 || m > 59 || mag > 840 {
        return None;
    }
    Some(if neg { -mag } else { mag })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::temporal::days_from_civil;

    fn d(y: i64, m: u32, dd: u32) -> i64 {
        days_from_civil(y, m, dd)
    }
    const H: u64 = 3600 * TICKS_PER_SECOND;

    #[test]
    fn iso_forms() {
        let p = parse("2024-01-02", 0).unwrap();
        assert_eq!((p.days, p.ticks, p.has_time), (d(2024, 1, 2), 0, false));
        assert_eq!(parse("20240102", 0).unwrap().days, d(2024, 1, 2));
        let p = parse("2024-01-02T03:04:05.1234567", 0).unwrap();
        assert_eq!(
            p.ticks,
            3 * H + 4 * 60 * TICKS_PER_SECOND + 5 * TICKS_PER_SECOND + 1_234_567
        );
        let p = parse("2024-01-02 03:04:05 +01:00", 0).unwrap();
        assert_eq!(p.offset, Some(60));
        assert_eq!(parse("2024-01-02T03:04:05Z", 0).unwrap().offset, Some(0));
        assert_eq!(
            parse("2024-01-02T03:04:05-05:30", 0).unwrap().offset,
            Some(-330)
        );
        assert_eq!(parse("20240102 10:00", 0).unwrap().ticks, 10 * H);
    }

    #[test]
    fn numeric_and_alpha_forms() {
        assert_eq!(parse("1/2/2024", 0).unwrap().days, d(2024, 1, 2));
        assert_eq!(parse("1/2/2024", 103).unwrap().days, d(2024, 2, 1));
        assert_eq!(parse("01.02.24", 104).unwrap().days, d(2024, 2, 1));
        assert_eq!(parse("12/31/49", 1).unwrap().days, d(2049, 12, 31));
        assert_eq!(parse("12/31/50", 1).unwrap().days, d(1950, 12, 31));
        assert_eq!(parse("2024/01/02", 0).unwrap().days, d(2024, 1, 2));
        assert_eq!(parse("Jan  2 2024 10:00PM", 0).unwrap().ticks, 22 * H);
        assert_eq!(parse("January 2, 2024", 0).unwrap().days, d(2024, 1, 2));
        assert_eq!(parse("2 Jan 2024", 0).unwrap().days, d(2024, 1, 2));
        assert_eq!(parse("02-Jan-2024", 0).unwrap().days, d(2024, 1, 2));
    }

    #[test]
    fn times_alone_and_rejects() {
        let p = parse("10:30", 0).unwrap();
        assert_eq!(
            (p.days, p.ticks, p.has_date),
            (DAYS_TO_1900, 10 * H + 30 * 60 * TICKS_PER_SECOND, false)
        );
        assert_eq!(parse("12:00:00 AM", 0).unwrap().ticks, 0);
        assert_eq!(parse("10 PM", 0).unwrap().ticks, 22 * H);
        assert_eq!(parse("10:00:00:5", 0).unwrap().ticks, 10 * H + 50_000);
        assert_eq!(parse("", 0).unwrap().days, DAYS_TO_1900);
        for bad in [
            "abc",
            "2024-13-01",
            "2024-02-30",
            "2024-01-01 25:00",
            "10.5",
            "2024-01-01x",
            "2024-01-02T03:04:05.12345678",
            "2024-01-02 +15:00",
            "0000-01-01",
        ] {
            assert_eq!(parse(bad, 0), None, "{bad}");
        }
    }
}
