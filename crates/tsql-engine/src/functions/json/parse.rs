//! A JSON reader that keeps where every value is in the text, as SQL Server's functions need:
//! JSON_QUERY and OPENJSON return fragments exactly as written, numbers keep their digits,
//! JSON_MODIFY edits the text in place. It reads as far as it can: a value found before a
//! syntax error is still usable, as SQL Server's JSON_VALUE finds it before it sees the error.

use tds_protocol::types::SqlError;

/// SQL Server refuses JSON nested deeper than this (error 13606).
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    False,
    True,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub fn is_container(self) -> bool {
        matches!(self, Kind::Array | Kind::Object)
    }

    /// OPENJSON's `type` column: 0 null, 1 string, 2 number, 3 true/false, 4 array, 5 object.
    pub fn openjson_type(self) -> i64 {
        match self {
            Kind::Null => 0,
            Kind::String => 1,
            Kind::Number => 2,
            Kind::True | Kind::False => 3,
            Kind::Array => 4,
            Kind::Object => 5,
        }
    }
}

/// One value of the document: its kind, its byte range in the text, its key (object
/// members) and its children (members of an object or elements of an array, in order).
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub start: usize,
    /// One past the last byte; `None` while the value was still open when reading stopped.
    pub end: Option<usize>,
    /// The member's name, unescaped, when the parent is an object.
    pub key: Option<String>,
    /// Where the member's `"name"` starts (an object member), for JSON_MODIFY's deletions.
    pub key_start: usize,
    pub children: Vec<usize>,
}

/// A document read from text: its nodes (the root first) and the syntax error that stopped
/// the reading, if any.
pub struct Doc<'t> {
    pub text: &'t str,
    pub nodes: Vec<Node>,
    pub error: Option<SqlError>,
}

impl<'t> Doc<'t> {
    /// Reads `text`; never fails (see [`Doc::error`]).
    pub fn read(text: &'t str) -> Doc<'t> {
        let mut p = Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            nodes: Vec::new(),
        };
        let error = p.document().err();
        Doc {
            text,
            nodes: p.nodes,
            error,
        }
    }

    /// The whole text is one valid JSON value.
    pub fn is_valid(&self) -> bool {
        self.error.is_none() && !self.nodes.is_empty()
    }

    /// The root value, if reading got as far as starting it.
    pub fn root(&self) -> Option<usize> {
        (!self.nodes.is_empty()).then_some(0)
    }

    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// The text of a complete value, exactly as written.
    pub fn raw(&self, i: usize) -> Option<&'t str> {
        let n = &self.nodes[i];
        n.end.map(|e| &self.text[n.start..e])
    }

    /// A complete string value, unescaped.
    pub fn string(&self, i: usize) -> Option<String> {
        let raw = self.raw(i)?;
        unescape(&raw[1..raw.len() - 1])
    }

    /// The value as JSON_VALUE and OPENJSON's `value` column show a scalar: a string
    /// unescaped, a number as written, `true`/`false`; `None` for null (and containers).
    pub fn scalar_text(&self, i: usize) -> Option<String> {
        match self.nodes[i].kind {
            Kind::String => self.string(i),
            Kind::Number | Kind::True | Kind::False => self.raw(i).map(str::to_string),
            _ => None,
        }
    }

    /// The error SQL Server raises for this text when it must be valid JSON.
    pub fn check(&self) -> Result<(), SqlError> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

