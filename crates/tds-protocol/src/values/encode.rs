//! Values as ROW tokens carry them (MS-TDS 2.2.5.5), server to client.
//!
//! Fixed-size values are written straight into `out` with no allocation; strings are
//! transcoded straight into `out` too, and their length prefix patched afterwards.

use super::convert::{self, out_of_range};
use super::temporal::{self, write_date, write_time};
use super::typeinfo::{decimal_len, is_max, MAX_INROW_BYTES, MAX_INROW_CHARS};
use super::variant;
use super::wire::err;
use crate::collation::encode_cp1252;
use crate::types::{SqlType, Value};
use crate::Result;

/// Largest PLP chunk written, in bytes. Chunks are cut at character boundaries, so no
/// UTF-16 code unit or surrogate pair straddles two chunks.
pub const PLP_CHUNK: usize = 32 * 1024;

const PLP_NULL: u64 = u64::MAX;

/// The text pointer and timestamp SQL Server puts before a text, ntext or image value.
/// Clients skip both; the pointer only has to be 16 bytes and non-empty.
const TEXT_POINTER: [u8; 16] = *b"mssql-emulator\0\0";
const TEXT_TIMESTAMP: [u8; 8] = [0; 8];

/// How a string column stores characters.
#[derive(Clone, Copy)]
enum Charset {
    /// Code page 1252, one byte per character.
    Cp1252,
    /// UTF-16LE, two bytes per code unit.
    Utf16,
}

