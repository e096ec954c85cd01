//! The aggregates behind `FOR JSON` and `FOR XML PATH`: the translator (`translate::forclause`)
//! turns a query with one of those clauses into
//! `SELECT __mssql_for_json(options, name, kind, level, value, ...) FROM (query) AS __s`
//! (or `__mssql_for_xml(options, name, value, ...)`), which renders the rows in order as SQL
//! Server does. `kind` is the column's SQL Server type (values are rendered by it: numbers
//! bare, bit as true/false, dates in ISO 8601, binary as base64, strings escaped) or `json`
//! for a value that already is JSON (a nested FOR JSON, JSON_QUERY), inserted as is.
//!
//! FOR JSON options (`|`-separated): `path` or `auto`, `root=NAME`, `nulls`
//! (INCLUDE_NULL_VALUES), `bare` (WITHOUT_ARRAY_WRAPPER). PATH nests dotted names
//! (`[a.b]` is property `b` of object `a`); AUTO nests the columns of each further table
//! (`level` 1, 2, ...) in an array named after it (`name` of a level's first column is
//! `alias\u{1}column`), one element per row, rows that repeat the outer levels' values
//! merged. FOR XML options: `row=NAME` (PATH's element; empty for `PATH('')`), `root=NAME`,
//! `text` (`.value('.', ...)` of the result: its text content, unescaped).

use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::{SqlError, SqlType};

use super::args::{owned, text};
use super::json::parse::quote;
use super::raise;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8;
    conn.create_aggregate_function("__mssql_for_json", -1, flags, ForJson)?;
    conn.create_aggregate_function("__mssql_for_xml", -1, flags, ForXml)
}

/// One column of a FOR JSON row.
#[derive(Clone)]
struct Column {
    name: String,
    kind: Kind,
    level: usize,
}

#[derive(Clone)]
enum Kind {
    Json,
    Typed(SqlType),
    Unknown,
}

#[derive(Default)]
struct Rows {
    options: String,
    columns: Vec<Column>,
    /// Each row's values, rendered as JSON (`None` for NULL).
    rows: Vec<Vec<Option<String>>>,
}

struct ForJson;

impl Aggregate<Rows, Option<String>> for ForJson {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Rows> {
        Ok(Rows::default())
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut Rows) -> rusqlite::Result<()> {
        if acc.columns.is_empty() {
            acc.options = text(ctx.get_raw(0)).unwrap_or_default().into_owned();
            let mut i = 1;
            while i + 3 < ctx.len() {
                let name = text(ctx.get_raw(i)).unwrap_or_default().into_owned();
                let kind = match text(ctx.get_raw(i + 1)).unwrap_or_default().as_ref() {
                    "json" => Kind::Json,
                    "" => Kind::Unknown,
                    t => crate::typename::parse(t).map_or(Kind::Unknown, Kind::Typed),
                };
                let level = match ctx.get_raw(i + 2) {
                    ValueRef::Integer(l) => l.max(0) as usize,
                    _ => 0,
                };
                acc.columns.push(Column { name, kind, level });
                i += 4;
            }
        }
        let mut row = Vec::with_capacity(acc.columns.len());
        for (k, c) in acc.columns.iter().enumerate() {
            row.push(render(ctx.get_raw(4 + 4 * k), &c.kind).map_err(raise)?);
        }
        acc.rows.push(row);
        Ok(())
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<Rows>) -> rusqlite::Result<Option<String>> {
        match acc {
            Some(rows) if !rows.rows.is_empty() => json_text(&rows).map(Some).map_err(raise),
            _ => Ok(None),
        }
    }
}

