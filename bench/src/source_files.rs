//! The files Airbyte's platform hands `source-mssql read`: a config, and a
//! configured catalog made from the source's own `discover` output; the read
//! itself; and the scratch directory all the readers' files go in.

use crate::child_run::{run_reader, ChildRun};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes the config for an unencrypted login to `addr`, and returns its path.
pub fn write_config(
    dir: &Path,
    addr: SocketAddr,
    login: (&str, &str),
    database: &str,
) -> Result<PathBuf, String> {
    let config = json!({
        "host": addr.ip().to_string(), "port": addr.port(), "database": database,
        "username": login.0, "password": login.1, "schemas": ["dbo"],
        "ssl_mode": {"mode": "unencrypted"},
    });
    write(dir, "config.json", &config)
}

/// Runs `source-mssql discover` and returns its CATALOG's streams.
pub fn discover(source: &Path, config: &Path) -> Result<Vec<Value>, String> {
    let output = Command::new(source)
        .args(["discover", "--config"])
        .arg(config)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", source.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|m| m["type"] == "CATALOG")
        .and_then(|m| m["catalog"]["streams"].as_array().cloned())
        .ok_or_else(|| format!("discover wrote no CATALOG: {stdout}"))
}

/// Writes a configured catalog selecting `table` (full refresh, every
/// column) and returns its path.
pub fn write_catalog(dir: &Path, streams: &[Value], table: &str) -> Result<PathBuf, String> {
    let stream = streams
        .iter()
        .find(|s| s["name"] == table)
        .ok_or_else(|| format!("discover found no stream `{table}`"))?;
    let catalog = json!({"streams": [{
        "stream": stream,
        "sync_mode": "full_refresh",
        "destination_sync_mode": "overwrite",
    }]});
    write(dir, &format!("catalog-{table}.json"), &catalog)
}

/// Runs `source-mssql read` with its stdout drained; it must emit `rows` records.
pub fn read(source: &Path, config: &Path, catalog: &Path, rows: u64) -> Result<ChildRun, String> {
    run_reader(
        Command::new(source)
            .args(["read", "--config"])
            .arg(config)
            .arg("--catalog")
            .arg(catalog),
        "source-mssql read",
        rows,
    )
}

/// A temporary directory for configs and catalogs, removed on drop (even when the
/// benchmark fails half-way).
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(name: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn write(dir: &Path, name: &str, value: &Value) -> Result<PathBuf, String> {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
