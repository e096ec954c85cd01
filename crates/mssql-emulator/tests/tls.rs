//! TLS against the emulator, with tiberius (rustls, TDS 8.0) as the client: every server
//! encryption mode against every client setting, login-only encryption seen on the wire,
//! certificates checked by the client, and clients refused for not encrypting.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

mod common;

use common::client::{config, connect_with, encrypted, first_row, Conn};
use mssql_emulator::{Emulator, Encryption, RunningEmulator};
use tiberius::{Config, EncryptionLevel};

const PASSWORD: &str = "Tls-Secret-9";

fn start(encryption: Encryption) -> RunningEmulator {
    Emulator::builder()
        .login("sa", PASSWORD)
        .encryption(encryption)
        .start("127.0.0.1:0")
        .unwrap()
}

fn client_config(addr: SocketAddr, level: EncryptionLevel) -> Config {
    encrypted(config(addr, "sa", PASSWORD, None), level)
}

async fn select_marker(client: &mut Conn, marker: &str) -> String {
    let row = first_row(client, &format!("SELECT N'{marker}'")).await;
    row.get::<&str, _>(0).unwrap().to_string()
}

/// Connects and runs a query: `Ok` when both work, the error's text otherwise.
async fn try_session(config: Config) -> Result<(), String> {
    let mut client = connect_with(config).await.map_err(|e| e.to_string())?;
    let got = select_marker(&mut client, "ok").await;
    assert_eq!(got, "ok");
    Ok(())
}

