//! Accepting connections: a thread for the accept loop and one per connection, std
//! blocking I/O throughout. A connection that fails, even by a panic, is logged on stderr
//! and closed; the others go on.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::connection;
use super::io::ConnError;
use super::ServerConfig;
use crate::backend::Backend;

/// The first SPID handed out; SQL Server keeps lower ones for its own tasks.
const FIRST_SPID: u64 = 51;

/// How long [`ServerHandle::stop`] waits for connection threads to finish their request.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Open connections, so that stopping the server can close them and wait for their
/// threads (whose sessions must be gone before the databases can be reopened).
#[derive(Default)]
struct Connections {
    open: Mutex<HashMap<u64, TcpStream>>,
    closed: Condvar,
}

type Registry = Arc<Connections>;

/// A running server. Dropping it stops it.
pub struct ServerHandle {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
    connections: Registry,
}

impl ServerHandle {
    /// The address the server listens on (with the port chosen for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every open connection and waits for the accept loop.
    pub fn stop(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake the accept loop, blocked in accept(), with a connection of our own.
        let _ = TcpStream::connect(wake_address(self.addr));
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
        let Ok(mut open) = self.connections.open.lock() else {
            return;
        };
        for stream in open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // A connection thread ends once its current request notices the closed socket.
        let deadline = Instant::now() + STOP_GRACE;
        while !open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                eprintln!("{} connection(s) still busy at stop", open.len());
                return;
            }
            open = match self.connections.closed.wait_timeout(open, left) {
                Ok((guard, _)) => guard,
                Err(_) => return,
            };
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The address to connect to in order to reach a listener bound to `addr`.
fn wake_address(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, a.port()))
        }
        SocketAddr::V6(a) if a.ip().is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, a.port()))
        }
        other => other,
    }
}

/// Serves `backend` on `listener` until the handle is stopped or dropped.
pub fn start<B: Backend>(
    listener: TcpListener,
    backend: Arc<B>,
    config: ServerConfig,
) -> io::Result<ServerHandle> {
    if config.encryption != super::Encryption::NotSupported && config.tls.is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "encryption {:?} needs a TLS certificate (ServerConfig::tls)",
                config.encryption
            ),
        ));
    }
    let addr = listener.local_addr()?;
    let stopping = Arc::new(AtomicBool::new(false));
    let connections: Registry = Arc::default();
    let config = Arc::new(config);
    let accept_thread = {
        let stopping = Arc::clone(&stopping);
        let connections = Arc::clone(&connections);
        thread::Builder::new()
            .name("tds-accept".into())
            .spawn(move || accept_loop(listener, backend, config, stopping, connections))?
    };
    Ok(ServerHandle {
        addr,
        stopping,
        accept_thread: Some(accept_thread),
        connections,
    })
}

fn accept_loop<B: Backend>(
    listener: TcpListener,
    backend: Arc<B>,
    config: Arc<ServerConfig>,
    stopping: Arc<AtomicBool>,
    connections: Registry,
) {
    let next_id = AtomicU64::new(0);
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        // SPIDs 51..=32767, then round again.
        let spid = (FIRST_SPID + id % (32767 - FIRST_SPID)) as u16;
        if let (Ok(clone), Ok(mut open)) = (stream.try_clone(), connections.open.lock()) {
            open.insert(id, clone);
        }
        let backend = Arc::clone(&backend);
        let config = Arc::clone(&config);
        let registry = Arc::clone(&connections);
        let spawned = thread::Builder::new()
            .name(format!("tds-conn-{spid}"))
            .spawn(move || {
                run_connection(stream, spid, &*backend, &config);
                registry.remove(id);
            });
        if let Err(e) = spawned {
            eprintln!("could not start a connection thread: {e}");
            connections.remove(id);
        }
    }
}

impl Connections {
    /// Forgets a connection that ended, waking a `stop` waiting for it.
    fn remove(&self, id: u64) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&id);
        }
        self.closed.notify_all();
    }
}

/// Serves one connection and logs how it failed, if it did; a panic is caught here so
/// that it takes down this connection only.
fn run_connection<B: Backend>(stream: TcpStream, spid: u16, backend: &B, config: &ServerConfig) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".to_string());
    // Kept to close the socket whatever happens below: after a panic the connection's
    // reader thread would otherwise hold it open, and the client would wait forever.
    let closer = stream.try_clone();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        connection::serve(stream, spid, backend, config)
    }));
    if let Ok(closer) = closer {
        let _ = closer.shutdown(Shutdown::Both);
    }
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(ConnError::Protocol(text))) => eprintln!("connection {peer}: {text}"),
        Ok(Err(ConnError::Io(e))) => {
            if !is_disconnect(&e) {
                eprintln!("connection {peer}: {e}");
            }
        }
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            eprintln!("connection {peer}: internal error, connection closed: {text}");
        }
    }
}

/// The client went away: not worth a log line.
fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::NotConnected
    )
}
