//! What the emulator imitates of Azure SQL, with tiberius as the client: Azure AD access
//! tokens (federated authentication), the redirect connection policy (a routing ENVCHANGE
//! to another server), and transient login errors a client must retry.

use std::net::SocketAddr;
use std::time::Duration;

mod common;

use common::client::{config, connect_with, must_fail, server_code, Conn};
use mssql_emulator::{Emulator, EmulatorBuilder, Encryption, RunningEmulator};
use tiberius::{AuthMethod, Config, EncryptionLevel};

const GOOD_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJhbGljZSJ9.c2lnbmF0dXJl";

fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .login("sa", "Azure-Secret-1")
        .database("shop")
        .encryption(Encryption::Required)
}

fn token_config(addr: SocketAddr, token: &str) -> Config {
    let mut config = Config::new();
    config.host(addr.ip());
    config.port(addr.port());
    config.authentication(AuthMethod::aad_token(token));
    config.encryption(EncryptionLevel::Required);
    config.trust_cert();
    config.database("shop");
    config.handshake_timeout(Some(Duration::from_secs(10)));
    config
}

fn password_config(addr: SocketAddr) -> Config {
    let mut config = config(addr, "sa", "Azure-Secret-1", Some("shop"));
    config.encryption(EncryptionLevel::Required);
    config.trust_cert();
    config.handshake_timeout(Some(Duration::from_secs(10)));
    config
}

async fn login_name(client: &mut Conn) -> String {
    let row = client
        .simple_query("SELECT SUSER_SNAME(), DB_NAME()")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<&str, _>(1), Some("shop"));
    row.get::<&str, _>(0).unwrap().to_string()
}

#[tokio::test]
async fn an_accepted_token_logs_in_as_its_user_and_others_fail_with_18456() {
    let server = builder()
        .accept_token(GOOD_TOKEN, "alice@contoso.com")
        .start("127.0.0.1:0")
        .unwrap();
    let mut client = connect_with(token_config(server.addr(), GOOD_TOKEN))
        .await
        .unwrap();
    assert_eq!(login_name(&mut client).await, "alice@contoso.com");

    for bad in ["eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJtYWxsb3J5In0.Zm9yZ2Vk", ""] {
        let err = must_fail(
            connect_with(token_config(server.addr(), bad)).await,
            "an unknown token must not log in",
        );
        assert_eq!(server_code(&err), Some(18456), "{err}");
        assert!(
            err.to_string()
                .contains("Login failed for user '<token-identified principal>'."),
            "{err}"
        );
    }
    // Password logins still work beside tokens.
    let mut client = connect_with(password_config(server.addr())).await.unwrap();
    assert_eq!(login_name(&mut client).await, "sa");
}

#[tokio::test]
async fn a_server_without_tokens_refuses_every_token() {
    let server = builder().start("127.0.0.1:0").unwrap();
    let err = must_fail(
        connect_with(token_config(server.addr(), GOOD_TOKEN)).await,
        "no token is accepted unless configured",
    );
    assert_eq!(server_code(&err), Some(18456), "{err}");
}

#[tokio::test]
async fn a_routed_login_reconnects_to_the_named_server() {
    let target = builder()
        .accept_token(GOOD_TOKEN, "alice@contoso.com")
        .start("127.0.0.1:0")
        .unwrap();
    let gateway = builder()
        .accept_token(GOOD_TOKEN, "alice@contoso.com")
        .route_to("127.0.0.1", target.addr().port())
        .start("127.0.0.1:0")
        .unwrap();
    let err = must_fail(
        connect_with(token_config(gateway.addr(), GOOD_TOKEN)).await,
        "the gateway must route, not serve",
    );
    let (host, port) = match err {
        tiberius::error::Error::Routing { host, port } => (host, port),
        other => panic!("expected a routing answer, got {other}"),
    };
    assert_eq!((host.as_str(), port), ("127.0.0.1", target.addr().port()));
    let mut config = token_config(gateway.addr(), GOOD_TOKEN);
    config.host(&host);
    config.port(port);
    let mut client = connect_with(config).await.unwrap();
    assert_eq!(login_name(&mut client).await, "alice@contoso.com");
    assert_eq!((gateway.login_attempts(), target.login_attempts()), (1, 1));

    // The gateway checks the login before routing it.
    let mut wrong = password_config(gateway.addr());
    wrong.authentication(AuthMethod::sql_server("sa", "wrong"));
    let err = must_fail(connect_with(wrong).await, "a bad password is not routed");
    assert_eq!(server_code(&err), Some(18456), "{err}");
}

/// Connects until a login works, as a retrying client would; the errors on the way.
async fn connect_retrying(server: &RunningEmulator, tries: u32) -> (Option<Conn>, Vec<String>) {
    let mut errors = Vec::new();
    for _ in 0..tries {
        match connect_with(password_config(server.addr())).await {
            Ok(client) => return (Some(client), errors),
            Err(e) => errors.push(format!("{:?} {e}", server_code(&e))),
        }
    }
    (None, errors)
}

#[tokio::test]
async fn transient_login_errors_fail_the_first_logins_then_stop() {
    let server = builder()
        .fail_logins(2, 40613)
        .start("127.0.0.1:0")
        .unwrap();
    let (client, errors) = connect_retrying(&server, 5).await;
    let mut client = client.expect("the third login succeeds");
    assert_eq!(errors.len(), 2, "{errors:?}");
    for e in &errors {
        assert!(
            e.starts_with("Some(40613) ")
                && e.contains("Database 'shop' on server 'localhost' is not currently available. Please retry the connection later."),
            "{e}"
        );
    }
    assert_eq!(server.login_attempts(), 3);
    assert_eq!(login_name(&mut client).await, "sa");
}

#[tokio::test]
async fn each_transient_number_comes_with_its_own_text_and_severity() {
    for (number, severity, text) in [
        (
            40197,
            17,
            "The service has encountered an error processing your request.",
        ),
        (40501, 20, "The service is currently busy."),
        (4221, 16, "Login to read-secondary failed"),
        (10928, 20, "Resource ID: 1."),
    ] {
        let server = builder()
            .fail_logins(1, number)
            .start("127.0.0.1:0")
            .unwrap();
        let err = must_fail(
            connect_with(password_config(server.addr())).await,
            "the first login fails",
        );
        match &err {
            tiberius::error::Error::Server(e) => {
                assert_eq!((e.code(), e.class()), (number as u32, severity), "{err}");
                assert!(e.message().starts_with(text), "{err}");
            }
            other => panic!("{number}: expected a server error, got {other}"),
        }
        connect_with(password_config(server.addr())).await.unwrap();
        assert_eq!(server.login_attempts(), 2);
    }
}

#[test]
fn an_unknown_error_number_stops_the_start() {
    let err = builder()
        .fail_logins(1, 1205)
        .start("127.0.0.1:0")
        .err()
        .expect("1205 is not a login error the emulator knows");
    let text = err.to_string();
    assert!(text.contains("1205") && text.contains("40613"), "{text}");
}
