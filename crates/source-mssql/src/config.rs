//! The connector's config file: parsed, checked, and turned into what the
//! rest of the source uses.
//!
//! Keys are those of Airbyte's own SQL Server source, so a connection can move
//! to this one unchanged; PostHog's names (`user`, a single `schema`) are
//! accepted too. Keys we don't know are collected in `unknown_keys` for a
//! warning rather than refused, since older and newer Airbyte versions add
//! keys of their own.

mod auth;
mod connection;
mod jdbc_params;
mod reader;
mod tls;

pub use auth::{Authentication, DEFAULT_AUTHORITY, DEFAULT_MSI_ENDPOINT};
pub use jdbc_params::{ApplicationIntent, Encrypt, JdbcParams, MAX_PACKET_SIZE};
pub(crate) use reader::kind as json_kind;
pub use tls::{Tls, Verify};

use crate::error::{Error, Result};
use crate::tunnel::HostKeyPin;
use reader::ObjectReader;
use serde_json::Value;
use std::fmt;
use std::path::Path;
use std::time::Duration;

const DEFAULT_PORT: u16 = 1433;
const DEFAULT_CHECKPOINT_SECONDS: u64 = 300;
/// Streams (or parts of a split table) read at once when the config says nothing.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most connections one sync opens: a read holds one per reader, and
/// a server's connection pool is shared with its applications.
pub const MAX_CONCURRENCY: usize = 32;
/// A table is split only if the catalog counts this many rows or more.
pub const DEFAULT_SPLIT_MIN_ROWS: u64 = 1_000_000;
const DEFAULT_SSH_PORT: u16 = 22;
/// How long connecting keeps retrying Azure's "try again" answers by
/// default: long enough for a serverless database to resume.
const DEFAULT_CONNECT_RETRY_SECONDS: u64 = 60;

/// A password, key or token. Its `Debug` shows no part of it, so a config
/// can be logged or put in an error without leaking it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself: hand it to the driver and nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// How the server is reached: directly, or through an SSH bastion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tunnel {
    #[default]
    None,
    SshKey {
        host: String,
        port: u16,
        user: String,
        private_key: Secret,
        /// When set, the bastion's host key must be one of these.
        known_host_key: Option<HostKeyPin>,
    },
    SshPassword {
        host: String,
        port: u16,
        user: String,
        password: Secret,
        known_host_key: Option<HostKeyPin>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub database: String,
    /// The SQL login; with a token, who the token is for (for messages).
    pub username: String,
    pub password: Secret,
    pub authentication: Authentication,
    /// The schemas whose tables are synced, without duplicates; empty when
    /// the config names none: then every schema the login can read but SQL
    /// Server's own.
    pub schemas: Vec<String>,
    pub jdbc: JdbcParams,
    pub tls: Tls,
    /// How many streams are read at once, each on its own connection
    /// (1 to `MAX_CONCURRENCY`).
    pub concurrency: usize,
    /// Key ranges a big full-refresh table is read in at once (1: none).
    pub table_split_parts: usize,
    /// Only tables with at least this many rows (0: any) are split.
    pub table_split_min_rows: u64,
    /// Emit a STATE at least this often while a table is read.
    pub checkpoint_interval: Duration,
    /// Also emit a STATE after this many rows.
    pub checkpoint_rows: Option<u64>,
    pub tunnel: Tunnel,
    /// How long connecting retries transient failures (`connect_retry_seconds`);
    /// zero: no retry.
    pub connect_retry: Duration,
    /// Dotted names of config keys this source does not know, for a warning.
    pub unknown_keys: Vec<String>,
}

