//! The `INSERT BULK` statement a bulk client sends before its BulkLoad message:
//!
//! ```text
//! INSERT BULK [db].[schema].[table] ([c1] int, [c2] nvarchar(50) COLLATE Latin1_General_CI_AS, ...)
//!     WITH (TABLOCK, KEEP_NULLS, CHECK_CONSTRAINTS, FIRE_TRIGGERS, ROWS_PER_BATCH = n,
//!           KILOBYTES_PER_BATCH = n, ORDER (c1 ASC, ...))
//! ```
//!
//! sqlparser does not know it, so it is read here by hand. The column list names the target
//! columns in the order the rows carry them; the types it declares are the client's view
//! (tiberius writes `nvarchar(100)` for an `nvarchar(50)` column and `time` for a `time(3)`
//! one, and SQL Server accepts that): the BulkLoad message's COLMETADATA is what says how
//! each value is encoded, so the declared types are checked to be types and no more.

use tds_protocol::types::{SqlError, SqlType};

use crate::errors;
use crate::typename;

/// `INSERT BULK`, read.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertBulk {
    /// The table as T-SQL names it (`[dbo].[t]`).
    pub table: String,
    /// The column list: names and declared types; `None` when the statement has none.
    pub columns: Option<Vec<(String, SqlType)>>,
    pub options: BulkOptions,
}

/// The `WITH (...)` options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkOptions {
    /// NULLs stay NULL instead of taking the column's default.
    pub keep_nulls: bool,
    /// CHECK and FOREIGN KEY constraints are checked (the emulator enforces neither).
    pub check_constraints: bool,
    /// A table lock for the load (the emulator's write lock covers the database anyway).
    pub tablock: bool,
    /// Triggers fire (the emulator has no user triggers).
    pub fire_triggers: bool,
    /// `KEEPIDENTITY`: identity values are taken from the rows (they are anyway when the
    /// column list names the identity column, as bulk clients do to keep them).
    pub keep_identity: bool,
    /// Hints for SQL Server's plan; accepted and ignored.
    pub rows_per_batch: Option<u64>,
    pub kilobytes_per_batch: Option<u64>,
    pub order: Option<String>,
}

/// `Some` when `sql` is an `INSERT BULK` statement (and then whether it reads), `None` for
/// any other text.
pub fn parse(sql: &str) -> Option<Result<InsertBulk, SqlError>> {
    let mut r = Scanner { s: sql, at: 0 };
    if !r.keyword("insert") || !r.keyword("bulk") {
        return None;
    }
    Some(parse_rest(&mut r))
}

fn parse_rest(r: &mut Scanner<'_>) -> Result<InsertBulk, SqlError> {
    let table = r.name().ok_or_else(|| r.syntax_error())?;
    let mut columns = None;
    if r.peek() == Some('(') {
        let list = r.parenthesized().ok_or_else(|| r.syntax_error())?;
        let mut cols = Vec::new();
        for (n, def) in split_top_level(list).into_iter().enumerate() {
            cols.push(column_def(def, n + 1)?);
        }
        columns = Some(cols);
    }
    let mut options = BulkOptions::default();
    if r.keyword("with") {
        let list = r.parenthesized().ok_or_else(|| r.syntax_error())?;
        for opt in split_top_level(list) {
            option(&mut options, opt)?;
        }
    }
    r.skip_space();
    if r.at < r.s.len() {
        return Err(r.syntax_error());
    }
    Ok(InsertBulk {
        table,
        columns,
        options,
    })
}

/// `[name] type [COLLATE collation] [NULL | NOT NULL]`.
fn column_def(def: &str, n: usize) -> Result<(String, SqlType), SqlError> {
    let mut r = Scanner { s: def, at: 0 };
    let name = r.part().ok_or_else(|| r.syntax_error())?;
    let rest = r.s[r.at..].trim();
    let upper = rest.to_ascii_uppercase();
    let cut = [" COLLATE ", " NOT NULL", " NULL"]
        .iter()
        .filter_map(|w| upper.find(w))
        .min()
        .unwrap_or(rest.len());
    let type_text = rest[..cut].trim();
    let ty = typename::parse(type_text).map_err(|_| {
        SqlError::new(
            2715,
            16,
            format!("Column, parameter, or variable #{n}: Cannot find data type {type_text}."),
        )
    })?;
    Ok((unquote(&name), ty))
}

fn option(o: &mut BulkOptions, text: &str) -> Result<(), SqlError> {
    let text = text.trim();
    let upper = text.to_ascii_uppercase();
    let number = || -> Result<u64, SqlError> {
        let (_, value) = text
            .split_once('=')
            .ok_or_else(|| errors::syntax_near(text))?;
        value
            .trim()
            .parse()
            .map_err(|_| errors::syntax_near(value.trim()))
    };
    match upper
        .split(|c: char| c == '=' || c == '(' || c.is_whitespace())
        .next()
    {
        Some("KEEP_NULLS") => o.keep_nulls = true,
        Some("CHECK_CONSTRAINTS") => o.check_constraints = true,
        Some("TABLOCK") => o.tablock = true,
        Some("FIRE_TRIGGERS") => o.fire_triggers = true,
        Some("KEEPIDENTITY" | "KEEP_IDENTITY") => o.keep_identity = true,
        Some("ROWS_PER_BATCH") => o.rows_per_batch = Some(number()?),
        Some("KILOBYTES_PER_BATCH") => o.kilobytes_per_batch = Some(number()?),
        Some("ORDER") => o.order = Some(text[5..].trim().to_string()),
        _ => return Err(errors::syntax_near(text)),
    }
    Ok(())
}

