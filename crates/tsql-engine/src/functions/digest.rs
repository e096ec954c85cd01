//! HASHBYTES: MD2, MD4, MD5, SHA (SHA-1), SHA1, SHA2_256 and SHA2_512 over the bytes SQL
//! Server hashes: a varchar's code page 1252 bytes, an nvarchar's UTF-16LE bytes, binary as
//! is. The translator passes the argument's type (`__mssql_hashbytes(alg, x, 'type')`).
//! MD5 and the SHAs come from well-kept crates; MD2 and MD4, which no maintained crate in
//! the build offers, are written out here from RFC 1319 and RFC 1320.

use rusqlite::functions::Context;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use sha1::Digest as _;
use tds_protocol::types::SqlError;

use super::args::text;
use super::{deterministic, raise};
use crate::values::text::to_cp1252_bytes;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("HASHBYTES", 2, deterministic(), |ctx| {
        hashbytes(ctx).map_err(raise)
    })?;
    conn.create_scalar_function("__mssql_hashbytes", 3, deterministic(), |ctx| {
        hashbytes(ctx).map_err(raise)
    })
}

fn hashbytes(ctx: &Context<'_>) -> Result<SqliteValue, SqlError> {
    let Some(alg) = text(ctx.get_raw(0)) else {
        return Ok(SqliteValue::Null);
    };
    let ty = if ctx.len() > 2 {
        text(ctx.get_raw(2))
            .unwrap_or_default()
            .to_ascii_lowercase()
    } else {
        String::new()
    };
    let bytes: Vec<u8> = match ctx.get_raw(1) {
        ValueRef::Null => return Ok(SqliteValue::Null),
        ValueRef::Blob(b) => b.to_vec(),
        v => {
            let s = text(v).unwrap_or_default();
            if ty.starts_with("varchar") || ty.starts_with("char") || ty == "text" {
                to_cp1252_bytes(&s)
            } else {
                s.encode_utf16().flat_map(u16::to_le_bytes).collect()
            }
        }
    };
    Ok(match digest(&alg, &bytes) {
        Some(d) => SqliteValue::Blob(d),
        // An algorithm SQL Server does not know gives NULL.
        None => SqliteValue::Null,
    })
}

