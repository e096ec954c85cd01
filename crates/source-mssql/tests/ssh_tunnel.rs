//! The SSH tunnel against a real OpenSSH server: every kind of key and a
//! password log in, the driver reaches the emulator through the channels
//! (many at once over one session), each mistake a user can make fails
//! with an error that says what to do and shows no secret, and the real
//! binary runs `check` and `read` through it.

mod common;
mod sshd;

use common::{emulator as emulator_with, DATABASE, PASSWORD, USER};
use mssql_emulator::RunningEmulator;
use serde_json::{json, Value};
use source_mssql::config::{Secret, Tunnel};
use source_mssql::tunnel::{HostKeyPin, SshTunnel};
use source_mssql::Error;
use sshd::{keygen, Form, KeyPair, Options, Sshd, SSH_PASSWORD, SSH_USER};
use std::sync::Arc;
use std::time::Duration;
use tiberius::{AuthMethod, EncryptionLevel, Row, ToSql};
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

const TIMEOUT: Duration = Duration::from_secs(10);

fn emulator() -> RunningEmulator {
    emulator_with(
        "CREATE TABLE dbo.items (id INT PRIMARY KEY, name NVARCHAR(20));\n\
         INSERT INTO dbo.items VALUES (1, N'one'), (2, N'two'), (3, N'three');",
    )
}

fn key_tunnel(sshd: &Sshd, key: &KeyPair, pin: Option<&str>) -> Tunnel {
    Tunnel::SshKey {
        host: "127.0.0.1".into(),
        port: sshd.port,
        user: SSH_USER.into(),
        private_key: Secret::new(key.private.clone()),
        known_host_key: pin.map(|p| HostKeyPin::parse(p).unwrap()),
    }
}

fn password_tunnel(sshd: &Sshd, password: &str) -> Tunnel {
    Tunnel::SshPassword {
        host: "127.0.0.1".into(),
        port: sshd.port,
        user: SSH_USER.into(),
        password: Secret::new(password),
        known_host_key: None,
    }
}

/// Logs in to the emulator through a new channel and reads `items`' name
/// for `id`.
async fn name_of(tunnel: &SshTunnel, server: &RunningEmulator, id: i32) -> String {
    let mut client = client(tunnel, server).await;
    let row = one_row(&mut client, "SELECT name FROM items WHERE id = @P1", &[&id]).await;
    row.get::<&str, _>(0).expect("a name").to_string()
}

/// The one row a query returns.
async fn one_row<S>(client: &mut tiberius::Client<S>, sql: &str, params: &[&dyn ToSql]) -> Row
where
    S: futures_util::AsyncRead + futures_util::AsyncWrite + Unpin + Send,
{
    client
        .query(sql, params)
        .await
        .expect("query")
        .into_row()
        .await
        .expect("a result")
        .expect("a row")
}

type Client = tiberius::Client<Compat<source_mssql::tunnel::TunnelStream>>;

/// A driver logged in to the emulator through a new channel.
async fn client(tunnel: &SshTunnel, server: &RunningEmulator) -> Client {
    let port = server.addr().port();
    let stream = tunnel.stream("127.0.0.1", port).await.expect("a channel");
    let mut config = tiberius::Config::new();
    config.host("127.0.0.1");
    config.port(port);
    config.database(DATABASE);
    config.authentication(AuthMethod::sql_server(USER, PASSWORD));
    config.encryption(EncryptionLevel::NotSupported);
    tiberius::Client::connect(config, stream.compat_write())
        .await
        .expect("login through the tunnel")
}

/// An sshd that knows one fresh Ed25519 key, or None where sshd can't run
/// (never under CI: see `sshd::available`).
fn bastion(forwarding: bool) -> Option<(Sshd, KeyPair)> {
    if !sshd::available() {
        return None;
    }
    let key = keygen("ed25519", Form::OpenSsh, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        forwarding,
        ..Options::default()
    });
    Some((sshd, key))
}

async fn open(tunnel: &Tunnel, sshd: &Sshd) -> SshTunnel {
    SshTunnel::open(tunnel, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("{e}\nsshd: {}", sshd.log()))
}

async fn open_err(tunnel: &Tunnel) -> Error {
    match SshTunnel::open(tunnel, TIMEOUT).await {
        Ok(_) => panic!("the tunnel opened: {tunnel:?}"),
        Err(e) => e,
    }
}