/// 13609 at a byte offset of the text (SQL Server counts characters from 0).
fn bad_text(text: &str, at: usize) -> SqlError {
    let at = at.min(text.len());
    let (pos, ch) = match text[at..].chars().next() {
        Some(c) => (text[..at].chars().count(), c),
        // At the end: SQL Server names the last character read.
        None => match text.chars().last() {
            Some(c) => (text.chars().count().saturating_sub(1), c),
            None => (0, ' '),
        },
    };
    SqlError::new(
        13609,
        16,
        format!("JSON text is not properly formatted. Unexpected character '{ch}' is found at position {pos}."),
    )
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    nodes: Vec<Node>,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<(), SqlError> {
        self.skip_ws();
        self.value(None, 0, 0)?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err(bad_text(self.text, self.pos));
        }
        Ok(())
    }

    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len()
            && matches!(self.bytes[self.pos], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.pos += 1;
        }
    }

    fn error(&self) -> SqlError {
        bad_text(self.text, self.pos)
    }

    fn push(&mut self, kind: Kind, key: Option<String>, key_start: usize) -> usize {
        self.nodes.push(Node {
            kind,
            start: self.pos,
            end: None,
            key,
            key_start,
            children: Vec::new(),
        });
        self.nodes.len() - 1
    }

    /// Reads one value at `pos` (whitespace already skipped) as a new node.
    fn value(
        &mut self,
        key: Option<String>,
        key_start: usize,
        depth: usize,
    ) -> Result<usize, SqlError> {
        let Some(&b) = self.bytes.get(self.pos) else {
            return Err(self.error());
        };
        let kind = match b {
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'"' => Kind::String,
            b't' => Kind::True,
            b'f' => Kind::False,
            b'n' => Kind::Null,
            b'-' | b'0'..=b'9' => Kind::Number,
            _ => return Err(self.error()),
        };
        if kind.is_container() && depth >= MAX_DEPTH {
            return Err(SqlError::new(
                13606,
                16,
                "JSON text that has more than 128 nesting levels cannot be parsed.",
            ));
        }
        let i = self.push(kind, key, key_start);
        match kind {
            Kind::Object => self.object(i, depth)?,
            Kind::Array => self.array(i, depth)?,
            Kind::String => self.string_token()?,
            Kind::True => self.word("true")?,
            Kind::False => self.word("false")?,
            Kind::Null => self.word("null")?,
            Kind::Number => self.number()?,
        }
        self.nodes[i].end = Some(self.pos);
        Ok(i)
    }

    fn word(&mut self, w: &str) -> Result<(), SqlError> {
        for (k, expected) in w.bytes().enumerate() {
            if self.bytes.get(self.pos + k) != Some(&expected) {
                self.pos += k;
                return Err(self.error());
            }
        }
        self.pos += w.len();
        Ok(())
    }

    fn number(&mut self) -> Result<(), SqlError> {
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.pos < p.bytes.len() && p.bytes[p.pos].is_ascii_digit() {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        if self.bytes.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return Err(self.error());
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error());
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error());
            }
        }
        Ok(())
    }

    /// A string token at `pos` (the opening quote), escapes checked.
    fn string_token(&mut self) -> Result<(), SqlError> {
        self.pos += 1;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.error());
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.pos += 1;
                    match self.bytes.get(self.pos) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            let hex = self.bytes.get(self.pos + 1..self.pos + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.error());
                            }
                            self.pos += 5;
                        }
                        _ => return Err(self.error()),
                    }
                }
                0..=0x1f => return Err(self.error()),
                _ => self.pos += 1,
            }
        }
    }

    fn object(&mut self, i: usize, depth: usize) -> Result<(), SqlError> {
        self.pos += 1;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error());
            }
            let key_start = self.pos;
            self.string_token()?;
            let key = unescape(&self.text[key_start + 1..self.pos - 1]).unwrap_or_default();
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error());
            }
            self.pos += 1;
            self.skip_ws();
            // A value cut short by an error still joins its object (incomplete).
            let child = self.nodes.len();
            let read = self.value(Some(key), key_start, depth + 1);
            if self.nodes.len() > child {
                self.nodes[i].children.push(child);
            }
            read?;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error()),
            }
        }
    }

    fn array(&mut self, i: usize, depth: usize) -> Result<(), SqlError> {
        self.pos += 1;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let child = self.nodes.len();
            let start = self.pos;
            let read = self.value(None, start, depth + 1);
            if self.nodes.len() > child {
                self.nodes[i].children.push(child);
            }
            read?;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error()),
            }
        }
    }
}

/// The characters of a JSON string's body (escapes already checked by the reader).
pub fn unescape(body: &str) -> Option<String> {
    if !body.contains('\\') {
        return Some(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            if pending_high.take().is_some() {
                out.push('\u{FFFD}');
            }
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        let simple = match e {
            '"' => Some('"'),
            '\\' => Some('\\'),
            '/' => Some('/'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'u' => None,
            _ => return None,
        };
        if let Some(s) = simple {
            if pending_high.take().is_some() {
                out.push('\u{FFFD}');
            }
            out.push(s);
            continue;
        }
        let hex: String = chars.by_ref().take(4).collect();
        let unit = u16::from_str_radix(&hex, 16).ok()?;
        match (pending_high.take(), unit) {
            (Some(high), 0xDC00..=0xDFFF) => {
                let c = char::decode_utf16([high, unit]).next()?.ok()?;
                out.push(c);
            }
            (prev, 0xD800..=0xDBFF) => {
                if prev.is_some() {
                    out.push('\u{FFFD}');
                }
                pending_high = Some(unit);
            }
            (prev, _) => {
                if prev.is_some() {
                    out.push('\u{FFFD}');
                }
                out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
            }
        }
    }
    if pending_high.is_some() {
        out.push('\u{FFFD}');
    }
    Some(out)
}

/// A string as a JSON string literal, escaped as SQL Server's FOR JSON and JSON_MODIFY
/// escape it (`"`, `\`, `/`, the named control characters, other controls as `\u00XX`).
pub fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_with_their_spans() {
        let d = Doc::read(r#" {"a": [1, 2.50, "x\"y"], "b": {"c": null}, "t": true} "#);
        assert!(d.is_valid());
        let root = d.root().unwrap();
        assert_eq!(d.node(root).kind, Kind::Object);
        let a = d.node(root).children[0];
        assert_eq!(d.raw(a), Some(r#"[1, 2.50, "x\"y"]"#));
        let two = d.node(a).children[1];
        assert_eq!(d.scalar_text(two).as_deref(), Some("2.50"));
        let s = d.node(a).children[2];
        assert_eq!(d.scalar_text(s).as_deref(), Some("x\"y"));
    }

    #[test]
    fn errors_name_the_character_and_position() {
        let d = Doc::read(r#"{"a":1,}"#);
        let e = d.error.clone().unwrap();
        assert_eq!(e.number, 13609);
        assert!(
            e.message.contains("'}' is found at position 7"),
            "{}",
            e.message
        );
        // What was read before the error stays usable.
        assert_eq!(d.raw(d.node(0).children[0]), Some("1"));
        assert!(!Doc::read("").is_valid());
        assert!(!Doc::read("[1] x").is_valid());
        assert!(!Doc::read("01").is_valid());
    }

    #[test]
    fn escapes_round_trip() {
        let mut q = String::new();
        quote("a/b\"\\\n\u{1}é", &mut q);
        assert_eq!(q, r#""a\/b\"\\\n\u0001é""#);
        assert_eq!(unescape(&q[1..q.len() - 1]).unwrap(), "a/b\"\\\n\u{1}é");
        assert_eq!(unescape(r"\ud83d\ude00").unwrap(), "😀");
    }
}
