//! Bounds-checked reading from a byte slice: every shortfall becomes a [`ProtocolError`]
//! naming the field, so no decoder ever indexes past its input.

use crate::{ProtocolError, Result};

pub(crate) fn err(message: impl Into<String>) -> ProtocolError {
    ProtocolError(message.into())
}

/// Takes the next `n` bytes of `input`, or fails naming `what` was cut short.
pub(crate) fn take<'a>(input: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8]> {
    if input.len() < n {
        return Err(ProtocolError::truncated(format_args!(
            "{what}: need {n} bytes, {} left",
            input.len()
        )));
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

/// Takes the next `N` bytes as an array.
pub(crate) fn take_array<const N: usize>(input: &mut &[u8], what: &str) -> Result<[u8; N]> {
    let bytes = take(input, N, what)?;
    let mut array = [0u8; N];
    array.copy_from_slice(bytes);
    Ok(array)
}

pub(crate) fn read_u8(input: &mut &[u8], what: &str) -> Result<u8> {
    Ok(take_array::<1>(input, what)?[0])
}

pub(crate) fn read_u16(input: &mut &[u8], what: &str) -> Result<u16> {
    Ok(u16::from_le_bytes(take_array(input, what)?))
}

pub(crate) fn read_u32(input: &mut &[u8], what: &str) -> Result<u32> {
    Ok(u32::from_le_bytes(take_array(input, what)?))
}

/// A little-endian unsigned integer of up to 8 bytes (the 3-5 byte times, 3-byte dates).
pub(crate) fn le_uint(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// UTF-16LE bytes as a String. An unpaired surrogate (which SQL Server would store) becomes
/// U+FFFD, since a Rust string cannot hold it.
pub(crate) fn utf16_string(bytes: &[u8], what: &str) -> Result<String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(err(format!(
            "{what}: odd UTF-16 byte length {}",
            bytes.len()
        )));
    }
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    Ok(char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}

/// A US_VARCHAR or B_VARCHAR body: `chars` UTF-16 code units.
pub(crate) fn read_utf16_chars(input: &mut &[u8], chars: usize, what: &str) -> Result<String> {
    let bytes = take(input, chars * 2, what)?;
    utf16_string(bytes, what)
}
