//! pipelinewise `tap-mssql` (PyPI `tap-mssql`, on pymssql/FreeTDS), run as a Singer tap is
//! run: a config, its own `--discover` output with one stream selected for a full table
//! sync, and the sync with its stdout drained.
//!
//! The tap lives in its own virtual environment (`.venv-tap-mssql`, made by `bench/race.sh`
//! or `.ci/run` from `tests/clients/requirements-tap-mssql.txt`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::child_run::{run_reader, ChildRun};
use crate::source_files::write;

/// Rows the tap fetches per `fetchmany` (`cursor_array_size`; its default is 1). Set high
/// so that the tap runs at its best.
const CURSOR_ARRAY_SIZE: u64 = 10_000;

/// Writes the tap's config (TDS 7.4, which the emulator speaks natively) and returns its path.
pub fn write_config(
    dir: &Path,
    addr: SocketAddr,
    login: (&str, &str),
    database: &str,
) -> Result<PathBuf, String> {
    let config = json!({
        "host": addr.ip().to_string(), "port": addr.port().to_string(), "database": database,
        "user": login.0, "password": login.1, "tds_version": "7.4",
        "cursor_array_size": CURSOR_ARRAY_SIZE,
    });
    write(dir, "tap-mssql-config.json", &config)
}

/// Runs `tap-mssql --discover` and returns its catalog.
pub fn discover(tap: &Path, config: &Path) -> Result<Value, String> {
    let output = Command::new(tap)
        .arg("--config")
        .arg(config)
        .arg("--discover")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tap.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "tap-mssql --discover failed: {}",
            tail(&stderr, 2000)
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("tap-mssql --discover wrote no JSON catalog: {e}"))
}

/// Writes a catalog with only `dbo.<table>` selected, FULL_TABLE, every column the tap
/// selects by default, and returns its path.
pub fn write_catalog(dir: &Path, catalog: &Value, table: &str) -> Result<PathBuf, String> {
    let id = format!("dbo-{table}");
    let mut stream = catalog["streams"]
        .as_array()
        .and_then(|streams| streams.iter().find(|s| s["tap_stream_id"] == id.as_str()))
        .cloned()
        .ok_or_else(|| format!("tap-mssql --discover found no stream {id}"))?;
    let metadata = stream["metadata"]
        .as_array_mut()
        .ok_or_else(|| format!("stream {id} has no metadata"))?;
    for entry in metadata {
        let is_root = entry["breadcrumb"].as_array().is_some_and(|b| b.is_empty());
        let fields = &mut entry["metadata"];
        if is_root {
            fields["selected"] = json!(true);
            fields["replication-method"] = json!("FULL_TABLE");
        } else if fields["selected-by-default"] == json!(true) {
            fields["selected"] = json!(true);
        }
    }
    write(
        dir,
        &format!("tap-mssql-catalog-{table}.json"),
        &json!({"streams": [stream]}),
    )
}

/// Runs the sync with its stdout drained; it must emit `rows` records. Its log (a line
/// per stage, on stderr) goes to `tap-mssql.log` in `dir`, and its tail into any error.
pub fn read(
    dir: &Path,
    tap: &Path,
    config: &Path,
    catalog: &Path,
    rows: u64,
) -> Result<ChildRun, String> {
    let log_path = dir.join("tap-mssql.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut command = Command::new(tap);
    command
        .arg("--config")
        .arg(config)
        .arg("--catalog")
        .arg(catalog)
        .stderr(log);
    run_reader(&mut command, "tap-mssql", rows).map_err(|e| {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        format!("{e}; its log ends: {}", tail(&log, 1500))
    })
}

/// The last `bytes` (or a little fewer, at a character's start) of `text`.
fn tail(text: &str, bytes: usize) -> &str {
    let start = text.len().saturating_sub(bytes);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    &text[start..]
}
