//! What can go wrong, typed: the caller tells a refused password (a [`ServerMessage`] with
//! number 18456) from a dropped socket or a certificate that does not verify.

pub use tds_protocol::response::ServerMessage;
use tds_protocol::ProtocolError;

#[derive(Debug)]
pub enum Error {
    /// The byte stream failed (connection reset, closed, timed out).
    Io(std::io::Error),
    /// The server closed the connection; `during` says in which step.
    Closed { during: &'static str },
    /// TLS failed: the handshake, or the server's certificate did not verify.
    Tls(String),
    /// The two sides cannot agree on encryption (the client requires TLS and the server
    /// has none, or the reverse).
    Encryption(String),
    /// The server sent what MS-TDS does not allow.
    Protocol(String),
    /// An ERROR token: a failed login or statement, as the server reported it.
    Server(ServerMessage),
    /// The client was asked for something it cannot do.
    Usage(String),
}

impl Error {
    /// The server's error number, when the server reported the error.
    pub fn server_number(&self) -> Option<i32> {
        match self {
            Error::Server(m) => Some(m.number),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(e) => write!(f, "connection failed: {e}"),
            Error::Closed { during } => write!(f, "the server closed the connection {during}"),
            Error::Tls(e) => write!(f, "TLS failed: {e}"),
            Error::Encryption(e) => f.write_str(e),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Server(m) => {
                write!(f, "{m}")?;
                if !m.server.is_empty() {
                    write!(f, " (server {})", m.server)?;
                }
                Ok(())
            }
            Error::Usage(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Error {
        Error::Protocol(e.0)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
