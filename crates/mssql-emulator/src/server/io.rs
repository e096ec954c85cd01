//! Packets over a socket: reading whole client messages, and writing the server's
//! responses packet by packet as their tokens are produced.

use std::io::{self, Read, Write};

use tds_protocol::packet::{PacketHeader, PacketType, PacketWriter, HEADER_LEN, STATUS_IGNORE};

/// The largest request accepted (a batch's text or an RPC's parameters); beyond it the
/// client is treated as broken rather than letting it exhaust memory.
pub const MAX_MESSAGE_LEN: usize = 256 * 1024 * 1024;

/// How much of a response is gathered before it is written to the socket: a few packets'
/// worth, so small packet sizes do not cost a system call each.
const FLUSH_THRESHOLD: usize = 32 * 1024;

/// Why a connection stops.
#[derive(Debug)]
pub enum ConnError {
    /// The socket failed or the peer went away.
    Io(io::Error),
    /// The peer broke the protocol: the text says what ("malformed LOGIN7: ...").
    Protocol(String),
}

impl From<io::Error> for ConnError {
    fn from(e: io::Error) -> ConnError {
        ConnError::Io(e)
    }
}

impl std::fmt::Display for ConnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnError::Io(e) => write!(f, "{e}"),
            ConnError::Protocol(text) => f.write_str(text),
        }
    }
}

/// One message from the client.
#[derive(Debug)]
pub struct Message {
    pub ty: PacketType,
    /// The status byte of the first packet (carries RESETCONNECTION).
    pub status: u8,
    pub payload: Vec<u8>,
    /// The client gave up sending it (its last packet says IGNORE): it is answered with a
    /// lone DONE and not run.
    pub ignored: bool,
}

/// Reads the next whole message. `Ok(None)` when the peer closed the connection cleanly
/// between messages; a message cut short or packets of mixed types are protocol errors.
pub fn read_message(stream: &mut impl Read) -> Result<Option<Message>, ConnError> {
    match read_header(stream, true)? {
        Some(first) => read_message_after(first, stream).map(Some),
        None => Ok(None),
    }
}

/// Reads the rest of a message whose first header was `first`.
pub fn read_message_after(
    first: PacketHeader,
    stream: &mut impl Read,
) -> Result<Message, ConnError> {
    let mut payload = Vec::new();
    let mut header = first;
    let mut ignored = false;
    loop {
        let start = payload.len();
        let len = header.payload_len();
        if start + len > MAX_MESSAGE_LEN {
            return Err(ConnError::Protocol(format!(
                "message larger than {MAX_MESSAGE_LEN} bytes"
            )));
        }
        payload.resize(start + len, 0);
        read_exact(stream, &mut payload[start..])?;
        ignored |= header.status & STATUS_IGNORE != 0;
        if header.is_eom() {
            return Ok(Message {
                ty: first.ty,
                status: first.status,
                payload,
                ignored,
            });
        }
        header = read_next_header(stream, first.ty)?;
    }
}

/// The header of a message's next packet, which must be of the message's type.
pub fn read_next_header(stream: &mut impl Read, ty: PacketType) -> Result<PacketHeader, ConnError> {
    let header = read_header(stream, false)?.ok_or_else(|| {
        ConnError::Protocol("connection closed in the middle of a message".into())
    })?;
    if header.ty != ty {
        return Err(ConnError::Protocol(format!(
            "packet of type {:?} inside a message of type {:?}",
            header.ty, ty
        )));
    }
    Ok(header)
}

/// A packet's payload, after its header.
pub fn read_payload(stream: &mut impl Read, header: &PacketHeader) -> Result<Vec<u8>, ConnError> {
    let mut payload = vec![0; header.payload_len()];
    read_exact(stream, &mut payload)?;
    Ok(payload)
}

/// Reads a header; at a message boundary (`may_end`) a clean EOF is `None`.
pub fn read_header(
    stream: &mut impl Read,
    may_end: bool,
) -> Result<Option<PacketHeader>, ConnError> {
    let mut bytes = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match stream.read(&mut bytes[got..]) {
            Ok(0) if got == 0 && may_end => return Ok(None),
            Ok(0) => {
                return Err(ConnError::Protocol(
                    "connection closed in the middle of a packet".into(),
                ))
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    PacketHeader::decode(&bytes)
        .map(Some)
        .map_err(|e| ConnError::Protocol(format!("malformed packet header: {e}")))
}

fn read_exact(stream: &mut impl Read, buf: &mut [u8]) -> Result<(), ConnError> {
    stream.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ConnError::Protocol("connection closed in the middle of a packet".into())
        } else {
            ConnError::Io(e)
        }
    })
}

