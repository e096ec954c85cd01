//! T-SQL's string built-ins. Searches (CHARINDEX, REPLACE) are case-insensitive, as under
//! the server's default collation SQL_Latin1_General_CP1_CI_AS.

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::SqlError;

use super::args::{self, text};
use super::{deterministic, raise};
use crate::collation::fold;
use crate::values::text::{cp1252_byte, cp1252_char};

/// Longest string the functions build (SQL Server's limit for max types is 2 GB; this
/// keeps a runaway REPLICATE from exhausting memory).
const MAX_RESULT: usize = 256 << 20;

type Scalar = fn(&Context<'_>) -> Result<SqliteValue, SqlError>;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let fns: &[(&str, i32, Scalar)] = &[
        ("LEN", 1, len),
        ("CHAR", 1, char_fn),
        ("NCHAR", 1, nchar),
        ("UNICODE", 1, unicode),
        ("ASCII", 1, ascii),
        ("UPPER", 1, upper),
        ("LOWER", 1, lower),
        ("SUBSTRING", 3, substring),
        ("LEFT", 2, left),
        ("__mssql_left", 2, left),
        ("RIGHT", 2, right),
        ("__mssql_right", 2, right),
        ("LTRIM", 1, ltrim),
        ("LTRIM", 2, ltrim),
        ("RTRIM", 1, rtrim),
        ("RTRIM", 2, rtrim),
        ("TRIM", 1, trim),
        ("TRIM", 2, trim),
        ("REPLACE", 3, replace),
        ("REPLICATE", 2, replicate),
        ("CHARINDEX", 2, charindex),
        ("CHARINDEX", 3, charindex),
        ("STUFF", 4, stuff),
        ("REVERSE", 1, reverse),
        ("SPACE", 1, space),
        ("CONCAT", -1, concat),
        ("CONCAT_WS", -1, concat_ws),
        ("QUOTENAME", 1, quotename),
        ("QUOTENAME", 2, quotename),
        ("TRANSLATE", 3, translate),
        ("STR", 1, str_fn),
        ("STR", 2, str_fn),
        ("STR", 3, str_fn),
        ("ISNULL", 2, isnull),
        ("__mssql_isnull", 2, isnull),
    ];
    for &(name, n, f) in fns {
        conn.create_scalar_function(name, n, deterministic(), move |ctx| f(ctx).map_err(raise))?;
    }
    Ok(())
}

fn null() -> Result<SqliteValue, SqlError> {
    Ok(SqliteValue::Null)
}

fn out(s: String) -> Result<SqliteValue, SqlError> {
    Ok(SqliteValue::Text(s))
}

/// LEN: characters, not counting trailing spaces.
fn len(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match ctx.get_raw(0) {
        ValueRef::Blob(b) => Ok(SqliteValue::Integer(b.len() as i64)),
        v => match text(v) {
            None => null(),
            Some(s) => Ok(SqliteValue::Integer(
                s.trim_end_matches(' ').chars().count() as i64,
            )),
        },
    }
}

fn char_fn(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match args::int(ctx.get_raw(0))? {
        Some(n @ 0..=255) => out(cp1252_char(n as u8).to_string()),
        _ => null(),
    }
}

fn nchar(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match args::int(ctx.get_raw(0))?
        .and_then(|n| u32::try_from(n).ok())
        .and_then(char::from_u32)
    {
        Some(c) => out(c.to_string()),
        None => null(),
    }
}

fn unicode(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match text(ctx.get_raw(0)).and_then(|s| s.chars().next()) {
        Some(c) => Ok(SqliteValue::Integer(i64::from(u32::from(c)))),
        None => null(),
    }
}

fn ascii(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match text(ctx.get_raw(0)).and_then(|s| s.chars().next()) {
        Some(c) => Ok(SqliteValue::Integer(i64::from(
            cp1252_byte(c).unwrap_or(b'?'),
        ))),
        None => null(),
    }
}

/// Simple (one-to-one) case mapping, as SQL Server's UPPER/LOWER keep the length.
fn map_case(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mut m: Box<dyn Iterator<Item = char>> = if upper {
                Box::new(c.to_uppercase())
            } else {
                Box::new(c.to_lowercase())
            };
            match (m.next(), m.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect()
}

fn upper(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match text(ctx.get_raw(0)) {
        Some(s) if s.is_ascii() => out(s.to_ascii_uppercase()),
        Some(s) => out(map_case(&s, true)),
        None => null(),
    }
}

fn lower(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match text(ctx.get_raw(0)) {
        Some(s) if s.is_ascii() => out(s.to_ascii_lowercase()),
        Some(s) => out(map_case(&s, false)),
        None => null(),
    }
}

/// Characters [from, to) of 1-based positions, clipped to the string.
fn slice_chars(s: &str, from: i64, to: i64) -> String {
    let from = from.max(1);
    if to <= from {
        return String::new();
    }
    s.chars()
        .skip((from - 1) as usize)
        .take((to - from) as usize)
        .collect()
}

fn bad_length(function: &str, number: i32) -> SqlError {
    SqlError::new(
        number,
        16,
        format!("Invalid length parameter passed to the {function} function."),
    )
}

fn substring(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(start), Some(n)) = (args::int(ctx.get_raw(1))?, args::int(ctx.get_raw(2))?) else {
        return null();
    };
    if n < 0 {
        return Err(bad_length("substring", 537));
    }
    let end = start.saturating_add(n);
    match ctx.get_raw(0) {
        ValueRef::Blob(b) => {
            let from = (start.max(1) - 1) as usize;
            let to = (end.max(1) - 1).max(0) as usize;
            let to = to.min(b.len());
            Ok(SqliteValue::Blob(if from < to {
                b[from..to].to_vec()
            } else {
                Vec::new()
            }))
        }
        v => match text(v) {
            Some(s) => out(slice_chars(&s, start, end)),
            None => null(),
        },
    }
}