/// The error's message says each of `parts`.
fn assert_says(error: &Error, parts: &[&str]) {
    for part in parts {
        assert!(
            error.message.contains(part),
            "{part:?} is not in: {}",
            error.message
        );
    }
}

/// No part of a secret is in the error.
fn assert_no_secret(error: &Error, secrets: &[&str]) {
    let all = format!("{} {:?}", error.message, error.internal_message);
    for secret in secrets {
        for line in secret
            .lines()
            .filter(|l| l.len() > 8 && !l.starts_with("-----"))
        {
            assert!(!all.contains(line), "the error shows a secret: {all}");
        }
    }
}

#[tokio::test]
async fn each_kind_of_key_reaches_the_server() {
    if !sshd::available() {
        return;
    }
    let keys = [
        ("rsa", Form::OpenSsh),
        ("rsa", Form::Pem),
        ("rsa", Form::Pkcs8),
        ("ed25519", Form::OpenSsh),
        ("ecdsa", Form::OpenSsh),
        ("ecdsa", Form::Pem),
        ("ecdsa", Form::Pkcs8),
    ]
    .map(|(kind, form)| (kind, form, keygen(kind, form, "")));
    let sshd = Sshd::start(Options {
        authorized: keys.iter().map(|(_, _, k)| k).collect(),
        ..Options::default()
    });
    let server = emulator();
    for (kind, form, key) in &keys {
        let tunnel = SshTunnel::open(&key_tunnel(&sshd, key, None), TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{kind} ({form:?}): {e}\n{}", sshd.log()));
        assert_eq!(tunnel.host_key_fingerprint(), sshd.host_key.fingerprint);
        assert_eq!(name_of(&tunnel, &server, 2).await, "two", "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_connections_share_one_session() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    let server = Arc::new(emulator());
    let tunnel = Arc::new(open(&key_tunnel(&sshd, &key, None), &sshd).await);
    let tasks: Vec<_> = (0..12)
        .map(|n| {
            let (tunnel, server) = (tunnel.clone(), server.clone());
            tokio::spawn(async move { name_of(&tunnel, &server, n % 3 + 1).await })
        })
        .collect();
    let mut names = Vec::new();
    for task in tasks {
        names.push(task.await.unwrap());
    }
    let expected: Vec<&str> = (0..12).map(|n| ["one", "two", "three"][n % 3]).collect();
    assert_eq!(names, expected);
    // sshd logs each login: twelve connections were one.
    assert_eq!(sshd.key_logins(), 1, "{}", sshd.log());
}

/// Results and parameters larger than the SSH window (2 MiB) cross the
/// channel both ways, on connections that share the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_values_cross_the_channel_both_ways() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    let server = Arc::new(emulator());
    let tunnel = Arc::new(open(&key_tunnel(&sshd, &key, None), &sshd).await);
    // 3 MB as UTF-16 each way (slow only in debug builds).
    const CHARS: usize = 1_500_000;
    let tasks: Vec<_> = (0..2)
        .map(|n| {
            let (tunnel, server) = (tunnel.clone(), server.clone());
            tokio::spawn(async move {
                let mut client = client(&tunnel, &server).await;
                let sent = "abc".repeat(CHARS / 3) + &n.to_string();
                let sql = "SELECT CAST(LEN(@P1) AS BIGINT), \
                           REPLICATE(CAST(@P2 AS NVARCHAR(MAX)), @P3)";
                let params: [&dyn ToSql; 3] = [&sent.as_str(), &"xyz", &(CHARS as i32 / 3)];
                let row = one_row(&mut client, sql, &params).await;
                let length = row.get::<i64, _>(0);
                let echoed = row.get::<&str, _>(1).expect("a string").to_string();
                (length, echoed)
            })
        })
        .collect();
    for task in tasks {
        // A stalled window would hang here rather than fail.
        let done = tokio::time::timeout(Duration::from_secs(120), task).await;
        let (length, echoed) = done.expect("the transfer stalled").unwrap();
        assert_eq!(length, Some(CHARS as i64 + 1));
        assert_eq!(echoed.len(), CHARS);
        assert!(echoed.starts_with("xyzxyz") && echoed.ends_with("xyz"));
    }
}

#[tokio::test]
async fn a_password_logs_in_and_a_wrong_one_is_refused() {
    if !sshd::available() {
        return;
    }
    let sshd = Sshd::start(Options::default());
    let server = emulator();
    let tunnel = open(&password_tunnel(&sshd, SSH_PASSWORD), &sshd).await;
    assert_eq!(name_of(&tunnel, &server, 3).await, "three");

    let wrong = "Not-the-password-9";
    let err = open_err(&password_tunnel(&sshd, wrong)).await;
    let parts = [
        "refused the password",
        "`tunnel_method.tunnel_user_password`",
    ];
    assert_says(&err, &parts);
    assert_says(&err, &[SSH_USER]);
    assert_no_secret(&err, &[wrong, SSH_PASSWORD]);
}

#[tokio::test]
async fn a_key_the_bastion_does_not_know_is_refused_clearly() {
    let Some((sshd, _known)) = bastion(true) else {
        return;
    };
    let unknown = keygen("rsa", Form::OpenSsh, "");
    let err = open_err(&key_tunnel(&sshd, &unknown, None)).await;
    let parts = [
        "refused the key in `tunnel_method.ssh_key`",
        "authorized_keys",
    ];
    assert_says(&err, &parts);
    assert_says(&err, &[&unknown.fingerprint, SSH_USER]);
    assert_no_secret(&err, &[&unknown.private]);
}

#[tokio::test]
async fn a_pinned_host_key_is_enforced() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    let server = emulator();
    // The key line and the fingerprint both pin it.
    for pin in [&sshd.host_key.public, &sshd.host_key.fingerprint] {
        let tunnel = open(&key_tunnel(&sshd, &key, Some(pin)), &sshd).await;
        assert_eq!(name_of(&tunnel, &server, 1).await, "one");
    }
    let other = keygen("ed25519", Form::OpenSsh, "");
    let err = open_err(&key_tunnel(&sshd, &key, Some(&other.public))).await;
    let fingerprints = [&sshd.host_key.fingerprint, &other.fingerprint];
    assert_says(&err, &fingerprints.map(String::as_str));
    assert_says(&err, &["`tunnel_method.known_host_key`", "ssh-keyscan"]);
    // Refused before logging in: only the two pinned tunnels logged in.
    assert_eq!(sshd.key_logins(), 2, "{}", sshd.log());
}

/// A bastion with an Ed25519 and an RSA host key shows the RSA one when
/// it is the one pinned by its key line.
#[tokio::test]
async fn the_pinned_type_of_host_key_is_asked_for() {
    if !sshd::available() {
        return;
    }
    let key = keygen("ed25519", Form::OpenSsh, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        rsa_host_key: true,
        ..Options::default()
    });
    let rsa = sshd.rsa_host_key.as_ref().expect("an RSA host key");
    // Unpinned, Ed25519 is preferred.
    let tunnel = open(&key_tunnel(&sshd, &key, None), &sshd).await;
    assert_eq!(tunnel.host_key_fingerprint(), sshd.host_key.fingerprint);
    let tunnel = open(&key_tunnel(&sshd, &key, Some(&rsa.public)), &sshd).await;
    assert_eq!(tunnel.host_key_fingerprint(), rsa.fingerprint);
    // A bare fingerprint doesn't say its type; the error names the type shown.
    let err = open_err(&key_tunnel(&sshd, &key, Some(&rsa.fingerprint))).await;
    let shown = format!("ssh-ed25519 host key {}", sshd.host_key.fingerprint);
    assert_says(&err, &[&shown, &rsa.fingerprint]);
}