impl Config {
    /// Reads and checks the config file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        Self::from_value(&Self::load_json(path)?)
    }

    /// The config file's JSON, not yet checked as a config.
    pub fn load_json(path: &Path) -> Result<Value> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!(
                "config: cannot read the config file {}: {e}",
                path.display()
            ))
        })?;
        json(&text)
    }

    /// Parses and checks a config file's text.
    pub fn parse(text: &str) -> Result<Self> {
        Self::from_value(&json(text)?)
    }

    pub fn from_value(value: &Value) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(Error::config(format!(
                "config: the config must be a JSON object, got {}",
                json_kind(value)
            )));
        };
        let mut top = ObjectReader::new("", map);
        let mut unknown = Vec::new();
        let config = read_config(&mut top, &mut unknown)?;
        top.finish(&mut unknown);
        unknown.sort();
        Ok(Config {
            unknown_keys: unknown,
            ..config
        })
    }

    /// The warning main logs for keys and JDBC properties this source ignores.
    pub fn ignored_warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.unknown_keys.is_empty() {
            parts.push(format!(
                "config keys it does not know: {}",
                quoted_list(&self.unknown_keys)
            ));
        }
        if !self.jdbc.ignored.is_empty() {
            parts.push(format!(
                "jdbc_url_params properties: {}",
                quoted_list(&self.jdbc.ignored)
            ));
        }
        (!parts.is_empty()).then(|| format!("source-mssql ignores {}", parts.join("; and ")))
    }
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
/// A config file's text as JSON. serde_json's messages name a line and
/// column, never the text, so they can't leak a password.
fn json(text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::config(format!("config: the config file is not valid JSON: {e}")))
}

fn read_config(top: &mut ObjectReader, unknown: &mut Vec<String>) -> Result<Config> {
    let host = top.required_text("host", "the SQL Server's host name or IP address")?;
    let port = top
        .integer("port", 1, 65535)?
        .map_or(DEFAULT_PORT, |p| p as u16);
    let database = top.required_text("database", "the name of the database to read")?;
    let login = auth::read_login(top, unknown)?;
    let schemas = read_schemas(top)?;
    let jdbc = match top.string("jdbc_url_params")? {
        Some(text) => JdbcParams::parse(&text)?,
        None => JdbcParams::default(),
    };
    let tls = tls::read_tls(top, unknown, &host, &jdbc)?;
    read_replication(top, unknown)?;
    let concurrency = top
        .integer("concurrency", 1, MAX_CONCURRENCY as i64)?
        .map_or(DEFAULT_CONCURRENCY, |n| n as usize);
    let table_split_parts = top
        .integer("table_split_parts", 1, MAX_CONCURRENCY as i64)?
        .map_or(1, |n| n as usize);
    let table_split_min_rows = top
        .integer("table_split_min_rows", 0, i64::MAX)?
        .map_or(DEFAULT_SPLIT_MIN_ROWS, |n| n as u64);
    let checkpoint_seconds = top
        .integer("checkpoint_target_interval_seconds", 1, i64::MAX)?
        .map_or(DEFAULT_CHECKPOINT_SECONDS, |s| s as u64);
    let checkpoint_rows = top
        .integer("checkpoint_interval_rows", 1, i64::MAX)?
        .map(|n| n as u64);
    let tunnel = read_tunnel(top, unknown)?;
    let connect_retry = top
        .integer("connect_retry_seconds", 0, 3600)?
        .map_or(DEFAULT_CONNECT_RETRY_SECONDS, |s| s as u64);
    Ok(Config {
        host,
        port,
        database,
        username: login.username,
        password: login.password,
        authentication: login.authentication,
        schemas,
        jdbc,
        tls,
        concurrency,
        table_split_parts,
        table_split_min_rows,
        checkpoint_interval: Duration::from_secs(checkpoint_seconds),
        checkpoint_rows,
        tunnel,
        connect_retry: Duration::from_secs(connect_retry),
        unknown_keys: Vec::new(),
    })
}

fn read_schemas(top: &mut ObjectReader) -> Result<Vec<String>> {
    let list = top.string_list("schemas")?;
    let single = top.text("schema")?;
    // pipelinewise tap-mssql's name: a comma-separated list of schemas.
    let filter = top.text("filter_dbs")?.map(|text| {
        text.split(',')
            .map(|name| name.trim().to_string())
            .collect::<Vec<_>>()
    });
    let names = match (list, single, filter) {
        (Some(list), None, None) => list,
        (None, Some(one), None) => vec![one],
        (None, None, Some(list)) => list,
        // None named: every schema the login can read (see `source::discover`).
        (None, None, None) => return Ok(Vec::new()),
        _ => return Err(Error::config(
            "config: more than one of `schemas`, `schema` and `filter_dbs` is set; keep `schemas`",
        )),
    };
    if names.is_empty() {
        return Err(Error::config(
            "config: `schemas` is empty; list at least one schema, such as \"dbo\"",
        ));
    }
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(Error::config(
            "config: `schemas` has an empty name; remove it",
        ));
    }
    let mut unique: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    Ok(unique)
}