/// The digest of `data` by HASHBYTES' algorithm name (case-insensitive).
pub fn digest(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
    Some(match alg.trim().to_ascii_uppercase().as_str() {
        "MD2" => md2(data).to_vec(),
        "MD4" => md4(data).to_vec(),
        "MD5" => md5::compute(data).0.to_vec(),
        "SHA" | "SHA1" => sha1::Sha1::digest(data).to_vec(),
        "SHA2_256" => sha2::Sha256::digest(data).to_vec(),
        "SHA2_512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

/// RFC 1319's substitution table (digits of pi).
const MD2_S: [u8; 256] = [
    41, 46, 67, 201, 162, 216, 124, 1, 61, 54, 84, 161, 236, 240, 6, 19, 98, 167, 5, 243, 192, 199,
    115, 140, 152, 147, 43, 217, 188, 76, 130, 202, 30, 155, 87, 60, 253, 212, 224, 22, 103, 66,
    111, 24, 138, 23, 229, 18, 190, 78, 196, 214, 218, 158, 222, 73, 160, 251, 245, 142, 187, 47,
    238, 122, 169, 104, 121, 145, 21, 178, 7, 63, 148, 194, 16, 137, 11, 34, 95, 33, 128, 127, 93,
    154, 90, 144, 50, 39, 53, 62, 204, 231, 191, 247, 151, 3, 255, 25, 48, 179, 72, 165, 181, 209,
    215, 94, 146, 42, 172, 86, 170, 198, 79, 184, 56, 210, 150, 164, 125, 182, 118, 252, 107, 226,
    156, 116, 4, 241, 69, 157, 112, 89, 100, 113, 135, 32, 134, 91, 207, 101, 230, 45, 168, 2, 27,
    96, 37, 173, 174, 176, 185, 246, 28, 70, 97, 105, 52, 64, 126, 15, 85, 71, 163, 35, 221, 81,
    175, 58, 195, 92, 249, 206, 186, 197, 234, 38, 44, 83, 13, 110, 133, 40, 132, 9, 211, 223, 205,
    244, 65, 129, 77, 82, 106, 220, 55, 200, 108, 193, 171, 250, 36, 225, 123, 8, 12, 189, 177, 74,
    120, 136, 149, 139, 227, 99, 232, 109, 233, 203, 213, 254, 59, 0, 29, 57, 242, 239, 183, 14,
    102, 88, 208, 228, 166, 119, 114, 248, 235, 117, 75, 10, 49, 68, 80, 180, 143, 237, 31, 26,
    219, 153, 141, 51, 159, 17, 131, 20,
];

fn md2(data: &[u8]) -> [u8; 16] {
    let pad = 16 - data.len() % 16;
    let mut msg = data.to_vec();
    msg.extend(std::iter::repeat_n(pad as u8, pad));
    let mut checksum = [0u8; 16];
    let mut last = 0u8;
    for block in msg.chunks(16) {
        for j in 0..16 {
            checksum[j] ^= MD2_S[(block[j] ^ last) as usize];
            last = checksum[j];
        }
    }
    msg.extend_from_slice(&checksum);
    let mut x = [0u8; 48];
    for block in msg.chunks(16) {
        for j in 0..16 {
            x[16 + j] = block[j];
            x[32 + j] = x[16 + j] ^ x[j];
        }
        let mut t = 0u8;
        for round in 0..18u8 {
            for b in x.iter_mut() {
                *b ^= MD2_S[t as usize];
                t = *b;
            }
            t = t.wrapping_add(round);
        }
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&x[..16]);
    out
}

fn md4(data: &[u8]) -> [u8; 16] {
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let f = |x: u32, y: u32, z: u32| (x & y) | (!x & z);
    let g = |x: u32, y: u32, z: u32| (x & y) | (x & z) | (y & z);
    let hh = |x: u32, y: u32, z: u32| x ^ y ^ z;
    for block in msg.chunks(64) {
        let mut w = [0u32; 16];
        for (i, word) in w.iter_mut().enumerate() {
            *word = u32::from_le_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        let [mut a, mut b, mut c, mut d] = h;
        for &i in &[0usize, 4, 8, 12] {
            a = a.wrapping_add(f(b, c, d)).wrapping_add(w[i]).rotate_left(3);
            d = d
                .wrapping_add(f(a, b, c))
                .wrapping_add(w[i + 1])
                .rotate_left(7);
            c = c
                .wrapping_add(f(d, a, b))
                .wrapping_add(w[i + 2])
                .rotate_left(11);
            b = b
                .wrapping_add(f(c, d, a))
                .wrapping_add(w[i + 3])
                .rotate_left(19);
        }
        for i in 0..4 {
            let k = 0x5a827999u32;
            a = a
                .wrapping_add(g(b, c, d))
                .wrapping_add(w[i])
                .wrapping_add(k)
                .rotate_left(3);
            d = d
                .wrapping_add(g(a, b, c))
                .wrapping_add(w[i + 4])
                .wrapping_add(k)
                .rotate_left(5);
            c = c
                .wrapping_add(g(d, a, b))
                .wrapping_add(w[i + 8])
                .wrapping_add(k)
                .rotate_left(9);
            b = b
                .wrapping_add(g(c, d, a))
                .wrapping_add(w[i + 12])
                .wrapping_add(k)
                .rotate_left(13);
        }
        for &i in &[0usize, 2, 1, 3] {
            let k = 0x6ed9eba1u32;
            a = a
                .wrapping_add(hh(b, c, d))
                .wrapping_add(w[i])
                .wrapping_add(k)
                .rotate_left(3);
            d = d
                .wrapping_add(hh(a, b, c))
                .wrapping_add(w[i + 8])
                .wrapping_add(k)
                .rotate_left(9);
            c = c
                .wrapping_add(hh(d, a, b))
                .wrapping_add(w[i + 4])
                .wrapping_add(k)
                .rotate_left(11);
            b = b
                .wrapping_add(hh(c, d, a))
                .wrapping_add(w[i + 12])
                .wrapping_add(k)
                .rotate_left(15);
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn rfc_test_vectors() {
        // RFC 1319 and RFC 1320's test suites.
        assert_eq!(hex(&md2(b"")), "8350e5a3e24c153df2275c9f80692773");
        assert_eq!(hex(&md2(b"abc")), "da853b0d3f88d99b30283a69e6ded6bb");
        assert_eq!(
            hex(&md2(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            )),
            "d5976f79d83d3a0dc9806c3c66f3efd8"
        );
        assert_eq!(hex(&md4(b"")), "31d6cfe0d16ae931b73c59d7e0c089c0");
        assert_eq!(hex(&md4(b"abc")), "a448017aaf21d8525fc10ae87aa6729d");
        assert_eq!(
            hex(&md4(b"abcdefghijklmnopqrstuvwxyz")),
            "d79e1c308aa5bbcdeea8ed63df412da9"
        );
        assert_eq!(
            hex(&digest("sha2_256", b"abc").unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&digest("MD5", b"abc").unwrap()),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            hex(&digest("SHA", b"abc").unwrap()),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert!(digest("SHA3", b"abc").is_none());
    }
}
