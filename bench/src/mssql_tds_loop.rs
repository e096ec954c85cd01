//! The same ceiling as [`crate::tiberius_loop`] on Microsoft's own Rust TDS client,
//! `mssql-tds` (the core of mssql-python): a loop that decodes every row and writes
//! nothing. Side by side with the tiberius loop it tells whether the driver is what
//! limits a reader.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Instant;

use mssql_tds::connection::client_context::ClientContext;
use mssql_tds::connection::tds_client::{ResultSet, TdsClient};
use mssql_tds::connection_provider::tds_connection_provider::TdsConnectionProvider;
use mssql_tds::core::EncryptionSetting;

/// Logs in as the tiberius loop does: SQL authentication, no encryption (the emulator
/// offers none), largest packets.
pub async fn connect(
    addr: SocketAddr,
    login: (&str, &str),
    database: &str,
) -> Result<TdsClient, String> {
    let mut context = ClientContext::default();
    context.user_name = login.0.to_string();
    context.password = login.1.to_string();
    context.database = database.to_string();
    context.packet_size = 32767;
    context.encryption_options.mode = EncryptionSetting::PreferOff;
    context.encryption_options.trust_server_certificate = true;
    // One address: no need for parallel connection attempts.
    context.multi_subnet_failover = Some(false);
    let datasource = format!("tcp:{},{}", addr.ip(), addr.port());
    TdsConnectionProvider {}
        .create_client(context, &datasource, None)
        .await
        .map_err(|e| format!("mssql-tds login to {datasource}: {e}"))
}

/// Runs `sql` as a batch and touches every decoded value (`next_row`, the driver's
/// row-at-a-time API, as tiberius' row stream is); returns the rows and the seconds taken.
pub async fn decode_all(client: &mut TdsClient, sql: &str) -> Result<(u64, f64), String> {
    let started = Instant::now();
    client
        .execute(sql.to_string(), ())
        .await
        .map_err(|e| format!("mssql-tds execute: {e}"))?;
    let mut count = 0u64;
    if client.on_rows() {
        while let Some(row) = client
            .next_row()
            .await
            .map_err(|e| format!("mssql-tds next_row: {e}"))?
        {
            for value in &row {
                black_box(value);
            }
            count += 1;
        }
    }
    client
        .close_query()
        .await
        .map_err(|e| format!("mssql-tds close_query: {e}"))?;
    Ok((count, started.elapsed().as_secs_f64()))
}