/// `[a]]b]` → `a]b`, `"x"` → `x`, a bare name as it is.
fn unquote(part: &str) -> String {
    if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        inner.replace("]]", "]")
    } else if let Some(inner) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        inner.replace("\"\"", "\"")
    } else {
        part.to_string()
    }
}

/// Splits at commas outside parentheses and brackets (`decimal(18,4)` stays whole).
fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut in_bracket, mut start) = (0i32, false, 0);
    for (i, c) in list.char_indices() {
        match c {
            '[' if !in_bracket => in_bracket = true,
            ']' if in_bracket => in_bracket = false,
            '(' if !in_bracket => depth += 1,
            ')' if !in_bracket => depth -= 1,
            ',' if !in_bracket && depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts.retain(|p| !p.trim().is_empty());
    parts
}

struct Scanner<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.rest().chars().next()
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.s.len() - trimmed.len();
    }

    /// A keyword, case-insensitive, followed by a non-identifier character.
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_space();
        let rest = self.rest();
        let matches = rest.len() >= word.len()
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && !rest[word.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if matches {
            self.at += word.len();
        }
        matches
    }

    /// One name part as written: `[...]` (with `]]`), `"..."`, or a bare identifier.
    fn part(&mut self) -> Option<String> {
        self.skip_space();
        let rest = self.rest();
        let len = match rest.chars().next()? {
            '[' => {
                let mut i = 1;
                loop {
                    let j = rest[i..].find(']')? + i;
                    if rest[j + 1..].starts_with(']') {
                        i = j + 2;
                    } else {
                        break j + 1;
                    }
                }
            }
            '"' => rest[1..].find('"')? + 2,
            c if c.is_alphanumeric() || "_#@$".contains(c) => rest
                .find(|c: char| !(c.is_alphanumeric() || "_#@$".contains(c)))
                .unwrap_or(rest.len()),
            _ => return None,
        };
        self.at += len;
        Some(rest[..len].to_string())
    }

    /// A multi-part name (`db.schema.t`, `db..t`), as written.
    fn name(&mut self) -> Option<String> {
        let mut name = self.part()?;
        while self.rest().starts_with('.') {
            self.at += 1;
            name.push('.');
            if self.rest().starts_with('.') {
                continue;
            }
            name.push_str(&self.part()?);
        }
        Some(name)
    }

    /// The text inside the parentheses that start here (brackets may hold parentheses).
    fn parenthesized(&mut self) -> Option<&'a str> {
        if self.peek()? != '(' {
            return None;
        }
        let rest = self.rest();
        let (mut depth, mut in_bracket) = (0, false);
        for (i, c) in rest.char_indices() {
            match c {
                '[' if !in_bracket => in_bracket = true,
                ']' if in_bracket => in_bracket = false,
                '(' if !in_bracket => depth += 1,
                ')' if !in_bracket => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += i + 1;
                        return Some(&rest[1..i]);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn syntax_error(&self) -> SqlError {
        let near = self.rest().split_whitespace().next().unwrap_or("");
        errors::syntax_near(near)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_tiberius_python_tds_and_freetds_send() {
        let b = parse("insert bulk [dbo].[my]]t] ([id] int, [name] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS, [amount] decimal(38,9), [at] datetime2(7)) WITH (TABLOCK, KEEP_NULLS)")
            .unwrap()
            .unwrap();
        assert_eq!(b.table, "[dbo].[my]]t]");
        let cols = b.columns.unwrap();
        assert_eq!(cols[0], ("id".to_string(), SqlType::Int));
        assert_eq!(cols[1], ("name".to_string(), SqlType::NVarChar(Some(100))));
        assert_eq!(cols[3].1, SqlType::DateTime2 { scale: 7 });
        assert!(b.options.tablock && b.options.keep_nulls && !b.options.check_constraints);

        let b = parse("INSERT BULK [t]([a] INT NULL,[b] NVARCHAR(4000) NULL) WITH (CHECK_CONSTRAINTS,FIRE_TRIGGERS,KILOBYTES_PER_BATCH = 64,ROWS_PER_BATCH = 1000,ORDER(a ASC,b DESC))")
            .unwrap()
            .unwrap();
        assert_eq!(b.columns.unwrap().len(), 2);
        assert_eq!(b.options.rows_per_batch, Some(1000));
        assert_eq!(b.options.kilobytes_per_batch, Some(64));
        assert_eq!(b.options.order.as_deref(), Some("(a ASC,b DESC)"));
        assert!(b.options.check_constraints && b.options.fire_triggers);

        let b = parse("  insert   bulk db..t").unwrap().unwrap();
        assert_eq!(b.table, "db..t");
        assert_eq!(b.columns, None);
    }

    #[test]
    fn other_statements_and_bad_ones() {
        assert!(parse("INSERT INTO t VALUES (1)").is_none());
        assert!(parse("insert bulky t").is_none());
        let e = parse("insert bulk t ([a] int) WITH (FAST)")
            .unwrap()
            .unwrap_err();
        assert_eq!(e.number, 102);
        let e = parse("insert bulk t ([a] integr)").unwrap().unwrap_err();
        assert_eq!(e.number, 2715);
        let e = parse("insert bulk t ([a] int) garbage")
            .unwrap()
            .unwrap_err();
        assert_eq!(e.number, 102);
    }
}
