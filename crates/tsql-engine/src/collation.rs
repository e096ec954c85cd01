//! The SQLite collations that give TEXT columns SQL Server's comparison rules.
//!
//! - `MSSQL_CI_AS`: SQL_Latin1_General_CP1_CI_AS — case-insensitive (simple case folding),
//!   accent-sensitive, trailing spaces ignored.
//! - `MSSQL_DECIMAL`: numbers compare by value (`'-10' < '-9.5' < '2' < '10'`, `'5' = '5.00'`).
//! - `MSSQL_DATETIME`: dates and times compare by instant, whatever string form each side
//!   has (`WHERE d > '2024-01-01T10:00'`).
//! - `MSSQL_DATETIMEOFFSET`: by UTC instant (`10:00 +01:00` = `09:00 +00:00`).
//! - `MSSQL_GUID`: SQL Server's uniqueidentifier order (last six bytes most significant).
//!
//! Each is a total order consistent with its equality: text that does not parse sorts after
//! everything that does, by its bytes. Canonical values of the same shape compare as bytes
//! without parsing.

use std::cmp::Ordering;

use crate::convert::datestr;
use crate::values::temporal::{self, Stamp};
use crate::values::text::parse_guid;

/// Registers the collations on a connection.
pub fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.create_collation("MSSQL_CI_AS", ci_as)?;
    conn.create_collation("MSSQL_DECIMAL", decimal_cmp)?;
    conn.create_collation("MSSQL_DATETIME", datetime_cmp)?;
    conn.create_collation("MSSQL_DATETIMEOFFSET", datetimeoffset_cmp)?;
    conn.create_collation("MSSQL_GUID", guid_cmp)?;
    Ok(())
}

/// One character case-folded (simple folding: one character to one character).
#[inline]
pub fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Runs of Latin-1 and Latin Extended-A letters (lower case, after folding) and the base
/// letter each run sorts with: (first code point, base letter).
const BASE_RUNS: &[(u32, char)] = &[
    (0xDF, 's'),
    (0xE0, 'a'),
    (0xE7, 'c'),
    (0xE8, 'e'),
    (0xEC, 'i'),
    (0xF0, 'd'),
    (0xF1, 'n'),
    (0xF2, 'o'),
    (0xF7, '\u{F7}'),
    (0xF8, 'o'),
    (0xF9, 'u'),
    (0xFD, 'y'),
    (0xFE, '\u{FE}'),
    (0xFF, 'y'),
    (0x100, 'a'),
    (0x106, 'c'),
    (0x10E, 'd'),
    (0x112, 'e'),
    (0x11C, 'g'),
    (0x124, 'h'),
    (0x128, 'i'),
    (0x134, 'j'),
    (0x136, 'k'),
    (0x139, 'l'),
    (0x143, 'n'),
    (0x14C, 'o'),
    (0x154, 'r'),
    (0x15A, 's'),
    (0x162, 't'),
    (0x168, 'u'),
    (0x174, 'w'),
    (0x176, 'y'),
    (0x179, 'z'),
    (0x17F, 's'),
    (0x180, '\0'),
];

/// The letter an accented Latin letter sorts with (`é` with `e`), so that accents only
/// break ties, as in SQL Server's accent-sensitive collations.
pub fn base_letter(c: char) -> char {
    let cp = c as u32;
    if !(0xDF..0x180).contains(&cp) {
        return c;
    }
    match BASE_RUNS.iter().rev().find(|(start, _)| *start <= cp) {
        Some((_, '\0')) | None => c,
        Some((_, base)) if base.is_ascii_alphabetic() => *base,
        Some(_) => c,
    }
}

/// Compares two character sequences, then their lengths.
fn cmp_chars(x: impl Iterator<Item = char>, y: impl Iterator<Item = char>) -> Ordering {
    let (mut x, mut y) = (x, y);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => match p.cmp(&q) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// Case-insensitive, accent-sensitive, trailing spaces ignored. Accented letters sort
/// next to their base letter (`e` < `é` < `f`); the accent decides only between words
/// that are otherwise equal.
pub fn ci_as(a: &str, b: &str) -> Ordering {
    let a = a.trim_end_matches(' ');
    let b = b.trim_end_matches(' ');
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y) {
            match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        return x.len().cmp(&y.len());
    }
    let primary = cmp_chars(
        a.chars().map(|c| base_letter(fold(c))),
        b.chars().map(|c| base_letter(fold(c))),
    );
    primary.then_with(|| cmp_chars(a.chars().map(fold), b.chars().map(fold)))
}

/// True if `a` and `b` are equal under `MSSQL_CI_AS`.
pub fn ci_eq(a: &str, b: &str) -> bool {
    ci_as(a, b) == Ordering::Equal
}

/// A number's comparable parts: sign, integer digits without leading zeros, fraction
/// digits without trailing zeros.
struct Num<'a> {
    neg: bool,
    int: &'a [u8],
    frac: &'a [u8],
}