#[tokio::test]
async fn every_server_mode_against_every_client_setting() {
    use EncryptionLevel as C;
    // What tiberius does with each PRELOGIN answer (MS-TDS 2.2.6.5): a server without TLS
    // serves only clients that do not ask for it (tiberius's Off reads NOT_SUP as "go on
    // with TLS" and fails); `required` refuses a client that cannot encrypt; `strict`
    // serves TDS 8.0 clients only, and the other modes serve them too (as SQL Server 2022).
    let table: [(Encryption, [(C, bool); 5]); 4] = [
        (
            Encryption::NotSupported,
            [
                (C::NotSupported, true),
                (C::Off, false),
                (C::On, false),
                (C::Required, false),
                (C::Strict, false),
            ],
        ),
        (
            Encryption::Off,
            [
                (C::NotSupported, true),
                (C::Off, true),
                (C::On, true),
                (C::Required, true),
                (C::Strict, true),
            ],
        ),
        (
            Encryption::Required,
            [
                (C::NotSupported, false),
                (C::Off, true),
                (C::On, true),
                (C::Required, true),
                (C::Strict, true),
            ],
        ),
        (
            Encryption::Strict,
            [
                (C::NotSupported, false),
                (C::Off, false),
                (C::On, false),
                (C::Required, false),
                (C::Strict, true),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (mode, clients) in table {
        let server = start(mode);
        for (level, works) in clients {
            let outcome = try_session(client_config(server.addr(), level)).await;
            if outcome.is_ok() != works {
                wrong.push(format!("server {mode:?}, client {level:?}: {outcome:?}"));
            }
        }
        // The server is still up and serving after the refusals.
        let level = if mode == Encryption::Strict {
            C::Strict
        } else {
            C::Required
        };
        if mode != Encryption::NotSupported {
            try_session(client_config(server.addr(), level))
                .await
                .unwrap();
        }
    }
    assert!(
        wrong.is_empty(),
        "unexpected outcomes:\n{}",
        wrong.join("\n")
    );
}

/// A TCP relay that keeps every byte each way, to see what travels in clear.
struct Capture {
    addr: SocketAddr,
    to_server: Arc<Mutex<Vec<u8>>>,
    to_client: Arc<Mutex<Vec<u8>>>,
}

impl Capture {
    fn relay(server: SocketAddr) -> Capture {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let to_server = Arc::new(Mutex::new(Vec::new()));
        let to_client = Arc::new(Mutex::new(Vec::new()));
        let (up, down) = (Arc::clone(&to_server), Arc::clone(&to_client));
        thread::spawn(move || {
            let (client, _) = listener.accept().unwrap();
            let upstream = TcpStream::connect(server).unwrap();
            let pump = |mut from: TcpStream, mut to: TcpStream, log: Arc<Mutex<Vec<u8>>>| {
                thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    // Kept before it is passed on, so whatever the far end has
                    // seen (and answered) is already in the log.
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                })
            };
            pump(
                client.try_clone().unwrap(),
                upstream.try_clone().unwrap(),
                up,
            );
            pump(upstream, client, down);
        });
        Capture {
            addr,
            to_server,
            to_client,
        }
    }

    fn client_sent(&self, needle: &[u8]) -> bool {
        contains(&self.to_server.lock().unwrap(), needle)
    }

    fn server_sent(&self, needle: &[u8]) -> bool {
        contains(&self.to_client.lock().unwrap(), needle)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The password as LOGIN7 carries it (MS-TDS's obfuscation), to look for on the wire.
fn obfuscated(password: &str) -> Vec<u8> {
    utf16(password)
        .iter()
        .map(|b| b.rotate_left(4) ^ 0xA5)
        .collect()
}

/// Connects through a capture with this client setting and runs a query naming `marker`.
async fn captured_session(
    server: &RunningEmulator,
    level: EncryptionLevel,
    marker: &str,
) -> Capture {
    let capture = Capture::relay(server.addr());
    let mut config = client_config(server.addr(), level);
    config.port(capture.addr.port());
    let mut client = connect_with(config).await.unwrap();
    assert_eq!(select_marker(&mut client, marker).await, marker);
    drop(client);
    capture
}

#[tokio::test]
async fn login_only_encryption_hides_the_login_and_then_goes_plain() {
    let server = start(Encryption::Off);
    let capture = captured_session(&server, EncryptionLevel::Off, "plain-after-login").await;
    assert!(
        !capture.client_sent(&obfuscated(PASSWORD)),
        "the LOGIN7 went out in clear"
    );
    assert!(
        capture.client_sent(&utf16("SELECT N'plain-after-login'")),
        "the query after login should travel as plain TDS"
    );
    assert!(
        capture.server_sent(&utf16("plain-after-login")),
        "the result after login should travel as plain TDS"
    );
    // The login response is plain too: LOGINACK names the server program in clear.
    assert!(capture.server_sent(&utf16("Microsoft SQL Server")));

    // The same capture sees everything in clear without TLS (so it can see at all)...
    let plain = captured_session(&server, EncryptionLevel::NotSupported, "no-tls").await;
    assert!(plain.client_sent(&obfuscated(PASSWORD)));
    assert!(plain.client_sent(&utf16("SELECT N'no-tls'")));
    // ...and nothing once the client asks for full encryption.
    let full = captured_session(&server, EncryptionLevel::On, "all-encrypted").await;
    assert!(!full.client_sent(&obfuscated(PASSWORD)));
    assert!(!full.client_sent(&utf16("all-encrypted")));
    assert!(!full.server_sent(&utf16("all-encrypted")));
    assert!(!full.server_sent(&utf16("Microsoft SQL Server")));
}

#[tokio::test]
async fn strict_encryption_hides_everything_from_the_first_byte() {
    let server = start(Encryption::Strict);
    let capture = captured_session(&server, EncryptionLevel::Strict, "strict-marker").await;
    assert!(!capture.client_sent(&obfuscated(PASSWORD)));
    assert!(!capture.client_sent(&utf16("strict-marker")));
    assert!(!capture.server_sent(&utf16("strict-marker")));
    // The first byte is a TLS handshake record, not a PRELOGIN packet.
    assert_eq!(capture.to_server.lock().unwrap()[0], 0x16);
}

#[tokio::test]
async fn a_client_that_cannot_encrypt_is_refused_by_required_and_strict() {
    for mode in [Encryption::Required, Encryption::Strict] {
        let server = start(mode);
        let outcome =
            try_session(client_config(server.addr(), EncryptionLevel::NotSupported)).await;
        assert!(outcome.is_err(), "{mode:?} served a client without TLS");
        // The refusal happened before any LOGIN7 was read.
        assert_eq!(server.login_attempts(), 0, "{mode:?}");
    }
}

/// A client that verifies the certificate against `ca_pem` only (plus the system roots,
/// which know nothing of test certificates).
fn verifying(addr: SocketAddr, level: EncryptionLevel, ca_pem: &str) -> Config {
    let mut config = config(addr, "sa", PASSWORD, None);
    config.encryption(level);
    config.trust_cert_ca_bundle(ca_pem.as_bytes().to_vec());
    config.handshake_timeout(Some(Duration::from_secs(10)));
    config
}

fn other_certificate() -> String {
    rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .cert
        .pem()
}

#[tokio::test]
async fn the_client_checks_the_self_signed_certificate() {
    let server = start(Encryption::Required);
    let pem = server.certificate_pem();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    for level in [EncryptionLevel::Required, EncryptionLevel::Strict] {
        try_session(verifying(server.addr(), level, &pem))
            .await
            .unwrap_or_else(|e| panic!("{level:?} trusting the served certificate: {e}"));
        let err = try_session(verifying(server.addr(), level, &other_certificate()))
            .await
            .expect_err("a certificate from another CA must be rejected");
        assert!(
            err.to_lowercase().contains("certificate"),
            "{level:?}: {err}"
        );
    }
    // A fresh emulator makes a fresh certificate: the first one does not vouch for it.
    let second = start(Encryption::Required);
    assert_ne!(second.certificate_pem(), pem);
    assert!(
        try_session(verifying(second.addr(), EncryptionLevel::Required, &pem))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_given_certificate_signed_by_a_ca_is_served() {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "emulator test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &*ca)
        .unwrap();
    let server = Emulator::builder()
        .login("sa", PASSWORD)
        .encryption(Encryption::Required)
        .tls_identity(&leaf.pem(), &leaf_key.serialize_pem())
        .start("127.0.0.1:0")
        .unwrap();
    assert_eq!(server.certificate_pem(), leaf.pem());
    let mut config = verifying(server.addr(), EncryptionLevel::Required, &ca.pem());
    // The leaf names localhost only: verified by that name.
    config.host("localhost");
    try_session(config).await.unwrap();
    // By IP the name does not match, and the client says so.
    let err = try_session(verifying(
        server.addr(),
        EncryptionLevel::Required,
        &ca.pem(),
    ))
    .await
    .unwrap_err();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
}

#[test]
fn a_bad_key_stops_the_start_with_a_clear_error() {
    let cert = other_certificate();
    let err = Emulator::builder()
        .login("sa", PASSWORD)
        .tls_identity(
            &cert,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .start("127.0.0.1:0")
        .err()
        .expect("a broken key must not start");
    assert!(err.to_string().contains("key"), "{err}");
}
