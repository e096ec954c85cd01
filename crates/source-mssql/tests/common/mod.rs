//! What the command tests share: an emulator to talk to, the files the
//! platform would hand the connector, and running the real binary.

#![allow(dead_code)]

use mssql_emulator::{Emulator, RunningEmulator};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const USER: &str = "reader";
pub const PASSWORD: &str = "Pa55-w0rd-never-shown";
pub const DATABASE: &str = "shop";

/// An emulator with the `shop` database, set up by `init` (T-SQL run in
/// `shop`, `GO`-separated).
pub fn emulator(init: &str) -> RunningEmulator {
    Emulator::builder()
        .login(USER, PASSWORD)
        .database(DATABASE)
        .init_sql(&format!("USE {DATABASE}\nGO\n{init}"))
        .start("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("the emulator starts: {e}"))
}

/// The config's JSON for this emulator, with `extra` keys set (or removed
/// when null).
pub fn config_value(server: &RunningEmulator, extra: Value) -> Value {
    let addr = server.addr();
    let mut value = json!({"host": addr.ip().to_string(), "port": addr.port(),
                           "database": DATABASE, "username": USER, "password": PASSWORD,
                           "ssl_mode": {"mode": "unencrypted"}});
    for (key, v) in extra.as_object().expect("an object") {
        if v.is_null() {
            value.as_object_mut().expect("an object").remove(key);
        } else {
            value[key] = v.clone();
        }
    }
    value
}

/// A config file for this emulator.
pub fn config(server: &RunningEmulator, extra: Value) -> String {
    file(&config_value(server, extra).to_string())
}

/// Writes `text` to a fresh file and returns its path.
pub fn file(text: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir: PathBuf = std::env::temp_dir().join(format!("source-mssql-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.json", NEXT.fetch_add(1, Ordering::SeqCst)));
    std::fs::write(&path, text).expect("temp file");
    path.to_string_lossy().into_owned()
}

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `args` and kills it once it has written `states`
/// STATE lines, as a sync that dies mid-read: the lines it wrote, the last
/// one that STATE. It is blocked on the pipe by then, most of its table unread.
pub fn run_until_states(args: &[&str], states: usize) -> Vec<String> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = Vec::new();
    let mut seen = 0;
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.expect("stdout is UTF-8");
        seen += usize::from(line.starts_with(r#"{"type":"STATE""#));
        lines.push(line);
        if seen == states {
            break;
        }
    }
    child.kill().expect("kills the read");
    child.wait().expect("the read ends");
    lines
}

pub fn run(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(args)
        .output()
        .expect("the binary runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    run.assert_protocol_only();
    run.assert_no_password();
    run
}

impl Run {
    /// Stdout's lines as messages.
    pub fn messages(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("checked by assert_protocol_only"))
            .collect()
    }

    /// Every stdout line is one JSON object with a known `type`.
    fn assert_protocol_only(&self) {
        const TYPES: [&str; 7] = [
            "SPEC",
            "CONNECTION_STATUS",
            "CATALOG",
            "RECORD",
            "STATE",
            "TRACE",
            "LOG",
        ];
        for line in self.stdout.lines() {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            let kind = value["type"].as_str().unwrap_or_default();
            assert!(TYPES.contains(&kind), "unknown message type: {line}");
        }
    }

    fn assert_no_password(&self) {
        assert!(
            !self.stdout.contains(PASSWORD),
            "stdout leaks: {}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(PASSWORD),
            "stderr leaks: {}",
            self.stderr
        );
    }

    /// Messages of one type (`RECORD`, `STATE`...).
    pub fn of_type(&self, kind: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["type"] == kind)
            .collect()
    }

    /// The `data` of every RECORD, in order.
    pub fn records(&self) -> Vec<Value> {
        self.of_type("RECORD")
            .into_iter()
            .map(|m| m["record"]["data"].clone())
            .collect()
    }

    /// The TRACE messages of one trace type (`STREAM_STATUS`, `ERROR`...).
    pub fn traces(&self, kind: &str) -> Vec<Value> {
        self.of_type("TRACE")
            .into_iter()
            .filter(|m| m["trace"]["type"] == kind)
            .map(|m| m["trace"].clone())
            .collect()
    }

    /// The one TRACE ERROR's `error`.
    pub fn error(&self) -> Value {
        let errors = self.traces("ERROR");
        assert_eq!(errors.len(), 1, "stdout: {}", self.stdout);
        errors[0]["error"].clone()
    }

    /// Asserts a clean success: exit 0 and no TRACE ERROR.
    pub fn assert_success(&self) {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(self.traces("ERROR").is_empty(), "{}", self.stdout);
    }

    /// The STATE messages' `state.stream` objects.
    pub fn states(&self) -> Vec<Value> {
        self.of_type("STATE")
            .into_iter()
            .map(|m| m["state"].clone())
            .collect()
    }

    /// A state file for the next sync: the last STATE of each stream, as
    /// the platform keeps them.
    pub fn state_file(&self) -> String {
        let mut last: Vec<Value> = Vec::new();
        for state in self.states() {
            let descriptor = &state["stream"]["stream_descriptor"];
            last.retain(|s| &s["stream"]["stream_descriptor"] != descriptor);
            last.push(state);
        }
        file(&Value::Array(last).to_string())
    }
}

/// A configured catalog of `streams`, each `(namespace, name, sync_mode,
/// cursor)`; the schema lists no properties, so every column is read.
pub fn catalog(streams: &[(&str, &str, &str, Option<&str>)]) -> String {
    let streams: Vec<Value> = streams
        .iter()
        .map(|(namespace, name, mode, cursor)| {
            let mut stream = json!({
                "stream": {"name": name, "namespace": namespace, "json_schema": {"type": "object"},
                           "supported_sync_modes": ["full_refresh", "incremental"]},
                "sync_mode": mode,
                "destination_sync_mode": "append",
            });
            if let Some(cursor) = cursor {
                stream["cursor_field"] = json!([cursor]);
            }
            stream
        })
        .collect();
    file(&json!({ "streams": streams }).to_string())
}

/// Runs T-SQL against the emulator as the reader (between two syncs, say).
pub fn execute(server: &RunningEmulator, sql: &str) {
    let config = source_mssql::config::Config::from_value(&config_value(server, json!({})))
        .expect("a valid config");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut client = source_mssql::connection::connect(&config)
            .await
            .expect("connects");
        client
            .simple_query(sql)
            .await
            .expect("runs")
            .into_results()
            .await
            .expect("runs to its end");
    });
}
