//! The Airbyte commands: `spec`, `check`, `discover` and `read`.
//!
//! Each reads and checks its inputs first, so a bad config, catalog or state
//! fails with a config error naming the problem before any server is
//! contacted; `source` then does the work on the server.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::protocol::airbyte::{FailureType, LogLevel, Message, Status};
use crate::protocol::catalog::ConfiguredCatalog;
use crate::protocol::log;
use crate::protocol::writer::MessageWriter;
use crate::source::{self, block_on};
use crate::state::InputState;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// The SPEC message's `spec`, from the embedded `spec/spec.json`.
pub fn spec_value() -> Result<serde_json::Value> {
    serde_json::from_str(crate::SPEC_JSON)
        .map_err(|e| Error::system(format!("the embedded spec.json is not valid JSON: {e}")))
}

pub fn spec<W: Write>(out: &mut MessageWriter<W>) -> Result<()> {
    let spec = spec_value()?;
    write(out, &Message::Spec { spec })
}

/// How long `check` may take at most: a person waits on it ("Test
/// connection"), and the platform gives up long before `read` would.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(9);
/// `check`'s connect retry budget, instead of `connect_retry_seconds`.
pub const CHECK_RETRY: Duration = Duration::from_secs(3);
/// `check`'s longest wait for one login (TCP, TLS, LOGIN7; the SSH tunnel
/// and an Entra ID token too), when `loginTimeout` is longer.
pub const CHECK_LOGIN_TIMEOUT: Duration = Duration::from_secs(6);

/// Airbyte's convention (its protocol docs, and both its CDKs): whatever the
/// config's values or the server cause is a CONNECTION_STATUS FAILED whose
/// message names the key to fix, and the command succeeds (exit 0); a
/// check that could not run at all (no readable JSON config file: the
/// platform always hands one, so whoever ran us is wrong) or a bug in the
/// source is an error (TRACE ERROR, exit 1).
pub fn check<W: Write>(out: &mut MessageWriter<W>, config: &Path) -> Result<()> {
    let value = Config::load_json(config)?;
    let result = load_config_value(out, &value).and_then(|config| {
        let work = check_within_deadline(config);
        block_on(log::wait_while(work, || {
            // A failed write fails the next one, the status's, too.
            let _ = out.flush();
        }))
    });
    let status = match result {
        Ok(()) => Message::connection_status(Status::Succeeded, None),
        Err(e) if e.failure_type == FailureType::SystemError => return Err(e),
        Err(e) => {
            // For a person at a terminal, with the driver's own words.
            eprintln!("source-mssql: check failed: {}", e.message);
            if let Some(internal) = &e.internal_message {
                eprintln!("source-mssql: the driver said: {internal}");
            }
            Message::connection_status(Status::Failed, Some(e.message))
        }
    };
    write(out, &status)
}

/// `source::check` with check's short budgets; `read` keeps the config's.
async fn check_within_deadline(mut config: Config) -> Result<()> {
    config.connect_retry = config.connect_retry.min(CHECK_RETRY);
    config.jdbc.login_timeout = config.jdbc.login_timeout.min(CHECK_LOGIN_TIMEOUT);
    let address = format!("{}:{}", config.host, config.port);
    match tokio::time::timeout(CHECK_DEADLINE, source::check::check(&config)).await {
        Ok(result) => result,
        Err(_) => Err(Error::config(format!(
            "SQL Server at {address} gave no answer within {} s, the most `check` waits; \
             check `host` and `port`, and that no firewall drops the connection",
            CHECK_DEADLINE.as_secs()
        ))),
    }
}

pub fn discover<W: Write>(out: &mut MessageWriter<W>, config: &Path) -> Result<()> {
    let config = load_config(out, config)?;
    let work = source::discover::discover(&config);
    let catalog = block_on(log::wait_while(work, || {
        let _ = out.flush();
    }))?;
    write(out, &Message::Catalog { catalog })
}

pub fn read<W: Write>(
    out: &mut MessageWriter<W>,
    config: &Path,
    catalog: &Path,
    state: Option<&Path>,
) -> Result<()> {
    let config = load_config(out, config)?;
    let text = std::fs::read_to_string(catalog).map_err(|e| {
        Error::config(format!(
            "catalog: cannot read the catalog file {}: {e}",
            catalog.display()
        ))
    })?;
    let catalog = ConfiguredCatalog::parse(&text)?;
    let state = match state {
        Some(path) => InputState::load(path)?,
        None => InputState::default(),
    };
    block_on(source::read::read(out, &config, &catalog, &state))
}

/// Writes the error as the Airbyte TRACE ERROR the platform shows the user.
pub fn report<W: Write>(out: &mut MessageWriter<W>, error: &Error) -> std::io::Result<()> {
    out.write(&Message::error(
        error.failure_type,
        error.message.clone(),
        error.internal_message.clone(),
    ))?;
    out.flush()
}

/// Loads the config, logs a warning naming what it ignores, and checks the
/// driver can be configured from it.
fn load_config<W: Write>(out: &mut MessageWriter<W>, path: &Path) -> Result<Config> {
    load_config_value(out, &Config::load_json(path)?)
}

fn load_config_value<W: Write>(
    out: &mut MessageWriter<W>,
    value: &serde_json::Value,
) -> Result<Config> {
    let config = Config::from_value(value)?;
    if let Some(warning) = config.ignored_warning() {
        write(out, &Message::log(LogLevel::Warn, warning))?;
    }
    config.tiberius_config(&config.host, config.port)?;
    Ok(config)
}

fn write<W: Write>(out: &mut MessageWriter<W>, message: &Message) -> Result<()> {
    out.write(message)
        .map_err(|e| Error::system(format!("cannot write to stdout: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_has_the_airbyte_keys() {
        let spec = spec_value().unwrap();
        assert_eq!(spec["supportsIncremental"], true);
        let props = &spec["connectionSpecification"]["properties"];
        for key in [
            "host",
            "port",
            "database",
            "username",
            "password",
            "schemas",
            "jdbc_url_params",
            "ssl_method",
            "ssl_mode",
            "authentication",
            "replication_method",
            "concurrency",
            "checkpoint_target_interval_seconds",
            "checkpoint_interval_rows",
            "tunnel_method",
        ] {
            assert!(props.get(key).is_some(), "spec lacks `{key}`");
        }
        assert_eq!(props["port"]["default"], 1433);
        // No default: a config without `schemas` reads them all.
        assert!(props["schemas"].get("default").is_none());
        assert_eq!(props["checkpoint_target_interval_seconds"]["default"], 300);
    }

    /// Every property whose name says it holds a secret is marked so, and
    /// the UI hides it.
    #[test]
    fn secrets_are_marked() {
        let spec = spec_value().unwrap();
        let mut found = 0;
        visit(&spec, &mut |key, schema| {
            let secrets = ["password", "tunnel_user_password", "ssh_key", "certificate"];
            if secrets.contains(&key) || ["client_secret", "access_token"].contains(&key) {
                assert_eq!(schema["airbyte_secret"], true, "`{key}` is not secret");
                found += 1;
            }
        });
        assert_eq!(found, 9);
    }

    fn visit(value: &serde_json::Value, f: &mut impl FnMut(&str, &serde_json::Value)) {
        if let Some(map) = value.as_object() {
            if let Some(props) = map.get("properties").and_then(|p| p.as_object()) {
                for (key, schema) in props {
                    f(key, schema);
                }
            }
            for child in map.values() {
                visit(child, f);
            }
        } else if let Some(items) = value.as_array() {
            for child in items {
                visit(child, f);
            }
        }
    }
}
