//! Messages as packets on the transport (MS-TDS 2.2.3).
//!
//! Sending cuts a message into packets of the negotiated size. Receiving gathers the
//! payloads of one message's packets, headers taken off, into one buffer of token bytes:
//! a token or row that spans two packets is contiguous there, so every decoder reads
//! straight from it, and the buffer keeps only what is not yet decoded (it grows to the
//! widest row, not to the result).

use tds_protocol::packet::{
    encode_message, PacketHeader, PacketType, DEFAULT_PACKET_SIZE, HEADER_LEN,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::transport::{Stream, Transport};

/// Bytes asked of the transport per read: several packets at once.
const READ_SIZE: usize = 128 * 1024;

/// The first byte of a TLS handshake record: a server speaking TLS where TDS was expected.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

pub(crate) struct Packets<S> {
    transport: Option<Transport<S>>,
    packet_size: usize,
    /// Bytes read from the transport, not yet unframed: `raw[raw_pos..raw_end]`.
    raw: Box<[u8]>,
    raw_pos: usize,
    raw_end: usize,
    /// Payload of the message being read; `tokens[pos..]` is not yet decoded.
    pub(crate) tokens: Vec<u8>,
    pub(crate) pos: usize,
    /// The message's last packet is in `tokens`.
    eom: bool,
    /// Encoded packets of the message being sent (reused).
    out: Vec<u8>,
}

impl<S: Stream> Packets<S> {
    pub(crate) fn new(transport: Transport<S>) -> Packets<S> {
        Packets {
            transport: Some(transport),
            packet_size: DEFAULT_PACKET_SIZE,
            raw: vec![0; READ_SIZE].into_boxed_slice(),
            raw_pos: 0,
            raw_end: 0,
            tokens: Vec::with_capacity(READ_SIZE),
            pos: 0,
            eom: true,
            out: Vec::new(),
        }
    }

    pub(crate) fn set_packet_size(&mut self, size: usize) {
        self.packet_size = size;
    }

    pub(crate) fn packet_size(&self) -> usize {
        self.packet_size
    }

    pub(crate) fn is_tls(&self) -> bool {
        self.transport.as_ref().is_some_and(Transport::is_tls)
    }

    fn transport(&mut self) -> &mut Transport<S> {
        self.transport
            .as_mut()
            .expect("the transport is only out while it is switched")
    }

    /// Swaps the transport (after a TLS handshake, or back to plain after LOGIN7). Nothing
    /// may be buffered: the switch happens between messages.
    pub(crate) fn replace_transport(&mut self, switch: impl FnOnce(Transport<S>) -> Transport<S>) {
        debug_assert_eq!(self.raw_pos, self.raw_end, "bytes buffered across a switch");
        let transport = self.transport.take().expect("one transport");
        self.transport = Some(switch(transport));
    }

    /// Takes the transport out for a step that consumes it (a TLS handshake); it must be
    /// put back with [`Packets::put_transport`].
    pub(crate) fn take_transport(&mut self) -> Transport<S> {
        debug_assert_eq!(self.raw_pos, self.raw_end, "bytes buffered across a switch");
        self.transport.take().expect("one transport")
    }

    pub(crate) fn put_transport(&mut self, transport: Transport<S>) {
        self.transport = Some(transport);
    }

    /// Shuts the transport down (the end of the session).
    pub(crate) async fn shutdown(&mut self) -> Result<()> {
        self.transport().shutdown().await.map_err(Error::Io)
    }

    /// Sends `payload` as one message of type `ty`.
    pub(crate) async fn send(&mut self, ty: PacketType, payload: &[u8]) -> Result<()> {
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        encode_message(ty, payload, self.packet_size, &mut out);
        let transport = self.transport();
        let sent = async {
            transport.write_all(&out).await?;
            transport.flush().await
        }
        .await;
        self.out = out;
        sent.map_err(Error::Io)
    }

    /// Starts reading a new message (the previous one read to its end).
    pub(crate) fn begin_message(&mut self) {
        self.tokens.clear();
        self.pos = 0;
        self.eom = false;
    }

    /// Appends the next packet's payload to `tokens` (keeping only what is not yet
    /// decoded); `false` when the message had already ended.
    pub(crate) async fn fill(&mut self, during: &'static str) -> Result<bool> {
        if self.eom {
            return Ok(false);
        }
        if self.pos > 0 {
            self.tokens.drain(..self.pos);
            self.pos = 0;
        }
        let header = self.read_header(during).await?;
        let mut left = header.payload_len();
        self.tokens.reserve(left);
        while left > 0 {
            if self.raw_pos == self.raw_end {
                self.read_raw(during).await?;
            }
            let n = left.min(self.raw_end - self.raw_pos);
            self.tokens
                .extend_from_slice(&self.raw[self.raw_pos..self.raw_pos + n]);
            self.raw_pos += n;
            left -= n;
        }
        self.eom = header.is_eom();
        Ok(true)
    }

    /// Reads a whole message and returns its payload.
    pub(crate) async fn read_message(&mut self, during: &'static str) -> Result<&[u8]> {
        self.begin_message();
        while self.fill(during).await? {}
        Ok(&self.tokens)
    }

    async fn read_header(&mut self, during: &'static str) -> Result<PacketHeader> {
        while self.raw_end - self.raw_pos < HEADER_LEN {
            if self.raw_pos > 0 {
                self.raw.copy_within(self.raw_pos..self.raw_end, 0);
                self.raw_end -= self.raw_pos;
                self.raw_pos = 0;
            }
            self.read_raw(during).await?;
        }
        let bytes: &[u8; HEADER_LEN] = self.raw[self.raw_pos..self.raw_pos + HEADER_LEN]
            .try_into()
            .expect("HEADER_LEN bytes");
        if bytes[0] == TLS_HANDSHAKE_RECORD {
            return Err(Error::Encryption(
                "the server answered with TLS where TDS was expected: it requires TDS 8.0 \
                 strict encryption (TLS first)"
                    .into(),
            ));
        }
        let header =
            PacketHeader::decode(bytes).map_err(|e| Error::Protocol(format!("{during}: {e}")))?;
        if header.ty != PacketType::TabularResult {
            return Err(Error::Protocol(format!(
                "{during}: a packet of type {:?} from the server",
                header.ty
            )));
        }
        self.raw_pos += HEADER_LEN;
        Ok(header)
    }

    /// Reads more bytes into `raw` (which must have room at its end, or be empty).
    async fn read_raw(&mut self, during: &'static str) -> Result<()> {
        if self.raw_pos == self.raw_end {
            self.raw_pos = 0;
            self.raw_end = 0;
        }
        let end = self.raw_end;
        let mut raw = std::mem::take(&mut self.raw);
        let read = self.transport().read(&mut raw[end..]).await;
        self.raw = raw;
        match read {
            Ok(0) => Err(Error::Closed { during }),
            Ok(n) => {
                self.raw_end += n;
                Ok(())
            }
            Err(e) => Err(Error::Io(e)),
        }
    }
}
