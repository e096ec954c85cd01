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
    // And as Airbyte LOG messages, before the status.
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let logs: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|m| m["type"] == "LOG" && m["log"]["level"] == "WARN")
        .collect();
    assert_eq!(logs.len(), 2, "{stdout}");
    assert!(
        logs[0]["log"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "connecting to 127.0.0.1:{} failed (error 40613); retrying in 0.",
                server.addr().port()
            )),
        "{stdout}"
    );
    assert_eq!(lines.last().unwrap()["type"], "CONNECTION_STATUS");
}

/// A read whose first logins are refused: the retries are LOG messages on
/// stdout (PyAirbyte drops a read's stderr), each a whole line, and the
/// rows are all read.
#[test]
fn a_reads_retries_are_logs_on_stdout() {
    let server = start(builder().fail_logins(2, 40613).init_sql(
        "USE shop\nGO\nCREATE TABLE t (id int PRIMARY KEY)\nGO\nINSERT INTO t VALUES (1), (2), (3)",
    ));
    let dir = std::env::temp_dir().join(format!("connect-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        json!({"host": "127.0.0.1", "port": server.addr().port(), "database": "shop",
               "username": USER, "password": PASSWORD, "ssl_mode": {"mode": "unencrypted"}})
        .to_string(),
    )
    .unwrap();
    let catalog = dir.join("catalog.json");
    std::fs::write(
        &catalog,
        json!({"streams": [{"stream": {"name": "t", "namespace": "dbo",
            "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh"]},
            "sync_mode": "full_refresh", "destination_sync_mode": "append"}]})
        .to_string(),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(["read", "--config", config.to_str().unwrap()])
        .args(["--catalog", catalog.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(!stdout.contains(PASSWORD));
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line one message"))
        .collect();
    let retries = lines
        .iter()
        .filter(|m| {
            m["type"] == "LOG"
                && m["log"]["level"] == "WARN"
                && m["log"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("failed (error 40613); retrying in")
        })
        .count();
    assert_eq!(retries, 2, "{stdout}");
    let records = lines.iter().filter(|m| m["type"] == "RECORD").count();
    assert_eq!(records, 3, "{stdout}");
}

/// Forwards connections to `server`, sending what each client sent when it
/// closes.
fn relay(server: std::net::SocketAddr) -> (u16, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sent, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let (Ok(mut client), sent) = (client, sent.clone()) else {
                return;
            };
            std::thread::spawn(move || {
                let mut upstream = std::net::TcpStream::connect(server).unwrap();
                let (mut client_back, mut upstream_back) =
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                // The server's close reaches the client, as it would directly.
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut upstream_back, &mut client_back);
                    let _ = client_back.shutdown(std::net::Shutdown::Both);
                });
                let mut seen = Vec::new();
                let mut buf = [0; 8192];
                while let Ok(n @ 1..) = client.read(&mut buf) {
                    seen.extend_from_slice(&buf[..n]);
                    if upstream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = sent.send(seen);
            });
        }
    });
    (port, received)
}

/// The TypeFlags byte of the first LOGIN7 packet (type 0x10) in `bytes`.
fn login7_type_flags(bytes: &[u8]) -> Option<u8> {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        if bytes[at] == 0x10 {
            // After the 8-byte header: Length, TDSVersion, PacketSize,
            // ClientProgVer, ClientPID, ConnectionID, OptionFlags1 and 2.
            return bytes.get(at + 8 + 26).copied();
        }
        if length < 8 {
            return None;
        }
        at += length;
    }
    None
}

/// `ApplicationIntent=ReadOnly` sets LOGIN7's fReadOnlyIntent bit on the
/// wire (seen plain: the server offers no TLS, so the login is not encrypted).
#[tokio::test]
async fn read_only_intent_reaches_login7() {
    let server = start(builder().encryption(mssql_emulator::Encryption::NotSupported));
    for (params, read_only) in [("ApplicationIntent=ReadOnly", true), ("", false)] {
        let (port, captured) = relay(server.addr());
        let config = Config::from_value(&json!({
            "host": "127.0.0.1", "port": port, "database": "shop", "username": USER,
            "password": PASSWORD, "jdbc_url_params": params, "connect_retry_seconds": 0}))
        .unwrap();
        drop(connect(&config).await.unwrap());
        // The first connection tries login-only TLS; the second goes plain.
        let flags = std::iter::from_fn(|| captured.recv_timeout(Duration::from_secs(10)).ok())
            .find_map(|bytes| login7_type_flags(&bytes))
            .expect("a plain LOGIN7");
        assert_eq!(
            flags & 0x20 != 0,
            read_only,
            "{params}: TypeFlags {flags:#04x}"
        );
    }
}

/// A Singer tap's stdout carries Singer messages only: its retries are
/// logged on stderr alone.
#[test]
fn a_singer_taps_retries_stay_on_stderr() {
    let server = start(builder().fail_logins(2, 40613));
    let path = std::env::temp_dir().join(format!("connect-singer-{}.json", std::process::id()));
    std::fs::write(
        &path,
        json!({"host": "127.0.0.1", "port": server.addr().port(), "database": "shop",
               "username": USER, "password": PASSWORD, "ssl_mode": {"mode": "unencrypted"}})
        .to_string(),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_source-mssql"))
        .args(["--config", path.to_str().unwrap(), "--discover"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    let catalog: serde_json::Value = serde_json::from_str(&stdout).expect("one catalog");
    assert!(catalog["streams"].is_array(), "{stdout}");
    assert!(!stdout.contains("retrying"), "{stdout}");
    assert_eq!(
        stderr.matches("failed (error 40613); retrying").count(),
        2,
        "{stderr}"
    );
}
