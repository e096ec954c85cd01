//! Reads typed values out of a JSON object, with errors that name the key.
//!
//! serde's derive would stop at the first problem with a message naming a
//! line and column; a user editing a config in a UI wants the key's name and
//! what it should be, and we want to know which keys nobody read, to warn
//! about typos. So the config is walked by hand with these helpers.

use super::Secret;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// One JSON object of the config, remembering which keys were read.
pub struct ObjectReader<'a> {
    /// Dotted path of this object (`""` at the top), to name nested keys.
    path: String,
    map: &'a Map<String, Value>,
    read: Vec<&'a str>,
}

impl<'a> ObjectReader<'a> {
    pub fn new(path: impl Into<String>, map: &'a Map<String, Value>) -> Self {
        Self {
            path: path.into(),
            map,
            read: Vec::new(),
        }
    }

    /// The key's full dotted name, as error messages show it.
    pub fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The key's value; `null` counts as absent, as UIs write it for unset keys.
    pub fn get(&mut self, key: &str) -> Option<&'a Value> {
        let (k, v) = self.map.get_key_value(key)?;
        self.read.push(k.as_str());
        (!v.is_null()).then_some(v)
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    /// A string that may not be empty or blank.
    pub fn text(&mut self, key: &str) -> Result<Option<String>> {
        match self.string(key)? {
            Some(s) if s.trim().is_empty() => Err(Error::config(format!(
                "config: `{}` must not be empty",
                self.name(key)
            ))),
            other => Ok(other),
        }
    }

    pub fn required_text(&mut self, key: &str, what: &str) -> Result<String> {
        self.text(key)?.ok_or_else(|| self.missing(key, what))
    }

    /// A secret string: errors say what is wrong with it, never its value.
    pub fn secret(&mut self, key: &str) -> Result<Option<Secret>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(Secret::new(s.clone()))),
            Some(other) => Err(Error::config(format!(
                "config: `{}` must be a string, got {}",
                self.name(key),
                kind(other)
            ))),
        }
    }

    /// An integer in `min..=max`; a string of digits is accepted too, since
    /// some UIs and hand-written configs quote numbers.
    pub fn integer(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let number = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match number {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => {
                let range = if max == i64::MAX {
                    format!("an integer of at least {min}")
                } else {
                    format!("an integer from {min} to {max}")
                };
                Err(self.wrong(key, &range, value))
            }
        }
    }

    pub fn object(&mut self, key: &str) -> Result<Option<ObjectReader<'a>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(ObjectReader::new(self.name(key), map))),
            Some(other) => Err(self.wrong(key, "an object", other)),
        }
    }

    pub fn string_list(&mut self, key: &str) -> Result<Option<Vec<String>>> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(self.wrong(key, "an array of strings", value));
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(self.wrong(key, "an array of strings", other)),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    pub fn missing(&self, key: &str, what: &str) -> Error {
        Error::config(format!(
            "config: `{}` is missing; set it to {what}",
            self.name(key)
        ))
    }

    pub fn wrong(&self, key: &str, expected: &str, got: &Value) -> Error {
        Error::config(format!(
            "config: `{}` must be {expected}, got {}",
            self.name(key),
            shown(got)
        ))
    }

    /// Adds the dotted names of keys nobody read to `unknown`.
    pub fn finish(self, unknown: &mut Vec<String>) {
        for key in self.map.keys() {
            if !self.read.contains(&key.as_str()) {
                unknown.push(self.name(key));
            }
        }
    }
}

/// A value as an error message shows it: its JSON text, cut short.
pub fn shown(value: &Value) -> String {
    const LIMIT: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// What kind of JSON value this is, for messages that must not show it.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn integer_names_key_range_and_value() {
        let m = map(json!({"port": "abc"}));
        let mut r = ObjectReader::new("", &m);
        let err = r.integer("port", 1, 65535).unwrap_err();
        assert_eq!(
            err.message,
            "config: `port` must be an integer from 1 to 65535, got \"abc\""
        );
    }

    #[test]
    fn quoted_integers_are_accepted() {
        let m = map(json!({"port": " 1434"}));
        let mut r = ObjectReader::new("", &m);
        assert_eq!(r.integer("port", 1, 65535).unwrap(), Some(1434));
    }

    #[test]
    fn nested_keys_are_dotted_and_unread_keys_reported() {
        let m = map(json!({"a": 1, "b": null, "c": 2}));
        let mut r = ObjectReader::new("tunnel_method", &m);
        assert!(r.get("b").is_none());
        assert_eq!(r.name("a"), "tunnel_method.a");
        let mut unknown = vec![];
        r.finish(&mut unknown);
        assert_eq!(unknown, vec!["tunnel_method.a", "tunnel_method.c"]);
    }

    #[test]
    fn secrets_are_never_shown() {
        let m = map(json!({"password": 123456789}));
        let mut r = ObjectReader::new("", &m);
        let err = r.secret("password").unwrap_err();
        assert!(!err.message.contains("123456789"), "{}", err.message);
        assert!(err
            .message
            .contains("`password` must be a string, got a number"));
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(500);
        assert!(shown(&json!(long)).len() < 70);
    }
}
