//! Each `ssl_mode` against each of the emulator's encryption settings, over
//! TCP through `connect()`, and the certificate problems a user meets:
//! an unknown issuer, a wrong name (fixed by `hostNameInCertificate`) and an
//! expired certificate, each said with its fix.

use mssql_emulator::{Emulator, Encryption, RunningEmulator};
use serde_json::{json, Value};
use source_mssql::config::Config;
use source_mssql::connection::connect;

const USER: &str = "reader";
const PASSWORD: &str = "Tls-Pa55-never-shown";

fn server(encryption: Encryption) -> RunningEmulator {
    server_with(Emulator::builder().encryption(encryption))
}

fn server_with(builder: mssql_emulator::EmulatorBuilder) -> RunningEmulator {
    builder
        .login(USER, PASSWORD)
        .database("shop")
        .start("127.0.0.1:0")
        .expect("the emulator starts")
}

fn config(server: &RunningEmulator, ssl_mode: Value) -> Config {
    Config::from_value(&json!({
        "host": "127.0.0.1", "port": server.addr().port(), "database": "shop",
        "username": USER, "password": PASSWORD, "ssl_mode": ssl_mode,
        "jdbc_url_params": "loginTimeout=5", "connect_retry_seconds": 0}))
    .expect("a valid config")
}

/// Logs in and runs a query; the error's message otherwise.
async fn session(config: &Config) -> Result<(), String> {
    let mut client = connect(config).await.map_err(|e| {
        assert!(!e.message.contains(PASSWORD), "{}", e.message);
        eprintln!("driver: {:?}", e.internal_message);
        e.message
    })?;
    let row = client
        .simple_query("SELECT 41 + 1")
        .await
        .map_err(|e| e.to_string())?
        .into_row()
        .await
        .map_err(|e| e.to_string())?
        .expect("a row");
    assert_eq!(row.get::<i32, _>(0), Some(42));
    Ok(())
}

/// A verifying mode trusting `pem` (none when the server has no TLS).
fn verify(mode: &str, pem: &str) -> Value {
    let pem = (!pem.is_empty()).then_some(pem);
    json!({"mode": mode, "certificate": pem})
}