fn split_number(s: &[u8]) -> Option<Num<'_>> {
    let (neg, body) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = match body.iter().position(|&c| c == b'.') {
        Some(p) => (&body[..p], &body[p + 1..]),
        None => (body, &body[..0]),
    };
    if int.is_empty() && frac.is_empty() || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let int = &int[int.iter().position(|&c| c != b'0').unwrap_or(int.len())..];
    let frac = &frac[..frac.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1)];
    let neg = neg && !(int.is_empty() && frac.is_empty());
    Some(Num { neg, int, frac })
}

fn cmp_magnitude(a: &Num<'_>, b: &Num<'_>) -> Ordering {
    a.int
        .len()
        .cmp(&b.int.len())
        .then_with(|| a.int.cmp(b.int))
        .then_with(|| a.frac.cmp(b.frac))
}

fn cmp_numbers(a: &Num<'_>, b: &Num<'_>) -> Ordering {
    match (a.neg, b.neg) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, false) => cmp_magnitude(a, b),
        (true, true) => cmp_magnitude(b, a),
    }
}

/// Plain digits of a float written with an exponent (SQLite's text of a large REAL).
fn exponent_to_plain(s: &str) -> Option<String> {
    let t = s.trim();
    if !t.bytes().any(|c| c == b'e' || c == b'E') {
        return None;
    }
    let f: f64 = t.parse().ok()?;
    f.is_finite().then(|| format!("{f}"))
}

/// Decimals by value.
pub fn decimal_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    // Fast path: canonical values of one column share their shape.
    if x.len() == y.len() && !x.is_empty() {
        let same_shape = x.iter().zip(y).all(|(p, q)| (*p == b'.') == (*q == b'.'));
        if same_shape && x[0].is_ascii_digit() && y[0].is_ascii_digit() {
            let lead_ok = |v: &[u8]| v[0] != b'0' || v.len() == 1 || v[1] == b'.';
            if lead_ok(x) && lead_ok(y) {
                return x.cmp(y);
            }
        }
    }
    let (ta, tb) = (a.trim(), b.trim());
    let pa_owned = exponent_to_plain(ta);
    let pb_owned = exponent_to_plain(tb);
    let pa = split_number(pa_owned.as_deref().unwrap_or(ta).as_bytes());
    let pb = split_number(pb_owned.as_deref().unwrap_or(tb).as_bytes());
    match (pa, pb) {
        (Some(p), Some(q)) => cmp_numbers(&p, &q),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => x.cmp(y),
    }
}

/// A date/time string as a stamp: canonical forms without allocation, else SQL Server's
/// string forms.
fn stamp_of(s: &str) -> Option<Stamp> {
    temporal::parse_canonical_any(s.as_bytes()).or_else(|| {
        datestr::parse(s, 0).map(|p| Stamp {
            days: p.days,
            ticks: p.ticks,
            offset: p.offset,
        })
    })
}

/// True if both are canonical text of the same shape, which then orders as bytes.
fn same_canonical_shape(x: &[u8], y: &[u8]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let seps: &[(usize, u8)] = match x.len() {
        10 => &[(4, b'-'), (7, b'-')],
        16 => &[(2, b':'), (5, b':'), (8, b'.')],
        27 => &[(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (19, b'.')],
        _ => return false,
    };
    seps.iter().all(|&(i, c)| x[i] == c && y[i] == c)
}

/// Local dates and times by instant (offsets ignored).
pub fn datetime_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if same_canonical_shape(x, y) {
        return x.cmp(y);
    }
    let key = |s: &str| stamp_of(s).map(|st| (st.days, st.ticks));
    match (key(a), key(b)) {
        (Some(p), Some(q)) => p.cmp(&q),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => x.cmp(y),
    }
}

/// datetimeoffset values by UTC instant.
pub fn datetimeoffset_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() == 34
        && y.len() == 34
        && x[27..] == y[27..]
        && same_canonical_shape(&x[..27], &y[..27])
    {
        return x[..27].cmp(&y[..27]);
    }
    let key = |s: &str| stamp_of(s).map(|st| st.utc_ticks());
    match (key(a), key(b)) {
        (Some(p), Some(q)) => p.cmp(&q),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => x.cmp(y),
    }
}

/// Significance of a GUID's bytes (text order) in SQL Server's comparison: the stored
/// (mixed-endian) bytes 10-15, 8-9, 6-7, 4-5, 0-3, as System.Data.SqlTypes.SqlGuid compares.
pub const GUID_ORDER: [usize; 16] = [10, 11, 12, 13, 14, 15, 8, 9, 7, 6, 5, 4, 3, 2, 1, 0];

/// The bytes of a GUID rearranged so that byte order is SQL Server's order.
pub fn guid_sort_key(g: &[u8; 16]) -> [u8; 16] {
    let mut k = [0u8; 16];
    for (i, &src) in GUID_ORDER.iter().enumerate() {
        k[i] = g[src];
    }
    k
}

/// uniqueidentifier values in SQL Server's order.
pub fn guid_cmp(a: &str, b: &str) -> Ordering {
    let key = |s: &str| parse_guid(s.trim()).map(|g| guid_sort_key(&g));
    match (key(a), key(b)) {
        (Some(p), Some(q)) => p.cmp(&q),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.as_bytes().cmp(b.as_bytes()),
    }
}

#[cfg(test)]
mod tests;