pub(crate) fn encode_value(ty: &SqlType, value: &Value, out: &mut Vec<u8>) -> Result<()> {
    if let Value::Variant(inner) = value {
        if *ty != SqlType::SqlVariant {
            return encode_value(ty, &inner.1, out);
        }
    }
    if value.is_null() {
        write_null(ty, out);
        return Ok(());
    }
    match *ty {
        SqlType::Bit => out.extend_from_slice(&[1, u8::from(convert::to_bit(ty, value)?)]),
        SqlType::TinyInt => {
            let v = convert::to_int_in(ty, value, 0, 255)?;
            out.extend_from_slice(&[1, v as u8]);
        }
        SqlType::SmallInt => {
            let v = convert::to_int_in(ty, value, i16::MIN.into(), i16::MAX.into())?;
            out.push(2);
            out.extend_from_slice(&(v as i16).to_le_bytes());
        }
        SqlType::Int => {
            let v = convert::to_int_in(ty, value, i32::MIN.into(), i32::MAX.into())?;
            out.push(4);
            out.extend_from_slice(&(v as i32).to_le_bytes());
        }
        SqlType::BigInt => {
            out.push(8);
            out.extend_from_slice(&convert::to_i64(ty, value)?.to_le_bytes());
        }
        SqlType::Decimal { precision, scale } | SqlType::Numeric { precision, scale } => {
            let mantissa = convert::to_decimal(ty, value, precision, scale)?;
            out.push(decimal_len(precision));
            write_decimal_body(mantissa, precision, out);
        }
        SqlType::Money => {
            out.push(8);
            write_money(convert::to_money(ty, value)?, out);
        }
        SqlType::SmallMoney => {
            let m = convert::to_money(ty, value)?;
            let m = i32::try_from(m).map_err(|_| out_of_range(ty))?;
            out.push(4);
            out.extend_from_slice(&m.to_le_bytes());
        }
        SqlType::Real => {
            out.push(4);
            let f = convert::to_f64(ty, value)?;
            let real = f as f32;
            if real.is_infinite() && f.is_finite() {
                return Err(out_of_range(ty));
            }
            out.extend_from_slice(&real.to_le_bytes());
        }
        SqlType::Float => {
            out.push(8);
            out.extend_from_slice(&convert::to_f64(ty, value)?.to_le_bytes());
        }
        SqlType::Date => {
            out.push(3);
            write_date(convert::to_date(ty, value)?, out)?;
        }
        SqlType::Time { scale } => {
            out.push(temporal::time_len(scale) as u8);
            write_time(convert::to_time(ty, value)?, scale, out)?;
        }
        SqlType::DateTime2 { scale } => {
            let (date, time) = convert::to_datetime2(ty, value)?;
            out.push(temporal::time_len(scale) as u8 + 3);
            write_time(time, scale, out)?;
            write_date(date, out)?;
        }
        SqlType::DateTimeOffset { scale } => {
            out.push(temporal::time_len(scale) as u8 + 5);
            write_datetimeoffset_body(ty, value, scale, out)?;
        }
        SqlType::SmallDateTime => {
            let (days, minutes) = convert::to_smalldatetime(ty, value)?;
            out.push(4);
            out.extend_from_slice(&days.to_le_bytes());
            out.extend_from_slice(&minutes.to_le_bytes());
        }
        SqlType::DateTime => {
            let (days, ticks) = convert::to_datetime(ty, value)?;
            out.push(8);
            out.extend_from_slice(&days.to_le_bytes());
            out.extend_from_slice(&ticks.to_le_bytes());
        }
        SqlType::Char(n) => write_fixed_string(ty, value, Charset::Cp1252, n, out)?,
        SqlType::NChar(n) => write_fixed_string(ty, value, Charset::Utf16, n, out)?,
        SqlType::VarChar(n) if is_max(n, MAX_INROW_BYTES) => {
            write_plp_str(convert::to_str(ty, value)?, Charset::Cp1252, out)
        }
        SqlType::VarChar(n) => write_var_string(ty, value, Charset::Cp1252, n, out)?,
        SqlType::NVarChar(n) if is_max(n, MAX_INROW_CHARS) => {
            write_plp_str(convert::to_str(ty, value)?, Charset::Utf16, out)
        }
        SqlType::NVarChar(n) => write_var_string(ty, value, Charset::Utf16, n, out)?,
        SqlType::Xml => write_plp_str(convert::to_str(ty, value)?, Charset::Utf16, out),
        SqlType::Text => write_text(ty, value, Some(Charset::Cp1252), out)?,
        SqlType::NText => write_text(ty, value, Some(Charset::Utf16), out)?,
        SqlType::Image => write_text(ty, value, None, out)?,
        SqlType::Binary(n) => write_fixed_binary(ty, value, n, out)?,
        SqlType::RowVersion => write_fixed_binary(ty, value, 8, out)?,
        SqlType::VarBinary(n) if is_max(n, MAX_INROW_BYTES) => {
            write_plp_bytes(&convert::to_bytes(ty, value)?, out)
        }
        SqlType::VarBinary(n) => {
            let bytes = convert::to_bytes(ty, value)?;
            let n = n.unwrap_or(MAX_INROW_BYTES);
            if bytes.len() > usize::from(n) {
                return Err(too_long(ty, bytes.len()));
            }
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        SqlType::UniqueIdentifier => {
            out.push(16);
            write_guid(convert::to_guid(ty, value)?, out);
        }
        SqlType::SqlVariant => variant::encode(value, out)?,
    }
    Ok(())
}

/// The NULL of each wire form: a zero length byte for the nullable fixed types, 0xFFFF for
/// the two-byte-length types, the PLP null for `(max)`, an empty text pointer for
/// text/ntext/image, and a zero four-byte length for sql_variant.
fn write_null(ty: &SqlType, out: &mut Vec<u8>) {
    match *ty {
        SqlType::VarChar(n) | SqlType::VarBinary(n) if is_max(n, MAX_INROW_BYTES) => {
            out.extend_from_slice(&PLP_NULL.to_le_bytes())
        }
        SqlType::NVarChar(n) if is_max(n, MAX_INROW_CHARS) => {
            out.extend_from_slice(&PLP_NULL.to_le_bytes())
        }
        SqlType::Xml => out.extend_from_slice(&PLP_NULL.to_le_bytes()),
        SqlType::Char(_)
        | SqlType::VarChar(_)
        | SqlType::NChar(_)
        | SqlType::NVarChar(_)
        | SqlType::Binary(_)
        | SqlType::VarBinary(_)
        | SqlType::RowVersion => out.extend_from_slice(&[0xFF, 0xFF]),
        SqlType::SqlVariant => out.extend_from_slice(&[0, 0, 0, 0]),
        _ => out.push(0),
    }
}

fn too_long(ty: &SqlType, len: usize) -> crate::ProtocolError {
    err(format!(
        "string or binary data would be truncated: {len} bytes do not fit {ty}"
    ))
}

/// Sign byte (1 = positive) and the magnitude in as many bytes as `precision` needs.
pub(crate) fn write_decimal_body(mantissa: i128, precision: u8, out: &mut Vec<u8>) {
    let magnitude = usize::from(decimal_len(precision)) - 1;
    out.push(u8::from(mantissa >= 0));
    out.extend_from_slice(&mantissa.unsigned_abs().to_le_bytes()[..magnitude]);
}

/// Money as two 32-bit halves, the high one first, each little-endian.
pub(crate) fn write_money(m: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(&((m >> 32) as u32).to_le_bytes());
    out.extend_from_slice(&(m as u32).to_le_bytes());
}

/// The GUID's first three groups little-endian, the last two as written.
pub(crate) fn write_guid(g: [u8; 16], out: &mut Vec<u8>) {
    out.extend_from_slice(&[g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6]]);
    out.extend_from_slice(&g[8..]);
}

