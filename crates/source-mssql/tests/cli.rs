//! Runs the `source-mssql` binary as the Airbyte platform does and checks
//! what it prints: protocol messages only on stdout, errors as TRACE ERROR
//! messages, and never the password.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const PASSWORD: &str = "Pa55-w0rd-never-shown";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Stdout's lines, each checked to be one JSON object.
    fn messages(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
                assert!(value.is_object(), "not an object: {line}");
                value
            })
            .collect()
    }

    /// The one TRACE ERROR message's `error`.
    fn error(&self) -> Value {
        let errors: Vec<Value> = self
            .messages()
            .into_iter()
            .filter(|m| m["type"] == "TRACE" && m["trace"]["type"] == "ERROR")
            .collect();
        assert_eq!(errors.len(), 1, "stdout: {}", self.stdout);
        errors[0]["trace"]["error"].clone()
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
}

fn run(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(args)
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Writes `text` to a fresh file and returns its path.
fn file(text: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("source-mssql-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.json", NEXT.fetch_add(1, Ordering::SeqCst)));
    std::fs::write(&path, text).expect("temp file");
    path.to_string_lossy().into_owned()
}

fn config(extra: Value) -> String {
    let mut value = json!({"host": "localhost", "port": 1433, "database": "shop",
                           "username": "reader", "password": PASSWORD});
    for (k, v) in extra.as_object().expect("an object") {
        if v.is_null() {
            value.as_object_mut().expect("an object").remove(k);
        } else {
            value[k] = v.clone();
        }
    }
    file(&value.to_string())
}

const CATALOG: &str = r#"{"streams": [{"stream": {"name": "users", "namespace": "dbo",
    "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
    "sync_mode": "incremental", "destination_sync_mode": "append",
    "cursor_field": ["id"]}]}"#;

#[test]
fn spec_prints_one_spec_message() {
    let run = run(&["spec"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1);
    let messages = run.messages();
    let spec = &messages[0];
    assert_eq!(spec["type"], "SPEC");
    assert_eq!(spec["spec"]["supportsIncremental"], true);
    assert!(spec["spec"]["documentationUrl"].is_string());
    assert!(spec["spec"]["supported_destination_sync_modes"].is_array());
    let props = &spec["spec"]["connectionSpecification"]["properties"];
    assert_eq!(props["password"]["airbyte_secret"], true);
}

/// A bad config fails `discover` and `read` the same way: a config_error
/// naming the key, exit code 1, no password anywhere. `check` says it as
/// its answer (FAILED, exit code 0) when the file is JSON; when there is
/// no JSON to check, it fails as they do.
fn assert_config_error(config: &str, expected: &str) {
    let catalog = file(CATALOG);
    let check = run(&["check", "--config", config]);
    let is_json = std::fs::read_to_string(config)
        .is_ok_and(|text| serde_json::from_str::<Value>(&text).is_ok());
    if is_json {
        assert_eq!(check.code, 0, "{}", check.stdout);
        let messages = check.messages();
        assert!(
            messages.iter().all(|m| m["type"] != "TRACE"),
            "{}",
            check.stdout
        );
        let status = &messages
            .iter()
            .find(|m| m["type"] == "CONNECTION_STATUS")
            .expect("a CONNECTION_STATUS")["connectionStatus"];
        assert_eq!(status["status"], "FAILED");
        let message = status["message"].as_str().expect("a message");
        assert!(message.contains(expected), "check: {message}");
        assert!(check.stderr.contains(expected), "check: {}", check.stderr);
    }
    let mut commands = vec![
        vec!["discover", "--config", config],
        vec!["read", "--config", config, "--catalog", &catalog],
    ];
    if !is_json {
        commands.push(vec!["check", "--config", config]);
    }
    for args in commands {
        let run = run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stdout);
        let error = run.error();
        assert_eq!(error["failure_type"], "config_error", "{args:?}");
        let message = error["message"].as_str().expect("a message");
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        run.assert_no_password();
    }
}

#[test]
fn missing_key() {
    assert_config_error(&config(json!({"host": null})), "config: `host` is missing");
}

#[test]
fn mistyped_port() {
    assert_config_error(
        &config(json!({"port": "abc"})),
        "config: `port` must be an integer from 1 to 65535, got \"abc\"",
    );
}

#[test]
fn mistyped_password_is_not_shown() {
    assert_config_error(
        &config(json!({"password": 12345})),
        "`password` must be a string, got a number",
    );
}

#[test]
fn malformed_json() {
    let text = format!("{{\"host\": \"db\", \"password\": \"{PASSWORD}\"");
    assert_config_error(&file(&text), "config: the config file is not valid JSON");
}

