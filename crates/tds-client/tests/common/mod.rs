//! The emulator these tests talk to over TCP, and a client connected to it.
#![allow(dead_code)]

use mssql_emulator::{Emulator, RunningEmulator};
use tds_client::{connect, Auth, Client, Config, Connected, Encryption};
use tokio::net::TcpStream;

pub const USER: &str = "sa";
pub const PASSWORD: &str = "Client-Passw0rd";

pub fn start(init: &str) -> RunningEmulator {
    Emulator::builder()
        .login(USER, PASSWORD)
        .database("shop")
        .init_sql(&format!("USE shop;\n{init}"))
        .start("127.0.0.1:0")
        .expect("emulator starts")
}

pub fn config(encryption: Encryption) -> Config {
    let mut config = Config::new(
        "localhost",
        Auth::SqlServer {
            user: USER.into(),
            password: PASSWORD.into(),
        },
    );
    config.database = "shop".into();
    config.encryption = encryption;
    config
}

pub async fn try_connect(
    server: &RunningEmulator,
    config: &Config,
) -> tds_client::Result<Connected<TcpStream>> {
    let socket = TcpStream::connect(server.addr()).await?;
    socket.set_nodelay(true)?;
    connect(config, socket).await
}

pub async fn client(server: &RunningEmulator, config: &Config) -> Client<TcpStream> {
    match try_connect(server, config).await {
        Ok(Connected::Client(client)) => *client,
        Ok(other) => panic!("not logged in: {other:?}"),
        Err(e) => panic!("login failed: {e}"),
    }
}