/// The UTC time, UTC date and offset of a datetimeoffset (without its length byte).
pub(crate) fn write_datetimeoffset_body(
    ty: &SqlType,
    value: &Value,
    scale: u8,
    out: &mut Vec<u8>,
) -> Result<()> {
    let (date, time, offset) = convert::to_datetimeoffset(ty, value)?;
    let (utc_date, utc_time) = temporal::local_to_utc(date, time, offset)?;
    write_time(utc_time, scale, out)?;
    write_date(utc_date, out)?;
    out.extend_from_slice(&offset.to_le_bytes());
    Ok(())
}

/// Appends `s` in `charset` and returns the length it counts toward the column's declared
/// size: bytes for cp1252, code units for UTF-16.
fn write_chars(s: &str, charset: Charset, out: &mut Vec<u8>) -> usize {
    match charset {
        Charset::Cp1252 => encode_cp1252(s, out),
        Charset::Utf16 => {
            let start = out.len();
            out.reserve(s.len() * 2);
            if s.is_ascii() {
                for &b in s.as_bytes() {
                    out.extend_from_slice(&[b, 0]);
                }
            } else {
                for unit in s.encode_utf16() {
                    out.extend_from_slice(&unit.to_le_bytes());
                }
            }
            (out.len() - start) / 2
        }
    }
}

/// `char(n)`/`nchar(n)`: a two-byte byte length, then the string padded with spaces to n.
fn write_fixed_string(
    ty: &SqlType,
    value: &Value,
    charset: Charset,
    n: u16,
    out: &mut Vec<u8>,
) -> Result<()> {
    let s = convert::to_str(ty, value)?;
    let unit = match charset {
        Charset::Cp1252 => 1,
        Charset::Utf16 => 2,
    };
    let byte_len = (usize::from(n) * unit).min(0xFFFE);
    out.extend_from_slice(&(byte_len as u16).to_le_bytes());
    let written = write_within(ty, s, charset, byte_len / unit, out)?;
    write_spaces(charset, byte_len / unit - written, out);
    Ok(())
}

fn write_spaces(charset: Charset, count: usize, out: &mut Vec<u8>) {
    for _ in 0..count {
        match charset {
            Charset::Cp1252 => out.push(b' '),
            Charset::Utf16 => out.extend_from_slice(&[b' ', 0]),
        }
    }
}