#[test]
fn missing_config_file() {
    assert_config_error(
        "/nonexistent/source-mssql.json",
        "cannot read the config file",
    );
}

#[test]
fn check_reports_a_failed_connection_status() {
    let run = run(&["check", "--config", &config(json!({"port": 0}))]);
    let statuses: Vec<Value> = run
        .messages()
        .into_iter()
        .filter(|m| m["type"] == "CONNECTION_STATUS")
        .collect();
    assert_eq!(statuses.len(), 1, "{}", run.stdout);
    assert_eq!(statuses[0]["connectionStatus"]["status"], "FAILED");
}

/// Valid inputs get as far as connecting: to a port nobody listens on here.
#[test]
fn valid_inputs_reach_the_server() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = config(json!({"hots": "typo", "host": "127.0.0.1", "port": port,
                               "connect_retry_seconds": 0}));
    let catalog = file(CATALOG);
    let state = file(
        r#"[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "users", "namespace": "dbo"},
        "stream_state": {"state_type": "cursor_based", "cursor_field": ["id"], "cursor": "5"}}}]"#,
    );
    for args in [
        vec!["discover", "--config", &config],
        vec![
            "read",
            "--config",
            &config,
            "--catalog",
            &catalog,
            "--state",
            &state,
        ],
    ] {
        let run = run(&args);
        assert_eq!(run.code, 1, "{args:?}");
        let error = run.error();
        assert_eq!(error["failure_type"], "config_error", "{args:?}");
        assert!(error["message"]
            .as_str()
            .unwrap()
            .contains(&format!("cannot reach SQL Server at 127.0.0.1:{port}")));
        let warning = run
            .messages()
            .into_iter()
            .find(|m| m["type"] == "LOG" && m["log"]["level"] == "WARN")
            .unwrap_or_else(|| panic!("no warning: {}", run.stdout));
        assert!(warning["log"]["message"]
            .as_str()
            .unwrap()
            .contains("`hots`"));
        run.assert_no_password();
    }
}

#[test]
fn bad_catalog_and_state_are_config_errors() {
    let config = config(json!({}));
    let good_catalog = file(CATALOG);
    let bad_catalog = file(&CATALOG.replace(r#""cursor_field": ["id"]"#, r#""cursor_field": []"#));
    let run_ = run(&["read", "--config", &config, "--catalog", &bad_catalog]);
    assert_eq!(run_.code, 1);
    assert_eq!(run_.error()["failure_type"], "config_error");
    assert!(run_.error()["message"]
        .as_str()
        .unwrap()
        .contains("`dbo.users` is incremental"));

    let bad_state = file(
        r#"{"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"},
        "stream_state": {"state_type": "xmin", "xmin_raw_value": 5}}}"#,
    );
    let run_ = run(&[
        "read",
        "--config",
        &config,
        "--catalog",
        &good_catalog,
        "--state",
        &bad_state,
    ]);
    assert_eq!(run_.code, 1);
    assert_eq!(run_.error()["failure_type"], "config_error");
    assert!(run_.error()["message"]
        .as_str()
        .unwrap()
        .contains("state_type \"xmin\""));
}

#[test]
fn a_certificate_that_is_not_pem_is_a_config_error() {
    let config = config(json!({"ssl_mode": {"mode": "encrypted_verify_certificate",
                                            "certificate": "MIIB-not-pem"}}));
    let run = run(&["discover", "--config", &config]);
    assert_eq!(run.code, 1);
    assert_eq!(run.error()["failure_type"], "config_error");
    let message = run.error()["message"].as_str().unwrap().to_string();
    assert!(message.contains("is not a PEM certificate"), "{message}");
    assert!(!run.stdout.contains("MIIB-not-pem") && !run.stderr.contains("MIIB-not-pem"));
}

#[test]
fn malformed_catalog_and_state_json() {
    let config = config(json!({}));
    let run_ = run(&[
        "read",
        "--config",
        &config,
        "--catalog",
        &file("{\"streams\": ["),
    ]);
    assert_eq!(run_.code, 1);
    assert_eq!(run_.error()["failure_type"], "config_error");
    assert!(run_.error()["message"]
        .as_str()
        .unwrap()
        .starts_with("catalog: not a valid configured catalog"));

    let catalog = file(CATALOG);
    let run_ = run(&[
        "read",
        "--config",
        &config,
        "--catalog",
        &catalog,
        "--state",
        &file("[{\"type\": \"STREAM\""),
    ]);
    assert_eq!(run_.code, 1);
    assert_eq!(run_.error()["failure_type"], "config_error");
    assert!(run_.error()["message"]
        .as_str()
        .unwrap()
        .starts_with("state: the state file is not valid JSON"));
}
