//! Encryption against the emulator: every server mode against every client setting, the
//! channel each settles on, certificates checked (a PEM, `hostNameInCertificate`, a wrong
//! name refused), TDS 8.0 strict, and the clear errors where the two sides cannot agree.

mod common;

use common::{client, config, try_connect, PASSWORD, USER};
use mssql_emulator::{Emulator, Encryption as Server, RunningEmulator};
use tds_client::{Channel, Config, Encryption as Client, Error, Trust, Value};

fn start(encryption: Server) -> RunningEmulator {
    Emulator::builder()
        .login(USER, PASSWORD)
        .database("shop")
        .encryption(encryption)
        .start("127.0.0.1:0")
        .unwrap()
}

async fn works(server: &RunningEmulator, config: &Config) -> Channel {
    let mut client = client(server, config).await;
    let rows = client
        .batch("SELECT N'ok'")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::String("ok".into())]]);
    client.channel()
}

fn trusting(encryption: Client) -> Config {
    let mut config = config(encryption);
    config.trust = Trust::Any;
    config
}

#[tokio::test]
async fn each_server_mode_with_each_client_setting() {
    let cases = [
        (Server::Off, Client::Off, Some(Channel::LoginOnly)),
        (Server::Off, Client::On, Some(Channel::Encrypted)),
        (Server::Off, Client::NotSupported, Some(Channel::Plain)),
        (Server::Off, Client::Strict, Some(Channel::Strict)),
        (Server::Required, Client::Off, Some(Channel::Encrypted)),
        (Server::Required, Client::On, Some(Channel::Encrypted)),
        (Server::Required, Client::NotSupported, None),
        (Server::NotSupported, Client::Off, Some(Channel::Plain)),
        (Server::NotSupported, Client::On, None),
        (
            Server::NotSupported,
            Client::NotSupported,
            Some(Channel::Plain),
        ),
        (Server::NotSupported, Client::Strict, None),
        (Server::Strict, Client::Strict, Some(Channel::Strict)),
        (Server::Strict, Client::Off, None),
    ];
    for (server_mode, client_mode, expected) in cases {
        let server = start(server_mode);
        let config = trusting(client_mode);
        match expected {
            Some(channel) => assert_eq!(
                works(&server, &config).await,
                channel,
                "{server_mode:?} / {client_mode:?}"
            ),
            None => {
                let result = try_connect(&server, &config).await;
                assert!(
                    result.is_err(),
                    "{server_mode:?} / {client_mode:?} connected"
                );
            }
        }
    }
}

#[tokio::test]
async fn disagreements_are_said_clearly() {
    let server = start(Server::NotSupported);
    let Err(Error::Encryption(text)) = try_connect(&server, &trusting(Client::On)).await else {
        panic!("a client requiring TLS connected to a server without it");
    };
    assert!(text.contains("offers none"), "{text}");

    let server = start(Server::Required);
    let Err(Error::Encryption(text)) = try_connect(&server, &trusting(Client::NotSupported)).await
    else {
        panic!("a client that cannot encrypt connected to a server requiring it");
    };
    assert!(text.contains("requires encryption"), "{text}");

    // A strict server drops a plain PRELOGIN: the error says what it may mean.
    let server = start(Server::Strict);
    let error = try_connect(&server, &trusting(Client::Off))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("TDS 8.0 strict"), "{error}");
}

#[tokio::test]
async fn certificates_are_verified_against_a_pem_and_a_name() {
    let server = start(Server::Required);
    let pem = server.certificate_pem();
    let verify = |name: Option<&str>| {
        let mut config = config(Client::On);
        config.trust = Trust::Verify {
            ca_pem: Some(pem.clone()),
            host_name_in_certificate: name.map(str::to_string),
        };
        config
    };
    assert_eq!(works(&server, &verify(None)).await, Channel::Encrypted);
    let mut by_ip = verify(None);
    by_ip.host = "127.0.0.1".into();
    assert_eq!(works(&server, &by_ip).await, Channel::Encrypted);
    assert_eq!(
        works(&server, &verify(Some("localhost"))).await,
        Channel::Encrypted
    );

    let Err(Error::Tls(text)) = try_connect(&server, &verify(Some("db.example.com"))).await else {
        panic!("a certificate for another name was accepted");
    };
    assert!(text.contains("certificate"), "{text}");

    // Without the PEM the self-signed certificate is not trusted.
    let Err(Error::Tls(_)) = try_connect(&server, &config(Client::On)).await else {
        panic!("an untrusted certificate was accepted");
    };

    // Strict mode verifies the same way.
    let strict = start(Server::Strict);
    let mut config = config(Client::Strict);
    config.trust = Trust::Verify {
        ca_pem: Some(strict.certificate_pem()),
        host_name_in_certificate: None,
    };
    assert_eq!(works(&strict, &config).await, Channel::Strict);
}

#[tokio::test]
async fn a_bad_pem_is_a_clear_error() {
    let server = start(Server::Required);
    let mut config = config(Client::On);
    config.trust = Trust::Verify {
        ca_pem: Some("not a certificate".into()),
        host_name_in_certificate: None,
    };
    let Err(Error::Usage(text)) = try_connect(&server, &config).await else {
        panic!("a bad PEM was accepted");
    };
    assert!(text.contains("PEM"), "{text}");
}