/// A value as FOR JSON writes it.
fn render(v: ValueRef<'_>, kind: &Kind) -> Result<Option<String>, SqlError> {
    if let ValueRef::Null = v {
        return Ok(None);
    }
    let as_string = |s: &str| {
        let mut out = String::with_capacity(s.len() + 2);
        quote(s, &mut out);
        out
    };
    let ty = match kind {
        Kind::Json => return Ok(text(v).map(|s| s.into_owned())),
        Kind::Unknown => {
            return Ok(Some(match v {
                ValueRef::Integer(i) => i.to_string(),
                ValueRef::Real(f) => float(f),
                ValueRef::Blob(b) => as_string(&super::base64(b)),
                other => as_string(&text(other).unwrap_or_default()),
            }))
        }
        Kind::Typed(t) => t,
    };
    let cast = |style: i32| -> Result<String, SqlError> {
        let out = crate::convert::cast_typed(v, ty, &SqlType::NVarChar(None), style)?;
        Ok(text(ValueRef::from(&out)).unwrap_or_default().into_owned())
    };
    Ok(Some(match ty {
        SqlType::Bit => if matches!(v, ValueRef::Integer(0)) {
            "false"
        } else {
            "true"
        }
        .to_string(),
        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt => {
            text(v).unwrap_or_default().into_owned()
        }
        SqlType::Decimal { .. } | SqlType::Numeric { .. } => cast(0)?,
        // money with its four decimals, as SQL Server writes it.
        SqlType::Money | SqlType::SmallMoney => cast(2)?,
        SqlType::Real | SqlType::Float => match v {
            ValueRef::Real(f) => float(f),
            other => text(other).unwrap_or_default().into_owned(),
        },
        SqlType::Date
        | SqlType::Time { .. }
        | SqlType::SmallDateTime
        | SqlType::DateTime
        | SqlType::DateTime2 { .. }
        | SqlType::DateTimeOffset { .. } => as_string(&cast(126)?),
        SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion => {
            match v {
                ValueRef::Blob(b) => as_string(&super::base64(b)),
                other => as_string(&text(other).unwrap_or_default()),
            }
        }
        SqlType::UniqueIdentifier | SqlType::SqlVariant => as_string(&cast(0)?),
        _ => as_string(&text(v).unwrap_or_default()),
    }))
}

/// A float as the shortest text that reads back as the same value.
fn float(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn json_text(rows: &Rows) -> Result<String, SqlError> {
    let opts: Vec<&str> = rows.options.split('|').collect();
    let has = |o: &str| opts.contains(&o);
    let root = opts.iter().find_map(|o| o.strip_prefix("root="));
    let nulls = has("nulls");
    let mut out = String::new();
    if let Some(r) = root {
        out.push('{');
        quote(r, &mut out);
        out.push(':');
    }
    let bare = has("bare");
    if !bare {
        out.push('[');
    }
    if has("auto") && rows.columns.iter().any(|c| c.level > 0) {
        auto_level(rows, 0, 0, rows.rows.len(), nulls, &mut out);
    } else {
        let auto = has("auto");
        for (i, row) in rows.rows.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            object(&rows.columns, row, nulls, !auto, &mut out)?;
        }
    }
    if !bare {
        out.push(']');
    }
    if root.is_some() {
        out.push('}');
    }
    Ok(out)
}

/// One row's object: its columns in order, dotted names nested (PATH) or kept whole (AUTO).
fn object(
    columns: &[Column],
    row: &[Option<String>],
    nulls: bool,
    nest: bool,
    out: &mut String,
) -> Result<(), SqlError> {
    // The path of objects currently open, and names already written at each depth.
    let mut open: Vec<String> = Vec::new();
    let mut written: Vec<Vec<String>> = vec![Vec::new()];
    let mut first_at: Vec<bool> = vec![true];
    out.push('{');
    for (c, v) in columns.iter().zip(row) {
        let Some(v) = v.as_deref().or(if nulls { Some("null") } else { None }) else {
            continue;
        };
        // AUTO's names carry their table: `table\u{1}column`.
        let name = c.name.rsplit('\u{1}').next().unwrap_or("");
        let parts: Vec<&str> = if nest {
            name.split('.').collect()
        } else {
            vec![name]
        };
        let (leaf, prefix) = parts.split_last().unwrap_or((&"", &[]));
        // Close the objects this column is not in.
        let common = open
            .iter()
            .zip(prefix.iter())
            .take_while(|(a, b)| a == b)
            .count();
        while open.len() > common {
            open.pop();
            written.pop();
            first_at.pop();
            out.push('}');
        }
        for p in &prefix[common..] {
            let names = written.last_mut().expect("a level is open");
            if names.iter().any(|n| n == p) {
                return Err(conflict(name));
            }
            names.push(p.to_string());
            separator(&mut first_at, out);
            quote(p, out);
            out.push_str(":{");
            open.push(p.to_string());
            written.push(Vec::new());
            first_at.push(true);
        }
        let names = written.last_mut().expect("a level is open");
        if names.iter().any(|n| n == leaf) {
            return Err(conflict(name));
        }
        names.push(leaf.to_string());
        separator(&mut first_at, out);
        quote(leaf, out);
        out.push(':');
        out.push_str(v);
    }
    for _ in &open {
        out.push('}');
    }
    out.push('}');
    Ok(())
}

fn separator(first_at: &mut [bool], out: &mut String) {
    if let Some(first) = first_at.last_mut() {
        if !*first {
            out.push(',');
        }
        *first = false;
    }
}