#[tokio::test]
async fn keys_that_cannot_be_used_say_why() {
    let Some((sshd, _)) = bastion(true) else {
        return;
    };
    let encrypted = keygen("ed25519", Form::OpenSsh, "a passphrase");
    let err = open_err(&key_tunnel(&sshd, &encrypted, None)).await;
    assert_says(&err, &["passphrase", "ssh-keygen -p"]);
    assert_no_secret(&err, &[&encrypted.private]);

    let mut truncated = keygen("ecdsa", Form::Pem, "");
    truncated.private = truncated.private[..truncated.private.len() / 2].to_string();
    let err = open_err(&key_tunnel(&sshd, &truncated, None)).await;
    assert_says(&err, &["OpenSSH form", "PEM form"]);
    assert_no_secret(&err, &[&truncated.private]);
}

#[tokio::test]
async fn a_bastion_that_does_not_forward_says_so() {
    let Some((sshd, key)) = bastion(false) else {
        return;
    };
    let server = emulator();
    let tunnel = open(&key_tunnel(&sshd, &key, None), &sshd).await;
    let Err(err) = tunnel.stream("127.0.0.1", server.addr().port()).await else {
        panic!("AllowTcpForwarding is no")
    };
    assert_says(&err, &["administratively prohibited", "AllowTcpForwarding"]);
}