/// Only STANDARD (cursor-based) replication exists here; CDC is refused
/// rather than silently downgraded, since it would lose deletes.
fn read_replication(top: &mut ObjectReader, unknown: &mut Vec<String>) -> Result<()> {
    let key = "replication_method";
    let method = match top.get(key) {
        None => return Ok(()),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(_)) => {
            let Some(mut obj) = top.object(key)? else {
                return Ok(());
            };
            let method = obj.text("method")?.unwrap_or_else(|| "STANDARD".into());
            if method == "STANDARD" {
                obj.finish(unknown);
            }
            method
        }
        Some(other) => return Err(top.wrong(key, "{\"method\": \"STANDARD\"}", other)),
    };
    match method.as_str() {
        "STANDARD" => Ok(()),
        "CDC" => Err(Error::config(
            "config: `replication_method` CDC is not supported by this source; \
             use {\"method\": \"STANDARD\"} with a cursor column per table",
        )),
        other => Err(Error::config(format!(
            "config: `replication_method.method` is \"{other}\"; use \"STANDARD\""
        ))),
    }
}

fn read_tunnel(top: &mut ObjectReader, unknown: &mut Vec<String>) -> Result<Tunnel> {
    let Some(mut obj) = top.object("tunnel_method")? else {
        return Ok(Tunnel::None);
    };
    let tag = "tunnel_method";
    let method = obj
        .text(tag)?
        .ok_or_else(|| obj.missing(tag, "NO_TUNNEL, SSH_KEY_AUTH or SSH_PASSWORD_AUTH"))?;
    let tunnel = match method.as_str() {
        "NO_TUNNEL" => Tunnel::None,
        "SSH_KEY_AUTH" => {
            let (host, port, user, known_host_key) = read_ssh_endpoint(&mut obj)?;
            let private_key = obj
                .secret("ssh_key")?
                .filter(|k| !k.expose().trim().is_empty())
                .ok_or_else(|| {
                    obj.missing("ssh_key", "the OpenSSH private key of `tunnel_user`")
                })?;
            Tunnel::SshKey {
                host,
                port,
                user,
                private_key,
                known_host_key,
            }
        }
        "SSH_PASSWORD_AUTH" => {
            let (host, port, user, known_host_key) = read_ssh_endpoint(&mut obj)?;
            let password = obj.secret("tunnel_user_password")?.ok_or_else(|| {
                obj.missing("tunnel_user_password", "the password of `tunnel_user`")
            })?;
            Tunnel::SshPassword {
                host,
                port,
                user,
                password,
                known_host_key,
            }
        }
        other => {
            return Err(Error::config(format!(
                "config: `tunnel_method.tunnel_method` is \"{other}\"; \
                 use NO_TUNNEL, SSH_KEY_AUTH or SSH_PASSWORD_AUTH"
            )))
        }
    };
    obj.finish(unknown);
    Ok(tunnel)
}

/// The bastion's address, login and optional host key pin.
type SshEndpoint = (String, u16, String, Option<HostKeyPin>);

fn read_ssh_endpoint(obj: &mut ObjectReader) -> Result<SshEndpoint> {
    let host = obj.required_text("tunnel_host", "the SSH bastion's host name")?;
    let port = obj
        .integer("tunnel_port", 1, 65535)?
        .map_or(DEFAULT_SSH_PORT, |p| p as u16);
    let user = obj.required_text("tunnel_user", "the SSH login on the bastion")?;
    let known_host_key = match obj.string("known_host_key")? {
        Some(text) if !text.trim().is_empty() => Some(HostKeyPin::parse(&text)?),
        _ => None,
    };
    Ok((host, port, user, known_host_key))
}

#[cfg(test)]
mod tests;
