//! Airbyte source for Microsoft SQL Server.
//!
//! The binary (`main.rs`) runs the Airbyte commands (`commands`); this
//! library holds what they are made of:
//!
//! - `config`: the config file, checked, and the driver's settings from it;
//! - `connection`: connecting and logging in;
//! - `azure_ad`: Entra ID (Azure AD) tokens for the login;
//! - `protocol`: the Airbyte messages written, the configured catalog read;
//! - `types`: SQL Server column types as JSON schema, and which can be cursors;
//! - `discover`: a table's stream in the catalog;
//! - `query`: the SELECT statements a read runs;
//! - `driver_error`: the driver's errors, sorted by who must act;
//! - `json`: RECORD lines written straight from the driver's row values;
//! - `state`: each stream's checkpoint, and the state file a read starts from;
//! - `checkpoint`: when a read emits a checkpoint;
//! - `source`: what `check`, `discover` and `read` do on the server;
//! - `tunnel`: SSH tunnels through a bastion, one session per sync;
//! - `singer_commands`: the same source run as a Singer tap (no subcommand).

pub mod azure_ad;
pub mod checkpoint;
pub mod commands;
pub mod config;
pub mod connection;
pub mod discover;
pub mod driver_error;
pub mod error;
pub mod json;
pub mod protocol;
pub mod query;
pub mod singer_commands;
pub mod source;
pub mod state;
pub mod tunnel;
pub mod types;

pub use error::{Error, Result};

/// The connector's specification, shown by `spec`.
pub const SPEC_JSON: &str = include_str!("../spec/spec.json");