/// Writes `s` if it fits in `limit` units (bytes for cp1252, code units for UTF-16) and
/// returns the units written. A string over the limit by trailing spaces alone is cut to the
/// limit, as SQL Server stores it (trailing blanks never raise "would be truncated"); any
/// other excess is an error.
fn write_within(
    ty: &SqlType,
    s: &str,
    charset: Charset,
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<usize> {
    let start = out.len();
    let written = write_chars(s, charset, out);
    if written <= limit {
        return Ok(written);
    }
    out.truncate(start);
    let trimmed = write_chars(s.trim_end_matches(' '), charset, out);
    if trimmed <= limit {
        write_spaces(charset, limit - trimmed, out);
        return Ok(limit);
    }
    out.truncate(start);
    let unit = match charset {
        Charset::Cp1252 => 1,
        Charset::Utf16 => 2,
    };
    Err(too_long(ty, written * unit))
}

/// `varchar(n)`/`nvarchar(n)`: a two-byte byte length, then the string.
fn write_var_string(
    ty: &SqlType,
    value: &Value,
    charset: Charset,
    n: Option<u16>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let s = convert::to_str(ty, value)?;
    let at = out.len();
    out.extend_from_slice(&[0, 0]);
    write_within(ty, s, charset, usize::from(n.unwrap_or(0)), out)?;
    let byte_len = (out.len() - at - 2) as u16;
    out[at..at + 2].copy_from_slice(&byte_len.to_le_bytes());
    Ok(())
}

/// `binary(n)` and rowversion: the bytes padded with zeros to n.
fn write_fixed_binary(ty: &SqlType, value: &Value, n: u16, out: &mut Vec<u8>) -> Result<()> {
    let bytes = convert::to_bytes(ty, value)?;
    if bytes.len() > usize::from(n) {
        return Err(too_long(ty, bytes.len()));
    }
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&bytes);
    out.resize(out.len() + usize::from(n) - bytes.len(), 0);
    Ok(())
}

/// text/ntext/image: text pointer, timestamp, four-byte length, data.
/// `charset` is `None` for image.
fn write_text(
    ty: &SqlType,
    value: &Value,
    charset: Option<Charset>,
    out: &mut Vec<u8>,
) -> Result<()> {
    out.push(TEXT_POINTER.len() as u8);
    out.extend_from_slice(&TEXT_POINTER);
    out.extend_from_slice(&TEXT_TIMESTAMP);
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    match charset {
        Some(charset) => {
            write_chars(convert::to_str(ty, value)?, charset, out);
        }
        None => out.extend_from_slice(&convert::to_bytes(ty, value)?),
    }
    let len = u32::try_from(out.len() - at - 4).map_err(|_| out_of_range(ty))?;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// PLP: the total length, chunks of up to [`PLP_CHUNK`] bytes, and a zero terminator.
fn write_plp_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() + 12 + 4 * (bytes.len() / PLP_CHUNK + 1));
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    for chunk in bytes.chunks(PLP_CHUNK) {
        out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&[0; 4]);
}

/// A string as PLP. It is cut into pieces whose encoding cannot exceed [`PLP_CHUNK`] bytes
/// (at most 2 output bytes per UTF-8 byte), each transcoded straight into its chunk.
fn write_plp_str(s: &str, charset: Charset, out: &mut Vec<u8>) {
    let total_at = out.len();
    out.extend_from_slice(&[0; 8]);
    let mut total = 0u64;
    let mut rest = s;
    while !rest.is_empty() {
        let mut cut = rest.len().min(PLP_CHUNK / 2);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        let chunk_at = out.len();
        out.extend_from_slice(&[0; 4]);
        write_chars(piece, charset, out);
        let chunk_len = (out.len() - chunk_at - 4) as u32;
        out[chunk_at..chunk_at + 4].copy_from_slice(&chunk_len.to_le_bytes());
        total += u64::from(chunk_len);
    }
    out[total_at..total_at + 8].copy_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
}