fn left(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(n) = args::int(ctx.get_raw(1))? else {
        return null();
    };
    if n < 0 {
        return Err(bad_length("left", 536));
    }
    match ctx.get_raw(0) {
        ValueRef::Blob(b) => Ok(SqliteValue::Blob(b[..b.len().min(n as usize)].to_vec())),
        v => match text(v) {
            Some(s) => out(s.chars().take(n as usize).collect()),
            None => null(),
        },
    }
}

fn right(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(n) = args::int(ctx.get_raw(1))? else {
        return null();
    };
    if n < 0 {
        return Err(bad_length("right", 536));
    }
    match ctx.get_raw(0) {
        ValueRef::Blob(b) => Ok(SqliteValue::Blob(
            b[b.len().saturating_sub(n as usize)..].to_vec(),
        )),
        v => match text(v) {
            Some(s) => {
                let count = s.chars().count();
                out(s.chars().skip(count.saturating_sub(n as usize)).collect())
            }
            None => null(),
        },
    }
}

/// The characters to trim: the optional second argument, else a space.
fn trim_set(ctx: &Context<'_>) -> Option<Vec<char>> {
    if ctx.len() > 1 {
        text(ctx.get_raw(1)).map(|s| s.chars().collect())
    } else {
        Some(vec![' '])
    }
}

fn ltrim(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match (text(ctx.get_raw(0)), trim_set(ctx)) {
        (Some(s), Some(set)) => out(s.trim_start_matches(|c| set.contains(&c)).to_string()),
        _ => null(),
    }
}

fn rtrim(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match (text(ctx.get_raw(0)), trim_set(ctx)) {
        (Some(s), Some(set)) => out(s.trim_end_matches(|c| set.contains(&c)).to_string()),
        _ => null(),
    }
}

fn trim(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match (text(ctx.get_raw(0)), trim_set(ctx)) {
        (Some(s), Some(set)) => out(s.trim_matches(|c| set.contains(&c)).to_string()),
        _ => null(),
    }
}

/// Case-insensitive search of `needle` in `hay` from char index `from`: the char index.
fn find_ci(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| {
        hay[i..i + needle.len()]
            .iter()
            .zip(needle)
            .all(|(a, b)| fold(*a) == fold(*b))
    })
}

fn replace(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(s), Some(find), Some(repl)) = (
        text(ctx.get_raw(0)),
        text(ctx.get_raw(1)),
        text(ctx.get_raw(2)),
    ) else {
        return null();
    };
    if find.is_empty() {
        return out(s.into_owned());
    }
    let hay: Vec<char> = s.chars().collect();
    let needle: Vec<char> = find.chars().collect();
    let mut result = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(at) = find_ci(&hay, &needle, i) {
        result.extend(&hay[i..at]);
        result.push_str(&repl);
        i = at + needle.len();
        if result.len() > MAX_RESULT {
            return Err(too_long());
        }
    }
    result.extend(&hay[i..]);
    out(result)
}

fn too_long() -> SqlError {
    SqlError::new(
        1101,
        17,
        "The result of a string function exceeds the size the server allows.",
    )
}

fn replicate(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(s), Some(n)) = (text(ctx.get_raw(0)), args::int(ctx.get_raw(1))?) else {
        return null();
    };
    if n < 0 {
        return null();
    }
    if s.len().saturating_mul(n as usize) > MAX_RESULT {
        return Err(too_long());
    }
    out(s.repeat(n as usize))
}

fn charindex(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(find), Some(s)) = (text(ctx.get_raw(0)), text(ctx.get_raw(1))) else {
        return null();
    };
    let start = if ctx.len() > 2 {
        match args::int(ctx.get_raw(2))? {
            Some(n) => n,
            None => return null(),
        }
    } else {
        1
    };
    let hay: Vec<char> = s.chars().collect();
    let needle: Vec<char> = find.chars().collect();
    let from = (start.max(1) - 1) as usize;
    let pos = if from > hay.len() {
        None
    } else {
        find_ci(&hay, &needle, from)
    };
    Ok(SqliteValue::Integer(pos.map_or(0, |p| p as i64 + 1)))
}

