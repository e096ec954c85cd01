//! `check` against the emulator: one CONNECTION_STATUS, and a failure a
//! person can act on.

mod common;

use common::*;
use mssql_emulator::RunningEmulator;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn status(run: &Run) -> Value {
    let statuses = run.of_type("CONNECTION_STATUS");
    assert_eq!(statuses.len(), 1, "{}", run.stdout);
    statuses[0]["connectionStatus"].clone()
}

/// A failed check, as Airbyte's platform and PyAirbyte read it: a
/// CONNECTION_STATUS FAILED with `expected` in its message, no TRACE
/// ERROR, and exit code 0 (the check ran; its answer is "no").
fn assert_failed(run: &Run, expected: &str) {
    let status = status(run);
    assert_eq!(status["status"], "FAILED", "{}", run.stdout);
    let message = status["message"].as_str().expect("a message");
    assert!(message.contains(expected), "{message}");
    assert!(run.traces("ERROR").is_empty(), "{}", run.stdout);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// Runs check with `extra` config keys, timed.
fn timed_check(server: &RunningEmulator, extra: Value) -> (Run, Duration) {
    let config = config(server, extra);
    let started = Instant::now();
    let run = run(&["check", "--config", &config]);
    (run, started.elapsed())
}

#[test]
fn succeeds() {
    let server = emulator("CREATE SCHEMA sales");
    let run = run(&[
        "check",
        "--config",
        &config(&server, json!({"schemas": ["dbo", "sales"]})),
    ]);
    run.assert_success();
    assert_eq!(status(&run), json!({"status": "SUCCEEDED"}));
    assert_eq!(run.messages().len(), 1, "{}", run.stdout);
}

#[test]
fn wrong_password() {
    let server = emulator("");
    let run = run(&[
        "check",
        "--config",
        &config(&server, json!({"password": "not-it"})),
    ]);
    assert_failed(&run, "SQL Server refused the login");
    assert_failed(&run, "Login failed for user 'reader'");
    assert_failed(&run, "Check `username` and `password`");
    // The driver's own words are on stderr, for whoever debugs.
    assert!(run.stderr.contains("18456"), "{}", run.stderr);
}

#[test]
fn unknown_database() {
    let server = emulator("");
    let run = run(&[
        "check",
        "--config",
        &config(&server, json!({"database": "nowhere"})),
    ]);
    assert_failed(&run, "cannot open the database");
    assert_failed(&run, "nowhere");
}

#[test]
fn unknown_schema() {
    let server = emulator("");
    let run = run(&[
        "check",
        "--config",
        &config(&server, json!({"schemas": ["dbo", "nope"]})),
    ]);
    assert_failed(&run, "has no schema `nope`");
}

/// A port nobody listens on: bound, then closed.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Refused connections are retried for check's short budget, not the
/// 60 s of `connect_retry_seconds`' default, and each retry is a LOG.
#[test]
fn a_refused_port_fails_within_seconds() {
    let server = emulator("");
    let port = closed_port();
    let (run, elapsed) = timed_check(&server, json!({"port": port}));
    assert_failed(
        &run,
        &format!("cannot reach SQL Server at 127.0.0.1:{port}"),
    );
    assert_failed(&run, "check `host` and `port`");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    // Retried for about 3 s, not given up at once.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(run.stderr.contains("connection refused"), "{}", run.stderr);
    let logs = run.of_type("LOG");
    assert!(
        logs.iter().any(|l| l["log"]["level"] == "WARN"
            && l["log"]["message"]
                .as_str()
                .unwrap()
                .contains("(connection refused); retrying in")),
        "{}",
        run.stdout
    );
}

/// A server that accepts and never answers: check's own login wait, not
/// the 15 s default of `loginTimeout`.
#[test]
fn a_silent_server_fails_within_seconds() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = emulator("");
    let (run, elapsed) = timed_check(&server, json!({"port": port}));
    assert_failed(&run, "did not answer in time");
    assert_failed(&run, "`host` and `port`");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    drop(listener);
}

#[test]
fn an_unknown_host_name_fails_within_seconds() {
    let server = emulator("");
    // .invalid never resolves (RFC 6761).
    let (run, elapsed) = timed_check(&server, json!({"host": "sql.nosuch-host.invalid"}));
    assert_failed(
        &run,
        "the host name `sql.nosuch-host.invalid` does not resolve",
    );
    assert_failed(&run, "check `host`");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

/// A config whose values are wrong is the user's to fix: FAILED, naming
/// the key.
#[test]
fn a_config_missing_a_key_fails_naming_it() {
    let server = emulator("");
    let run = run(&["check", "--config", &config(&server, json!({"host": null}))]);
    assert_failed(&run, "`host`");
}

/// No config to check at all: the command could not run, a TRACE ERROR
/// and exit code 1 (the platform always hands a JSON file).
#[test]
fn a_config_file_that_is_not_json_is_an_error() {
    for path in [file("{\"host\": "), "/nonexistent/config.json".to_string()] {
        let run = run(&["check", "--config", &path]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.of_type("CONNECTION_STATUS").is_empty(),
            "{}",
            run.stdout
        );
        assert_eq!(run.error()["failure_type"], "config_error");
    }
}

/// `read` keeps `connect_retry_seconds`: a refused port is retried for
/// the second given, and the retries are LOG messages on stdout too.
#[test]
fn read_keeps_its_retry_budget() {
    let server = emulator("");
    let port = closed_port();
    let config = config(&server, json!({"port": port, "connect_retry_seconds": 1}));
    let catalog = catalog(&[("dbo", "t", "full_refresh", None)]);
    let run = run(&["read", "--config", &config, "--catalog", &catalog]);
    assert_eq!(run.code, 1);
    assert!(
        run.error()["message"]
            .as_str()
            .unwrap()
            .contains("gave up after"),
        "{}",
        run.stdout
    );
    assert!(!run.of_type("LOG").is_empty(), "{}", run.stdout);
}
