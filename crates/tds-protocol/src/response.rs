//! The server's token stream as a client reads it (MS-TDS 2.2.7): the other direction of
//! [`crate::tokens`].
//!
//! Every decoder here reads from the start of a byte slice that may end anywhere (a client
//! decodes as packets arrive) and tells "not enough bytes yet"
//! ([`DecodeError::Incomplete`]) apart from bad bytes ([`DecodeError::Invalid`]); none
//! panics on any input, and none trusts a length to allocate more than its input holds.
//!
//! - [`columns`]: COLMETADATA, once per result set.
//! - [`row`]: ROW and NBCROW, the hot path: a row is scanned into a reused [`RowCells`]
//!   (where each cell's bytes are, PLP values of several chunks assembled in one reused
//!   buffer) and read through a [`RowRef`] as borrowed [`ValueRef`]s: no allocation per row
//!   or per cell.
//! - [`messages`]: everything else (DONE, ERROR/INFO, ENVCHANGE, LOGINACK, RETURNSTATUS,
//!   RETURNVALUE, ORDER, FEDAUTHINFO, FEATUREEXTACK), decoded into owned [`Token`]s by
//!   [`decode_token`].
//!
//! [`ValueRef`]: crate::values::ValueRef

pub mod columns;
pub mod messages;
pub mod row;

pub use columns::{decode_col_metadata, Column};
pub use messages::{
    decode_token, Done, EnvChange, FedAuthInfo, LoginAck, ReturnValue, ServerMessage, Token,
};
pub use row::{scan_row, RowCells, RowRef};

pub use crate::{DecodeError, Decoded};

/// Token types a client meets beyond those the emulator writes ([`crate::tokens`]).
pub const TOKEN_ORDER: u8 = 0xA9;
pub const TOKEN_TABNAME: u8 = 0xA4;
pub const TOKEN_COLINFO: u8 = 0xA5;
pub const TOKEN_SESSIONSTATE: u8 = 0xE4;
pub const TOKEN_SSPI: u8 = 0xED;
pub const TOKEN_FEDAUTHINFO: u8 = 0xEE;
pub const TOKEN_DATACLASSIFICATION: u8 = 0xA3;

/// A bounds-checked cursor whose every shortfall is [`DecodeError::Incomplete`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    pub(crate) rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Cursor<'a> {
        Cursor { rest: input }
    }

    pub(crate) fn take(&mut self, n: usize) -> Decoded<&'a [u8]> {
        if self.rest.len() < n {
            return Err(DecodeError::Incomplete);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Decoded<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Decoded<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Decoded<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Decoded<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    /// `chars` UTF-16 code units as a string (an unpaired surrogate becomes U+FFFD: names
    /// and messages are shown, not compared).
    pub(crate) fn utf16(&mut self, chars: usize) -> Decoded<String> {
        let bytes = self.take(chars * 2)?;
        Ok(char::decode_utf16(
            bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
    }

    pub(crate) fn b_varchar(&mut self) -> Decoded<String> {
        let n = self.u8()?;
        self.utf16(usize::from(n))
    }

    pub(crate) fn us_varchar(&mut self) -> Decoded<String> {
        let n = self.u16()?;
        self.utf16(usize::from(n))
    }

    /// Runs a whole-message decoder (one of [`crate::values`]) on the rest and moves past
    /// what it read; its running out of input is [`DecodeError::Incomplete`].
    pub(crate) fn with<T>(
        &mut self,
        f: impl FnOnce(&mut &'a [u8]) -> crate::Result<T>,
    ) -> Decoded<T> {
        let mut input = self.rest;
        let value = f(&mut input)?;
        self.rest = input;
        Ok(value)
    }
}
