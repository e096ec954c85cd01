//! `__mssql_like(value, pattern [, escape])`: T-SQL's LIKE under a case-insensitive
//! collation: `%`, `_`, character classes `[abc]`, `[a-f]`, `[^a-f]` (a `[%]` matches a
//! literal `%`), an optional escape character, Unicode case folding. Returns 1, 0 or NULL.
//! Also PATINDEX, which uses the same patterns. SQLite's `like()` is overridden too, so the
//! LIKE operator itself follows these rules.
//! (SQLite's own LIKE folds ASCII only and knows no classes.)

use rusqlite::types::Value as SqliteValue;
use rusqlite::Connection;

use super::args::text;
use super::deterministic;
use crate::collation::{base_letter, fold};

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("PATINDEX", 2, deterministic(), |ctx| {
        Ok(match (text(ctx.get_raw(0)), text(ctx.get_raw(1))) {
            (Some(p), Some(v)) => SqliteValue::Integer(patindex(&p, &v)),
            _ => SqliteValue::Null,
        })
    })?;
    // SQLite's LIKE operator calls like(pattern, value [, escape]): overriding it gives
    // `x LIKE y` T-SQL's semantics without any rewriting. `__mssql_like` takes the value first.
    for n in [2, 3] {
        conn.create_scalar_function("like", n, deterministic(), |ctx| like_call(ctx, 1, 0))?;
        conn.create_scalar_function("__mssql_like", n, deterministic(), |ctx| {
            like_call(ctx, 0, 1)
        })?;
    }
    Ok(())
}

/// LIKE with the value and the pattern at the given argument positions, and an optional
/// escape character as the third argument; NULL in, NULL out.
fn like_call(
    ctx: &rusqlite::functions::Context<'_>,
    value_at: usize,
    pattern_at: usize,
) -> rusqlite::Result<SqliteValue> {
    let (Some(value), Some(pattern)) = (text(ctx.get_raw(value_at)), text(ctx.get_raw(pattern_at)))
    else {
        return Ok(SqliteValue::Null);
    };
    let escape = if ctx.len() > 2 {
        match text(ctx.get_raw(2)) {
            Some(e) => e.chars().next(),
            None => return Ok(SqliteValue::Null),
        }
    } else {
        None
    };
    Ok(SqliteValue::Integer(i64::from(like(
        &value, &pattern, escape,
    ))))
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// `%`: any run of characters.
    Any,
    /// `_`: one character.
    One,
    /// A literal character (folded).
    Lit(char),
    /// `[...]`: one character in (or, negated, not in) the ranges (folded).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

fn compile(pattern: &str, escape: Option<char>) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if Some(c) == escape {
            if let Some(&next) = chars.get(i) {
                tokens.push(Token::Lit(fold(next)));
                i += 1;
                continue;
            }
        }
        match c {
            '%' => tokens.push(Token::Any),
            '_' => tokens.push(Token::One),
            '[' => match chars[i..].iter().position(|&x| x == ']') {
                Some(len) => {
                    tokens.push(class(&chars[i..i + len]));
                    i += len + 1;
                }
                None => tokens.push(Token::Lit('[')),
            },
            _ => tokens.push(Token::Lit(fold(c))),
        }
    }
    tokens
}

/// The inside of `[...]`.
fn class(body: &[char]) -> Token {
    let (negated, body) = match body.first() {
        Some('^') if body.len() > 1 => (true, &body[1..]),
        _ => (false, body),
    };
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == '-' {
            ranges.push((fold(body[i]), fold(body[i + 2])));
            i += 3;
        } else {
            ranges.push((fold(body[i]), fold(body[i])));
            i += 1;
        }
    }
    Token::Class { negated, ranges }
}

fn matches_one(token: &Token, c: char) -> bool {
    match token {
        Token::Any | Token::One => true,
        Token::Lit(l) => *l == c,
        Token::Class { negated, ranges } => {
            // Ranges follow the collation's order: `é` is in `[e-f]`.
            let key = |x: char| (base_letter(x), x);
            ranges
                .iter()
                .any(|&(lo, hi)| key(lo) <= key(c) && key(c) <= key(hi))
                != *negated
        }
    }
}

/// True if `value` matches `pattern` (dynamic programming: linear memory, no backtracking
/// blow-up on patterns like `%a%a%a%b`).
pub fn like(value: &str, pattern: &str, escape: Option<char>) -> bool {
    let tokens = compile(pattern, escape);
    let text: Vec<char> = value.chars().map(fold).collect();
    matches(&tokens, &text)
}

/// PATINDEX: the 1-based position where the pattern first matches, 0 if nowhere. A pattern
/// without a leading `%` can only match at the start.
pub fn patindex(pattern: &str, value: &str) -> i64 {
    let tokens = compile(pattern, None);
    let text: Vec<char> = value.chars().map(fold).collect();
    match tokens.split_first() {
        Some((Token::Any, rest)) => (0..=text.len())
            .find(|&i| matches(rest, &text[i..]))
            .map_or(0, |i| i as i64 + 1),
        _ => i64::from(matches(&tokens, &text)),
    }
}

fn matches(tokens: &[Token], text: &[char]) -> bool {
    // row[j]: tokens[..i] match text[..j].
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        if *token == Token::Any {
            let mut seen = false;
            for j in 0..=text.len() {
                seen |= row[j];
                next[j] = seen;
            }
        } else {
            for j in 1..=text.len() {
                next[j] = row[j - 1] && matches_one(token, text[j - 1]);
            }
        }
        row = next;
    }
    row[text.len()]
}

#[cfg(test)]
mod tests {
    use super::{like, patindex};

    #[test]
    fn patindex_finds_the_first_match() {
        assert_eq!(patindex("%ter%", "interesting"), 3);
        assert_eq!(patindex("%ing", "interesting"), 9);
        assert_eq!(patindex("ter%", "interesting"), 0);
        assert_eq!(patindex("int%", "interesting"), 1);
        assert_eq!(patindex("%[0-9]%", "abc123"), 4);
        assert_eq!(patindex("%z%", "abc"), 0);
    }

    #[test]
    fn wildcards_classes_and_case() {
        assert!(like("Hello", "h%", None));
        assert!(like("Hello", "%LLO", None));
        assert!(like("Hello", "H_llo", None));
        assert!(!like("Hello", "H_lo", None));
        assert!(like("Émile", "é%", None));
        assert!(like("b", "[a-c]", None));
        assert!(like("B", "[a-c]", None));
        assert!(!like("d", "[a-c]", None));
        assert!(like("d", "[^a-c]", None));
        assert!(like("école", "[e-f]%", None));
        assert!(!like("école", "[e]%", None));
        assert!(like("50%", "50[%]", None));
        assert!(!like("500", "50[%]", None));
        assert!(like("50%", "50!%", Some('!')));
        assert!(like("a_b", "a!_b", Some('!')));
        assert!(!like("axb", "a!_b", Some('!')));
        assert!(like("[x", "[x", None));
        assert!(like("", "%", None));
        assert!(!like("", "_", None));
        assert!(like(&"a".repeat(200), "%a%a%a%a%a%a%a%a%", None));
        assert!(!like(&"a".repeat(200), "%a%a%a%a%a%a%a%b%", None));
    }
}
