//! PRELOGIN (MS-TDS 2.2.6.5): the first exchange, where client and server agree on
//! encryption and tell each other their versions.
//!
//! The message is a table of (option, offset, length) entries ended by 0xFF, then the
//! options' data; offsets count from the start of the message and are big-endian.

use crate::wire::Reader;
use crate::{ProtocolError, Result};

const OPT_VERSION: u8 = 0x00;
const OPT_ENCRYPTION: u8 = 0x01;
const OPT_INSTOPT: u8 = 0x02;
const OPT_THREADID: u8 = 0x03;
const OPT_MARS: u8 = 0x04;
const OPT_TRACEID: u8 = 0x05;
const OPT_FEDAUTHREQUIRED: u8 = 0x06;
const OPT_NONCE: u8 = 0x07;
const TERMINATOR: u8 = 0xFF;

/// Encryption: the login packet only is encrypted.
pub const ENCRYPT_OFF: u8 = 0x00;
/// Encryption: everything is encrypted.
pub const ENCRYPT_ON: u8 = 0x01;
/// Encryption: not available.
pub const ENCRYPT_NOT_SUP: u8 = 0x02;
/// Encryption: required.
pub const ENCRYPT_REQ: u8 = 0x03;

/// A PRELOGIN message, from either side. Options absent from the message are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreLogin {
    /// Version (major, minor, build) and sub-build.
    pub version: Option<([u8; 4], u16)>,
    pub encryption: Option<u8>,
    /// The instance name the client wants (a client sends it NUL-terminated); the server
    /// answers with a single 0x00 byte meaning "yes, this one".
    pub instance: Option<Vec<u8>>,
    pub thread_id: Option<u32>,
    pub mars: Option<bool>,
    /// Activity id and sequence (36 bytes), kept opaque.
    pub trace_id: Option<Vec<u8>>,
    pub fed_auth_required: Option<u8>,
    pub nonce: Option<Vec<u8>>,
}

