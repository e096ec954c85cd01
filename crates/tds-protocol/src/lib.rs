//! The MS-TDS 7.4 wire codec: what SQL Server and its clients say to each other, as bytes.
//!
//! No I/O happens here (as in `postgres-protocol`): functions read from byte slices and
//! write into `Vec<u8>`, so every message can be tested without a socket.
//!
//! - [`types`]: SQL Server's types and values (shared with the SQL engine).
//! - [`values`]: TYPE_INFO and value encodings, for result columns and RPC parameters.
//! - [`packet`]: packet headers and cutting messages into packets.
//! - [`prelogin`], [`login7`]: the handshake.
//! - [`batch`], [`rpc`], [`tm`]: the client's requests.
//! - [`tokens`]: the server's token stream.
//! - [`wire`]: primitive encodings shared by the above.

pub mod batch;
pub mod collation;
pub mod login7;
pub mod packet;
pub mod prelogin;
pub mod rpc;
pub mod tm;
pub mod tokens;
pub mod types;
pub mod values;
pub mod wire;

/// A message that is not well formed: the peer broke the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProtocolError {}

pub type Result<T> = std::result::Result<T, ProtocolError>;
