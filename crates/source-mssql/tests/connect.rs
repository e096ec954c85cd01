//! Connecting to Azure-like servers: a gateway's redirect to another
//! emulator, transient login errors retried with backoff within
//! `connect_retry_seconds`, and permanent ones failing at once.

use mssql_emulator::{Emulator, EmulatorBuilder, RunningEmulator};
use serde_json::json;
use source_mssql::config::Config;
use source_mssql::connection::{connect, Client};
use source_mssql::protocol::airbyte::FailureType;
use std::time::{Duration, Instant};

const USER: &str = "reader";
const PASSWORD: &str = "Conn-Pa55-never-shown";

fn builder() -> EmulatorBuilder {
    Emulator::builder().login(USER, PASSWORD).database("shop")
}

fn start(builder: EmulatorBuilder) -> RunningEmulator {
    builder.start("127.0.0.1:0").expect("the emulator starts")
}

fn config(server: &RunningEmulator, retry_seconds: u64) -> Config {
    Config::from_value(&json!({
        "host": "127.0.0.1", "port": server.addr().port(), "database": "shop",
        "username": USER, "password": PASSWORD, "ssl_mode": {"mode": "unencrypted"},
        "connect_retry_seconds": retry_seconds}))
    .unwrap()
}

async fn server_name(client: &mut Client) -> String {
    let row = client
        .simple_query("SELECT @@SERVERNAME")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    row.get::<&str, _>(0).unwrap().to_string()
}

#[tokio::test]
async fn a_redirect_is_followed_to_the_named_server() {
    let target = start(builder().server_name("shop-db-replica"));
    let gateway = start(
        builder()
            .server_name("gateway")
            .route_to("127.0.0.1", target.addr().port()),
    );
    let mut client = connect(&config(&gateway, 0)).await.unwrap();
    assert_eq!(server_name(&mut client).await, "shop-db-replica");
    assert_eq!((gateway.login_attempts(), target.login_attempts()), (1, 1));
}

#[tokio::test]
async fn a_second_redirect_is_not_followed() {
    let target = start(builder());
    let second = start(builder().route_to("127.0.0.1", target.addr().port()));
    let gateway = start(builder().route_to("127.0.0.1", second.addr().port()));
    let Err(err) = connect(&config(&gateway, 0)).await else {
        panic!("a chain of redirects is refused")
    };
    assert!(
        err.message.contains("redirected the connection twice"),
        "{}",
        err.message
    );
    assert_eq!(target.login_attempts(), 0);
}

#[tokio::test]
async fn a_transient_error_is_retried_until_the_third_try_succeeds() {
    let server = start(builder().fail_logins(2, 40613));
    let started = Instant::now();
    let mut client = connect(&config(&server, 30)).await.unwrap();
    assert!(!server_name(&mut client).await.is_empty());
    assert_eq!(server.login_attempts(), 3);
    // Two waits of at most 0.5 s and 1 s.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn every_azure_transient_number_is_retried() {
    for number in [40613, 40197, 40501, 49918, 49919, 49920, 4221, 10928, 10929] {
        let server = start(builder().fail_logins(1, number));
        connect(&config(&server, 10))
            .await
            .unwrap_or_else(|e| panic!("{number}: {}", e.message));
        assert_eq!(server.login_attempts(), 2, "{number}");
    }
}

#[tokio::test]
async fn retrying_gives_up_within_its_bounded_time() {
    let server = start(builder().fail_logins(1000, 40501));
    let started = Instant::now();
    let Err(err) = connect(&config(&server, 2)).await else {
        panic!("the server never lets us in")
    };
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    assert_eq!(err.failure_type, FailureType::TransientError);
    assert!(err.message.contains("gave up after"), "{}", err.message);
    assert!(
        err.message.contains("`connect_retry_seconds`"),
        "{}",
        err.message
    );
    assert!(server.login_attempts() >= 2, "{}", server.login_attempts());
}

#[tokio::test]
async fn login_failures_and_unknown_databases_are_not_retried() {
    for (number, text) in [
        (18456, "refused the login"),
        (4060, "cannot open the database"),
    ] {
        let server = start(builder().fail_logins(5, number));
        let Err(err) = connect(&config(&server, 30)).await else {
            panic!("{number} fails the login")
        };
        assert_eq!(err.failure_type, FailureType::ConfigError, "{number}");
        assert!(err.message.contains(text), "{number}: {}", err.message);
        assert_eq!(server.login_attempts(), 1, "{number} is not retried");
    }
}

/// Through the binary: each retry is logged on stderr with the error number
/// and the wait, and stdout stays protocol messages only.
#[test]
fn retries_are_logged() {
    let server = start(builder().fail_logins(2, 40613));
    let mut value = serde_json::to_value(json!({
        "host": "127.0.0.1", "port": server.addr().port(), "database": "shop",
        "username": USER, "password": PASSWORD, "connect_retry_seconds": 30}))
    .unwrap();
    value["ssl_mode"] = json!({"mode": "unencrypted"});
    let path = std::env::temp_dir().join(format!("connect-retry-{}.json", std::process::id()));
    std::fs::write(&path, value.to_string()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(["check", "--config", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stdout.contains("SUCCEEDED"), "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with('{')), "{stdout}");
    let retries: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("error 40613"))
        .collect();
    assert_eq!(retries.len(), 2, "{stderr}");
    assert!(retries[0].contains("retrying in 0."), "{stderr}");
    assert!(!stderr.contains(PASSWORD) && !stdout.contains(PASSWORD));
}
