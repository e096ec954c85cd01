//! Little helpers for TDS's primitive encodings: little-endian integers, UTF-16 strings
//! prefixed by a byte (B_VARCHAR) or a u16 (US_VARCHAR) character count, and bounds-checked
//! reads that return an error instead of panicking on a short message.

use crate::{ProtocolError, Result};

/// A read cursor over a message; every read checks the bounds.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Names the message in error texts ("LOGIN7", "RPC").
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            what,
        }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn error(&self, what: impl std::fmt::Display) -> ProtocolError {
        ProtocolError(format!("{}: {} (at byte {})", self.what, what, self.pos))
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(ProtocolError::truncated(format_args!(
                "{}: needs {n} bytes, {} left (at byte {})",
                self.what,
                self.remaining(),
                self.pos
            )));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    /// Moves the cursor forward past bytes consumed through [`Reader::rest`].
    pub fn advance(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    pub fn peek_u8(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u16_be(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u32_be(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()? as i32)
    }

    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// `chars` UTF-16LE code units as a string.
    pub fn utf16(&mut self, chars: usize) -> Result<String> {
        let bytes = self.take(chars * 2)?;
        decode_utf16(bytes).map_err(|e| self.error(e))
    }

    /// B_VARCHAR: a byte character count, then UTF-16LE.
    pub fn b_varchar(&mut self) -> Result<String> {
        let n = self.u8()? as usize;
        self.utf16(n)
    }

    /// US_VARCHAR: a u16 character count, then UTF-16LE.
    pub fn us_varchar(&mut self) -> Result<String> {
        let n = self.u16()? as usize;
        self.utf16(n)
    }

    /// B_VARBYTE: a byte length, then bytes.
    pub fn b_varbyte(&mut self) -> Result<&'a [u8]> {
        let n = self.u8()? as usize;
        self.take(n)
    }
}

/// UTF-16LE bytes as a string; an odd length or an unpaired surrogate is an error.
pub fn decode_utf16(bytes: &[u8]) -> std::result::Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("odd number of bytes in a UTF-16 string".into());
    }
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map_err(|e| format!("invalid UTF-16: {e}"))
}

/// Appends `s` as UTF-16LE; returns the number of code units written.
pub fn put_utf16(out: &mut Vec<u8>, s: &str) -> usize {
    let mut n = 0;
    for unit in s.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
        n += 1;
    }
    n
}

/// Code units of `s` in UTF-16.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// B_VARCHAR, cut to 255 code units (names longer than that cannot be sent).
pub fn put_b_varchar(out: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().take(255).collect();
    out.push(units.len() as u8);
    for unit in units {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

/// US_VARCHAR, cut to 65535 code units.
pub fn put_us_varchar(out: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().take(65535).collect();
    out.extend_from_slice(&(units.len() as u16).to_le_bytes());
    for unit in units {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

/// B_VARBYTE, cut to 255 bytes.
pub fn put_b_varbyte(out: &mut Vec<u8>, bytes: &[u8]) {
    let bytes = &bytes[..bytes.len().min(255)];
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        let mut out = Vec::new();
        put_b_varchar(&mut out, "héllo €");
        put_us_varchar(&mut out, "𝄞x");
        let mut r = Reader::new(&out, "test");
        assert_eq!(r.b_varchar().unwrap(), "héllo €");
        assert_eq!(r.us_varchar().unwrap(), "𝄞x");
        assert!(r.is_empty());
    }

    #[test]
    fn short_reads_are_errors() {
        let mut r = Reader::new(&[1, 2, 3], "test");
        assert!(r.u32().is_err());
        assert_eq!(r.u16().unwrap(), 0x0201);
        assert!(r.u16().is_err());
        let mut r = Reader::new(&[5, b'a', 0], "test");
        assert!(r.b_varchar().is_err());
    }

    #[test]
    fn unpaired_surrogate_is_an_error() {
        assert!(decode_utf16(&[0x00, 0xD8]).is_err());
        assert!(decode_utf16(&[0x41]).is_err());
    }
}
