//! The protocol side over real TCP with tiberius as the client, against a scripted backend
//! (no SQL engine): login, packet sizes, streaming, parameters, errors, attention,
//! transactions, resilience to malformed packets.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::client::{config, connect_with, first_row, must_fail, run, server_code, Conn};
use common::start_server;
use tokio::net::TcpStream;

async fn connect(addr: SocketAddr) -> Conn {
    connect_with(config(addr, "sa", "Secret-1", None))
        .await
        .unwrap()
}

async fn single_i64(client: &mut Conn, sql: &str) -> i64 {
    first_row(client, sql).await.get::<i64, _>(0).unwrap()
}

#[tokio::test]
async fn login_succeeds_and_fails_like_sql_server() {
    let server = start_server();
    let addr = server.addr();
    let mut client = connect_with(config(addr, "SA", "Secret-1", Some("shop")))
        .await
        .unwrap();
    let rows = client
        .simple_query("ROWS 2")
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);

    let err = connect_with(config(addr, "sa", "wrong", None)).await;
    let err = must_fail(err, "wrong password must fail");
    assert_eq!(server_code(&err), Some(18456), "{err:?}");
    assert!(err.to_string().contains("Login failed for user 'sa'."));

    let err = connect_with(config(addr, "sa", "Secret-1", Some("nope"))).await;
    let err = must_fail(err, "unknown database must fail");
    assert_eq!(server_code(&err), Some(4060), "{err:?}");
}

#[tokio::test]
async fn results_stream_across_many_packets_at_both_size_limits() {
    let server = start_server();
    for packet_size in [512u32, 32767] {
        let mut cfg = config(server.addr(), "sa", "Secret-1", None);
        cfg.packet_size(packet_size);
        let mut client = connect_with(cfg).await.unwrap();
        let rows = client
            .simple_query("ROWS 20000")
            .await
            .unwrap()
            .into_first_result()
            .await
            .unwrap();
        assert_eq!(rows.len(), 20000);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.get::<i32, _>(0), Some(i as i32));
            let expected = (i % 3 != 0).then(|| format!("name {i}"));
            assert_eq!(row.get::<&str, _>(1).map(str::to_string), expected);
        }
        // A request larger than any packet: a 1 MB batch.
        let big = format!("BIG {}", "x".repeat(1024 * 1024));
        assert_eq!(
            single_i64(&mut client, &big).await,
            big.chars().count() as i64
        );
    }
}

#[tokio::test]
async fn several_results_and_errors_in_one_batch() {
    let server = start_server();
    let mut client = connect(server.addr()).await;
    let err = client
        .simple_query("ERROR THEN ROW")
        .await
        .unwrap()
        .into_results()
        .await;
    let err = must_fail(err, "the error reaches the client");
    assert_eq!(server_code(&err), Some(50000));
    // The connection is still usable.
    let rows = client
        .simple_query("ROWS 3")
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
}

#[tokio::test]
async fn parameters_arrive_typed_and_named() {
    let server = start_server();
    let mut client = connect(server.addr()).await;
    let row = client
        .query("PARAMS", &[&42i32, &"héllo", &Option::<i64>::None, &2.5f64])
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<i32, _>("P1"), Some(42));
    assert_eq!(row.get::<&str, _>("P2"), Some("héllo"));
    assert_eq!(row.get::<i64, _>("P3"), None);
    assert_eq!(row.get::<f64, _>("P4"), Some(2.5));
    let result = client.execute("ROWS 4", &[&1i32]).await.unwrap();
    assert_eq!(result.rows_affected(), &[4]);
}

#[tokio::test]
async fn attention_cancels_a_running_request() {
    let server = start_server();
    let mut client = connect(server.addr()).await;
    {
        let mut stream = client.simple_query("FOREVER").await.unwrap();
        use futures_util::TryStreamExt;
        let mut seen = 0;
        while let Some(item) = stream.try_next().await.unwrap() {
            if item.as_row().is_some() {
                seen += 1;
                if seen == 10 {
                    break;
                }
            }
        }
    }
    let started = Instant::now();
    client.cancel_query().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    // An attention after the request already ended gets a lone DONE(ATTN).
    let _ = client
        .simple_query("ROWS 1")
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    client.cancel_query().await.unwrap();
    let rows = client
        .simple_query("ROWS 5")
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
}

#[tokio::test]
async fn transaction_manager_requests_and_database_changes() {
    let server = start_server();
    let mut client = connect(server.addr()).await;
    client.begin_transaction().await.unwrap();
    let row = client
        .simple_query("TRANCOUNT")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<i32, _>(0), Some(1));
    client.commit_transaction().await.unwrap();
    client.begin_transaction().await.unwrap();
    client.rollback_transaction().await.unwrap();
    client
        .simple_query("USE shop")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    let row = client
        .simple_query("TRANCOUNT")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<i32, _>(0), Some(0));
}

/// Sends raw bytes and waits for the server to close the connection.
fn expect_closed(addr: SocketAddr, bytes: &[u8]) {
    let mut raw = std::net::TcpStream::connect(addr).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    raw.write_all(bytes).unwrap();
    raw.shutdown(std::net::Shutdown::Write).unwrap();
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    loop {
        match raw.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => continue,
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the server kept the connection open"
    );
}

#[tokio::test]
async fn malformed_packets_close_only_their_connection() {
    let server = start_server();
    let addr = server.addr();
    let mut good = connect(addr).await;
    // Unknown packet type.
    expect_closed(addr, &[0x55, 1, 0, 8, 0, 0, 1, 0]);
    // A PRELOGIN whose option points outside the message.
    expect_closed(
        addr,
        &[
            0x12, 1, 0, 14, 0, 0, 1, 0, 0x01, 0x00, 0x40, 0x00, 0x01, 0xFF,
        ],
    );
    // A truncated packet, then the client hangs up.
    expect_closed(addr, &[0x12, 1, 0, 200, 0, 0, 1, 0, 1, 2, 3]);
    // A panic inside the backend closes only that connection too.
    let mut doomed = connect(addr).await;
    assert!(run(&mut doomed, "PANIC").await.is_err());
    let rows = good
        .simple_query("ROWS 2")
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let mut again = connect(addr).await;
    assert_eq!(
        again
            .simple_query("ROWS 1")
            .await
            .unwrap()
            .into_first_result()
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn stop_closes_open_connections() {
    let mut server = start_server();
    let addr = server.addr();
    let mut client = connect(addr).await;
    server.stop();
    assert!(run(&mut client, "ROWS 1").await.is_err());
    assert!(TcpStream::connect(addr).await.is_err());
}
