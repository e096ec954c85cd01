//! RECORD lines written straight from borrowed wire values ([`ValueRef`]): the prototype of
//! source-mssql's writer on `tds-client`, with no value allocated per cell or per row.
//!
//! Each value is written exactly as `crates/source-mssql/src/json.rs` writes tiberius'
//! (README's type mapping): integers and exact decimals as numbers with every digit,
//! floats in their shortest round-trip text, dates and times from the wire's integers in
//! the column's own precision, text transcoded from UTF-16 or the code page straight into
//! the escaped JSON string, binaries as base64, GUIDs upper case. The race checks its lines
//! against `source-mssql read`'s on the same table, byte for byte but for `emitted_at`.
//! When the source moves onto this client, this module moves into its `json.rs`.

use base64::Engine;
use tds_client::{RowRef, ValueRef};
use tds_protocol::collation::{cp1252_char, Collation};
use tds_protocol::values::TypeInfo;
use tds_protocol::ProtocolError;

/// Writes the RECORD lines of one stream.
pub struct RecordWriter {
    /// `{"type":"RECORD","record":{"stream":..,"namespace":..,"emitted_at":`
    header: Vec<u8>,
    /// `"column":` for each column.
    keys: Vec<Vec<u8>>,
}

impl RecordWriter {
    pub fn new(stream: &str, namespace: Option<&str>, columns: &[&str]) -> RecordWriter {
        let mut header = br#"{"type":"RECORD","record":{"stream":"#.to_vec();
        push_str(&mut header, stream);
        if let Some(namespace) = namespace {
            header.extend_from_slice(br#","namespace":"#);
            push_str(&mut header, namespace);
        }
        header.extend_from_slice(br#","emitted_at":"#);
        let keys = columns
            .iter()
            .map(|name| {
                let mut key = Vec::with_capacity(name.len() + 3);
                push_str(&mut key, name);
                key.push(b':');
                key
            })
            .collect();
        RecordWriter { header, keys }
    }

    /// Appends one RECORD line, newline included. On an error `out` is left as it was.
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        emitted_at: i64,
        row: &RowRef<'_>,
    ) -> Result<(), ProtocolError> {
        if row.len() != self.keys.len() {
            return Err(ProtocolError(format!(
                "a row of {} values for {} columns",
                row.len(),
                self.keys.len()
            )));
        }
        let start = out.len();
        out.extend_from_slice(&self.header);
        out.extend_from_slice(itoa::Buffer::new().format(emitted_at).as_bytes());
        out.extend_from_slice(br#","data":{"#);
        for (i, (key, column)) in self.keys.iter().zip(row.columns()).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key);
            let written = row
                .get(i)
                .and_then(|value| push_value(out, value, &column.info));
            if let Err(e) = written {
                out.truncate(start);
                return Err(e);
            }
        }
        out.extend_from_slice(b"}}}\n");
        Ok(())
    }
}

