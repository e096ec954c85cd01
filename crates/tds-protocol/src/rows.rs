//! Reading ROW and NBCROW tokens (MS-TDS 2.2.7.19, 2.2.7.13) against the columns of a
//! COLMETADATA ([`crate::colmetadata`]): the rows of a BulkLoad message, or of a result set.
//!
//! Reading is two steps so that a caller fed by packets can tell "not all here yet" from
//! "malformed": [`token_len`] walks the length prefixes of the next token without decoding
//! anything and says how many bytes it takes, or `None` while the input holds less than
//! the whole token; [`read_row`] then decodes a whole row. Values are checked against their
//! TYPE_INFO as SQL Server checks a bulk client's: a length the type does not allow (an
//! `int` of 2 bytes, a `time(3)` of 5, a string longer than its declared length) is a
//! [`RowErrorKind::BadLength`] naming the column.

use crate::colmetadata::{has_text_pointer, ColumnDesc};
use crate::tokens::{TOKEN_DONE, TOKEN_NBCROW, TOKEN_ROW};
use crate::types::{SqlType, Value};
use crate::values::{decimal_len, decode_payload, read_value, time_len, type_id as id, TypeInfo};
use crate::{ProtocolError, Result};

/// The length of a DONE token: type, status, current command, a ULONGLONG row count.
pub const DONE_LEN: usize = 13;

/// Which token starts the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowToken {
    Row,
    /// NBCROW: a null bitmap, then only the non-NULL values.
    NbcRow,
    Done,
}

impl RowToken {
    pub fn of(byte: u8) -> Result<RowToken> {
        match byte {
            TOKEN_ROW => Ok(RowToken::Row),
            TOKEN_NBCROW => Ok(RowToken::NbcRow),
            TOKEN_DONE => Ok(RowToken::Done),
            other => Err(ProtocolError(format!(
                "expected a ROW, NBCROW or DONE token, found 0x{other:02X}"
            ))),
        }
    }
}

/// Why a row could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowErrorKind {
    /// A value's length is not one its type allows.
    BadLength,
    /// A value's bytes are not a value of its type (a time past midnight, a bad sign byte).
    BadValue,
}

/// A row that could not be read: which column (0-based) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub column: usize,
    pub kind: RowErrorKind,
    pub error: ProtocolError,
}

