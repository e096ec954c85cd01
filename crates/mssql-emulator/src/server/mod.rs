//! The TDS server: a listener that gives each connection a thread of its own, and the
//! protocol that runs on it, over any [`Backend`](crate::backend::Backend).
//!
//! - `listener`: accepting, stopping, one thread per connection.
//! - `connection`: the per-connection state machine.
//! - `login`, `procs`, `decl`: the login response, RPC calls, parameter declarations.
//! - `sink`: the engine's output as tokens; `io`: packets on the socket.

mod connection;
mod decl;
mod io;
mod listener;
mod login;
mod procs;
mod sink;

pub use io::ConnError;
pub use listener::{start, ServerHandle};
pub use login::{PROG_NAME, SERVER_VERSION};
pub use tds_protocol::prelogin::ServerEncryption;

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
    /// What the server says about TLS in PRELOGIN.
    pub encryption: ServerEncryption,
    pub attention_ack: AttentionAck,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            server_name: "localhost".to_string(),
            encryption: ServerEncryption::NotSupported,
            attention_ack: AttentionAck::ByClient,
        }
    }
}