/// Appends one value as JSON: `null` for SQL NULL.
pub fn push_value(
    out: &mut Vec<u8>,
    value: ValueRef<'_>,
    info: &TypeInfo,
) -> Result<(), ProtocolError> {
    match value {
        ValueRef::Null => out.extend_from_slice(b"null"),
        ValueRef::Bit(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        ValueRef::TinyInt(n) => push_integer(out, n),
        ValueRef::SmallInt(n) => push_integer(out, n),
        ValueRef::Int(n) => push_integer(out, n),
        ValueRef::BigInt(n) => push_integer(out, n),
        ValueRef::Real(x) => push_float(out, x, x.is_finite()),
        ValueRef::Float(x) => push_float(out, x, x.is_finite()),
        ValueRef::Decimal {
            negative,
            magnitude,
            scale,
        } => push_decimal(out, negative, magnitude, scale),
        ValueRef::Money(m) => push_decimal(out, m < 0, u128::from(m.unsigned_abs()), 4),
        ValueRef::Date(days) => quoted(out, |o| push_date(o, days)),
        ValueRef::Time { units, scale } => quoted(out, |o| push_time_of_day(o, units, scale)),
        ValueRef::DateTime2 { days, units, scale } => quoted(out, |o| {
            push_date(o, days);
            o.push(b'T');
            push_time_of_day(o, units, scale);
        }),
        ValueRef::DateTimeOffset {
            utc_days,
            utc_units,
            scale,
            offset_minutes,
        } => quoted(out, |o| {
            push_datetimeoffset(o, utc_days, utc_units, scale, offset_minutes)
        }),
        ValueRef::SmallDateTime { days, minutes } => quoted(out, |o| {
            push_civil_date(o, i64::from(days) - DAYS_1900_TO_1970);
            o.push(b'T');
            push_time_of_day(o, u64::from(minutes) * 60, 0);
        }),
        ValueRef::DateTime { days, ticks } => quoted(out, |o| {
            push_civil_date(o, i64::from(days) - DAYS_1900_TO_1970);
            o.push(b'T');
            // 1/300 s shown rounded to the millisecond, as SQL Server shows it.
            push_time_of_day(o, (u64::from(ticks) * 10 + 1) / 3, 3);
        }),
        ValueRef::Guid(g) => quoted(out, |o| push_guid(o, &g)),
        ValueRef::Ansi(bytes) => push_ansi(out, bytes, info.collation),
        ValueRef::Utf16(bytes) => push_utf16(out, bytes),
        ValueRef::Xml(bytes) => {
            let bytes = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes);
            push_utf16(out, bytes)
        }
        ValueRef::Binary(bytes) => quoted(out, |o| push_base64(o, bytes)),
        ValueRef::Variant(_) => {
            return Err(ProtocolError(
                "a sql_variant value: source-mssql's SELECT reads it as nvarchar".into(),
            ))
        }
    }
    Ok(())
}

fn quoted(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    out.push(b'"');
    write(out);
    out.push(b'"');
}

fn push_integer(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// The shortest text that reads back as the same float; null for NaN or infinity, which
/// SQL Server cannot store.
fn push_float<F: ryu::Float>(out: &mut Vec<u8>, x: F, finite: bool) {
    if finite {
        out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// Every digit, the scale's trailing zeros included, never through a float.
fn push_decimal(out: &mut Vec<u8>, negative: bool, magnitude: u128, scale: u8) {
    // tiberius keeps -0 as 0: so does the source.
    if negative && magnitude != 0 {
        out.push(b'-');
    }
    let scale = usize::from(scale);
    let mut digits = itoa::Buffer::new();
    let text = digits.format(magnitude).as_bytes();
    if scale == 0 {
        out.extend_from_slice(text);
    } else if text.len() > scale {
        let (whole, fraction) = text.split_at(text.len() - scale);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(fraction);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - text.len()));
        out.extend_from_slice(text);
    }
}

/// Days from 0001-01-01 (the `date`/`datetime2` epoch) to 1970-01-01.
const DAYS_0001_TO_1970: i64 = 719_162;
/// Days from 1900-01-01 (the `datetime`/`smalldatetime` epoch) to 1970-01-01.
const DAYS_1900_TO_1970: i64 = 25_567;
const SECONDS_PER_DAY: u64 = 86_400;

fn push_date(out: &mut Vec<u8>, days: u32) {
    push_civil_date(out, i64::from(days) - DAYS_0001_TO_1970);
}

/// The local date and time (UTC plus the offset) and the offset, `+HH:MM`.
fn push_datetimeoffset(out: &mut Vec<u8>, utc_days: u32, utc_units: u64, scale: u8, offset: i16) {
    let unit = 10i64.pow(u32::from(scale));
    let day = SECONDS_PER_DAY as i64 * unit;
    let offset = i64::from(offset);
    let local = utc_units as i64 + offset * 60 * unit;
    push_civil_date(
        out,
        i64::from(utc_days) + local.div_euclid(day) - DAYS_0001_TO_1970,
    );
    out.push(b'T');
    push_time_of_day(out, local.rem_euclid(day) as u64, scale);
    out.push(if offset < 0 { b'-' } else { b'+' });
    let minutes = offset.unsigned_abs();
    push_2(out, (minutes / 60) as u32);
    out.push(b':');
    push_2(out, (minutes % 60) as u32);
}

/// `HH:MM:SS[.fffffff]`: `ticks` counts units of 10^-scale s since midnight.
fn push_time_of_day(out: &mut Vec<u8>, ticks: u64, scale: u8) {
    let unit = 10u64.pow(u32::from(scale));
    let seconds = ticks / unit;
    push_2(out, (seconds / 3600) as u32);
    out.push(b':');
    push_2(out, (seconds / 60 % 60) as u32);
    out.push(b':');
    push_2(out, (seconds % 60) as u32);
    if scale > 0 {
        out.push(b'.');
        let mut digits = itoa::Buffer::new();
        let text = digits.format(ticks % unit).as_bytes();
        out.extend(std::iter::repeat_n(
            b'0',
            usize::from(scale).saturating_sub(text.len()),
        ));
        out.extend_from_slice(text);
    }
}

/// `YYYY-MM-DD` of the proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn push_civil_date(out: &mut Vec<u8>, days: i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    push_2(out, (year / 100) as u32);
    push_2(out, (year % 100) as u32);
    out.push(b'-');
    push_2(out, month as u32);
    out.push(b'-');
    push_2(out, day as u32);
}

