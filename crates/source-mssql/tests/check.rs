//! `check` against the emulator: one CONNECTION_STATUS, and a failure a
//! person can act on.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn status(run: &Run) -> Value {
    let statuses = run.of_type("CONNECTION_STATUS");
    assert_eq!(statuses.len(), 1, "{}", run.stdout);
    statuses[0]["connectionStatus"].clone()
}

/// A failed check: FAILED with `expected` in its message, and a config error.
fn assert_failed(run: &Run, expected: &str) {
    let status = status(run);
    assert_eq!(status["status"], "FAILED", "{}", run.stdout);
    let message = status["message"].as_str().expect("a message");
    assert!(message.contains(expected), "{message}");
    assert_eq!(run.error()["failure_type"], "config_error");
    assert_eq!(run.code, 1);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
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
    assert!(run.error()["internal_message"]
        .as_str()
        .unwrap_or_default()
        .contains("18456"));
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

#[test]
fn unreachable_port_fails_fast() {
    let server = emulator("");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let run = run(&[
        "check",
        "--config",
        &config(
            &server,
            json!({"port": port, "jdbc_url_params": "loginTimeout=2", "connect_retry_seconds": 1}),
        ),
    ]);
    assert_failed(
        &run,
        &format!("cannot reach SQL Server at 127.0.0.1:{port}"),
    );
    // Refused connections are retried, for the one second given.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(run.stderr.contains("connection refused"), "{}", run.stderr);
}

#[test]
fn silent_server_times_out_within_the_login_timeout() {
    // Accepts TCP connections but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = emulator("");
    let started = Instant::now();
    let run = run(&[
        "check",
        "--config",
        &config(
            &server,
            json!({"port": port, "jdbc_url_params": "loginTimeout=1"}),
        ),
    ]);
    assert_failed(&run, "did not answer in time");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}
