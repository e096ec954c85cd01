//! RECORD lines written straight from the driver's decoded values.
//!
//! This is the read path's hot loop (a million rows a second is the aim), so
//! no `serde_json::Value` is built per row: the line's fixed parts (message
//! header, escaped column names) are prepared once per stream, and each value
//! is appended to a reused byte buffer.

mod digits;
mod temporal;

use crate::error::{Error, Result};
use crate::protocol::airbyte::StreamDescriptor;
use base64::Engine;
use std::borrow::Borrow;
use tiberius::ColumnData;

/// Writes the RECORD lines of one stream.
#[derive(Debug, Clone)]
pub struct RecordWriter {
    /// Airbyte: `{"type":"RECORD","record":{"stream":..,"namespace":..,"emitted_at":`;
    /// Singer: `{"type":"RECORD","stream":..,...,"record":`.
    header: Vec<u8>,
    /// Whether `emitted_at` and `,"data":` follow the header (Airbyte only:
    /// Singer's `time_extracted` is fixed in the header).
    stamped: bool,
    /// What closes the line after the record's object.
    footer: &'static [u8],
    /// `"column":` for each column, in the query's column order.
    keys: Vec<Vec<u8>>,
}

impl RecordWriter {
    pub fn new<S: AsRef<str>>(stream: &StreamDescriptor, columns: &[S]) -> Self {
        let mut header = br#"{"type":"RECORD","record":{"stream":"#.to_vec();
        push_str(&mut header, &stream.name);
        if let Some(namespace) = &stream.namespace {
            header.extend_from_slice(br#","namespace":"#);
            push_str(&mut header, namespace);
        }
        header.extend_from_slice(br#","emitted_at":"#);
        Self {
            header,
            stamped: true,
            footer: b"}}\n",
            keys: keys(columns),
        }
    }

    /// A Singer RECORD writer: `header` is the line up to and including
    /// `"record":`, the same for every row of the stream.
    pub fn singer<S: AsRef<str>>(header: Vec<u8>, columns: &[S]) -> Self {
        Self {
            header,
            stamped: false,
            footer: b"}\n",
            keys: keys(columns),
        }
    }

    /// Appends one RECORD line, newline included, to `out`. `values` are the
    /// row's values in the order of the columns given to [`RecordWriter::new`].
    ///
    /// Takes values or references to them, so both `row.into_iter()` and
    /// `row.cells().map(|(_, v)| v)` fit.
    pub fn write<'d, V: Borrow<ColumnData<'d>>>(
        &self,
        out: &mut Vec<u8>,
        emitted_at: i64,
        values: impl IntoIterator<Item = V>,
    ) -> Result<()> {
        let start = out.len();
        out.extend_from_slice(&self.header);
        if self.stamped {
            out.extend_from_slice(itoa::Buffer::new().format(emitted_at).as_bytes());
            out.extend_from_slice(br#","data":"#);
        }
        out.push(b'{');
        let mut count = 0;
        for value in values {
            let Some(key) = self.keys.get(count) else {
                out.truncate(start);
                return Err(self.mismatch(count + 1));
            };
            if count > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key);
            push_value(out, value.borrow());
            count += 1;
        }
        if count != self.keys.len() {
            out.truncate(start);
            return Err(self.mismatch(count));
        }
        out.push(b'}');
        out.extend_from_slice(self.footer);
        Ok(())
    }

    fn mismatch(&self, got: usize) -> Error {
        Error::system(format!(
            "a row had {got} or more values for {} columns; this is a bug in source-mssql",
            self.keys.len()
        ))
    }
}

/// `"column":` for each column.
fn keys<S: AsRef<str>>(columns: &[S]) -> Vec<Vec<u8>> {
    columns
        .iter()
        .map(|name| {
            let mut key = Vec::with_capacity(name.as_ref().len() + 3);
            push_str(&mut key, name.as_ref());
            key.push(b':');
            key
        })
        .collect()
}

/// Appends one value as JSON: `null` for SQL NULL.
pub fn push_value(out: &mut Vec<u8>, value: &ColumnData<'_>) {
    match value {
        ColumnData::U8(Some(n)) => push_integer(out, *n),
        ColumnData::I16(Some(n)) => push_integer(out, *n),
        ColumnData::I32(Some(n)) => push_integer(out, *n),
        ColumnData::I64(Some(n)) => push_integer(out, *n),
        ColumnData::F32(Some(x)) => push_float(out, *x),
        ColumnData::F64(Some(x)) => push_float(out, *x),
        ColumnData::Bit(Some(b)) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        ColumnData::String(Some(s)) => push_str(out, s),
        ColumnData::Xml(Some(xml)) => push_str(out, AsRef::<str>::as_ref(&**xml)),
        ColumnData::Guid(Some(guid)) => quoted(out, |o| push_guid(o, guid)),
        ColumnData::Binary(Some(bytes)) => quoted(out, |o| push_base64(o, bytes)),
        ColumnData::Numeric(Some(n)) => digits::push_numeric(out, *n),
        ColumnData::Date(Some(d)) => quoted(out, |o| temporal::push_date(o, *d)),
        ColumnData::Time(Some(t)) => quoted(out, |o| temporal::push_time(o, *t)),
        ColumnData::DateTime(Some(dt)) => quoted(out, |o| temporal::push_datetime(o, *dt)),
        ColumnData::SmallDateTime(Some(dt)) => {
            quoted(out, |o| temporal::push_smalldatetime(o, *dt))
        }
        ColumnData::DateTime2(Some(dt)) => quoted(out, |o| temporal::push_datetime2(o, *dt)),
        ColumnData::DateTimeOffset(Some(dt)) => {
            quoted(out, |o| temporal::push_datetimeoffset(o, *dt))
        }
        _ => out.extend_from_slice(b"null"),
    }
}

/// The value's text without JSON quoting, as a cursor is kept in the state;
/// `None` for NULL.
pub fn value_text(value: &ColumnData<'_>) -> Option<String> {
    let mut out = Vec::new();
    push_value(&mut out, value);
    match out.as_slice() {
        b"null" => None,
        [b'"', ..] => serde_json::from_slice::<String>(&out).ok(),
        _ => String::from_utf8(out).ok(),
    }
}

fn quoted(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    out.push(b'"');
    write(out);
    out.push(b'"');
}

fn push_integer(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// The shortest text that reads back as the same float. SQL Server can't
/// store NaN or infinity; should one arrive anyway, null keeps the JSON valid.
fn push_float<F: ryu::Float + IsFinite>(out: &mut Vec<u8>, x: F) {
    if x.finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

trait IsFinite {
    fn finite(self) -> bool;
}

impl IsFinite for f32 {
    fn finite(self) -> bool {
        self.is_finite()
    }
}

impl IsFinite for f64 {
    fn finite(self) -> bool {
        self.is_finite()
    }
}

/// SQL Server's text form: upper case, hyphenated. The driver already put
/// the wire's little-endian groups in RFC order, so the text matches what
/// SQL Server shows.
fn push_guid(out: &mut Vec<u8>, guid: &tiberius::Uuid) {
    let mut text = tiberius::Uuid::encode_buffer();
    out.extend_from_slice(guid.hyphenated().encode_upper(&mut text).as_bytes());
}

fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let engine = &base64::engine::general_purpose::STANDARD;
    let start = out.len();
    let Some(len) = base64::encoded_len(bytes.len(), true) else {
        return;
    };
    out.resize(start + len, 0);
    let written = engine
        .encode_slice(bytes, &mut out[start..])
        .unwrap_or_default();
    out.truncate(start + written);
}

/// A JSON string: quotes, backslashes and control characters escaped, all
/// else copied as UTF-8 (Rust strings are valid UTF-8, so surrogate pairs
/// arrive already combined).
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut clean_from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[clean_from..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        } else {
            out.extend_from_slice(escape);
        }
        clean_from = i + 1;
    }
    out.extend_from_slice(&bytes[clean_from..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests;
