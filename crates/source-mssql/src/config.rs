//! The connector's config file: parsed, checked, and turned into what the
//! rest of the source uses.
//!
//! Keys are those of Airbyte's own SQL Server source, so a connection can move
//! to this one unchanged; PostHog's names (`user`, a single `schema`) are
//! accepted too. Keys we don't know are collected in `unknown_keys` for a
//! warning rather than refused, since older and newer Airbyte versions add
//! keys of their own.

mod connection;
mod jdbc_params;
mod reader;

pub use jdbc_params::{ApplicationIntent, JdbcParams, MAX_PACKET_SIZE};
pub(crate) use reader::kind as json_kind;

use crate::error::{Error, Result};
use reader::ObjectReader;
use serde_json::Value;
use std::fmt;
use std::path::Path;
use std::time::Duration;

const DEFAULT_PORT: u16 = 1433;
const DEFAULT_SCHEMA: &str = "dbo";
const DEFAULT_CHECKPOINT_SECONDS: u64 = 300;
/// Streams (or parts of a split table) read at once when the config says nothing.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most connections one sync opens: a read holds one per reader, and
/// a server's connection pool is shared with its applications.
pub const MAX_CONCURRENCY: usize = 32;
/// A table is split only if the catalog counts this many rows or more.
pub const DEFAULT_SPLIT_MIN_ROWS: u64 = 1_000_000;
const DEFAULT_SSH_PORT: u16 = 22;

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

/// How the connection to the server is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tls {
    #[default]
    Unencrypted,
    /// Encrypted, but any certificate is accepted: for testing only.
    TrustServerCertificate,
    VerifyCertificate {
        host_name_in_certificate: Option<String>,
        /// PEM of the server's certificate or its CA; marked secret in the spec.
        certificate: Option<Secret>,
    },
}

impl Tls {
    /// The name the spec gives this mode.
    pub fn name(&self) -> &'static str {
        match self {
            Tls::Unencrypted => "unencrypted",
            Tls::TrustServerCertificate => "encrypted_trust_server_certificate",
            Tls::VerifyCertificate { .. } => "encrypted_verify_certificate",
        }
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
    },
    SshPassword {
        host: String,
        port: u16,
        user: String,
        password: Secret,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    pub password: Secret,
    /// The schemas whose tables are synced, without duplicates.
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
    /// Dotted names of config keys this source does not know, for a warning.
    pub unknown_keys: Vec<String>,
}

impl Config {
    /// Reads and checks the config file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!(
                "config: cannot read the config file {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text)
    }

    /// Parses and checks a config file's text.
    pub fn parse(text: &str) -> Result<Self> {
        // serde_json's messages name a line and column, never the text, so
        // they can't leak a password.
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::config(format!("config: the config file is not valid JSON: {e}"))
        })?;
        Self::from_value(&value)
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

fn read_config(top: &mut ObjectReader, unknown: &mut Vec<String>) -> Result<Config> {
    let host = top.required_text("host", "the SQL Server's host name or IP address")?;
    let port = top
        .integer("port", 1, 65535)?
        .map_or(DEFAULT_PORT, |p| p as u16);
    let database = top.required_text("database", "the name of the database to read")?;
    let (username, password) = read_login(top, unknown)?;
    let schemas = read_schemas(top)?;
    let jdbc = match top.string("jdbc_url_params")? {
        Some(text) => JdbcParams::parse(&text)?,
        None => JdbcParams::default(),
    };
    let tls = read_tls(top, unknown)?;
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
    Ok(Config {
        host,
        port,
        database,
        username,
        password,
        schemas,
        jdbc,
        tls,
        concurrency,
        table_split_parts,
        table_split_min_rows,
        checkpoint_interval: Duration::from_secs(checkpoint_seconds),
        checkpoint_rows,
        tunnel,
        unknown_keys: Vec::new(),
    })
}

