//! ConnectorX (PyPI `connectorx`, Rust, to Arrow) in the race: `cx.read_sql(conn, query,
//! return_type="arrow")` in a Python process of its own, its rows counted.
//!
//! It lives in its own virtual environment (`.venv-connectorx`, made by `bench/race.sh`
//! from `bench/requirements-connectorx.txt`). The script prints `ROWS SECONDS`: the time
//! of `read_sql` (connecting and reading into Arrow), not of Python's start and imports.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::child_run::run_drained;
use crate::loop_child::{LoopRun, PASSWORD_ENV};

const SCRIPT: &str = r#"
import os, sys, time
import connectorx as cx
addr, database, user, query = sys.argv[1:5]
# encrypt=false: TLS for the login only (the emulator's self-signed certificate trusted),
# plain TDS after it, as the other readers.
conn = (f"mssql://{user}:{os.environ['BENCH_LOOP_PASSWORD']}@{addr}/{database}"
        "?encrypt=false&trust_server_certificate=true")
started = time.perf_counter()
table = cx.read_sql(conn, query, return_type="arrow")
secs = time.perf_counter() - started
print(table.num_rows, secs)
"#;

/// Writes the script into `dir` and returns its path.
pub fn write_script(dir: &Path) -> Result<PathBuf, String> {
    let path = dir.join("connectorx_read.py");
    std::fs::write(&path, SCRIPT).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Reads `sql` with ConnectorX into Arrow in a child Python.
pub fn read(
    python: &Path,
    script: &Path,
    addr: SocketAddr,
    database: &str,
    login: (&str, &str),
    sql: &str,
) -> Result<LoopRun, String> {
    let run = run_drained(
        Command::new(python)
            .arg(script)
            .args([&addr.to_string(), database, login.0, sql])
            .env(PASSWORD_ENV, login.1),
    )?;
    let line = run.last_line().unwrap_or("");
    let parsed = line
        .split_once(' ')
        .and_then(|(rows, secs)| Some((rows.parse().ok()?, secs.parse().ok()?)));
    match (run.exit_code, parsed) {
        (0, Some((rows, secs))) => Ok(LoopRun {
            rows,
            secs,
            peak_rss_kib: run.peak_rss_kib,
            records: 0,
            output_bytes: 0,
        }),
        (code, _) => Err(format!(
            "ConnectorX exited {code} and printed {line:?} instead of `ROWS SECONDS`"
        )),
    }
}
