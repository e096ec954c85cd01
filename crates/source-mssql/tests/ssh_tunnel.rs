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
use sshd::{keygen, KeyPair, Options, Sshd, SSH_PASSWORD, SSH_USER};
use std::sync::Arc;
use std::time::Duration;
use tiberius::{AuthMethod, EncryptionLevel};
use tokio_util::compat::TokioAsyncWriteCompatExt;

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
    let port = server.addr().port();
    let stream = tunnel.stream("127.0.0.1", port).await.expect("a channel");
    let mut config = tiberius::Config::new();
    config.host("127.0.0.1");
    config.port(port);
    config.database(DATABASE);
    config.authentication(AuthMethod::sql_server(USER, PASSWORD));
    config.encryption(EncryptionLevel::NotSupported);
    let mut client = tiberius::Client::connect(config, stream.compat_write())
        .await
        .expect("login through the tunnel");
    let row = client
        .query("SELECT name FROM items WHERE id = @P1", &[&id])
        .await
        .expect("query")
        .into_row()
        .await
        .expect("a result")
        .expect("a row");
    row.get::<&str, _>(0).expect("a name").to_string()
}

async fn open_err(tunnel: &Tunnel) -> Error {
    match SshTunnel::open(tunnel, TIMEOUT).await {
        Ok(_) => panic!("the tunnel opened: {tunnel:?}"),
        Err(e) => e,
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
        ("rsa", false),
        ("rsa", true),
        ("ed25519", false),
        ("ecdsa", false),
        ("ecdsa", true),
    ]
    .map(|(kind, pem)| (kind, pem, keygen(kind, pem, "")));
    let sshd = Sshd::start(Options {
        authorized: keys.iter().map(|(_, _, k)| k).collect(),
        ..Options::default()
    });
    let server = emulator();
    for (kind, pem, key) in &keys {
        let tunnel = SshTunnel::open(&key_tunnel(&sshd, key, None), TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{kind} (PEM: {pem}): {e}\n{}", sshd.log()));
        assert_eq!(tunnel.host_key_fingerprint(), sshd.host_key.fingerprint);
        assert_eq!(name_of(&tunnel, &server, 2).await, "two", "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_connections_share_one_session() {
    if !sshd::available() {
        return;
    }
    let key = keygen("ed25519", false, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        ..Options::default()
    });
    let server = Arc::new(emulator());
    let tunnel = Arc::new(
        SshTunnel::open(&key_tunnel(&sshd, &key, None), TIMEOUT)
            .await
            .unwrap(),
    );
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
    let log = sshd.log();
    assert_eq!(log.matches("Accepted publickey").count(), 1, "{log}");
}

#[tokio::test]
async fn a_password_logs_in_and_a_wrong_one_is_refused() {
    if !sshd::available() {
        return;
    }
    let sshd = Sshd::start(Options::default());
    let server = emulator();
    let tunnel = SshTunnel::open(&password_tunnel(&sshd, SSH_PASSWORD), TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
    assert_eq!(name_of(&tunnel, &server, 3).await, "three");

    let wrong = "Not-the-password-9";
    let err = open_err(&password_tunnel(&sshd, wrong)).await;
    assert!(
        err.message.contains("refused the password")
            && err.message.contains("`tunnel_method.tunnel_user_password`")
            && err.message.contains(SSH_USER),
        "{}",
        err.message
    );
    assert_no_secret(&err, &[wrong, SSH_PASSWORD]);
}

#[tokio::test]
async fn a_key_the_bastion_does_not_know_is_refused_clearly() {
    if !sshd::available() {
        return;
    }
    let (known, unknown) = (keygen("ed25519", false, ""), keygen("rsa", false, ""));
    let sshd = Sshd::start(Options {
        authorized: vec![&known],
        ..Options::default()
    });
    let err = open_err(&key_tunnel(&sshd, &unknown, None)).await;
    assert!(
        err.message
            .contains("refused the key in `tunnel_method.ssh_key`")
            && err.message.contains(&unknown.fingerprint)
            && err.message.contains("authorized_keys"),
        "{}",
        err.message
    );
    assert_no_secret(&err, &[&unknown.private]);
}

#[tokio::test]
async fn a_pinned_host_key_is_enforced() {
    if !sshd::available() {
        return;
    }
    let key = keygen("ed25519", false, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        ..Options::default()
    });
    let server = emulator();
    // The key line and the fingerprint both pin it.
    for pin in [&sshd.host_key.public, &sshd.host_key.fingerprint] {
        let tunnel = SshTunnel::open(&key_tunnel(&sshd, &key, Some(pin)), TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("pinned by {pin}: {e}"));
        assert_eq!(name_of(&tunnel, &server, 1).await, "one");
    }
    let other = keygen("ed25519", false, "");
    let err = open_err(&key_tunnel(&sshd, &key, Some(&other.public))).await;
    assert!(
        err.message.contains(&sshd.host_key.fingerprint)
            && err.message.contains(&other.fingerprint)
            && err.message.contains("`tunnel_method.known_host_key`"),
        "{}",
        err.message
    );
    // Refused before logging in: only the two pinned tunnels logged in.
    let logins = sshd.log().matches("Accepted publickey").count();
    assert_eq!(logins, 2, "{}", sshd.log());
}

#[tokio::test]
async fn keys_that_cannot_be_used_say_why() {
    if !sshd::available() {
        return;
    }
    let sshd = Sshd::start(Options::default());
    let encrypted = keygen("ed25519", false, "a passphrase");
    let err = open_err(&key_tunnel(&sshd, &encrypted, None)).await;
    assert!(err.message.contains("passphrase"), "{}", err.message);
    assert_no_secret(&err, &[&encrypted.private]);

    let mut truncated = keygen("ecdsa", true, "");
    truncated.private = truncated.private[..truncated.private.len() / 2].to_string();
    let err = open_err(&key_tunnel(&sshd, &truncated, None)).await;
    assert!(
        err.message.contains("OpenSSH form") && err.message.contains("PEM form"),
        "{}",
        err.message
    );
    assert_no_secret(&err, &[&truncated.private]);
}

#[tokio::test]
async fn a_bastion_that_does_not_forward_says_so() {
    if !sshd::available() {
        return;
    }
    let key = keygen("ed25519", false, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        forwarding: false,
    });
    let server = emulator();
    let tunnel = SshTunnel::open(&key_tunnel(&sshd, &key, None), TIMEOUT)
        .await
        .unwrap();
    let port = server.addr().port();
    let Err(err) = tunnel.stream("127.0.0.1", port).await else {
        panic!("AllowTcpForwarding is no")
    };
    assert!(
        err.message.contains("administratively prohibited")
            && err.message.contains("AllowTcpForwarding"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn unreachable_targets_and_bastions_are_named() {
    if !sshd::available() {
        return;
    }
    let key = keygen("ed25519", false, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        ..Options::default()
    });
    let tunnel = SshTunnel::open(&key_tunnel(&sshd, &key, None), TIMEOUT)
        .await
        .unwrap();
    let closed = sshd::free_port();
    let Err(err) = tunnel.stream("127.0.0.1", closed).await else {
        panic!("nothing listens on {closed}")
    };
    assert!(
        err.message.contains(&format!(
            "could not connect to SQL Server at 127.0.0.1:{closed}"
        )),
        "{}",
        err.message
    );

    // No bastion at all.
    let mut nowhere = key_tunnel(&sshd, &key, None);
    if let Tunnel::SshKey { port, .. } = &mut nowhere {
        *port = closed;
    }
    let err = open_err(&nowhere).await;
    assert!(
        err.message.contains(&format!(
            "cannot reach the SSH bastion at 127.0.0.1:{closed}"
        )),
        "{}",
        err.message
    );

    // SQL Server's port given for the bastion's.
    let server = emulator();
    if let Tunnel::SshKey { port, .. } = &mut nowhere {
        *port = server.addr().port();
    }
    let err = open_err(&nowhere).await;
    assert!(err.message.contains("SSH"), "{}", err.message);
    assert!(err.message.contains("tunnel_port"), "{}", err.message);

    // A bastion that accepts the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    if let Tunnel::SshKey { port, .. } = &mut nowhere {
        *port = silent.local_addr().unwrap().port();
    }
    let Err(err) = SshTunnel::open(&nowhere, Duration::from_secs(1)).await else {
        panic!("the bastion never answered")
    };
    assert!(err.message.contains("within 1 s"), "{}", err.message);
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
    if !sshd::available() {
        return;
    }
    let key = keygen("ecdsa", true, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        ..Options::default()
    });
    // SQL Server is reached only through the bastion: the config names
    // the emulator, and sshd connects to it.
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
    // Every connection of both commands went through sshd.
    let log = sshd.log();
    assert_eq!(log.matches("Accepted publickey").count(), 2, "{log}");
}

#[test]
fn the_binary_refuses_a_bastion_with_another_host_key() {
    if !sshd::available() {
        return;
    }
    let key = keygen("ed25519", false, "");
    let sshd = Sshd::start(Options {
        authorized: vec![&key],
        ..Options::default()
    });
    let server = emulator();
    let other = keygen("ed25519", false, "");
    let config = tunnel_config(&server, &sshd, &key, &other.fingerprint);
    let check = common::run(&["check", "--config", &config]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    let status = &check.of_type("CONNECTION_STATUS")[0]["connectionStatus"];
    assert_eq!(status["status"], "FAILED");
    let message = status["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&sshd.host_key.fingerprint) && message.contains(&other.fingerprint),
        "{message}"
    );
    assert_eq!(check.error()["failure_type"], Value::from("config_error"));
    assert_key_hidden(&check, &key);
}
