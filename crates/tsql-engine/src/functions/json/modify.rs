//! JSON_MODIFY: one property updated, inserted, deleted or appended to, by editing the text
//! in place (the rest of the document keeps its spacing and its digits).

use tds_protocol::types::SqlError;

use super::parse::{Doc, Kind};
use super::path::{find, Found, Path, Step};

/// The new value, already rendered as JSON text (`None`: SQL NULL).
pub fn modify(text: &str, path: &Path, new: Option<&str>) -> Result<String, SqlError> {
    let doc = Doc::read(text);
    doc.check()?;
    let missing = || -> Result<String, SqlError> {
        if path.strict {
            Err(super::not_found())
        } else {
            Ok(text.to_string())
        }
    };
    let Some((last, parents)) = path.steps.split_last() else {
        // `append $` adds to a root array; `$` alone cannot be replaced.
        if path.append && doc.node(0).kind == Kind::Array {
            return Ok(append(&doc, 0, new.unwrap_or("null")));
        }
        return Err(SqlError::new(
            13619,
            16,
            "Unsupported JSON path found in argument 2 of JSON_MODIFY.",
        ));
    };
    let parent = match find(&doc, parents)? {
        Found::Node(p) => p,
        Found::Missing => return missing(),
    };
    let p = doc.node(parent);
    let target = match (last, p.kind) {
        (Step::Key(k), Kind::Object) => p
            .children
            .iter()
            .copied()
            .find(|&c| doc.node(c).key.as_deref() == Some(k.as_str())),
        (Step::Index(i), Kind::Array) => p.children.get(*i).copied(),
        _ => return missing(),
    };
    match (target, path.append) {
        (Some(t), true) => {
            if doc.node(t).kind != Kind::Array {
                return if path.strict {
                    Err(SqlError::new(
                        13621,
                        16,
                        "Array cannot be found in the specified JSON path.",
                    ))
                } else {
                    Ok(text.to_string())
                };
            }
            match new {
                Some(v) => Ok(append(&doc, t, v)),
                None => Ok(text.to_string()),
            }
        }
        (Some(t), false) => match new {
            Some(v) => Ok(replace(&doc, t, v)),
            None if path.strict || p.kind == Kind::Array => Ok(replace(&doc, t, "null")),
            None => Ok(delete(&doc, parent, t)),
        },
        (None, _) => {
            let (Step::Key(k), Some(v)) = (last, new) else {
                return missing();
            };
            if path.strict {
                return Err(super::not_found());
            }
            let value = if path.append {
                format!("[{v}]")
            } else {
                v.to_string()
            };
            let mut member = String::new();
            super::parse::quote(k, &mut member);
            member.push(':');
            member.push_str(&value);
            Ok(insert_member(&doc, parent, &member))
        }
    }
}

fn splice(text: &str, from: usize, to: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..from]);
    out.push_str(with);
    out.push_str(&text[to..]);
    out
}

fn end(doc: &Doc<'_>, i: usize) -> usize {
    doc.node(i).end.unwrap_or(doc.text.len())
}

fn replace(doc: &Doc<'_>, node: usize, with: &str) -> String {
    splice(doc.text, doc.node(node).start, end(doc, node), with)
}

/// Adds an element at the end of an array.
fn append(doc: &Doc<'_>, array: usize, value: &str) -> String {
    match doc.node(array).children.last() {
        Some(&last) => splice(
            doc.text,
            end(doc, last),
            end(doc, last),
            &format!(",{value}"),
        ),
        None => {
            let at = doc.node(array).start + 1;
            splice(doc.text, at, at, value)
        }
    }
}

/// Adds `"key":value` at the end of an object.
fn insert_member(doc: &Doc<'_>, object: usize, member: &str) -> String {
    match doc.node(object).children.last() {
        Some(&last) => splice(
            doc.text,
            end(doc, last),
            end(doc, last),
            &format!(",{member}"),
        ),
        None => {
            let at = doc.node(object).start + 1;
            splice(doc.text, at, at, member)
        }
    }
}

/// Removes a member of an object with the comma that joined it to a neighbour.
fn delete(doc: &Doc<'_>, object: usize, member: usize) -> String {
    let siblings = &doc.node(object).children;
    let k = siblings.iter().position(|&c| c == member).unwrap_or(0);
    let m = doc.node(member);
    if let Some(&next) = siblings.get(k + 1) {
        splice(doc.text, m.key_start, doc.node(next).key_start, "")
    } else if k > 0 {
        let prev = siblings[k - 1];
        splice(doc.text, end(doc, prev), end(doc, member), "")
    } else {
        splice(doc.text, m.key_start, end(doc, member), "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, path: &str, new: Option<&str>) -> Result<String, SqlError> {
        modify(text, &Path::parse(path, true).unwrap(), new)
    }

    #[test]
    fn the_documented_operations() {
        let info = r#"{"name":"John","skills":["C#","SQL"]}"#;
        let info = m(info, "$.name", Some(r#""Mike""#)).unwrap();
        assert_eq!(info, r#"{"name":"Mike","skills":["C#","SQL"]}"#);
        let info = m(&info, "$.surname", Some(r#""Smith""#)).unwrap();
        assert_eq!(
            info,
            r#"{"name":"Mike","skills":["C#","SQL"],"surname":"Smith"}"#
        );
        let info = m(&info, "$.name", None).unwrap();
        assert_eq!(info, r#"{"skills":["C#","SQL"],"surname":"Smith"}"#);
        let info = m(&info, "append $.skills", Some(r#""Azure""#)).unwrap();
        assert_eq!(info, r#"{"skills":["C#","SQL","Azure"],"surname":"Smith"}"#);
        let info = m(&info, "$.surname", None).unwrap();
        assert_eq!(info, r#"{"skills":["C#","SQL","Azure"]}"#);
    }

    #[test]
    fn strict_mode_errors_and_lax_no_ops() {
        let j = r#"{ "a" : { "b" : 1 } }"#;
        assert_eq!(m(j, "strict $.x", Some("1")).unwrap_err().number, 13608);
        assert_eq!(m(j, "$.x.y", Some("1")).unwrap(), j);
        assert_eq!(
            m(j, "strict $.a.b", None).unwrap(),
            r#"{ "a" : { "b" : null } }"#
        );
        assert_eq!(m(j, "$.a.b", None).unwrap(), r#"{ "a" : {  } }"#);
        assert_eq!(m(j, "$", Some("1")).unwrap_err().number, 13619);
        assert_eq!(m("{", "$.a", Some("1")).unwrap_err().number, 13609);
    }
}
