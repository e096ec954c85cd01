//! SQL Server's JSON path expressions: `[append] [lax | strict] $[.key | ."key" | [n]]...`,
//! and finding what one designates in a [`Doc`].

use tds_protocol::types::SqlError;

use super::parse::{unescape, Doc, Kind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub strict: bool,
    /// `append` (JSON_MODIFY only).
    pub append: bool,
    pub steps: Vec<Step>,
}

/// 13607 for the character at (character) position `pos` of the path.
fn bad_path(path: &str, pos: usize) -> SqlError {
    let (pos, ch) = match path.chars().nth(pos) {
        Some(c) => (pos, c),
        None => (
            path.chars().count().saturating_sub(1),
            path.chars().last().unwrap_or(' '),
        ),
    };
    SqlError::new(
        13607,
        16,
        format!("JSON path is not properly formatted. Unexpected character '{ch}' is found at position {pos}."),
    )
}

impl Path {
    /// Parses a path; `allow_append` for JSON_MODIFY's second argument.
    pub fn parse(text: &str, allow_append: bool) -> Result<Path, SqlError> {
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let skip_ws = |i: &mut usize| {
            while *i < chars.len() && chars[*i].is_whitespace() {
                *i += 1;
            }
        };
        let word = |i: usize, w: &str| {
            let n = w.chars().count();
            chars.len() >= i + n
                && chars[i..i + n]
                    .iter()
                    .zip(w.chars())
                    .all(|(a, b)| a.eq_ignore_ascii_case(&b))
                && chars.get(i + n).is_some_and(|c| c.is_whitespace())
        };
        let mut path = Path {
            strict: false,
            append: false,
            steps: Vec::new(),
        };
        skip_ws(&mut i);
        if allow_append && word(i, "append") {
            path.append = true;
            i += 6;
            skip_ws(&mut i);
        }
        if word(i, "lax") {
            i += 3;
            skip_ws(&mut i);
        } else if word(i, "strict") {
            path.strict = true;
            i += 6;
            skip_ws(&mut i);
        }
        if chars.get(i) != Some(&'$') {
            return Err(bad_path(text, i));
        }
        i += 1;
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    i += 1;
                    if chars.get(i) == Some(&'"') {
                        let start = i + 1;
                        let mut j = start;
                        while j < chars.len() && chars[j] != '"' {
                            if chars[j] == '\\' {
                                j += 1;
                            }
                            j += 1;
                        }
                        if j >= chars.len() {
                            return Err(bad_path(text, chars.len()));
                        }
                        let body: String = chars[start..j].iter().collect();
                        let key = unescape(&body).ok_or_else(|| bad_path(text, start))?;
                        path.steps.push(Step::Key(key));
                        i = j + 1;
                    } else {
                        let start = i;
                        while i < chars.len()
                            && !matches!(chars[i], '.' | '[' | ']' | '"')
                            && !chars[i].is_whitespace()
                        {
                            i += 1;
                        }
                        if i == start {
                            return Err(bad_path(text, i));
                        }
                        path.steps.push(Step::Key(chars[start..i].iter().collect()));
                    }
                }
                '[' => {
                    i += 1;
                    let start = i;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i == start || chars.get(i) != Some(&']') {
                        return Err(bad_path(text, i));
                    }
                    let n: String = chars[start..i].iter().collect();
                    let n = n.parse().map_err(|_| bad_path(text, start))?;
                    path.steps.push(Step::Index(n));
                    i += 1;
                }
                _ => return Err(bad_path(text, i)),
            }
        }
        Ok(path)
    }
}

/// Where a path led.
pub enum Found {
    /// The node it designates.
    Node(usize),
    /// Nothing there (a missing key, an index past the end, a step into a scalar).
    Missing,
}

/// Follows `steps` from the root. When the text has a syntax error, a miss is that error (SQL
/// Server reads on until it meets it); a value found complete before the error is found.
pub fn find(doc: &Doc<'_>, steps: &[Step]) -> Result<Found, SqlError> {
    let Some(mut at) = doc.root() else {
        doc.check()?;
        return Ok(Found::Missing);
    };
    for step in steps {
        let n = doc.node(at);
        let next = match (step, n.kind) {
            (Step::Key(k), Kind::Object) => n
                .children
                .iter()
                .copied()
                .find(|&c| doc.node(c).key.as_deref() == Some(k.as_str())),
            (Step::Index(k), Kind::Array) => n.children.get(*k).copied(),
            _ => {
                doc.check()?;
                return Ok(Found::Missing);
            }
        };
        match next {
            Some(c) => at = c,
            None => {
                doc.check()?;
                return Ok(Found::Missing);
            }
        }
    }
    if doc.node(at).end.is_none() {
        doc.check()?;
    }
    Ok(Found::Node(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modes_keys_and_indexes() {
        let p = Path::parse(r#"strict $.info."first name"[2].x"#, false).unwrap();
        assert!(p.strict);
        assert_eq!(
            p.steps,
            vec![
                Step::Key("info".into()),
                Step::Key("first name".into()),
                Step::Index(2),
                Step::Key("x".into())
            ]
        );
        assert!(Path::parse("append lax $.skills", true).unwrap().append);
        assert!(Path::parse("$", false).unwrap().steps.is_empty());
        let e = Path::parse("$.a[x]", false).unwrap_err();
        assert_eq!(e.number, 13607);
        assert!(
            e.message.contains("'x' is found at position 4"),
            "{}",
            e.message
        );
        assert_eq!(Path::parse("a", false).unwrap_err().number, 13607);
        assert_eq!(Path::parse("append $.a", false).unwrap_err().number, 13607);
    }

    #[test]
    fn finds_the_first_of_duplicate_keys() {
        let d = Doc::read(r#"{"a":1,"a":2,"b":[10,20]}"#);
        let Found::Node(n) = find(&d, &[Step::Key("a".into())]).unwrap() else {
            panic!()
        };
        assert_eq!(d.raw(n), Some("1"));
        let Found::Node(n) = find(&d, &[Step::Key("b".into()), Step::Index(1)]).unwrap() else {
            panic!()
        };
        assert_eq!(d.raw(n), Some("20"));
        assert!(matches!(
            find(&d, &[Step::Key("A".into())]).unwrap(),
            Found::Missing
        ));
    }

    #[test]
    fn a_value_before_a_syntax_error_is_found() {
        let d = Doc::read(r#"{"a":1, "b": x}"#);
        assert!(matches!(
            find(&d, &[Step::Key("a".into())]).unwrap(),
            Found::Node(_)
        ));
        assert_eq!(
            find(&d, &[Step::Key("c".into())]).err().unwrap().number,
            13609
        );
    }
}
