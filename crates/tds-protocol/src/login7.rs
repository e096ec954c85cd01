//! LOGIN7 (MS-TDS 2.2.6.4): who the client is and what it wants.
//!
//! A 94-byte fixed part (lengths, versions, flags, then offset/length pairs counting from
//! the start of the message) followed by the variable data: UTF-16 strings, the
//! obfuscated password, and optionally the FeatureExt block.

use crate::wire::{decode_utf16, Reader};
use crate::{ProtocolError, Result};

/// Length of LOGIN7's fixed part.
const FIXED_LEN: usize = 94;

/// OptionFlags3: the `ibExtension` field points at the FeatureExt offset.
const FLAG3_EXTENSION: u8 = 0x10;
/// OptionFlags2: integrated (SSPI) security.
const FLAG2_INTEGRATED_SECURITY: u8 = 0x80;
/// TypeFlags: fReadOnlyIntent, ApplicationIntent=ReadOnly.
const TYPE_FLAG_READ_ONLY_INTENT: u8 = 0x20;

/// FeatureExt ids (MS-TDS 2.2.6.4).
pub const FEATURE_SESSION_RECOVERY: u8 = 0x01;
pub const FEATURE_FEDAUTH: u8 = 0x02;
pub const FEATURE_COLUMN_ENCRYPTION: u8 = 0x04;
pub const FEATURE_GLOBAL_TRANSACTIONS: u8 = 0x05;
pub const FEATURE_AZURE_SQL_SUPPORT: u8 = 0x08;
pub const FEATURE_DATA_CLASSIFICATION: u8 = 0x09;
pub const FEATURE_UTF8_SUPPORT: u8 = 0x0A;
pub const FEATURE_AZURE_SQL_DNS_CACHING: u8 = 0x0B;
const FEATURE_TERMINATOR: u8 = 0xFF;

/// TDS 7.4, the newest version before TDS 8's TLS-first handshake.
pub const TDS_7_4: u32 = 0x7400_0004;

/// One FeatureExt entry, kept opaque: the server decides what to acknowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub id: u8,
    pub data: Vec<u8>,
}

/// A decoded LOGIN7 message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Login7 {
    /// The TDS version the client speaks, as the spec writes it (0x74000004 for 7.4).
    pub tds_version: u32,
    /// The packet size the client asks for (0: the server's default).
    pub packet_size: u32,
    pub client_prog_version: u32,
    pub client_pid: u32,
    pub connection_id: u32,
    pub option_flags1: u8,
    pub option_flags2: u8,
    pub type_flags: u8,
    pub option_flags3: u8,
    pub client_timezone: i32,
    pub client_lcid: u32,
    pub host_name: String,
    pub user_name: String,
    /// The password in clear (de-obfuscated).
    pub password: String,
    pub app_name: String,
    pub server_name: String,
    /// The client library's name ("ODBC", "DB-Library", "Tiberius").
    pub library_name: String,
    pub language: String,
    pub database: String,
    pub client_id: [u8; 6],
    /// Integrated-security token, if the client sent one.
    pub sspi: Vec<u8>,
    pub attach_db_file: String,
    pub change_password: String,
    /// `None` when the client sent no FeatureExt block.
    pub features: Option<Vec<Feature>>,
}

impl Login7 {
    /// True when the client asks for integrated (Windows) authentication.
    pub fn integrated_security(&self) -> bool {
        self.option_flags2 & FLAG2_INTEGRATED_SECURITY != 0
    }

    /// True when the client says ApplicationIntent=ReadOnly (it may be sent to a
    /// readable secondary).
    pub fn read_only_intent(&self) -> bool {
        self.type_flags & TYPE_FLAG_READ_ONLY_INTENT != 0
    }

