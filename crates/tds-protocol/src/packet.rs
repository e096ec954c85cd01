//! The packet layer (MS-TDS 2.2.3): every message travels as one or more packets, each an
//! 8-byte header and up to `packet size - 8` bytes of the message.
//!
//! Reading: [`PacketHeader::decode`] checks one header; the caller gathers payloads until a
//! packet with [`STATUS_EOM`]. Writing: [`PacketWriter`] cuts a message into packets of the
//! negotiated size as its bytes arrive, so a large result never sits whole in memory.

use crate::{ProtocolError, Result};

/// Length of a packet header.
pub const HEADER_LEN: usize = 8;
/// The smallest packet size a client may negotiate.
pub const MIN_PACKET_SIZE: usize = 512;
/// The largest packet size a client may negotiate.
pub const MAX_PACKET_SIZE: usize = 32767;
/// The packet size used before login negotiates one (and when the client asks for 0).
pub const DEFAULT_PACKET_SIZE: usize = 4096;

/// Status bit: the last packet of a message.
pub const STATUS_EOM: u8 = 0x01;
/// Status bit: the client asks the server to ignore this message (sent with EOM).
pub const STATUS_IGNORE: u8 = 0x02;
/// Status bit: reset the connection's state before running this request.
pub const STATUS_RESET_CONNECTION: u8 = 0x08;
/// Status bit: reset the connection but keep its transaction.
pub const STATUS_RESET_CONNECTION_SKIP_TRAN: u8 = 0x10;

/// The type of a message, carried in each of its packets' headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    SqlBatch,
    /// A login of TDS 4.2-7.0 clients (refused).
    PreTds7Login,
    Rpc,
    /// Everything the server sends, including its PRELOGIN answer.
    TabularResult,
    Attention,
    BulkLoad,
    FedAuthToken,
    TransactionManager,
    Login7,
    Sspi,
    PreLogin,
}

impl PacketType {
    pub fn from_u8(byte: u8) -> Option<PacketType> {
        Some(match byte {
            1 => PacketType::SqlBatch,
            2 => PacketType::PreTds7Login,
            3 => PacketType::Rpc,
            4 => PacketType::TabularResult,
            6 => PacketType::Attention,
            7 => PacketType::BulkLoad,
            8 => PacketType::FedAuthToken,
            14 => PacketType::TransactionManager,
            16 => PacketType::Login7,
            17 => PacketType::Sspi,
            18 => PacketType::PreLogin,
            _ => return None,
        })
    }

    pub fn as_u8(self) -> u8 {
        match self {
            PacketType::SqlBatch => 1,
            PacketType::PreTds7Login => 2,
            PacketType::Rpc => 3,
            PacketType::TabularResult => 4,
            PacketType::Attention => 6,
            PacketType::BulkLoad => 7,
            PacketType::FedAuthToken => 8,
            PacketType::TransactionManager => 14,
            PacketType::Login7 => 16,
            PacketType::Sspi => 17,
            PacketType::PreLogin => 18,
        }
    }
}

/// One packet's header. `length` counts the header too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketHeader {
    pub ty: PacketType,
    pub status: u8,
    pub length: u16,
    /// The server process id (SPID) the server puts in its packets; clients send 0.
    pub spid: u16,
    /// Increments per packet, modulo 256; informational.
    pub packet_id: u8,
    pub window: u8,
}

impl PacketHeader {
    /// Reads and checks a header: a known type, a length between the header's own and
    /// the largest packet (a client may send up to 32767-byte packets; some send a little
    /// more than they negotiated, which costs nothing to accept).
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> Result<PacketHeader> {
        let ty = PacketType::from_u8(bytes[0])
            .ok_or_else(|| ProtocolError(format!("unknown packet type 0x{:02X}", bytes[0])))?;
        let length = u16::from_be_bytes([bytes[2], bytes[3]]);
        if (length as usize) < HEADER_LEN {
            return Err(ProtocolError(format!(
                "packet length {length} is shorter than its header"
            )));
        }
        Ok(PacketHeader {
            ty,
            status: bytes[1],
            length,
            spid: u16::from_be_bytes([bytes[4], bytes[5]]),
            packet_id: bytes[6],
            window: bytes[7],
        })
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let len = self.length.to_be_bytes();
        let spid = self.spid.to_be_bytes();
        [
            self.ty.as_u8(),
            self.status,
            len[0],
            len[1],
            spid[0],
            spid[1],
            self.packet_id,
            self.window,
        ]
    }

