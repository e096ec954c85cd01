//! Collations as TDS carries them (MS-TDS 2.2.5.1.2), and the code page 1252 text codec.
//!
//! Every `char`/`varchar`/`text` column and every non-Unicode parameter travels in the code
//! page of its collation. The emulator has one collation, SQL Server's default
//! `SQL_Latin1_General_CP1_CI_AS`, whose code page is Windows-1252; this module holds its
//! five wire bytes and a codec for its code page that writes straight into an output buffer.

/// A collation as the five bytes TDS sends: a 32-bit word (LCID in bits 0-19, comparison flags
/// in bits 20-27, version in bits 28-31) and a SQL sort id (0 for Windows collations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Collation {
    pub info: u32,
    pub sort_id: u8,
}

/// Bit of `info` for a case-insensitive collation (`_CI`).
pub const FLAG_IGNORE_CASE: u32 = 1 << 20;
/// Bit of `info` for an accent-insensitive collation (`_AI`).
pub const FLAG_IGNORE_ACCENT: u32 = 1 << 21;
/// Bit of `info` for a width-insensitive collation (implied by SQL collations).
pub const FLAG_IGNORE_WIDTH: u32 = 1 << 22;
/// Bit of `info` for a kana-insensitive collation (implied by SQL collations).
pub const FLAG_IGNORE_KANA: u32 = 1 << 23;
/// Bit of `info` for a `_UTF8` collation (SQL Server 2019+): code page 65001.
pub const FLAG_UTF8: u32 = 1 << 26;

/// Windows code page 1252 (Western European), the code page of the default collation.
pub const CP1252: u16 = 1252;
/// The code page number of UTF-8 collations.
pub const CP_UTF8: u16 = 65001;

impl Collation {
    /// `SQL_Latin1_General_CP1_CI_AS`: LCID 0x0409 (en-US), case-insensitive,
    /// width- and kana-insensitive, accent-sensitive, SQL sort order 52.
    /// On the wire: `09 04 D0 00 34`.
    pub const SQL_LATIN1_GENERAL_CP1_CI_AS: Collation = Collation {
        info: 0x0409 | FLAG_IGNORE_CASE | FLAG_IGNORE_WIDTH | FLAG_IGNORE_KANA,
        sort_id: 52,
    };

    /// The collation every character column and literal of the emulator has.
    pub const DEFAULT: Collation = Collation::SQL_LATIN1_GENERAL_CP1_CI_AS;

    /// The five bytes as TYPE_INFO and ENVCHANGE carry them.
    pub fn to_bytes(self) -> [u8; 5] {
        let [a, b, c, d] = self.info.to_le_bytes();
        [a, b, c, d, self.sort_id]
    }

    pub fn from_bytes(bytes: [u8; 5]) -> Collation {
        Collation {
            info: u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            sort_id: bytes[4],
        }
    }

    /// Appends the five wire bytes to `out`.
    pub fn write(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }

    /// The Windows locale id (0x0409 for en-US).
    pub fn lcid(self) -> u32 {
        self.info & 0x000F_FFFF
    }

    pub fn is_utf8(self) -> bool {
        self.info & FLAG_UTF8 != 0
    }

    /// The code page text of this collation travels in. The emulator only speaks 1252 and
    /// UTF-8; every other collation is treated as 1252 (its ASCII subset is shared).
    pub fn code_page(self) -> u16 {
        if self.is_utf8() {
            CP_UTF8
        } else {
            CP1252
        }
    }
}

impl Default for Collation {
    fn default() -> Collation {
        Collation::DEFAULT
    }
}

/// What bytes 0x80-0x9F of Windows-1252 stand for (the rest of 0x00-0xFF is Latin-1).
/// The five holes (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 controls of the same number,
/// as the WHATWG encoding standard (and `encoding_rs`) decodes them, so every byte round-trips.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// The cp1252 byte of `c`, or `None` when the code page has no such character.
pub fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 || (0xA0..=0xFF).contains(&u) {
        return Some(u as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&h| h == c)
        .map(|i| 0x80 + i as u8)
}

/// The character of a cp1252 byte (every byte has one).
pub fn cp1252_char(b: u8) -> char {
    if (0x80..0xA0).contains(&b) {
        CP1252_HIGH[usize::from(b - 0x80)]
    } else {
        char::from(b)
    }
}

/// Appends `s` in code page 1252 to `out`; a character the code page lacks becomes `?`,
/// as SQL Server stores it. Returns the number of bytes written (one per character).
pub fn encode_cp1252(s: &str, out: &mut Vec<u8>) -> usize {
    if s.is_ascii() {
        out.extend_from_slice(s.as_bytes());
        return s.len();
    }
    let start = out.len();
    out.extend(s.chars().map(|c| cp1252_byte(c).unwrap_or(b'?')));
    out.len() - start
}

/// How many bytes `s` takes in code page 1252 (one per character).
pub fn cp1252_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Decodes code page 1252 bytes. Every byte has a character, so this cannot fail.
pub fn decode_cp1252(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8 byte for byte.
        return bytes.iter().map(|&b| b as char).collect();
    }
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// Decodes bytes in the code page of `collation` (1252 or UTF-8; invalid UTF-8 becomes U+FFFD).
pub fn decode_with(collation: Collation, bytes: &[u8]) -> String {
    if collation.is_utf8() {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        decode_cp1252(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_collation_wire_bytes() {
        assert_eq!(
            Collation::SQL_LATIN1_GENERAL_CP1_CI_AS.to_bytes(),
            [0x09, 0x04, 0xD0, 0x00, 0x34]
        );
        let c = Collation::from_bytes([0x09, 0x04, 0xD0, 0x00, 0x34]);
        assert_eq!(c, Collation::DEFAULT);
        assert_eq!(c.lcid(), 0x0409);
        assert_eq!(c.sort_id, 52);
        assert_eq!(c.code_page(), CP1252);
        assert!(!c.is_utf8());
        let mut out = Vec::new();
        c.write(&mut out);
        assert_eq!(out, [0x09, 0x04, 0xD0, 0x00, 0x34]);
    }

    #[test]
    fn cp1252_table_agrees_with_encoding_rs() {
        for b in 0u8..=255 {
            let bytes = [b];
            let decoded = encoding_rs::WINDOWS_1252
                .decode_without_bom_handling_and_without_replacement(&bytes)
                .unwrap_or_else(|| panic!("byte {b:#x} does not decode"));
            let c = decoded.chars().next().expect("one char");
            assert_eq!(cp1252_byte(c), Some(b), "byte {b:#x} <-> {c:?}");
            assert_eq!(decode_cp1252(&[b]), decoded);
        }
    }

    #[test]
    fn cp1252_round_trip_and_replacement() {
        let s = "Café € „quote“ Ÿ";
        let mut out = Vec::new();
        let n = encode_cp1252(s, &mut out);
        assert_eq!(n, s.chars().count());
        assert_eq!(n, cp1252_len(s));
        assert_eq!(decode_cp1252(&out), s);

        let mut out = Vec::new();
        encode_cp1252("a→b😀", &mut out);
        assert_eq!(out, b"a?b?");
    }
}
