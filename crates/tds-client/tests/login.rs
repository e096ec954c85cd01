//! Logging in against the emulator: SQL logins, a refused password as SQL Server's typed
//! error, the database and packet size the server grants, access tokens (FEDAUTH), Azure's
//! redirect, ApplicationIntent=ReadOnly.

mod common;

use common::{client, config, start, try_connect};
use mssql_emulator::Emulator;
use tds_client::{Auth, Channel, Connected, Encryption, Error, Value};

#[tokio::test]
async fn sql_login_gets_the_database_and_32k_packets() {
    let server = start("");
    let mut client = client(&server, &config(Encryption::Off)).await;
    assert_eq!(client.database(), "shop");
    assert_eq!(client.packet_size(), 32767);
    assert_eq!(client.login_ack().tds_version, 0x7400_0004);
    // The emulator encrypts the login only, as SQL Server does for ENCRYPT_OFF.
    assert_eq!(client.channel(), Channel::LoginOnly);
    assert!(!client.is_encrypted());
    let rows = client
        .batch("SELECT DB_NAME(), SUSER_SNAME()")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![vec![
            Value::String("shop".into()),
            Value::String("sa".into())
        ]]
    );
}

#[tokio::test]
async fn a_refused_password_is_sql_servers_error_18456() {
    let server = start("");
    let mut config = config(Encryption::Off);
    config.auth = Auth::SqlServer {
        user: "sa".into(),
        password: "wrong".into(),
    };
    let Err(Error::Server(error)) = try_connect(&server, &config).await else {
        panic!("a wrong password logged in");
    };
    assert_eq!((error.number, error.class), (18456, 14));
    assert!(
        error.message.contains("Login failed for user 'sa'"),
        "{error}"
    );
    // The debug form of the config never shows the password.
    assert!(!format!("{config:?}").contains("wrong"));
}

#[tokio::test]
async fn an_unknown_database_is_4060() {
    let server = start("");
    let mut config = config(Encryption::Off);
    config.database = "nowhere".into();
    let error = try_connect(&server, &config).await.unwrap_err();
    assert_eq!(error.server_number(), Some(4060), "{error}");
}

#[tokio::test]
async fn an_access_token_logs_in_as_its_user() {
    let server = Emulator::builder()
        .login("sa", "x")
        .database("shop")
        .accept_token("eyJ.good-token", "app@tenant")
        .start("127.0.0.1:0")
        .unwrap();
    let mut config = config(Encryption::Off);
    config.auth = Auth::AccessToken("eyJ.good-token".into());
    let mut client = client(&server, &config).await;
    let rows = client
        .batch("SELECT SUSER_SNAME()")
        .await
        .unwrap()
        .rows()
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::String("app@tenant".into())]]);

    config.auth = Auth::AccessToken("eyJ.other".into());
    let error = try_connect(&server, &config).await.unwrap_err();
    assert_eq!(error.server_number(), Some(18456), "{error}");
    assert!(!format!("{config:?}").contains("eyJ"));
}

#[tokio::test]
async fn a_routing_answer_is_returned_as_a_redirect() {
    let server = Emulator::builder()
        .login(common::USER, common::PASSWORD)
        .database("shop")
        .route_to("replica.example", 1444)
        .start("127.0.0.1:0")
        .unwrap();
    match try_connect(&server, &config(Encryption::Off)).await {
        Ok(Connected::Redirect { host, port }) => {
            assert_eq!((host.as_str(), port), ("replica.example", 1444))
        }
        other => panic!("expected a redirect, got {other:?}"),
    }
}

#[tokio::test]
async fn read_only_intent_reaches_the_server() {
    let server = start("");
    let mut config = config(Encryption::Off);
    config.read_only_intent = true;
    client(&server, &config).await;
    assert_eq!(server.read_only_logins(), 1);
}

#[tokio::test]
async fn a_transient_login_error_is_typed() {
    let server = Emulator::builder()
        .login(common::USER, common::PASSWORD)
        .database("shop")
        .fail_logins(1, 40613)
        .start("127.0.0.1:0")
        .unwrap();
    let error = try_connect(&server, &config(Encryption::Off))
        .await
        .unwrap_err();
    assert_eq!(error.server_number(), Some(40613), "{error}");
    client(&server, &config(Encryption::Off)).await;
}