fn push_2(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&[b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]);
}

/// Upper case and hyphenated, as SQL Server shows it (the bytes are in text order).
fn push_guid(out: &mut Vec<u8>, g: &[u8; 16]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, b) in g.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
    }
}

fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    let Some(len) = base64::encoded_len(bytes.len(), true) else {
        return;
    };
    out.resize(start + len, 0);
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, &mut out[start..])
        .unwrap_or_default();
    out.truncate(start + written);
}

/// The JSON escape of an ASCII byte, if it needs one.
fn escape(b: u8) -> Option<&'static [u8]> {
    match b {
        b'"' => Some(b"\\\""),
        b'\\' => Some(b"\\\\"),
        b'\n' => Some(b"\\n"),
        b'\r' => Some(b"\\r"),
        b'\t' => Some(b"\\t"),
        0x08 => Some(b"\\b"),
        0x0c => Some(b"\\f"),
        0x00..=0x1f => Some(b""),
        _ => None,
    }
}

/// Appends an ASCII byte of a string, escaped.
fn push_ascii(out: &mut Vec<u8>, b: u8) {
    match escape(b) {
        None => out.push(b),
        Some(b"") => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        }
        Some(escaped) => out.extend_from_slice(escaped),
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    if c.is_ascii() {
        push_ascii(out, c as u8);
    } else {
        let mut utf8 = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
    }
}

/// A JSON string of a Rust string (names).
fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        push_char(out, c);
    }
    out.push(b'"');
}

/// A JSON string straight from UTF-16LE bytes (an unpaired surrogate becomes U+FFFD).
fn push_utf16(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() / 2 + 2);
    out.push(b'"');
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    for c in char::decode_utf16(units) {
        push_char(out, c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    out.push(b'"');
}

/// A JSON string straight from the column's code page (1252, or UTF-8 collations).
fn push_ansi(out: &mut Vec<u8>, bytes: &[u8], collation: Option<Collation>) {
    if collation.is_some_and(Collation::is_utf8) {
        push_str(out, &String::from_utf8_lossy(bytes));
        return;
    }
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    for &b in bytes {
        if b.is_ascii() {
            push_ascii(out, b);
        } else {
            push_char(out, cp1252_char(b));
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn decimals_dates_and_strings() {
        assert_eq!(text(|o| push_decimal(o, true, 5, 3)), "-0.005");
        assert_eq!(text(|o| push_decimal(o, false, 150, 2)), "1.50");
        assert_eq!(text(|o| push_decimal(o, true, 0, 2)), "0.00");
        assert_eq!(text(|o| push_date(o, 0)), "0001-01-01");
        assert_eq!(text(|o| push_date(o, 3_652_058)), "9999-12-31");
        assert_eq!(
            text(|o| push_datetimeoffset(o, 738_884, 6_840_012, 2, 330)),
            "2024-01-01T00:30:00.12+05:30"
        );
        let utf16: Vec<u8> = "a\"\n😀é\u{1}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(text(|o| push_utf16(o, &utf16)), r#""a\"\n😀é\u0001""#);
        assert_eq!(text(|o| push_ansi(o, b"Caf\xE9\x80", None)), "\"Café€\"");
        assert_eq!(
            text(|o| push_guid(o, &[0xAB; 16])),
            "ABABABAB-ABAB-ABAB-ABAB-ABABABABABAB"
        );
    }
}
