//! The ceiling: a plain tiberius loop that decodes every row and writes
//! nothing. A source built on tiberius can't read faster than this.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Instant;

use futures_util::TryStreamExt;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub type TiberiusClient = Client<Compat<TcpStream>>;

/// Logs in as source-mssql does: unencrypted, largest packets, no Nagle.
pub async fn connect(
    addr: SocketAddr,
    login: (&str, &str),
    database: &str,
) -> Result<TiberiusClient, String> {
    let mut config = Config::new();
    config.host(addr.ip().to_string());
    config.port(addr.port());
    config.database(database);
    config.authentication(AuthMethod::sql_server(login.0, login.1));
    config.encryption(EncryptionLevel::NotSupported);
    config.packet_size(32767);
    // No bound on a silent server: filling a 10M-row table is one statement that answers
    // only when done, after well over the default 30 s.
    config.command_timeout(None);
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    Client::connect(config, tcp.compat_write())
        .await
        .map_err(|e| e.to_string())
}

/// Runs `sql` (sent as source-mssql sends it, through `Query`) and touches
/// every decoded value; returns the rows and the seconds taken.
pub async fn decode_all(client: &mut TiberiusClient, sql: &str) -> Result<(u64, f64), String> {
    let started = Instant::now();
    let stream = tiberius::Query::new(sql)
        .query(client)
        .await
        .map_err(|e| e.to_string())?;
    let mut rows = stream.into_row_stream();
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await.map_err(|e| e.to_string())? {
        // By reference, as source-mssql's read loop takes the values.
        for (_, value) in row.cells() {
            black_box(value);
        }
        count += 1;
    }
    Ok((count, started.elapsed().as_secs_f64()))
}