fn stuff(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(s), Some(start), Some(n)) = (
        text(ctx.get_raw(0)),
        args::int(ctx.get_raw(1))?,
        args::int(ctx.get_raw(2))?,
    ) else {
        return null();
    };
    let repl = text(ctx.get_raw(3)).unwrap_or_default();
    let chars: Vec<char> = s.chars().collect();
    if start < 1 || start as usize > chars.len() || n < 0 {
        return null();
    }
    let from = start as usize - 1;
    let to = from.saturating_add(n as usize).min(chars.len());
    let mut result: String = chars[..from].iter().collect();
    result.push_str(&repl);
    result.extend(&chars[to..]);
    out(result)
}

fn reverse(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match text(ctx.get_raw(0)) {
        Some(s) => out(s.chars().rev().collect()),
        None => null(),
    }
}

fn space(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    match args::int(ctx.get_raw(0))? {
        Some(n) if n >= 0 => {
            if n as usize > MAX_RESULT {
                return Err(too_long());
            }
            out(" ".repeat(n as usize))
        }
        _ => null(),
    }
}

/// CONCAT: NULL counts as the empty string; the result is never NULL.
fn concat(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let mut s = String::new();
    for i in 0..ctx.len() {
        if let Some(t) = text(ctx.get_raw(i)) {
            s.push_str(&t);
        }
    }
    out(s)
}

/// CONCAT_WS: the first argument separates the non-NULL others.
fn concat_ws(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let sep = match ctx.len() {
        0 => return out(String::new()),
        _ => text(ctx.get_raw(0)).unwrap_or_default().into_owned(),
    };
    let parts: Vec<String> = (1..ctx.len())
        .filter_map(|i| text(ctx.get_raw(i)).map(|t| t.into_owned()))
        .collect();
    out(parts.join(&sep))
}

fn isnull(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let v = match ctx.get_raw(0) {
        ValueRef::Null => ctx.get_raw(1),
        v => v,
    };
    Ok(args::owned(v))
}

/// QUOTENAME: delimits an identifier, doubling the closing delimiter inside; NULL for
/// input over 128 characters or an unknown delimiter.
fn quotename(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(s) = text(ctx.get_raw(0)) else {
        return null();
    };
    let q = if ctx.len() > 1 {
        match text(ctx.get_raw(1)).and_then(|q| q.chars().next()) {
            Some(q) => q,
            None => return null(),
        }
    } else {
        '['
    };
    let (open, close) = match q {
        '[' | ']' => ('[', ']'),
        '"' => ('"', '"'),
        '\'' => ('\'', '\''),
        '(' | ')' => ('(', ')'),
        '<' | '>' => ('<', '>'),
        '{' | '}' => ('{', '}'),
        '`' => ('`', '`'),
        _ => return null(),
    };
    if s.chars().count() > 128 {
        return null();
    }
    let doubled = s.replace(close, &format!("{close}{close}"));
    out(format!("{open}{doubled}{close}"))
}

/// TRANSLATE: replaces each character of the second argument by the one at the same
/// position in the third.
fn translate(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let (Some(s), Some(from), Some(to)) = (
        text(ctx.get_raw(0)),
        text(ctx.get_raw(1)),
        text(ctx.get_raw(2)),
    ) else {
        return null();
    };
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    if from.len() != to.len() {
        return Err(SqlError::new(
            9828,
            16,
            "The second and third arguments of the TRANSLATE built-in function must contain an equal number of characters.",
        ));
    }
    out(s
        .chars()
        .map(|c| from.iter().position(|&f| f == c).map_or(c, |i| to[i]))
        .collect())
}

/// STR(number [, length [, decimals]]): right-aligned in `length` (10) characters with
/// `decimals` (0, at most 16) places, fewer if they do not fit; `*`s when the integer part
/// does not fit.
fn str_fn(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(x) = args::num(ctx.get_raw(0))? else {
        return null();
    };
    let length = if ctx.len() > 1 {
        args::int(ctx.get_raw(1))?
    } else {
        Some(10)
    };
    let decimals = if ctx.len() > 2 {
        args::int(ctx.get_raw(2))?
    } else {
        Some(0)
    };
    let (Some(length), Some(decimals)) = (length, decimals) else {
        return null();
    };
    if !(1..=8000).contains(&length) || decimals < 0 {
        return null();
    }
    let length = length as usize;
    let f = x.to_f64();
    let mut s = format!("{:.*}", decimals.min(16) as usize, f);
    if s.len() > length {
        let int = format!("{f:.0}");
        if int.len() > length {
            return out("*".repeat(length));
        }
        let room = length.saturating_sub(int.len() + 1);
        s = if room == 0 {
            int
        } else {
            format!("{f:.room$}")
        };
    }
    out(format!("{s:>length$}"))
}
