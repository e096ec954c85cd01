//! `tds-client`: an async TDS client (TDS 7.4, and TDS 8.0 strict encryption) on
//! [`tds_protocol`] and tokio, over any byte stream (a TCP socket, an SSH channel).
//!
//! ```no_run
//! # async fn run() -> Result<(), tds_client::Error> {
//! use tds_client::{connect, Auth, Config, Connected};
//! let socket = tokio::net::TcpStream::connect("127.0.0.1:1433").await?;
//! let mut config = Config::new("localhost", Auth::SqlServer {
//!     user: "sa".into(),
//!     password: "secret".into(),
//! });
//! config.database = "shop".into();
//! let Connected::Client(client) = connect(&config, socket).await? else {
//!     panic!("redirected");
//! };
//! let mut client = *client;
//! let rows = client.batch("SELECT name FROM sys.tables").await?.rows().await?;
//! # Ok(()) }
//! ```
//!
//! - [`config`]: who logs in, encryption ([`Encryption`]) and certificate checks ([`Trust`]).
//! - [`connect()`](connect::connect): PRELOGIN, TLS (in PRELOGIN packets, or first for TDS
//!   8.0), LOGIN7 with a SQL login or an access token, the login response (packet size,
//!   database, a redirect as [`Connected::Redirect`]).
//! - [`Client`]: SQL batches, `sp_executesql` with typed parameters ([`Param`]), any RPC.
//! - [`Results`]: a response, read as events, through a [`RowVisitor`] that sees rows as
//!   borrowed values (no allocation per row or cell: the hot path), or as owned values;
//!   cancelled with an attention.
//! - `transport`, `packets`, `tls`: the byte stream, packets on it, rustls settings.
//!
//! Token decoding is [`tds_protocol::response`]'s; this crate does the I/O.

mod client;
pub mod config;
pub mod connect;
mod error;
mod packets;
mod results;
mod tls;
mod transport;

pub use client::{Client, Event, Param};
pub use config::{Auth, Config, Encryption, Trust};
pub use connect::{connect, Channel, Connected};
pub use error::{Error, Result, ServerMessage};
pub use results::{Results, RowVisitor, Summary};
pub use tds_protocol::response::{Column, Done, ReturnValue, RowRef};
pub use tds_protocol::types::{SqlType, Value};
pub use tds_protocol::values::ValueRef;
pub use transport::Stream;