    /// Bytes of message that follow this header.
    pub fn payload_len(&self) -> usize {
        self.length as usize - HEADER_LEN
    }

    pub fn is_eom(&self) -> bool {
        self.status & STATUS_EOM != 0
    }
}

/// The packet size a client asked for at login, as the server grants it:
/// 0 means the default, anything else is clamped to 512..=32767.
pub fn negotiate_packet_size(requested: u32) -> usize {
    if requested == 0 {
        DEFAULT_PACKET_SIZE
    } else {
        (requested as usize).clamp(MIN_PACKET_SIZE, MAX_PACKET_SIZE)
    }
}

/// Cuts one outgoing message into packets as bytes are appended.
///
/// Full packets are moved to an output buffer (`take_packets`) as soon as they fill, so the
/// caller can hand them to a socket while the rest of the message is still being produced.
/// The last packet is marked EOM by [`PacketWriter::finish`].
#[derive(Debug)]
pub struct PacketWriter {
    ty: PacketType,
    packet_size: usize,
    spid: u16,
    packet_id: u8,
    /// Payload not yet put into a packet: always shorter than one packet's payload.
    pending: Vec<u8>,
    /// Complete packets, headers included, ready to send.
    packets: Vec<u8>,
}

impl PacketWriter {
    /// `packet_size` is clamped to the legal range.
    pub fn new(ty: PacketType, packet_size: usize, spid: u16) -> PacketWriter {
        let packet_size = packet_size.clamp(MIN_PACKET_SIZE, MAX_PACKET_SIZE);
        PacketWriter {
            ty,
            packet_size,
            spid,
            packet_id: 1,
            pending: Vec::with_capacity(packet_size),
            packets: Vec::new(),
        }
    }

    pub fn packet_size(&self) -> usize {
        self.packet_size
    }

    /// Changes the size of the packets that follow (after login negotiates it).
    pub fn set_packet_size(&mut self, packet_size: usize) {
        self.packet_size = packet_size.clamp(MIN_PACKET_SIZE, MAX_PACKET_SIZE);
    }

    /// Appends message bytes; every packet they fill moves to the output.
    pub fn write(&mut self, mut bytes: &[u8]) {
        let room = self.packet_size - HEADER_LEN;
        while !bytes.is_empty() {
            let take = (room - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            // A full packet is emitted only once more bytes are known to follow, so that
            // `finish` always has a packet left to mark EOM.
            if self.pending.len() == room && !bytes.is_empty() {
                self.emit(0);
            }
        }
    }

    /// Bytes waiting for the next packet (not yet in the output).
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Ends the message: the remaining bytes (possibly none) go out as the EOM packet.
    pub fn finish(&mut self) {
        self.emit(STATUS_EOM);
        self.packet_id = 1;
    }

    /// Moves out the complete packets produced so far.
    pub fn take_packets(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.packets)
    }

    /// Complete packets produced so far, without moving them.
    pub fn packets(&self) -> &[u8] {
        &self.packets
    }

    /// Forgets the output already handed to the socket, keeping its allocation.
    pub fn clear_packets(&mut self) {
        self.packets.clear();
    }

    /// Drops whatever of the current message is not yet in a packet.
    pub fn discard_pending(&mut self) {
        self.pending.clear();
    }

    fn emit(&mut self, status: u8) {
        let header = PacketHeader {
            ty: self.ty,
            status,
            length: (self.pending.len() + HEADER_LEN) as u16,
            spid: self.spid,
            packet_id: self.packet_id,
            window: 0,
        };
        self.packets.extend_from_slice(&header.encode());
        self.packets.extend_from_slice(&self.pending);
        self.pending.clear();
        self.packet_id = self.packet_id.wrapping_add(1);
    }
}

/// Writes `payload` as one complete message of type `ty` (a convenience for small messages).
pub fn encode_message(ty: PacketType, payload: &[u8], packet_size: usize, out: &mut Vec<u8>) {
    let mut writer = PacketWriter::new(ty, packet_size, 0);
    writer.write(payload);
    writer.finish();
    out.extend_from_slice(writer.packets());
}