    pub fn decode(payload: &[u8]) -> Result<Login7> {
        let mut r = Reader::new(payload, "LOGIN7");
        let length = r.u32()? as usize;
        if length > payload.len() || length < FIXED_LEN {
            return Err(ProtocolError(format!(
                "LOGIN7: length field {length} does not fit a {}-byte message",
                payload.len()
            )));
        }
        let payload = &payload[..length];
        let mut login = Login7 {
            tds_version: r.u32()?,
            packet_size: r.u32()?,
            client_prog_version: r.u32()?,
            client_pid: r.u32()?,
            connection_id: r.u32()?,
            option_flags1: r.u8()?,
            option_flags2: r.u8()?,
            type_flags: r.u8()?,
            option_flags3: r.u8()?,
            client_timezone: r.i32()?,
            client_lcid: r.u32()?,
            ..Login7::default()
        };
        login.host_name = read_string(payload, &mut r, "HostName")?;
        login.user_name = read_string(payload, &mut r, "UserName")?;
        let (offset, chars) = (r.u16()? as usize, r.u16()? as usize);
        let obfuscated = slice(payload, offset, chars * 2, "Password")?;
        login.password = decode_utf16(&deobfuscate(obfuscated))
            .map_err(|e| ProtocolError(format!("LOGIN7: Password: {e}")))?;
        login.app_name = read_string(payload, &mut r, "AppName")?;
        login.server_name = read_string(payload, &mut r, "ServerName")?;
        // ibExtension/cbExtension: when fExtension is set, a DWORD at ibExtension holds the
        // FeatureExt block's offset. Otherwise the pair is unused.
        let (ext_offset, ext_len) = (r.u16()? as usize, r.u16()? as usize);
        login.library_name = read_string(payload, &mut r, "CltIntName")?;
        login.language = read_string(payload, &mut r, "Language")?;
        login.database = read_string(payload, &mut r, "Database")?;
        login.client_id.copy_from_slice(r.take(6)?);
        let (sspi_offset, sspi_len) = (r.u16()? as usize, r.u16()? as usize);
        login.attach_db_file = read_string(payload, &mut r, "AtchDBFile")?;
        login.change_password = read_string(payload, &mut r, "ChangePassword")?;
        let sspi_long = r.u32()? as usize;
        let sspi_len = if sspi_len == 0xFFFF {
            sspi_long
        } else {
            sspi_len
        };
        login.sspi = slice(payload, sspi_offset, sspi_len, "SSPI")?.to_vec();
        if login.option_flags3 & FLAG3_EXTENSION != 0 && ext_len >= 4 {
            let pointer = slice(payload, ext_offset, 4, "Extension")?;
            let feature_offset =
                u32::from_le_bytes([pointer[0], pointer[1], pointer[2], pointer[3]]) as usize;
            let block = payload.get(feature_offset..).ok_or_else(|| {
                ProtocolError(format!(
                    "LOGIN7: FeatureExt offset {feature_offset} is outside the message"
                ))
            })?;
            login.features = Some(decode_features(block)?);
        }
        Ok(login)
    }

    /// Writes the message, as a client would (for tests and tools); the password is
    /// obfuscated, FeatureExt written when `features` is `Some`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let strings: [&str; 5] = [
            &self.host_name,
            &self.user_name,
            &self.password,
            &self.app_name,
            &self.server_name,
        ];
        let after: [&str; 3] = [&self.library_name, &self.language, &self.database];
        let mut fixed = Vec::with_capacity(FIXED_LEN);
        let mut data: Vec<u8> = Vec::new();
        let put = |fixed: &mut Vec<u8>, data: &mut Vec<u8>, bytes: &[u8], units: usize| {
            fixed.extend_from_slice(&((FIXED_LEN + data.len()) as u16).to_le_bytes());
            fixed.extend_from_slice(&(units as u16).to_le_bytes());
            data.extend_from_slice(bytes);
        };
        let utf16 = |s: &str| -> (Vec<u8>, usize) {
            let mut b = Vec::new();
            let n = crate::wire::put_utf16(&mut b, s);
            (b, n)
        };
        fixed.extend_from_slice(&[0; 4]); // length, patched below
        for v in [
            self.tds_version,
            self.packet_size,
            self.client_prog_version,
            self.client_pid,
            self.connection_id,
        ] {
            fixed.extend_from_slice(&v.to_le_bytes());
        }
        let flags3 = if self.features.is_some() {
            self.option_flags3 | FLAG3_EXTENSION
        } else {
            self.option_flags3 & !FLAG3_EXTENSION
        };
        fixed.extend_from_slice(&[
            self.option_flags1,
            self.option_flags2,
            self.type_flags,
            flags3,
        ]);
        fixed.extend_from_slice(&self.client_timezone.to_le_bytes());
        fixed.extend_from_slice(&self.client_lcid.to_le_bytes());
        for (i, s) in strings.iter().enumerate() {
            let (mut bytes, n) = utf16(s);
            if i == 2 {
                bytes = obfuscate(&bytes);
            }
            put(&mut fixed, &mut data, &bytes, n);
        }
        // The extension pointer: a DWORD whose value is patched once the offsets are known.
        let pointer_at = data.len();
        if self.features.is_some() {
            put(&mut fixed, &mut data, &[0; 4], 4);
        } else {
            put(&mut fixed, &mut data, &[], 0);
        }
        for s in after {
            let (bytes, n) = utf16(s);
            put(&mut fixed, &mut data, &bytes, n);
        }
        fixed.extend_from_slice(&self.client_id);
        put(
            &mut fixed,
            &mut data,
            &self.sspi,
            self.sspi.len().min(0xFFFF),
        );
        let (bytes, n) = utf16(&self.attach_db_file);
        put(&mut fixed, &mut data, &bytes, n);
        let (bytes, n) = utf16(&self.change_password);
        put(&mut fixed, &mut data, &bytes, n);
        fixed.extend_from_slice(&0u32.to_le_bytes());
        debug_assert_eq!(fixed.len(), FIXED_LEN);
        if let Some(features) = &self.features {
            let offset = (FIXED_LEN + data.len()) as u32;
            data[pointer_at..pointer_at + 4].copy_from_slice(&offset.to_le_bytes());
            for f in features {
                data.push(f.id);
                data.extend_from_slice(&(f.data.len() as u32).to_le_bytes());
                data.extend_from_slice(&f.data);
            }
            data.push(FEATURE_TERMINATOR);
        }
        let total = (fixed.len() + data.len()) as u32;
        fixed[..4].copy_from_slice(&total.to_le_bytes());
        out.extend_from_slice(&fixed);
        out.extend_from_slice(&data);
    }
}