fn conflict(name: &str) -> SqlError {
    SqlError::new(
        13601,
        16,
        format!("Property '{name}' cannot be generated in JSON output due to a conflict with another column name or alias. Use different names and aliases for each column in SELECT list."),
    )
}

/// FOR JSON AUTO with joined tables: rows `from..to` grouped by the values of `level`'s
/// columns (consecutive equal rows merge), each group an object holding the next level's
/// rows as an array named after its table.
fn auto_level(rows: &Rows, level: usize, from: usize, to: usize, nulls: bool, out: &mut String) {
    let cols: Vec<usize> = (0..rows.columns.len())
        .filter(|&k| rows.columns[k].level == level)
        .collect();
    let deeper = rows.columns.iter().any(|c| c.level > level);
    let mut start = from;
    let mut first = true;
    while start < to {
        let key: Vec<&Option<String>> = cols.iter().map(|&k| &rows.rows[start][k]).collect();
        let mut end = start + 1;
        while deeper
            && end < to
            && cols
                .iter()
                .zip(&key)
                .all(|(&k, v)| &rows.rows[end][k] == *v)
        {
            end += 1;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push('{');
        let mut any = false;
        for &k in &cols {
            let v = match &rows.rows[start][k] {
                Some(v) => v.as_str(),
                None if nulls => "null",
                None => continue,
            };
            if any {
                out.push(',');
            }
            any = true;
            let name = rows.columns[k].name.rsplit('\u{1}').next().unwrap_or("");
            quote(name, out);
            out.push(':');
            out.push_str(v);
        }
        if deeper {
            let table = rows
                .columns
                .iter()
                .find(|c| c.level == level + 1)
                .and_then(|c| c.name.split_once('\u{1}').map(|(t, _)| t.to_string()))
                .unwrap_or_default();
            if any {
                out.push(',');
            }
            quote(&table, out);
            out.push_str(":[");
            auto_level(rows, level + 1, start, end, nulls, out);
            out.push(']');
        }
        out.push('}');
        start = end;
    }
}

/// Rows of a FOR XML PATH query: (column name, value) pairs per row.
#[derive(Default)]
struct XmlRows {
    options: String,
    out: String,
}

struct ForXml;

impl Aggregate<XmlRows, Option<String>> for ForXml {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<XmlRows> {
        Ok(XmlRows::default())
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut XmlRows) -> rusqlite::Result<()> {
        if acc.options.is_empty() {
            acc.options = text(ctx.get_raw(0)).unwrap_or_default().into_owned();
        }
        let opts: Vec<&str> = acc.options.split('|').collect();
        let row = opts
            .iter()
            .find_map(|o| o.strip_prefix("row="))
            .unwrap_or("row");
        let text_only = opts.contains(&"text");
        let mut attributes = String::new();
        let mut body = String::new();
        let mut i = 1;
        while i + 1 < ctx.len() {
            let name = text(ctx.get_raw(i)).unwrap_or_default().into_owned();
            let value = owned(ctx.get_raw(i + 1));
            i += 2;
            let v = match &value {
                SqliteValue::Null => continue,
                SqliteValue::Blob(b) => super::base64(b),
                other => text(ValueRef::from(other)).unwrap_or_default().into_owned(),
            };
            if text_only {
                body.push_str(&v);
            } else if let Some(attr) = name.strip_prefix('@') {
                attributes.push_str(&format!(" {attr}=\"{}\"", escape(&v, true)));
            } else if name.is_empty() || name == "*" || name.eq_ignore_ascii_case("text()") {
                body.push_str(&escape(&v, false));
            } else {
                body.push_str(&format!("<{name}>{}</{name}>", escape(&v, false)));
            }
        }
        if text_only || row.is_empty() {
            acc.out.push_str(&body);
        } else if body.is_empty() {
            acc.out.push_str(&format!("<{row}{attributes}/>"));
        } else {
            acc.out
                .push_str(&format!("<{row}{attributes}>{body}</{row}>"));
        }
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        acc: Option<XmlRows>,
    ) -> rusqlite::Result<Option<String>> {
        let Some(acc) = acc else { return Ok(None) };
        let opts: Vec<&str> = acc.options.split('|').collect();
        Ok(Some(
            match opts.iter().find_map(|o| o.strip_prefix("root=")) {
                Some(root) => format!("<{root}>{}</{root}>", acc.out),
                None => acc.out,
            },
        ))
    }
}

/// XML's escapes as FOR XML writes them (`&`, `<`, `>`, carriage returns; quotes in
/// attributes).
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#x0D;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
