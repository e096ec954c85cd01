//! The TDS server: a listener that gives each connection a thread of its own, and the
//! protocol that runs on it, over any [`Backend`](crate::backend::Backend).
//!
//! - `listener`: accepting, stopping, one thread per connection.
//! - `connection`: the per-connection state machine.
//! - `login`, `procs`, `decl`: the login response, RPC calls, parameter declarations.
//! - `bulk`: a BulkLoad message's rows, decoded as its packets arrive.
//! - `sink`: the engine's output as tokens; `io`: packets on the socket.
//! - `statement_log`: `--log-statements`, a line per request (and login), no secrets.
//! - `handshake`: PRELOGIN, the encryption it settles, LOGIN7; `policy`: what the server
//!   does with a login besides checking it (fed-auth tokens, routing, injected failures).
//! - `tls` (certificates and rustls settings), `tls_handshake` (the handshake inside
//!   PRELOGIN packets, or first on the socket for TDS 8.0), `transport` (the socket's two
//!   halves, plain or TLS).

use std::sync::Arc;

mod bulk;
mod connection;
mod decl;
mod handshake;
mod io;
mod listener;
mod login;
mod policy;
mod procs;
mod sink;
mod statement_log;
mod tls;
mod tls_handshake;
mod transport;

pub use io::ConnError;
pub use listener::{start, ServerHandle};
pub use login::{PROG_NAME, SERVER_VERSION};
pub use policy::{
    injectable_error, AcceptedTokens, InjectedFailures, LoginPolicy, INJECTABLE_ERRORS,
};
pub use statement_log::StatementLog;
pub use tds_protocol::prelogin::ServerEncryption;
pub use tls::TlsSetup;

/// What the server does about TLS (SQL Server's "Force Encryption" and "Force Strict
/// Encryption" settings, and a server without a certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encryption {
    /// No TLS at all (PRELOGIN says ENCRYPT_NOT_SUP); a client that insists is refused.
    NotSupported,
    /// TLS when the client wants it; a client that can encrypt but does not ask for it
    /// (ENCRYPT_OFF) has its LOGIN7 encrypted only, and the rest travels plain. TDS 8.0
    /// clients that start with TLS are served too. SQL Server's default.
    #[default]
    Off,
    /// Everything after PRELOGIN is TLS; a client that cannot encrypt is refused.
    Required,
    /// TDS 8.0 only: TLS first on the socket (ALPN `tds/8.0`), then PRELOGIN, LOGIN7 and
    /// everything else inside it; a client that starts with a plain PRELOGIN is refused.
    Strict,
}

impl Encryption {
    /// The PRELOGIN side of this setting (strict mode answers inside TLS).
    pub fn prelogin(self) -> ServerEncryption {
        match self {
            Encryption::NotSupported => ServerEncryption::NotSupported,
            Encryption::Off => ServerEncryption::Supported,
            Encryption::Required | Encryption::Strict => ServerEncryption::Required,
        }
    }
}

impl std::str::FromStr for Encryption {
    type Err = String;

    fn from_str(s: &str) -> Result<Encryption, String> {
        match s {
            "not-supported" => Ok(Encryption::NotSupported),
            "off" => Ok(Encryption::Off),
            "required" => Ok(Encryption::Required),
            "strict" => Ok(Encryption::Strict),
            other => Err(format!(
                "unknown encryption mode {other:?}: expected not-supported, off, required or strict"
            )),
        }
    }
}

/// Where the acknowledgement of an attention (DONE with DONE_ATTN) goes when the request it
/// cancels was still running.
///
/// Clients disagree. tedious (and SQL Server, whose behaviour tedious is written against)
/// end the cancelled request's response message first and read the acknowledgement as the
/// next message; tiberius reads only to the end of the current message and fails if the
/// acknowledgement is not in it. python-tds, FreeTDS and Microsoft's ODBC driver read
/// until they find it, wherever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttentionAck {
    /// Always in a message of its own, after the response (SQL Server's way).
    OwnMessage,
    /// Always as the last token of the cancelled response.
    InResponse,
    /// In the response for clients whose LOGIN7 names no client library (tiberius),
    /// in its own message for all others.
    ByClient,
}

/// Settings of the protocol side.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The name ERROR and INFO tokens carry.
    pub server_name: String,
    /// What the server does about TLS.
    pub encryption: Encryption,
    /// The certificate and TLS settings; needed by every mode but `NotSupported`.
    pub tls: Option<Arc<TlsSetup>>,
    pub attention_ack: AttentionAck,
    /// Fed-auth tokens, routing, injected failures, and the count of logins.
    pub login: Arc<LoginPolicy>,
    /// A line per request and login, when set.
    pub statement_log: Option<StatementLog>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            server_name: "localhost".to_string(),
            encryption: Encryption::NotSupported,
            tls: None,
            attention_ack: AttentionAck::ByClient,
            login: Arc::default(),
            statement_log: None,
        }
    }
}
