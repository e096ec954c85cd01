//! The connection's byte stream: plain, or TLS over it.
//!
//! Under TDS 7.x the TLS handshake itself travels inside PRELOGIN packets (MS-TDS 2.2.6.5):
//! [`PreloginFraming`] wraps the stream so that, while the handshake runs, what rustls
//! writes goes out as PRELOGIN packets and what it reads has the packet headers taken off;
//! after the handshake it passes bytes through, and TDS packets travel inside TLS records.
//! A login-only TLS (both sides said ENCRYPT_OFF) is dropped right after LOGIN7 by taking
//! the plain stream back out ([`Transport::into_plain`]).

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tds_protocol::packet::{PacketHeader, PacketType, HEADER_LEN, STATUS_EOM};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::client::TlsStream;

/// A byte stream: a TCP socket, an SSH channel, anything async.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The stream as the handshake left it.
pub(crate) enum Transport<S> {
    Plain(S),
    Tls(Box<TlsStream<PreloginFraming<S>>>),
}

impl<S: Stream> Transport<S> {
    /// The plain stream under a TLS one (for a login-only TLS, once LOGIN7 is sent).
    pub(crate) fn into_plain(self) -> S {
        match self {
            Transport::Plain(s) => s,
            Transport::Tls(tls) => tls.into_inner().0.inner,
        }
    }

    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }
}

impl<S: Stream> AsyncRead for Transport<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl<S: Stream> AsyncWrite for Transport<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The stream under TLS: PRELOGIN framing while `framing` is on, plain bytes after.
pub(crate) struct PreloginFraming<S> {
    pub(crate) inner: S,
    framing: bool,
    /// The header of the packet being read, and how much of it has arrived.
    header: [u8; HEADER_LEN],
    header_read: usize,
    /// Payload bytes of the current packet still to read.
    remaining: usize,
    /// A packet being written: header room, then what rustls wrote; `flushed` of it sent.
    out: Vec<u8>,
    flushed: usize,
}

impl<S> PreloginFraming<S> {
    /// Wraps `inner`, framing until [`PreloginFraming::stop_framing`] (for TDS 7.x) or not
    /// at all (TDS 8.0, where TLS comes first).
    pub(crate) fn new(inner: S, framing: bool) -> PreloginFraming<S> {
        PreloginFraming {
            inner,
            framing,
            header: [0; HEADER_LEN],
            header_read: 0,
            remaining: 0,
            out: Vec::new(),
            flushed: 0,
        }
    }

    pub(crate) fn stop_framing(&mut self) {
        self.framing = false;
    }
}

impl<S: Stream> AsyncRead for PreloginFraming<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.framing {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        while this.remaining == 0 {
            let mut header = ReadBuf::new(&mut this.header[this.header_read..]);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut header))?;
            let n = header.filled().len();
            if n == 0 {
                return Poll::Ready(Ok(())); // end of stream: rustls reports it
            }
            this.header_read += n;
            if this.header_read == HEADER_LEN {
                this.header_read = 0;
                let header = PacketHeader::decode(&this.header)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.0))?;
                this.remaining = header.payload_len();
            }
        }
        let want = this.remaining.min(buf.remaining());
        let mut part = ReadBuf::new(&mut buf.initialize_unfilled()[..want]);
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut part))?;
        let n = part.filled().len();
        buf.advance(n);
        this.remaining -= n;
        Poll::Ready(Ok(()))
    }
}

impl<S: Stream> AsyncWrite for PreloginFraming<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.framing {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        if this.out.is_empty() {
            this.out.extend_from_slice(&[0; HEADER_LEN]);
        }
        // One packet per flush: at most one packet's payload is collected.
        let room = u16::MAX as usize - this.out.len();
        let n = buf.len().min(room);
        this.out.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.framing && this.out.len() > HEADER_LEN {
            if this.flushed == 0 {
                let header = PacketHeader {
                    ty: PacketType::PreLogin,
                    status: STATUS_EOM,
                    length: this.out.len() as u16,
                    spid: 0,
                    packet_id: 1,
                    window: 0,
                };
                this.out[..HEADER_LEN].copy_from_slice(&header.encode());
            }
            while this.flushed < this.out.len() {
                let n =
                    ready!(Pin::new(&mut this.inner).poll_write(cx, &this.out[this.flushed..]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                this.flushed += n;
            }
            this.out.clear();
            this.flushed = 0;
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