#[tokio::test]
async fn unreachable_targets_and_bastions_are_named() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    let tunnel = open(&key_tunnel(&sshd, &key, None), &sshd).await;
    let closed = sshd::free_port();
    let Err(err) = tunnel.stream("127.0.0.1", closed).await else {
        panic!("nothing listens on {closed}")
    };
    let expected = format!("could not connect to SQL Server at 127.0.0.1:{closed}");
    assert_says(&err, &[&expected]);

    let mut elsewhere = key_tunnel(&sshd, &key, None);
    let mut bastion_at = |port: u16| {
        if let Tunnel::SshKey { port: p, .. } = &mut elsewhere {
            *p = port;
        }
        elsewhere.clone()
    };
    // No bastion at all.
    let err = open_err(&bastion_at(closed)).await;
    let expected = format!("cannot reach the SSH bastion at 127.0.0.1:{closed}");
    assert_says(&err, &[&expected]);

    // SQL Server's port given for the bastion's.
    let server = emulator();
    let err = open_err(&bastion_at(server.addr().port())).await;
    assert_says(&err, &["SSH", "tunnel_port"]);

    // A bastion that accepts the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = bastion_at(silent.local_addr().unwrap().port());
    let Err(err) = SshTunnel::open(&silent, Duration::from_secs(1)).await else {
        panic!("the bastion never answered")
    };
    assert_says(&err, &["within 1 s"]);
}

/// The connector's own path: one `Connector` opens the tunnel once, each
/// connection is a channel, and TLS (strict, verifying the certificate)
/// runs inside the channel with the server's own name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_shares_its_tunnel_and_keeps_tls_end_to_end() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    let server = mssql_emulator::Emulator::builder()
        .encryption(mssql_emulator::Encryption::Strict)
        .login(USER, PASSWORD)
        .database(DATABASE)
        .start("127.0.0.1:0")
        .expect("the emulator starts");
    let tunnel = json!({"tunnel_method": "SSH_KEY_AUTH", "tunnel_host": "127.0.0.1",
                        "tunnel_port": sshd.port, "tunnel_user": SSH_USER,
                        "ssh_key": key.private});
    let ssl_mode = json!({"mode": "encrypted_strict", "certificate": server.certificate_pem()});
    let config = common::config_value(
        &server,
        json!({"tunnel_method": tunnel, "ssl_mode": ssl_mode}),
    );
    let config = source_mssql::config::Config::from_value(&config).unwrap();
    let connector = source_mssql::connection::Connector::open(&config)
        .await
        .unwrap_or_else(|e| panic!("{e}\nsshd: {}", sshd.log()));
    assert_eq!(
        connector.tunnel_host_key(),
        Some(sshd.host_key.fingerprint.as_str())
    );
    let sessions = (0..4).map(|n| {
        let connector = &connector;
        async move {
            let mut client = connector.connect().await.expect("a connection");
            one_row(&mut client, "SELECT @P1 * 10", &[&n])
                .await
                .get::<i32, _>(0)
        }
    });
    let answers = futures_util::future::join_all(sessions).await;
    assert_eq!(answers, vec![Some(0), Some(10), Some(20), Some(30)]);
    assert_eq!(sshd.key_logins(), 1, "{}", sshd.log());
}

