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
//! - [`tokens`]: the server's token stream, written (the emulator's side).
//! - [`response`]: the same token stream, read (a client's side): COLMETADATA, rows as
//!   borrowed values, DONE, ERROR/INFO, ENVCHANGE, LOGINACK...
//! - [`colmetadata`], [`rows`]: reading COLMETADATA and ROW/NBCROW tokens of a bulk client's
//!   BulkLoad message (the emulator's side).
//! - [`wire`]: primitive encodings shared by the above.

pub mod batch;
pub mod collation;
pub mod colmetadata;
pub mod login7;
pub mod packet;
pub mod prelogin;
pub mod response;
pub mod rows;
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

/// How the text of an error from running out of input starts (see
/// [`ProtocolError::is_truncation`]).
const TRUNCATED: &str = "truncated ";

impl ProtocolError {
    /// The message ended inside `what`.
    pub(crate) fn truncated(what: impl std::fmt::Display) -> ProtocolError {
        ProtocolError(format!("{TRUNCATED}{what}"))
    }

    /// Whether the message ended too soon, rather than holding bad bytes: for a decoder of
    /// whole messages run on a stream's first bytes, more bytes may complete it.
    pub fn is_truncation(&self) -> bool {
        self.0.starts_with(TRUNCATED)
    }
}

pub type Result<T> = std::result::Result<T, ProtocolError>;

/// Why bytes read from a stream could not be decoded (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ends inside the item: more bytes may complete it.
    Incomplete,
    /// The bytes cannot be what they should be: the peer broke the protocol.
    Invalid(ProtocolError),
}

impl DecodeError {
    /// As an error of a message already whole, where running out is a protocol error too.
    pub fn into_protocol(self) -> ProtocolError {
        match self {
            DecodeError::Incomplete => ProtocolError::truncated("message"),
            DecodeError::Invalid(e) => e,
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Incomplete => f.write_str("incomplete"),
            DecodeError::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DecodeError {}

/// An error of a whole-message decoder run on a stream's bytes: running out of input means
/// more is needed ([`DecodeError::Incomplete`]), anything else is invalid.
impl From<ProtocolError> for DecodeError {
    fn from(e: ProtocolError) -> DecodeError {
        if e.is_truncation() {
            DecodeError::Incomplete
        } else {
            DecodeError::Invalid(e)
        }
    }
}

/// Result of a decoder reading from a stream.
pub type Decoded<T> = std::result::Result<T, DecodeError>;
