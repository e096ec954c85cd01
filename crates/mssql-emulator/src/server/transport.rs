//! A connection's socket as two halves, plain or TLS: the reader thread owns one, the
//! worker (which writes responses) the other.
//!
//! A rustls connection is one state for both directions, so the TLS halves share it behind
//! a mutex, held only to move bytes in or out of it and never across a socket call: the
//! reader can wait for the client while the worker streams a result. Only the worker
//! writes to the socket, so records leave in the order they were sealed.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};

use rustls::ServerConnection;

/// How many ciphertext bytes one socket read takes (a TLS record is at most ~16 KiB).
const RAW_CHUNK: usize = 32 * 1024;

type Shared = Arc<Mutex<ServerConnection>>;

/// The read side.
pub enum ReadHalf {
    Plain(TcpStream),
    Tls(TlsReader),
}

/// The write side; it also closes the socket.
pub enum WriteHalf {
    Plain(TcpStream),
    Tls(TlsWriter),
}

/// Both halves of a plain socket.
pub fn plain(socket: TcpStream) -> io::Result<(ReadHalf, WriteHalf)> {
    let reader = socket.try_clone()?;
    Ok((ReadHalf::Plain(reader), WriteHalf::Plain(socket)))
}

/// Both halves of a socket whose TLS handshake is done.
pub fn tls(socket: TcpStream, tls: ServerConnection) -> io::Result<(ReadHalf, WriteHalf)> {
    let shared: Shared = Arc::new(Mutex::new(tls));
    let reader = TlsReader {
        socket: socket.try_clone()?,
        tls: Arc::clone(&shared),
        pending: Vec::new(),
        start: 0,
    };
    Ok((
        ReadHalf::Tls(reader),
        WriteHalf::Tls(TlsWriter {
            socket,
            tls: shared,
        }),
    ))
}

impl WriteHalf {
    /// The socket underneath (to close it, or to go on in plain after a login-only TLS).
    pub fn socket(&self) -> &TcpStream {
        match self {
            WriteHalf::Plain(s) => s,
            WriteHalf::Tls(w) => &w.socket,
        }
    }

    /// Closes both directions, which also wakes a reader blocked on the socket.
    pub fn shutdown(&self) {
        let _ = self.socket().shutdown(Shutdown::Both);
    }
}

impl Read for ReadHalf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ReadHalf::Plain(s) => s.read(buf),
            ReadHalf::Tls(r) => r.read(buf),
        }
    }
}

impl Write for WriteHalf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            WriteHalf::Plain(s) => s.write(buf),
            WriteHalf::Tls(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            WriteHalf::Plain(s) => s.flush(),
            WriteHalf::Tls(w) => w.flush(),
        }
    }
}

/// Plaintext out of the shared TLS state, ciphertext read from the socket unlocked.
pub struct TlsReader {
    socket: TcpStream,
    tls: Shared,
    /// Ciphertext read but not yet taken by rustls: `pending[start..]`.
    pending: Vec<u8>,
    start: usize,
}

impl Read for TlsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let mut tls = lock(&self.tls)?;
                match tls.reader().read(buf) {
                    // Ok(0) here is the client's close_notify.
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
                if self.start < self.pending.len() {
                    // No plaintext is waiting, so rustls has room for more records.
                    let mut rest = &self.pending[self.start..];
                    let before = rest.len();
                    tls.read_tls(&mut rest)?;
                    self.start += before - rest.len();
                    tls.process_new_packets().map_err(tls_error)?;
                    continue;
                }
            }
            self.pending.resize(RAW_CHUNK, 0);
            self.start = 0;
            let n = read_retrying(&mut self.socket, &mut self.pending)?;
            self.pending.truncate(n);
            if n == 0 {
                // Clients rarely send close_notify: a closed socket is the end.
                return Ok(0);
            }
        }
    }
}

/// Plaintext into the shared TLS state, the sealed records out to the socket unlocked.
pub struct TlsWriter {
    socket: TcpStream,
    tls: Shared,
}

impl TlsWriter {
    /// The records rustls has ready (including any it queued while reading).
    fn sealed(tls: &mut ServerConnection) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        while tls.wants_write() {
            tls.write_tls(&mut out)?;
        }
        Ok(out)
    }
}

impl Write for TlsWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (n, sealed) = {
            let mut tls = lock(&self.tls)?;
            let n = tls.writer().write(buf)?;
            (n, TlsWriter::sealed(&mut tls)?)
        };
        self.socket.write_all(&sealed)?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        let sealed = {
            let mut tls = lock(&self.tls)?;
            tls.writer().flush()?;
            TlsWriter::sealed(&mut tls)?
        };
        self.socket.write_all(&sealed)?;
        self.socket.flush()
    }
}

fn lock(tls: &Shared) -> io::Result<MutexGuard<'_, ServerConnection>> {
    tls.lock()
        .map_err(|_| io::Error::other("TLS state poisoned by a panic on the other half"))
}

/// A TLS failure (a bad record, an alert from the client) as an I/O error that says so.
pub fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("TLS: {e}"))
}

fn read_retrying(socket: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match socket.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}
