//! SQLBatch (MS-TDS 2.2.6.7): ALL_HEADERS, then the batch's text in UTF-16LE. Also the
//! ALL_HEADERS block itself (2.2.5.3), which RPC and transaction manager requests share.

use crate::wire::{decode_utf16, Reader};
use crate::{ProtocolError, Result};

const HEADER_QUERY_NOTIFICATIONS: u16 = 1;
const HEADER_TRANSACTION_DESCRIPTOR: u16 = 2;
const HEADER_TRACE_ACTIVITY: u16 = 3;

/// What a request's ALL_HEADERS says. All fields are optional on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllHeaders {
    /// The transaction the client believes is current (0: none).
    pub transaction_descriptor: Option<u64>,
    pub outstanding_requests: Option<u32>,
    /// Query notification header, present but unused.
    pub query_notifications: bool,
}

impl AllHeaders {
    /// Reads ALL_HEADERS from the start of `r`. TDS 7.2+ clients always send it; an older
    /// client (or one that skips it) starts with its payload, which is recognised by a
    /// total length that cannot be right.
    pub fn decode(r: &mut Reader<'_>) -> Result<AllHeaders> {
        let mut headers = AllHeaders::default();
        let rest = r.rest();
        if rest.len() < 4 {
            return Ok(headers);
        }
        let total = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if total < 4 || total > rest.len() {
            return Ok(headers);
        }
        let mut block = Reader::new(&rest[4..total], "ALL_HEADERS");
        while !block.is_empty() {
            let len = block.u32()? as usize;
            if len < 6 {
                return Err(ProtocolError(format!("ALL_HEADERS: header length {len}")));
            }
            let ty = block.u16()?;
            let mut data = Reader::new(block.take(len - 6)?, "ALL_HEADERS");
            match ty {
                HEADER_TRANSACTION_DESCRIPTOR => {
                    headers.transaction_descriptor = Some(data.u64()?);
                    headers.outstanding_requests = Some(data.u32()?);
                }
                HEADER_QUERY_NOTIFICATIONS => headers.query_notifications = true,
                HEADER_TRACE_ACTIVITY => {}
                other => {
                    return Err(ProtocolError(format!(
                        "ALL_HEADERS: unknown header type {other}"
                    )))
                }
            }
        }
        r.advance(total)?;
        Ok(headers)
    }

    /// Writes ALL_HEADERS with the transaction descriptor header (as clients do).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let descriptor = self.transaction_descriptor.unwrap_or(0);
        let outstanding = self.outstanding_requests.unwrap_or(1);
        out.extend_from_slice(&22u32.to_le_bytes());
        out.extend_from_slice(&18u32.to_le_bytes());
        out.extend_from_slice(&HEADER_TRANSACTION_DESCRIPTOR.to_le_bytes());
        out.extend_from_slice(&descriptor.to_le_bytes());
        out.extend_from_slice(&outstanding.to_le_bytes());
    }
}

/// A decoded SQLBatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlBatch {
    pub headers: AllHeaders,
    pub text: String,
}

impl SqlBatch {
    pub fn decode(payload: &[u8]) -> Result<SqlBatch> {
        let mut r = Reader::new(payload, "SQLBatch");
        let headers = AllHeaders::decode(&mut r)?;
        let text = decode_utf16(r.rest()).map_err(|e| ProtocolError(format!("SQLBatch: {e}")))?;
        Ok(SqlBatch { headers, text })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        self.headers.encode(out);
        crate::wire::put_utf16(out, &self.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let batch = SqlBatch {
            headers: AllHeaders {
                transaction_descriptor: Some(77),
                outstanding_requests: Some(1),
                query_notifications: false,
            },
            text: "SELECT N'ü', 1".into(),
        };
        let mut bytes = Vec::new();
        batch.encode(&mut bytes);
        assert_eq!(SqlBatch::decode(&bytes).unwrap(), batch);
    }

    #[test]
    fn batch_without_headers_is_plain_text() {
        let mut bytes = Vec::new();
        crate::wire::put_utf16(&mut bytes, "SELECT 1");
        let batch = SqlBatch::decode(&bytes).unwrap();
        assert_eq!(batch.text, "SELECT 1");
        assert_eq!(batch.headers, AllHeaders::default());
    }

    #[test]
    fn bad_header_and_odd_text_are_errors() {
        // Total 10, one header claiming 3 bytes.
        let bytes = [10, 0, 0, 0, 3, 0, 0, 0, 2, 0, b'S', 0];
        assert!(SqlBatch::decode(&bytes).is_err());
        let mut bytes = Vec::new();
        AllHeaders::default().encode(&mut bytes);
        bytes.push(b'S');
        assert!(SqlBatch::decode(&bytes).is_err());
    }
}