impl PreLogin {
    /// Reads a PRELOGIN message. Unknown options are skipped, as the spec asks.
    pub fn decode(payload: &[u8]) -> Result<PreLogin> {
        let mut table = Reader::new(payload, "PRELOGIN");
        let mut out = PreLogin::default();
        loop {
            let option = table.u8()?;
            if option == TERMINATOR {
                break;
            }
            let offset = table.u16_be()? as usize;
            let len = table.u16_be()? as usize;
            let data = payload.get(offset..offset + len).ok_or_else(|| {
                ProtocolError(format!(
                    "PRELOGIN: option {option} at {offset}+{len} is outside the message"
                ))
            })?;
            let mut r = Reader::new(data, "PRELOGIN");
            match option {
                OPT_VERSION => {
                    let v = r.take(4)?;
                    let sub = if r.remaining() >= 2 { r.u16_be()? } else { 0 };
                    out.version = Some(([v[0], v[1], v[2], v[3]], sub));
                }
                OPT_ENCRYPTION => out.encryption = Some(r.u8()?),
                OPT_INSTOPT => {
                    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                    out.instance = Some(data[..end].to_vec());
                }
                OPT_THREADID => {
                    out.thread_id = if len >= 4 { Some(r.u32_be()?) } else { None };
                }
                OPT_MARS => out.mars = Some(r.u8()? != 0),
                OPT_TRACEID => out.trace_id = Some(data.to_vec()),
                OPT_FEDAUTHREQUIRED => out.fed_auth_required = Some(r.u8()?),
                OPT_NONCE => out.nonce = Some(data.to_vec()),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Writes the message: the option table, then the data in the same order.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut options: Vec<(u8, Vec<u8>)> = Vec::new();
        if let Some((v, sub)) = &self.version {
            let mut d = v.to_vec();
            d.extend_from_slice(&sub.to_be_bytes());
            options.push((OPT_VERSION, d));
        }
        if let Some(e) = self.encryption {
            options.push((OPT_ENCRYPTION, vec![e]));
        }
        if let Some(instance) = &self.instance {
            let mut d = instance.clone();
            d.push(0);
            options.push((OPT_INSTOPT, d));
        }
        if let Some(id) = self.thread_id {
            options.push((OPT_THREADID, id.to_be_bytes().to_vec()));
        }
        if let Some(mars) = self.mars {
            options.push((OPT_MARS, vec![mars as u8]));
        }
        if let Some(trace) = &self.trace_id {
            options.push((OPT_TRACEID, trace.clone()));
        }
        if let Some(f) = self.fed_auth_required {
            options.push((OPT_FEDAUTHREQUIRED, vec![f]));
        }
        if let Some(nonce) = &self.nonce {
            options.push((OPT_NONCE, nonce.clone()));
        }
        let base = out.len();
        let table_len = options.len() * 5 + 1;
        let mut offset = table_len;
        for (option, data) in &options {
            out.push(*option);
            out.extend_from_slice(&(offset as u16).to_be_bytes());
            out.extend_from_slice(&(data.len() as u16).to_be_bytes());
            offset += data.len();
        }
        out.push(TERMINATOR);
        debug_assert_eq!(out.len() - base, table_len);
        for (_, data) in options {
            out.extend_from_slice(&data);
        }
    }
}

/// What the server can do about encryption. Only `NotSupported` exists today; a TLS
/// implementation adds the others and [`negotiate_encryption`] already answers for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerEncryption {
    /// No TLS at all: every client that does not insist gets a plain connection.
    NotSupported,
    /// TLS available; used when the client wants it (login-only when it says OFF).
    Supported,
    /// TLS required for every connection.
    Required,
}

/// The ENCRYPTION value the server answers with, given what the client sent
/// (MS-TDS 2.2.6.5's table). A client that requires encryption from a server that has
/// none will hang up by itself after reading `ENCRYPT_NOT_SUP`.
pub fn negotiate_encryption(client: Option<u8>, server: ServerEncryption) -> u8 {
    let client = client.unwrap_or(ENCRYPT_OFF);
    match server {
        ServerEncryption::NotSupported => ENCRYPT_NOT_SUP,
        ServerEncryption::Supported => match client {
            ENCRYPT_OFF => ENCRYPT_OFF,
            ENCRYPT_NOT_SUP => ENCRYPT_NOT_SUP,
            _ => ENCRYPT_ON,
        },
        ServerEncryption::Required => ENCRYPT_REQ,
    }
}

/// The server's answer to `client`: its version, the negotiated encryption, "this instance",
/// no MARS, and FEDAUTHREQUIRED (0: not required) only if the client asked about it.
pub fn server_response(
    client: &PreLogin,
    version: [u8; 4],
    encryption: ServerEncryption,
) -> PreLogin {
    PreLogin {
        version: Some((version, 0)),
        encryption: Some(negotiate_encryption(client.encryption, encryption)),
        instance: Some(Vec::new()),
        thread_id: None,
        mars: Some(false),
        trace_id: None,
        fed_auth_required: client.fed_auth_required.map(|_| 0),
        nonce: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_options() {
        let msg = PreLogin {
            version: Some(([16, 0, 0x10, 0x00], 3)),
            encryption: Some(ENCRYPT_ON),
            instance: Some(b"MSSQLSERVER".to_vec()),
            thread_id: Some(1234),
            mars: Some(false),
            trace_id: Some(vec![9; 36]),
            fed_auth_required: Some(1),
            nonce: Some(vec![3; 32]),
        };
        let mut bytes = Vec::new();
        msg.encode(&mut bytes);
        assert_eq!(PreLogin::decode(&bytes).unwrap(), msg);
    }

    #[test]
    fn decodes_a_client_message_byte_for_byte() {
        // VERSION at 16 (6 bytes), ENCRYPTION at 22 (1 byte), MARS at 23 (1 byte).
        let bytes = [
            0x00, 0x00, 0x10, 0x00, 0x06, //
            0x01, 0x00, 0x16, 0x00, 0x01, //
            0x04, 0x00, 0x17, 0x00, 0x01, //
            0xFF, //
            0x0D, 0x00, 0x00, 0x00, 0x00, 0x00, //
            0x02, //
            0x00,
        ];
        let msg = PreLogin::decode(&bytes).unwrap();
        assert_eq!(msg.version, Some(([13, 0, 0, 0], 0)));
        assert_eq!(msg.encryption, Some(ENCRYPT_NOT_SUP));
        assert_eq!(msg.mars, Some(false));
        assert_eq!(msg.instance, None);
    }

    #[test]
    fn option_outside_the_message_is_an_error() {
        let bytes = [0x01, 0x00, 0x40, 0x00, 0x01, 0xFF];
        assert!(PreLogin::decode(&bytes).is_err());
        assert!(PreLogin::decode(&[0x01, 0x00]).is_err());
    }

    #[test]
    fn server_says_not_supported_and_answers_fedauth_only_when_asked() {
        let client = PreLogin {
            encryption: Some(ENCRYPT_OFF),
            ..PreLogin::default()
        };
        let answer = server_response(&client, [16, 0, 0, 1], ServerEncryption::NotSupported);
        assert_eq!(answer.encryption, Some(ENCRYPT_NOT_SUP));
        assert_eq!(answer.fed_auth_required, None);
        let client = PreLogin {
            fed_auth_required: Some(1),
            ..client
        };
        let answer = server_response(&client, [16, 0, 0, 1], ServerEncryption::NotSupported);
        assert_eq!(answer.fed_auth_required, Some(0));
    }

    #[test]
    fn negotiation_table() {
        use ServerEncryption::*;
        assert_eq!(
            negotiate_encryption(Some(ENCRYPT_OFF), Supported),
            ENCRYPT_OFF
        );
        assert_eq!(
            negotiate_encryption(Some(ENCRYPT_REQ), Supported),
            ENCRYPT_ON
        );
        assert_eq!(
            negotiate_encryption(Some(ENCRYPT_NOT_SUP), Supported),
            ENCRYPT_NOT_SUP
        );
        assert_eq!(
            negotiate_encryption(Some(ENCRYPT_ON), Required),
            ENCRYPT_REQ
        );
    }
}