/// The SQL login: `authentication` when given, else the top-level
/// `username` (or PostHog's `user`) and `password`.
fn read_login(top: &mut ObjectReader, unknown: &mut Vec<String>) -> Result<(String, Secret)> {
    let top_user = match (top.text("username")?, top.text("user")?) {
        (Some(a), Some(b)) if a != b => {
            return Err(Error::config(
                "config: `username` and `user` name different logins; keep one",
            ))
        }
        (a, b) => a.or(b),
    };
    let top_password = top.secret("password")?;
    let Some(mut auth) = top.object("authentication")? else {
        let user = top_user.ok_or_else(|| {
            top.missing("username", "the SQL Server login to read the database with")
        })?;
        return Ok((user, top_password.unwrap_or_default()));
    };
    let auth_type = auth.text("auth_type")?;
    if let Some(other) = auth_type.as_deref().filter(|t| *t != "sql_password") {
        return Err(Error::config(format!(
            "config: `authentication.auth_type` is \"{other}\", which this source does not \
             support; use \"sql_password\" with a SQL Server login"
        )));
    }
    let user = match auth.text("username")?.or(top_user) {
        Some(user) => user,
        None => {
            return Err(auth.missing("username", "the SQL Server login to read the database with"))
        }
    };
    let password = auth
        .secret("password")?
        .or(top_password)
        .unwrap_or_default();
    auth.finish(unknown);
    Ok((user, password))
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
        (None, None, None) => vec![DEFAULT_SCHEMA.to_string()],
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

/// Encryption from `ssl_mode` (discriminator `mode`) or Airbyte 4.x's
/// `ssl_method` (discriminator `ssl_method`); both may be given if they agree.
fn read_tls(top: &mut ObjectReader, unknown: &mut Vec<String>) -> Result<Tls> {
    let mode = match top.object("ssl_mode")? {
        Some(obj) => Some(read_tls_object(obj, "mode", unknown)?),
        None => None,
    };
    let method = match top.object("ssl_method")? {
        Some(obj) => Some(read_tls_object(obj, "ssl_method", unknown)?),
        None => None,
    };
    match (mode, method) {
        (Some(a), Some(b)) if a != b => Err(Error::config(format!(
            "config: `ssl_mode` is {} but `ssl_method` is {}; keep `ssl_mode`",
            a.name(),
            b.name()
        ))),
        (a, b) => Ok(a.or(b).unwrap_or_default()),
    }
}

fn read_tls_object(mut obj: ObjectReader, tag: &str, unknown: &mut Vec<String>) -> Result<Tls> {
    let name = obj.text(tag)?.ok_or_else(|| {
        obj.missing(
            tag,
            "unencrypted, encrypted_trust_server_certificate or encrypted_verify_certificate",
        )
    })?;
    let tls = match name.as_str() {
        "unencrypted" => Tls::Unencrypted,
        "encrypted_trust_server_certificate" => Tls::TrustServerCertificate,
        "encrypted_verify_certificate" => Tls::VerifyCertificate {
            host_name_in_certificate: obj.text("hostNameInCertificate")?,
            certificate: obj.secret("certificate")?,
        },
        other => {
            return Err(Error::config(format!(
                "config: `{}` is \"{other}\"; use unencrypted, \
                 encrypted_trust_server_certificate or encrypted_verify_certificate",
                obj.name(tag)
            )))
        }
    };
    obj.finish(unknown);
    Ok(tls)
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
            let (host, port, user) = read_ssh_endpoint(&mut obj)?;
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
            }
        }
        "SSH_PASSWORD_AUTH" => {
            let (host, port, user) = read_ssh_endpoint(&mut obj)?;
            let password = obj.secret("tunnel_user_password")?.ok_or_else(|| {
                obj.missing("tunnel_user_password", "the password of `tunnel_user`")
            })?;
            Tunnel::SshPassword {
                host,
                port,
                user,
                password,
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

fn read_ssh_endpoint(obj: &mut ObjectReader) -> Result<(String, u16, String)> {
    let host = obj.required_text("tunnel_host", "the SSH bastion's host name")?;
    let port = obj
        .integer("tunnel_port", 1, 65535)?
        .map_or(DEFAULT_SSH_PORT, |p| p as u16);
    let user = obj.required_text("tunnel_user", "the SSH login on the bastion")?;
    Ok((host, port, user))
}

#[cfg(test)]
mod tests;