/// The server's side of the socket: response bytes go in, packets of the negotiated size
/// come out, written whenever a few have accumulated and at the end of each message.
pub struct Output<W: Write> {
    stream: W,
    writer: PacketWriter,
}

impl<W: Write> Output<W> {
    pub fn new(stream: W, packet_size: usize, spid: u16) -> Output<W> {
        Output {
            stream,
            writer: PacketWriter::new(PacketType::TabularResult, packet_size, spid),
        }
    }

    pub fn set_packet_size(&mut self, packet_size: usize) {
        self.writer.set_packet_size(packet_size);
    }

    pub fn packet_size(&self) -> usize {
        self.writer.packet_size()
    }

    /// Appends response bytes; complete packets are sent once enough have gathered.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write(bytes);
        if self.writer.packets().len() >= FLUSH_THRESHOLD {
            self.send_packets()?;
        }
        Ok(())
    }

    /// Ends the current response message (EOM) and sends everything.
    pub fn end_message(&mut self) -> io::Result<()> {
        self.writer.finish();
        self.send_packets()?;
        self.stream.flush()
    }

    fn send_packets(&mut self) -> io::Result<()> {
        let result = self.stream.write_all(self.writer.packets());
        self.writer.clear_packets();
        result
    }

    pub fn get_ref(&self) -> &W {
        &self.stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tds_protocol::packet::{encode_message, STATUS_EOM};

    #[test]
    fn reads_a_multi_packet_message_and_stops_at_eof() {
        let payload: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        let mut wire = Vec::new();
        encode_message(PacketType::SqlBatch, &payload, 512, &mut wire);
        encode_message(PacketType::Attention, &[], 512, &mut wire);
        let mut input = &wire[..];
        let msg = read_message(&mut input).unwrap().unwrap();
        assert_eq!(msg.ty, PacketType::SqlBatch);
        assert_eq!(msg.payload, payload);
        let msg = read_message(&mut input).unwrap().unwrap();
        assert_eq!(msg.ty, PacketType::Attention);
        assert!(read_message(&mut input).unwrap().is_none());
    }

    #[test]
    fn truncated_message_is_a_protocol_error() {
        let mut wire = Vec::new();
        encode_message(PacketType::SqlBatch, &[1; 1000], 512, &mut wire);
        for cut in [3, 100, 600] {
            let mut input = &wire[..cut];
            assert!(matches!(
                read_message(&mut input),
                Err(ConnError::Protocol(_))
            ));
        }
    }

    #[test]
    fn ignored_message_is_marked() {
        let mut wire = vec![1, 0, 0, 10, 0, 0, 1, 0, 7, 7];
        wire.extend_from_slice(&[1, STATUS_EOM | STATUS_IGNORE, 0, 8, 0, 0, 2, 0]);
        encode_message(PacketType::Rpc, &[5], 512, &mut wire);
        let mut input = &wire[..];
        let msg = read_message(&mut input).unwrap().unwrap();
        assert!(msg.ignored);
        assert_eq!(msg.ty, PacketType::SqlBatch);
        let msg = read_message(&mut input).unwrap().unwrap();
        assert!(!msg.ignored);
        assert_eq!((msg.ty, msg.payload), (PacketType::Rpc, vec![5]));
    }

    #[test]
    fn mixed_packet_types_are_a_protocol_error() {
        let mut wire = vec![1, 0, 0, 9, 0, 0, 1, 0, 7];
        encode_message(PacketType::Rpc, &[5], 512, &mut wire);
        let mut input = &wire[..];
        assert!(matches!(
            read_message(&mut input),
            Err(ConnError::Protocol(_))
        ));
    }

    #[test]
    fn output_cuts_packets_of_the_set_size() {
        let mut out = Output::new(Vec::new(), 4096, 51);
        out.set_packet_size(512);
        out.write(&[9; 1200]).unwrap();
        out.end_message().unwrap();
        let (ty, payload, used) = tds_protocol::packet::decode_message(out.get_ref()).unwrap();
        assert_eq!(ty, PacketType::TabularResult);
        assert_eq!(payload, vec![9; 1200]);
        assert_eq!(used, 1200 + 3 * 8);
    }
}