/// Reads an offset/length pair and the UTF-16 string it points at.
fn read_string(payload: &[u8], r: &mut Reader<'_>, field: &str) -> Result<String> {
    let offset = r.u16()? as usize;
    let chars = r.u16()? as usize;
    let bytes = slice(payload, offset, chars * 2, field)?;
    decode_utf16(bytes).map_err(|e| ProtocolError(format!("LOGIN7: {field}: {e}")))
}

fn slice<'a>(payload: &'a [u8], offset: usize, len: usize, field: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    payload.get(offset..offset + len).ok_or_else(|| {
        ProtocolError(format!(
            "LOGIN7: {field} at {offset}+{len} is outside the {}-byte message",
            payload.len()
        ))
    })
}

/// The FeatureExt block: (id, u32 length, data) entries ended by 0xFF.
fn decode_features(block: &[u8]) -> Result<Vec<Feature>> {
    let mut r = Reader::new(block, "LOGIN7 FeatureExt");
    let mut features = Vec::new();
    loop {
        let id = r.u8()?;
        if id == FEATURE_TERMINATOR {
            return Ok(features);
        }
        let len = r.u32()? as usize;
        let data = r.take(len)?.to_vec();
        features.push(Feature { id, data });
    }
}

/// The client's obfuscation, undone: XOR each byte with 0xA5, then swap its nibbles back.
pub fn deobfuscate(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| (b ^ 0xA5).rotate_left(4)).collect()
}

/// The client's obfuscation (MS-TDS 2.2.6.4): swap each byte's nibbles, then XOR with 0xA5.
pub fn obfuscate(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| b.rotate_left(4) ^ 0xA5).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Login7 {
        Login7 {
            tds_version: TDS_7_4,
            packet_size: 8000,
            client_prog_version: 7,
            client_pid: 4242,
            option_flags1: 0xE0,
            option_flags2: 0x03,
            client_lcid: 0x0409,
            host_name: "host-1".into(),
            user_name: "sa".into(),
            password: "Pässw0rd!".into(),
            app_name: "tests".into(),
            server_name: "localhost".into(),
            library_name: "ODBC".into(),
            language: "us_english".into(),
            database: "shop".into(),
            client_id: [1, 2, 3, 4, 5, 6],
            features: Some(vec![
                Feature {
                    id: FEATURE_SESSION_RECOVERY,
                    data: vec![],
                },
                Feature {
                    id: FEATURE_UTF8_SUPPORT,
                    data: vec![],
                },
                Feature {
                    id: FEATURE_DATA_CLASSIFICATION,
                    data: vec![1],
                },
            ]),
            ..Login7::default()
        }
    }

    #[test]
    fn round_trip_with_features() {
        let login = sample();
        let mut bytes = Vec::new();
        login.encode(&mut bytes);
        let decoded = Login7::decode(&bytes).unwrap();
        assert_eq!(decoded.password, "Pässw0rd!");
        assert_eq!(decoded.option_flags3 & FLAG3_EXTENSION, FLAG3_EXTENSION);
        assert_eq!(
            Login7 {
                option_flags3: login.option_flags3 | FLAG3_EXTENSION,
                ..login
            },
            decoded
        );
    }

    #[test]
    fn round_trip_without_features() {
        let login = Login7 {
            features: None,
            database: String::new(),
            ..sample()
        };
        let mut bytes = Vec::new();
        login.encode(&mut bytes);
        assert_eq!(Login7::decode(&bytes).unwrap(), login);
    }

    #[test]
    fn read_only_intent_is_bit_5_of_type_flags() {
        assert!(!sample().read_only_intent());
        let login = Login7 {
            type_flags: 0x20,
            ..sample()
        };
        let mut bytes = Vec::new();
        login.encode(&mut bytes);
        assert!(Login7::decode(&bytes).unwrap().read_only_intent());
    }

    #[test]
    fn password_obfuscation_matches_the_spec() {
        // 'a' (0x61) swapped = 0x16, XOR 0xA5 = 0xB3; its high byte 0x00 becomes 0xA5.
        assert_eq!(obfuscate(&[0x61, 0x00]), vec![0xB3, 0xA5]);
        assert_eq!(deobfuscate(&[0xB3, 0xA5]), vec![0x61, 0x00]);
    }

    #[test]
    fn truncated_or_lying_messages_are_errors() {
        let mut bytes = Vec::new();
        sample().encode(&mut bytes);
        for cut in [0, 10, 93, bytes.len() - 1] {
            assert!(Login7::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A string offset pointing past the end.
        let mut bad = bytes.clone();
        bad[36] = 0xFF;
        bad[37] = 0x7F;
        assert!(Login7::decode(&bad).is_err());
    }
}