/// How many bytes the ROW, NBCROW or DONE token at the start of `input` takes, or `None`
/// when `input` holds less than all of it. An unknown token byte is an error.
pub fn token_len(columns: &[ColumnDesc], input: &[u8]) -> Result<Option<usize>> {
    let Some(&first) = input.first() else {
        return Ok(None);
    };
    let token = RowToken::of(first)?;
    let mut at = 1;
    let nulls = match token {
        RowToken::Done => return Ok((input.len() >= DONE_LEN).then_some(DONE_LEN)),
        RowToken::Row => None,
        RowToken::NbcRow => {
            let len = columns.len().div_ceil(8);
            if input.len() < 1 + len {
                return Ok(None);
            }
            at += len;
            Some(&input[1..1 + len])
        }
    };
    for (i, col) in columns.iter().enumerate() {
        if nulls.is_some_and(|bitmap| is_null(bitmap, i)) {
            continue;
        }
        match value_len(&col.info, &input[at..])? {
            Some(n) => at += n,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

/// Decodes the ROW or NBCROW token at the start of `input` (whole: see [`token_len`]) into
/// `out` (cleared first), one value per column, and advances `input` past it.
pub fn read_row(
    columns: &[ColumnDesc],
    input: &mut &[u8],
    out: &mut Vec<Value>,
) -> std::result::Result<(), RowError> {
    out.clear();
    let malformed = |e: ProtocolError| RowError {
        column: 0,
        kind: RowErrorKind::BadLength,
        error: e,
    };
    let (&first, rest) = input
        .split_first()
        .ok_or_else(|| malformed(ProtocolError("empty row".into())))?;
    *input = rest;
    let bitmap = match RowToken::of(first).map_err(malformed)? {
        RowToken::Row => &[][..],
        RowToken::NbcRow => {
            let len = columns.len().div_ceil(8);
            if input.len() < len {
                return Err(malformed(ProtocolError(
                    "truncated NBCROW null bitmap".into(),
                )));
            }
            let (bitmap, rest) = input.split_at(len);
            *input = rest;
            bitmap
        }
        RowToken::Done => return Err(malformed(ProtocolError("DONE is not a row".into()))),
    };
    for (i, col) in columns.iter().enumerate() {
        if !bitmap.is_empty() && is_null(bitmap, i) {
            out.push(Value::Null);
            continue;
        }
        out.push(
            read_column_value(&col.info, input).map_err(|(kind, error)| RowError {
                column: i,
                kind,
                error,
            })?,
        );
    }
    Ok(())
}

fn is_null(bitmap: &[u8], i: usize) -> bool {
    bitmap[i / 8] & (1 << (i % 8)) != 0
}

type ValueResult = std::result::Result<Value, (RowErrorKind, ProtocolError)>;

fn bad_length(info: &TypeInfo, len: usize) -> (RowErrorKind, ProtocolError) {
    (
        RowErrorKind::BadLength,
        ProtocolError(format!(
            "a value of {len} bytes is not a {} (type 0x{:02X}, declared length {})",
            info.ty, info.type_id, info.max_len
        )),
    )
}

/// One value as a row carries it, with its length checked against the TYPE_INFO.
fn read_column_value(info: &TypeInfo, input: &mut &[u8]) -> ValueResult {
    let bad_value = |e: ProtocolError| (RowErrorKind::BadValue, e);
    if has_text_pointer(info) {
        return read_text(info, input);
    }
    if let Some(len) = byte_length(info, input) {
        if len != 0 && !byte_length_allowed(info, len) {
            return Err(bad_length(info, len));
        }
    }
    if let Some(len) = ushort_length(info, input) {
        if len != 0xFFFF && u32::from(len) > info.max_len {
            return Err(bad_length(info, usize::from(len)));
        }
    }
    read_value(info, input).map_err(bad_value)
}

/// The length byte of the types that have one (INTN, DATETIME2N...), if `info` is one.
fn byte_length(info: &TypeInfo, input: &[u8]) -> Option<usize> {
    if id::has_byte_length(info.type_id) {
        input.first().map(|&b| usize::from(b))
    } else {
        None
    }
}

/// The two-byte length of the BIG* types and NCHAR/NVARCHAR sent in-row (not PLP).
fn ushort_length(info: &TypeInfo, input: &[u8]) -> Option<u16> {
    match info.type_id {
        id::BIGCHAR | id::BIGVARCHR | id::NCHAR | id::NVARCHAR | id::BIGBINARY | id::BIGVARBIN
            if !info.is_plp() =>
        {
            input.get(..2).map(|s| u16::from_le_bytes([s[0], s[1]]))
        }
        _ => None,
    }
}

/// Whether a non-NULL value of `len` bytes is one of type `info`: exactly its declared
/// length for the sized types, the length of its scale for the time types.
fn byte_length_allowed(info: &TypeInfo, len: usize) -> bool {
    let scale = match info.ty {
        SqlType::Time { scale }
        | SqlType::DateTime2 { scale }
        | SqlType::DateTimeOffset { scale } => scale,
        _ => 7,
    };
    match info.type_id {
        id::DECIMALN | id::NUMERICN => {
            let precision = match info.ty {
                SqlType::Decimal { precision, .. } | SqlType::Numeric { precision, .. } => {
                    precision
                }
                _ => 38,
            };
            (2..=usize::from(decimal_len(precision))).contains(&len)
        }
        id::DATEN => len == 3,
        id::TIMEN => len == time_len(scale),
        id::DATETIME2N => len == time_len(scale) + 3,
        id::DATETIMEOFFSETN => len == time_len(scale) + 5,
        _ => len as u32 == info.max_len,
    }
}

/// text, ntext, image: a text pointer (B_VARBYTE; empty for NULL), an 8-byte timestamp,
/// then the data with a 4-byte length. Pointer and timestamp are ignored, as SQL Server
/// ignores them in a bulk load.
fn read_text(info: &TypeInfo, input: &mut &[u8]) -> ValueResult {
    let short = || bad_length(info, 0);
    let (&ptr_len, rest) = input.split_first().ok_or_else(short)?;
    if ptr_len == 0 {
        *input = rest;
        return Ok(Value::Null);
    }
    let header = usize::from(ptr_len) + 8;
    if rest.len() < header + 4 {
        return Err(short());
    }
    let len_at = &rest[header..header + 4];
    let len = u32::from_le_bytes([len_at[0], len_at[1], len_at[2], len_at[3]]) as usize;
    let data = rest.get(header + 4..header + 4 + len).ok_or_else(short)?;
    *input = &rest[header + 4 + len..];
    decode_payload(info, data).map_err(|e| (RowErrorKind::BadValue, e))
}

/// The bytes one non-NULL-bitmapped value takes, from its length prefixes; `None` while
/// `b` holds less than all of it.
fn value_len(info: &TypeInfo, b: &[u8]) -> Result<Option<usize>> {
    let fixed = |n: usize| Ok((b.len() >= n).then_some(n));
    let u32_at = |at: usize| {
        b.get(at..at + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
    };
    match info.type_id {
        id::NULL => Ok(Some(0)),
        id::INT1 | id::BIT => fixed(1),
        id::INT2 => fixed(2),
        id::INT4 | id::FLT4 | id::MONEY4 | id::DATETIM4 => fixed(4),
        id::INT8 | id::FLT8 | id::MONEY | id::DATETIME => fixed(8),
        t if id::has_byte_length(t) => match b.first() {
            None => Ok(None),
            Some(&n) => fixed(1 + usize::from(n)),
        },
        _ if info.is_plp() => Ok(plp_len(b)),
        id::BIGCHAR | id::BIGVARCHR | id::NCHAR | id::NVARCHAR | id::BIGBINARY | id::BIGVARBIN => {
            match b.get(..2).map(|s| u16::from_le_bytes([s[0], s[1]])) {
                None => Ok(None),
                Some(0xFFFF) => fixed(2),
                Some(n) => fixed(2 + usize::from(n)),
            }
        }
        id::TEXT | id::NTEXT | id::IMAGE => match b.first() {
            None => Ok(None),
            Some(0) => fixed(1),
            Some(&p) => {
                let header = 1 + usize::from(p) + 8;
                match u32_at(header) {
                    None => Ok(None),
                    Some(n) => fixed((header + 4).saturating_add(n)),
                }
            }
        },
        id::SSVARIANT => match u32_at(0) {
            None => Ok(None),
            Some(n) => fixed(4usize.saturating_add(n)),
        },
        other => Err(ProtocolError(format!(
            "cannot read values of type 0x{other:02X}"
        ))),
    }
}

/// A PLP value: an 8-byte total (all ones for NULL), then chunks with a 4-byte length,
/// ending with an empty one.
fn plp_len(b: &[u8]) -> Option<usize> {
    let total = u64::from_le_bytes(b.get(..8)?.try_into().ok()?);
    if total == u64::MAX {
        return Some(8);
    }
    let mut at = 8usize;
    loop {
        let s = b.get(at..at + 4)?;
        let chunk = u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize;
        at = at.checked_add(4 + chunk)?;
        if chunk == 0 {
            return Some(at);
        }
        if at > b.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests;
