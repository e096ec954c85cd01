//! A minimal TDS 7.4 client that logs in and drains a result without decoding rows.
//!
//! It exists so that the emulator's benchmark measures the server, not a driver's row
//! decoder: it reads packets until the end of the response and takes the row count from
//! the final DONE token. It is written from MS-TDS (2.2.6.4 PRELOGIN, 2.2.6.4 LOGIN7,
//! 2.2.6.7 SQLBatch) and knows nothing of the emulator's code.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

const PRELOGIN: u8 = 0x12;
const LOGIN7: u8 = 0x10;
const SQL_BATCH: u8 = 0x01;
const STATUS_EOM: u8 = 0x01;
const TDS_7_4: u32 = 0x7400_0004;

const TOKEN_ERROR: u8 = 0xAA;
const TOKEN_DONE: u8 = 0xFD;

/// A logged-in connection.
pub struct RawClient {
    stream: TcpStream,
    packet_size: usize,
}

/// What draining one response saw.
#[derive(Debug, Clone, Copy)]
pub struct Drained {
    /// Bytes of token stream received (packet headers excluded).
    pub bytes: u64,
    /// The row count of the final DONE token.
    pub rows: u64,
}

impl RawClient {
    /// Connects and logs in with SQL authentication, asking for `packet_size`-byte packets.
    pub fn connect(
        addr: SocketAddr,
        user: &str,
        password: &str,
        database: &str,
        packet_size: u32,
    ) -> io::Result<RawClient> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let mut client = RawClient {
            stream,
            packet_size: 4096,
        };
        client.send(PRELOGIN, &prelogin())?;
        client.read_message()?;
        client.send(LOGIN7, &login7(user, password, database, packet_size))?;
        let response = client.read_message()?;
        if response.first() == Some(&TOKEN_ERROR) || !contains_loginack(&response) {
            return Err(io::Error::other("login refused"));
        }
        client.packet_size = packet_size as usize;
        Ok(client)
    }

    /// Sends a SQL batch and reads its whole response, keeping only a byte count and the
    /// final DONE token's row count.
    pub fn drain(&mut self, sql: &str) -> io::Result<Drained> {
        let mut payload = all_headers();
        payload.extend(sql.encode_utf16().flat_map(u16::to_le_bytes));
        self.send(SQL_BATCH, &payload)?;

        let mut bytes = 0u64;
        let mut tail = Vec::with_capacity(64);
        let mut buf = vec![0u8; 65536];
        loop {
            let (status, len) = self.read_header()?;
            let mut left = len;
            while left > 0 {
                let n = left.min(buf.len());
                self.stream.read_exact(&mut buf[..n])?;
                bytes += n as u64;
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 32 {
                    tail.drain(..tail.len() - 32);
                }
                left -= n;
            }
            if status & STATUS_EOM != 0 {
                break;
            }
        }
        let done = tail
            .len()
            .checked_sub(13)
            .map(|at| &tail[at..])
            .filter(|d| d[0] == TOKEN_DONE)
            .ok_or_else(|| io::Error::other("response did not end with DONE"))?;
        let rows = u64::from_le_bytes(done[5..13].try_into().expect("8 bytes"));
        Ok(Drained { bytes, rows })
    }

    fn send(&mut self, kind: u8, payload: &[u8]) -> io::Result<()> {
        let room = self.packet_size - 8;
        let chunks: Vec<&[u8]> = payload.chunks(room).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let last = i + 1 == chunks.len();
            let len = (chunk.len() + 8) as u16;
            let mut packet = vec![kind, if last { STATUS_EOM } else { 0 }];
            packet.extend(len.to_be_bytes());
            packet.extend([0, 0, (i + 1) as u8, 0]);
            packet.extend_from_slice(chunk);
            self.stream.write_all(&packet)?;
        }
        Ok(())
    }

    fn read_header(&mut self) -> io::Result<(u8, usize)> {
        let mut header = [0u8; 8];
        self.stream.read_exact(&mut header)?;
        let len = u16::from_be_bytes([header[2], header[3]]) as usize;
        if len < 8 {
            return Err(io::Error::other("packet shorter than its header"));
        }
        Ok((header[1], len - 8))
    }

    fn read_message(&mut self) -> io::Result<Vec<u8>> {
        let mut message = Vec::new();
        loop {
            let (status, len) = self.read_header()?;
            let start = message.len();
            message.resize(start + len, 0);
            self.stream.read_exact(&mut message[start..])?;
            if status & STATUS_EOM != 0 {
                return Ok(message);
            }
        }
    }
}

