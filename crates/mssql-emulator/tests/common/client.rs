//! tiberius as the client of the tests: connecting, running batches, reading errors.

#![allow(dead_code)]

use std::net::SocketAddr;

use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub type Conn = Client<Compat<TcpStream>>;

/// SQL authentication, no TLS (the client says it cannot encrypt; `tls.rs` tests TLS).
pub fn config(addr: SocketAddr, user: &str, password: &str, database: Option<&str>) -> Config {
    let mut config = Config::new();
    config.host(addr.ip());
    config.port(addr.port());
    config.authentication(AuthMethod::sql_server(user, password));
    config.encryption(EncryptionLevel::NotSupported);
    if let Some(db) = database {
        config.database(db);
    }
    config
}

/// Asks for TLS at `level`, trusting any certificate, with a bounded handshake (a server
/// that stalls fails the test instead of hanging it).
pub fn encrypted(mut config: Config, level: EncryptionLevel) -> Config {
    config.encryption(level);
    config.trust_cert();
    config.handshake_timeout(Some(std::time::Duration::from_secs(10)));
    config
}

pub async fn connect_with(config: Config) -> tiberius::Result<Conn> {
    let tcp = TcpStream::connect(config.get_addr()).await?;
    tcp.set_nodelay(true)?;
    Client::connect(config, tcp.compat_write()).await
}

/// Runs a batch to its end, ignoring its results; its error may come when it is sent or
/// while reading it.
pub async fn run(client: &mut Conn, sql: &str) -> tiberius::Result<()> {
    client.simple_query(sql).await?.into_results().await?;
    Ok(())
}

/// The first row of a batch that must return one.
pub async fn first_row(client: &mut Conn, sql: &str) -> tiberius::Row {
    client
        .simple_query(sql)
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row from {sql}"))
}

/// The error of a result that must be one (clients are not `Debug`, so no `expect_err`).
pub fn must_fail<T>(result: tiberius::Result<T>, what: &str) -> tiberius::error::Error {
    match result {
        Ok(_) => panic!("{what}"),
        Err(e) => e,
    }
}

/// SQL Server's error number, for errors the server sent.
pub fn server_code(err: &tiberius::error::Error) -> Option<u32> {
    match err {
        tiberius::error::Error::Server(e) => Some(e.code()),
        _ => None,
    }
}