#[tokio::test]
async fn every_mode_against_every_server_setting() {
    use Encryption::*;
    for encryption in [NotSupported, Off, Required, Strict] {
        let server = server(encryption);
        let pem = server.certificate_pem();
        let modes = [
            // A server without TLS gets the login in the clear, as from the JDBC driver.
            (
                "unencrypted",
                json!({"mode": "unencrypted"}),
                [true, true, true, false],
            ),
            (
                "trust",
                json!({"mode": "encrypted_trust_server_certificate"}),
                [false, true, true, false],
            ),
            (
                "verify",
                verify("encrypted_verify_certificate", &pem),
                [false, true, true, false],
            ),
            (
                "strict",
                verify("encrypted_strict", &pem),
                [false, true, true, true],
            ),
        ];
        let column = [NotSupported, Off, Required, Strict]
            .iter()
            .position(|e| *e == encryption)
            .unwrap();
        for (name, mode, works) in modes {
            let result = session(&config(&server, mode)).await;
            assert_eq!(
                result.is_ok(),
                works[column],
                "{name} against {encryption:?}: {result:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_issuer_says_to_give_the_certificate() {
    let server = server(Encryption::Required);
    for mode in ["encrypted_verify_certificate", "encrypted_strict"] {
        let err = session(&config(&server, json!({"mode": mode})))
            .await
            .expect_err("the emulator's self-signed certificate is in no system store");
        assert!(
            err.contains("not signed by a CA this machine trusts"),
            "{mode}: {err}"
        );
        assert!(err.contains("`ssl_mode.certificate`"), "{mode}: {err}");
    }
}

/// A self-signed certificate and its key, for `name`.
fn identity(name: &str, expired: bool) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2001, 1, 1);
        params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    }
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn a_wrong_name_is_fixed_by_host_name_in_certificate() {
    let (cert, key) = identity("sql.test", false);
    let server = server_with(
        Emulator::builder()
            .encryption(Encryption::Required)
            .tls_identity(&cert, &key),
    );
    for mode in ["encrypted_verify_certificate", "encrypted_strict"] {
        let err = session(&config(&server, verify(mode, &cert)))
            .await
            .expect_err("the certificate is for sql.test, not 127.0.0.1");
        assert!(
            err.contains("not issued for the name connected to"),
            "{err}"
        );
        assert!(err.contains("sql.test"), "{err}");
        assert!(err.contains("`hostNameInCertificate`"), "{err}");
        let fixed = json!({"mode": mode, "certificate": cert,
                           "hostNameInCertificate": "sql.test"});
        session(&config(&server, fixed))
            .await
            .unwrap_or_else(|e| panic!("{mode} with hostNameInCertificate: {e}"));
    }
}

#[tokio::test]
async fn an_expired_certificate_is_named() {
    let (cert, key) = identity("127.0.0.1", true);
    let server = server_with(
        Emulator::builder()
            .encryption(Encryption::Required)
            .tls_identity(&cert, &key),
    );
    let err = session(&config(
        &server,
        verify("encrypted_verify_certificate", &cert),
    ))
    .await
    .expect_err("the certificate expired in 2002");
    assert!(err.contains("has expired"), "{err}");
    // Trusting the server's certificate is the escape hatch the message names.
    assert!(err.contains("encrypted_trust_server_certificate"), "{err}");
    session(&config(
        &server,
        json!({"mode": "encrypted_trust_server_certificate"}),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn jdbc_encrypt_strict_reaches_a_strict_server() {
    let server = server(Encryption::Strict);
    let config = Config::from_value(&json!({
        "host": "127.0.0.1", "port": server.addr().port(), "database": "shop",
        "username": USER, "password": PASSWORD, "connect_retry_seconds": 0,
        "jdbc_url_params": "encrypt=strict&hostNameInCertificate=localhost",
        "ssl_mode": {"mode": "encrypted_strict", "certificate": server.certificate_pem()}}))
    .unwrap();
    session(&config).await.unwrap();
}

/// The hint a client gets from a server that requires TDS 8.0 strict
/// encryption when it asked for anything else.
const NEEDS_STRICT: &str =
    "the server may require TDS 8.0 strict encryption: set `ssl_mode` to `encrypted_strict`";

/// A server that requires strict encryption refuses a plain PRELOGIN (today
/// that reads "failed to fill whole buffer"): every other mode is told to
/// use `encrypted_strict`, which then works.
#[tokio::test]
async fn a_strict_server_says_to_use_encrypted_strict() {
    let server = server(Encryption::Strict);
    let pem = server.certificate_pem();
    for mode in [
        json!({"mode": "unencrypted"}),
        json!({"mode": "encrypted_trust_server_certificate"}),
        verify("encrypted_verify_certificate", &pem),
    ] {
        let err = session(&config(&server, mode.clone()))
            .await
            .expect_err("a plain PRELOGIN is refused");
        assert!(err.contains(NEEDS_STRICT), "{mode}: {err}");
    }
    session(&config(&server, verify("encrypted_strict", &pem)))
        .await
        .unwrap();
}

/// What a server before SQL Server 2022 does with a TLS ClientHello: its
/// first byte, 22 (a TLS handshake record), is no TDS packet type, and
/// MS-TDS 2.2.3.1.1 says the receiver of an unknown type should disconnect.
/// Some answer with TDS anyway; `answer` sends a PRELOGIN response first.
fn pre_2022_server(answer: bool) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            let mut header = [0u8; 8];
            if socket.read_exact(&mut header).is_err() {
                continue;
            }
            assert_eq!(header[0], 22, "a strict client sends a ClientHello first");
            if answer {
                // PRELOGIN response: VERSION 15.0.2000, ENCRYPTION off.
                let payload = [
                    0x00, 0x00, 0x0B, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xFF, 0x0F, 0x00,
                    0x07, 0xD0, 0x00, 0x00, 0x00,
                ];
                let mut packet = vec![0x04, 0x01, 0x00, 8 + payload.len() as u8, 0, 0, 1, 0];
                packet.extend_from_slice(&payload);
                let _ = socket.write_all(&packet);
            }
            // Hang up, the rest of the ClientHello unread.
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    });
    port
}

#[tokio::test]
async fn a_pre_2022_server_says_to_leave_encrypted_strict() {
    for answer in [false, true] {
        let port = pre_2022_server(answer);
        let config = Config::from_value(&json!({
            "host": "127.0.0.1", "port": port, "database": "shop", "username": USER,
            "password": PASSWORD, "ssl_mode": {"mode": "encrypted_strict"},
            "jdbc_url_params": "loginTimeout=5", "connect_retry_seconds": 0}))
        .unwrap();
        let err = session(&config).await.expect_err("no TDS 8.0 there");
        assert!(
            err.contains("the server may not support TDS 8.0 strict encryption"),
            "answer={answer}: {err}"
        );
        assert!(
            err.contains("set `ssl_mode` to `encrypted_verify_certificate`"),
            "answer={answer}: {err}"
        );
    }
}

/// An encrypted mode against a server with no TLS at all is the user's to
/// fix, said as the key (it was "the SQL Server driver failed").
#[tokio::test]
async fn a_server_without_tls_names_ssl_mode() {
    let server = server(Encryption::NotSupported);
    for mode in [
        "encrypted_trust_server_certificate",
        "encrypted_verify_certificate",
    ] {
        let err = session(&config(&server, json!({"mode": mode})))
            .await
            .expect_err("no TLS there");
        assert!(err.contains("offers no encryption"), "{mode}: {err}");
        assert!(
            err.contains("set `ssl_mode` to `unencrypted`"),
            "{mode}: {err}"
        );
    }
}

/// The other way a strict server can meet a plain PRELOGIN: its TLS stack
/// reads the PRELOGIN as a malformed ClientHello and answers with TLS, a
/// fatal alert record (21, unexpected_message) or the start of a handshake
/// record (22): no TDS packet type. A listener that reads the PRELOGIN and
/// answers so.
fn tls_answering_server(answer: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            let mut header = [0u8; 8];
            if socket.read_exact(&mut header).is_err() {
                continue;
            }
            assert_eq!(header[0], 0x12, "a plain PRELOGIN");
            let length = u16::from_be_bytes([header[2], header[3]]) as usize;
            let mut payload = vec![0u8; length - 8];
            let _ = socket.read_exact(&mut payload);
            let _ = socket.write_all(answer);
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    });
    port
}

#[tokio::test]
async fn a_tls_answer_to_a_plain_prelogin_says_to_use_encrypted_strict() {
    const ALERT: &[u8] = &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0A];
    const HANDSHAKE: &[u8] = &[0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00];
    for answer in [ALERT, HANDSHAKE] {
        let port = tls_answering_server(answer);
        for mode in ["unencrypted", "encrypted_trust_server_certificate"] {
            let config = Config::from_value(&json!({
                "host": "127.0.0.1", "port": port, "database": "shop", "username": USER,
                "password": PASSWORD, "ssl_mode": {"mode": mode},
                "jdbc_url_params": "loginTimeout=5", "connect_retry_seconds": 0}))
            .unwrap();
            let err = session(&config).await.expect_err("no TDS there");
            assert!(
                err.contains("answered the PRELOGIN with no TDS packet"),
                "{err}"
            );
            assert!(err.contains(NEEDS_STRICT), "{answer:?} {mode}: {err}");
        }
    }
}