fn prelogin() -> Vec<u8> {
    // Two options (VERSION, ENCRYPTION) and the terminator: 5 + 5 + 1 bytes of table.
    let mut p = vec![0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xFF];
    p.extend([1, 0, 0, 0, 0, 0]); // client version
    p.push(0x02); // ENCRYPT_NOT_SUP
    p
}

fn all_headers() -> Vec<u8> {
    // Total length, then one transaction-descriptor header: length, type 2, descriptor 0,
    // one outstanding request.
    let mut h = Vec::with_capacity(22);
    h.extend(22u32.to_le_bytes());
    h.extend(18u32.to_le_bytes());
    h.extend(2u16.to_le_bytes());
    h.extend(0u64.to_le_bytes());
    h.extend(1u32.to_le_bytes());
    h
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// LOGIN7's password obfuscation: each byte's nibbles swapped, then XOR 0xA5.
fn obfuscate(password: &str) -> Vec<u8> {
    utf16(password)
        .into_iter()
        .map(|b| b.rotate_left(4) ^ 0xA5)
        .collect()
}

fn login7(user: &str, password: &str, database: &str, packet_size: u32) -> Vec<u8> {
    const FIXED: usize = 94;
    let strings: [(Vec<u8>, usize); 9] = [
        (utf16("bench"), 5),                         // HostName
        (utf16(user), user.len()),                   // UserName
        (obfuscate(password), password.len()),       // Password
        (utf16("bench"), 5),                         // AppName
        (utf16("localhost"), 9),                     // ServerName
        (Vec::new(), 0),                             // Extension (unused)
        (utf16("bench-raw-client"), 16),             // CltIntName
        (Vec::new(), 0),                             // Language
        (utf16(database), database.chars().count()), // Database
    ];
    let mut fixed = Vec::with_capacity(FIXED);
    let mut data = Vec::new();
    fixed.extend(0u32.to_le_bytes()); // length, patched below
    fixed.extend(TDS_7_4.to_le_bytes());
    fixed.extend(packet_size.to_le_bytes());
    fixed.extend(7u32.to_le_bytes()); // client program version
    fixed.extend(std::process::id().to_le_bytes());
    fixed.extend(0u32.to_le_bytes()); // connection id
    fixed.extend([0xE0, 0x03, 0x00, 0x00]); // option flags 1, 2, type flags, option flags 3
    fixed.extend(0i32.to_le_bytes()); // time zone
    fixed.extend(0x0409u32.to_le_bytes()); // LCID
    for (bytes, chars) in &strings {
        let offset = (FIXED + data.len()) as u16;
        fixed.extend(offset.to_le_bytes());
        fixed.extend((*chars as u16).to_le_bytes());
        data.extend_from_slice(bytes);
    }
    fixed.extend([0u8; 6]); // client id (MAC address)
    let end = (FIXED + data.len()) as u16;
    for _ in 0..3 {
        // SSPI, AtchDBFile, ChangePassword: empty.
        fixed.extend(end.to_le_bytes());
        fixed.extend(0u16.to_le_bytes());
    }
    fixed.extend(0u32.to_le_bytes()); // cbSSPILong
    debug_assert_eq!(fixed.len(), FIXED);
    fixed.extend(data);
    let len = fixed.len() as u32;
    fixed[..4].copy_from_slice(&len.to_le_bytes());
    fixed
}

/// Walks a login response's tokens looking for LOGINACK.
fn contains_loginack(mut tokens: &[u8]) -> bool {
    while let Some((&token, rest)) = tokens.split_first() {
        let skip = match token {
            0xAD => return true,
            0xE3 | 0xAB | 0xAA => rest
                .get(..2)
                .map(|l| 2 + u16::from_le_bytes([l[0], l[1]]) as usize),
            0xFD => Some(12),
            _ => None,
        };
        match skip {
            Some(n) if n <= rest.len() => tokens = &rest[n..],
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login7_fixed_part_points_at_its_strings() {
        let packet = login7("sa", "pw", "db", 4096);
        assert_eq!(
            u32::from_le_bytes(packet[..4].try_into().unwrap()) as usize,
            packet.len()
        );
        // UserName is the second offset/length pair, at byte 40.
        let offset = u16::from_le_bytes([packet[40], packet[41]]) as usize;
        let chars = u16::from_le_bytes([packet[42], packet[43]]) as usize;
        assert_eq!(&packet[offset..offset + chars * 2], &utf16("sa")[..]);
    }

    #[test]
    fn obfuscation_matches_the_spec_rule() {
        // 'a' = 0x61 0x00 → nibbles swapped 0x16 0x00 → XOR 0xA5 → 0xB3 0xA5.
        assert_eq!(obfuscate("a"), vec![0xB3, 0xA5]);
    }
}