/// Reassembles the payload of the message at the start of `bytes` (test helper and for
/// callers that already hold whole packets): returns the type, the payload and the number
/// of bytes consumed.
pub fn decode_message(bytes: &[u8]) -> Result<(PacketType, Vec<u8>, usize)> {
    let mut offset = 0;
    let mut payload = Vec::new();
    loop {
        let header_bytes: &[u8; HEADER_LEN] = bytes
            .get(offset..offset + HEADER_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| ProtocolError("truncated packet header".into()))?;
        let header = PacketHeader::decode(header_bytes)?;
        let end = offset + header.length as usize;
        let body = bytes
            .get(offset + HEADER_LEN..end)
            .ok_or_else(|| ProtocolError("truncated packet".into()))?;
        payload.extend_from_slice(body);
        offset = end;
        if header.is_eom() {
            return Ok((header.ty, payload, offset));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let header = PacketHeader {
            ty: PacketType::Rpc,
            status: STATUS_EOM | STATUS_RESET_CONNECTION,
            length: 300,
            spid: 53,
            packet_id: 7,
            window: 0,
        };
        let bytes = header.encode();
        assert_eq!(bytes, [3, 0x09, 0x01, 0x2C, 0, 53, 7, 0]);
        assert_eq!(PacketHeader::decode(&bytes).unwrap(), header);
    }

    #[test]
    fn header_rejects_unknown_type_and_short_length() {
        assert!(PacketHeader::decode(&[0x55, 1, 0, 8, 0, 0, 0, 0]).is_err());
        assert!(PacketHeader::decode(&[1, 1, 0, 7, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn writer_splits_into_packets_of_the_negotiated_size() {
        let payload: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
        let mut writer = PacketWriter::new(PacketType::TabularResult, 512, 51);
        for chunk in payload.chunks(37) {
            writer.write(chunk);
        }
        writer.finish();
        let out = writer.take_packets();
        // 2000 bytes at 504 per packet: 3 full packets and one of 488.
        assert_eq!(out.len(), 2000 + 4 * HEADER_LEN);
        let mut offset = 0;
        let mut ids = Vec::new();
        while offset < out.len() {
            let header = PacketHeader::decode(out[offset..offset + 8].try_into().unwrap()).unwrap();
            assert!(header.length as usize <= 512);
            assert_eq!(header.spid, 51);
            ids.push((header.packet_id, header.is_eom()));
            offset += header.length as usize;
        }
        assert_eq!(ids, vec![(1, false), (2, false), (3, false), (4, true)]);
        let (ty, body, used) = decode_message(&out).unwrap();
        assert_eq!(ty, PacketType::TabularResult);
        assert_eq!(body, payload);
        assert_eq!(used, out.len());
    }

    #[test]
    fn exact_multiple_of_a_packet_ends_with_a_full_eom_packet() {
        let mut writer = PacketWriter::new(PacketType::TabularResult, 512, 0);
        writer.write(&[7u8; 504 * 2]);
        writer.finish();
        let out = writer.take_packets();
        assert_eq!(out.len(), 2 * 512);
        assert_eq!(out[1], 0);
        assert_eq!(out[512 + 1], STATUS_EOM);
    }

    #[test]
    fn empty_message_is_one_eom_header() {
        let mut out = Vec::new();
        encode_message(PacketType::Attention, &[], 4096, &mut out);
        assert_eq!(out, vec![6, 1, 0, 8, 0, 0, 1, 0]);
    }

    #[test]
    fn packet_size_negotiation() {
        assert_eq!(negotiate_packet_size(0), 4096);
        assert_eq!(negotiate_packet_size(100), 512);
        assert_eq!(negotiate_packet_size(8000), 8000);
        assert_eq!(negotiate_packet_size(65536), 32767);
    }

    #[test]
    fn truncated_message_is_an_error() {
        let mut out = Vec::new();
        encode_message(PacketType::SqlBatch, &[1, 2, 3], 512, &mut out);
        assert!(decode_message(&out[..out.len() - 1]).is_err());
    }
}
