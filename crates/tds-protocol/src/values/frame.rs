//! Where one value's bytes start and end (MS-TDS 2.2.5.2 and 2.2.5.5): the length prefix of
//! each wire type, the NULL forms, PLP chunks, and the text pointer of text/ntext/image in
//! rows. The one framing reader, for RPC parameters ([`super::read_value`]) and for a
//! client's rows (`crate::response`).
//!
//! Running out of input is told apart from bad input ([`DecodeError::Incomplete`]), so a
//! client reading a stream can wait for more bytes instead of failing.

use super::type_id as id;
use super::typeinfo::TypeInfo;
use super::wire::err;
use crate::DecodeError;

const PLP_NULL: u64 = u64::MAX;
const PLP_UNKNOWN_LEN: u64 = u64::MAX - 1;

/// Where a value travels, which decides the framing of text, ntext and image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A ROW/NBCROW token: text types come with a text pointer and timestamp.
    Row,
    /// An RPC parameter or a RETURNVALUE: text types are a four-byte length and the data.
    Param,
}

/// A value's bytes, as framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framed<'a> {
    Null,
    /// The value's bytes, contiguous in the input.
    Bytes(&'a [u8]),
    /// A `(max)` or xml value in PLP chunks.
    Plp(PlpChunks<'a>),
}

/// The chunks of one PLP value, checked complete: each a four-byte length and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlpChunks<'a> {
    /// The chunks as on the wire, without the zero terminator.
    raw: &'a [u8],
    /// Bytes of data over all chunks.
    len: usize,
}

impl<'a> PlpChunks<'a> {
    /// Bytes of data over all chunks.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The data of each chunk, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = self.raw;
        std::iter::from_fn(move || {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let (chunk, tail) = tail.split_at(u32::from_le_bytes(*len) as usize);
            rest = tail;
            Some(chunk)
        })
    }

    /// The data as one slice of the input when it is a single chunk (or none): no copy.
    pub fn contiguous(&self) -> Option<&'a [u8]> {
        if self.raw.is_empty() {
            return Some(&[]);
        }
        let (first, rest) = self.raw.split_at(4);
        let first = u32::from_le_bytes([first[0], first[1], first[2], first[3]]) as usize;
        (first == rest.len()).then_some(rest)
    }

    /// Appends the data to `out`.
    pub fn append_to(&self, out: &mut Vec<u8>) {
        out.reserve(self.len);
        for chunk in self.chunks() {
            out.extend_from_slice(chunk);
        }
    }
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], DecodeError> {
    if input.len() < n {
        return Err(DecodeError::Incomplete);
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

fn take_u8(input: &mut &[u8]) -> Result<u8, DecodeError> {
    Ok(take(input, 1)?[0])
}

fn take_u16(input: &mut &[u8]) -> Result<u16, DecodeError> {
    let b = take(input, 2)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn take_u32(input: &mut &[u8]) -> Result<u32, DecodeError> {
    let b = take(input, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the frame of one value of `info` at the start of `input` and advances past it.
/// On an error `input` may have moved.
pub fn frame<'a>(
    info: &TypeInfo,
    place: Place,
    input: &mut &'a [u8],
) -> Result<Framed<'a>, DecodeError> {
    let fixed = |input: &mut &'a [u8], n| Ok(Framed::Bytes(take(input, n)?));
    match info.type_id {
        id::INT1 | id::BIT => fixed(input, 1),
        id::INT2 => fixed(input, 2),
        id::INT4 | id::FLT4 | id::MONEY4 | id::DATETIM4 => fixed(input, 4),
        id::INT8 | id::FLT8 | id::MONEY | id::DATETIME => fixed(input, 8),
        t if id::has_byte_length(t) => match take_u8(input)? {
            0 => Ok(Framed::Null),
            len => fixed(input, usize::from(len)),
        },
        _ if info.is_plp() => plp(input),
        id::BIGCHAR | id::BIGVARCHR | id::NCHAR | id::NVARCHAR | id::BIGBINARY | id::BIGVARBIN => {
            match take_u16(input)? {
                0xFFFF => Ok(Framed::Null),
                len if u32::from(len) > info.max_len => Err(DecodeError::Invalid(err(format!(
                    "value of {len} bytes is longer than its declared {} bytes",
                    info.max_len
                )))),
                len => fixed(input, usize::from(len)),
            }
        }
        id::TEXT | id::NTEXT | id::IMAGE => match place {
            Place::Param => match take_u32(input)? {
                0xFFFF_FFFF => Ok(Framed::Null),
                len => fixed(input, len as usize),
            },
            Place::Row => match take_u8(input)? {
                0 => Ok(Framed::Null),
                pointer => {
                    // The text pointer and the timestamp, which clients skip.
                    take(input, usize::from(pointer) + 8)?;
                    let len = take_u32(input)?;
                    fixed(input, len as usize)
                }
            },
        },
        id::SSVARIANT => match take_u32(input)? {
            0 => Ok(Framed::Null),
            len => fixed(input, len as usize),
        },
        other => Err(DecodeError::Invalid(err(format!(
            "cannot read a value of type 0x{other:02X}"
        )))),
    }
}

/// A PLP value: total length (or the unknown-length marker), chunks, zero terminator.
fn plp<'a>(input: &mut &'a [u8]) -> Result<Framed<'a>, DecodeError> {
    let total = {
        let b = take(input, 8)?;
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    };
    if total == PLP_NULL {
        return Ok(Framed::Null);
    }
    let start = *input;
    let mut len = 0usize;
    loop {
        let chunk = take_u32(input)? as usize;
        if chunk == 0 {
            break;
        }
        take(input, chunk)?;
        len += chunk;
    }
    if total != PLP_UNKNOWN_LEN && len as u64 != total {
        return Err(DecodeError::Invalid(err(format!(
            "PLP value declared {total} bytes but its chunks hold {len}"
        ))));
    }
    // Everything read since `start`, less the four-byte zero terminator.
    let raw = &start[..start.len() - input.len() - 4];
    Ok(Framed::Plp(PlpChunks { raw, len }))
}