/// A server that refuses the bastion's connection at first (restarting,
/// failing over) is retried as a refused TCP connection is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_server_behind_the_bastion_is_retried() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    let port = sshd::free_port();
    let config = json!({"host": "127.0.0.1", "port": port, "database": DATABASE,
        "username": USER, "password": PASSWORD, "ssl_mode": {"mode": "unencrypted"},
        "connect_retry_seconds": 30,
        "tunnel_method": {"tunnel_method": "SSH_KEY_AUTH", "tunnel_host": "127.0.0.1",
                          "tunnel_port": sshd.port, "tunnel_user": SSH_USER,
                          "ssh_key": key.private}});
    let config = source_mssql::config::Config::from_value(&config).unwrap();
    let connector = source_mssql::connection::Connector::open(&config)
        .await
        .unwrap();
    // The server comes up a second after the first try.
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        mssql_emulator::Emulator::builder()
            .login(USER, PASSWORD)
            .database(DATABASE)
            .start(("127.0.0.1", port))
            .expect("the emulator starts")
    });
    let mut client = connector
        .connect()
        .await
        .unwrap_or_else(|e| panic!("retried until the server came up: {e}"));
    let row = client
        .simple_query("SELECT 7")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap();
    assert_eq!(row.and_then(|r| r.get::<i32, _>(0)), Some(7));
    drop(client);
    drop(late.join().unwrap());
    // The refusals were seen by sshd: the retries went through the tunnel.
    let log = sshd.log();
    let refusal = format!("connect_to 127.0.0.1 port {port}: failed");
    assert!(log.contains(&refusal), "{log}");
}

/// The binary's config for the emulator through the bastion.
fn tunnel_config(server: &RunningEmulator, sshd: &Sshd, key: &KeyPair, pin: &str) -> String {
    let tunnel = json!({"tunnel_method": "SSH_KEY_AUTH", "tunnel_host": "127.0.0.1",
                        "tunnel_port": sshd.port, "tunnel_user": SSH_USER,
                        "ssh_key": key.private, "known_host_key": pin});
    common::config(server, json!({"tunnel_method": tunnel}))
}

/// Stdout and stderr show no line of the private key.
fn assert_key_hidden(run: &common::Run, key: &KeyPair) {
    for line in key.private.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!run.stdout.contains(line), "stdout shows the key");
        assert!(!run.stderr.contains(line), "stderr shows the key");
    }
}

#[test]
fn the_binary_checks_and_reads_through_the_tunnel() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    // The config names the emulator as SQL Server; sshd connects to it.
    let server = emulator();
    let config = tunnel_config(&server, &sshd, &key, &sshd.host_key.public);

    let check = common::run(&["check", "--config", &config]);
    check.assert_success();
    let status = &check.of_type("CONNECTION_STATUS")[0]["connectionStatus"];
    assert_eq!(status, &json!({"status": "SUCCEEDED"}));
    assert_key_hidden(&check, &key);
    // The fingerprint is logged once, for a pin.
    let note = format!("the bastion's host key is {}", sshd.host_key.fingerprint);
    assert_eq!(check.stderr.matches(&note).count(), 1, "{}", check.stderr);
    // And on stdout as a LOG message: an orchestrator may drop stderr.
    let logged: Vec<Value> = check
        .of_type("LOG")
        .into_iter()
        .filter(|m| {
            m["log"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&note)
        })
        .collect();
    assert_eq!(logged.len(), 1, "{}", check.stdout);
    assert_eq!(logged[0]["log"]["level"], "INFO");

    let catalog = common::catalog(&[("dbo", "items", "full_refresh", None)]);
    let read = common::run(&["read", "--config", &config, "--catalog", &catalog]);
    read.assert_success();
    assert_eq!(
        read.records(),
        vec![
            json!({"id": 1, "name": "one"}),
            json!({"id": 2, "name": "two"}),
            json!({"id": 3, "name": "three"}),
        ]
    );
    assert_key_hidden(&read, &key);
    // Both commands went through sshd, one session each.
    assert_eq!(sshd.key_logins(), 2, "{}", sshd.log());
}

#[test]
fn the_binary_refuses_a_bastion_with_another_host_key() {
    let Some((sshd, key)) = bastion(true) else {
        return;
    };
    let server = emulator();
    let other = keygen("ed25519", Form::OpenSsh, "");
    let config = tunnel_config(&server, &sshd, &key, &other.fingerprint);
    let check = common::run(&["check", "--config", &config]);
    // A check that says no: FAILED, exit code 0.
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert!(check.traces("ERROR").is_empty(), "{}", check.stdout);
    let status = &check.of_type("CONNECTION_STATUS")[0]["connectionStatus"];
    assert_eq!(status["status"], "FAILED");
    let message = status["message"].as_str().unwrap_or_default();
    for fingerprint in [&sshd.host_key.fingerprint, &other.fingerprint] {
        assert!(message.contains(fingerprint.as_str()), "{message}");
    }
    assert!(message.contains("tunnel_method"), "{message}");
    assert_key_hidden(&check, &key);
}
