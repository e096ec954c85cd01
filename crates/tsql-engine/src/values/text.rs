//! Character data: code page 1252 (what varchar holds under SQL_Latin1_General_CP1),
//! GUID text, and hexadecimal.

// The code page table lives with the wire codec, which encodes varchar the same way.
pub use tds_protocol::collation::{cp1252_byte, cp1252_char};

/// The string as varchar holds it: characters cp1252 lacks become `?`.
pub fn to_cp1252_text(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    s.chars()
        .map(|c| if cp1252_byte(c).is_some() { c } else { '?' })
        .collect()
}

/// The cp1252 bytes of a string (`?` for what the code page lacks).
pub fn to_cp1252_bytes(s: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(s.len());
    tds_protocol::collation::encode_cp1252(s, &mut bytes);
    bytes
}

/// Bytes read as cp1252 characters.
pub fn from_cp1252_bytes(b: &[u8]) -> String {
    tds_protocol::collation::decode_cp1252(b)
}

/// Upper-case hex digits.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Hex digits → bytes; an odd count reads as if a leading 0 were there (SQL Server's rule).
pub fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len().div_ceil(2));
    let mut rest = s;
    if s.len() % 2 == 1 {
        out.push(hex_val(s[0])?);
        rest = &s[1..];
    }
    for pair in rest.chunks_exact(2) {
        out.push(hex_val(pair[0])? << 4 | hex_val(pair[1])?);
    }
    Some(out)
}

/// Parses a GUID's text (any case, with or without braces) into its 16 bytes in text order.
pub fn parse_guid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    let b = if b.len() == 38 && b[0] == b'{' && b[37] == b'}' {
        &b[1..37]
    } else {
        b
    };
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut out = [0u8; 16];
    let mut i = 0;
    let mut pos = 0;
    while pos < 36 {
        if matches!(pos, 8 | 13 | 18 | 23) {
            pos += 1;
            continue;
        }
        out[i] = hex_val(b[pos])? << 4 | hex_val(b[pos + 1])?;
        i += 1;
        pos += 2;
    }
    Some(out)
}

/// A GUID's canonical text: upper case, dashed, no braces.
pub fn format_guid(g: &[u8; 16]) -> String {
    let h = hex(g);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Text-order GUID bytes ⟷ SQL Server's binary form (first three groups little-endian),
/// as `CAST(guid AS binary(16))` shows them. The swap is its own inverse.
pub fn guid_binary_swap(g: &[u8; 16]) -> [u8; 16] {
    let mut o = *g;
    o[0..4].reverse();
    o[4..6].reverse();
    o[6..8].reverse();
    o
}

/// Characters SQL Server counts: trailing spaces removed (LEN's rule).
pub fn trim_trailing_spaces(s: &str) -> &str {
    s.trim_end_matches(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_maps_what_the_code_page_has() {
        assert_eq!(to_cp1252_text("café €5 — ok"), "café €5 — ok");
        assert_eq!(to_cp1252_text("日本 ł"), "?? ?");
        assert_eq!(cp1252_byte('€'), Some(0x80));
        assert_eq!(cp1252_char(0x80), '€');
        assert_eq!(from_cp1252_bytes(&to_cp1252_bytes("Œuvre")), "Œuvre");
    }

    #[test]
    fn guid_text_round_trips() {
        let g = parse_guid("{6f9619ff-8b86-d011-b42d-00c04fc964ff}").unwrap();
        assert_eq!(g[0], 0x6F);
        assert_eq!(format_guid(&g), "6F9619FF-8B86-D011-B42D-00C04FC964FF");
        assert_eq!(parse_guid("6F9619FF-8B86-D011-B42D-00C04FC964F"), None);
        assert_eq!(parse_guid("6F9619FF-8B86-D011-B42D-00C04FC964FG"), None);
        assert_eq!(guid_binary_swap(&g)[0], 0xFF);
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 0xAB, 0x10]), "00AB10");
        assert_eq!(unhex(b"00ab10"), Some(vec![0, 0xAB, 0x10]));
        assert_eq!(unhex(b"abc"), Some(vec![0x0A, 0xBC]));
        assert_eq!(unhex(b"zz"), None);
    }
}
