//! The whole emulator (protocol and T-SQL engine) over real TCP, with tiberius as the
//! client, started through the embeddable API as the connector's tests will.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

mod common;

use common::client::{config, connect_with, first_row, must_fail, run, server_code, Conn};
use futures_util::TryStreamExt;
use mssql_emulator::{Emulator, RunningEmulator};

fn start() -> RunningEmulator {
    Emulator::builder()
        .login("sa", "Secret-1")
        .login("reader", "r3ader")
        .database("shop")
        .init_sql(
            "USE shop\nGO\nCREATE TABLE items (id int NOT NULL PRIMARY KEY, name nvarchar(100) NULL, price decimal(10,2) NULL)\nGO\nINSERT INTO items (id, name, price) VALUES (1, N'apple', 1.25), (2, N'pear', NULL)\n",
        )
        .start("127.0.0.1:0")
        .unwrap()
}

async fn connect(addr: SocketAddr) -> Conn {
    connect_with(config(addr, "sa", "Secret-1", Some("shop")))
        .await
        .unwrap()
}

async fn scalar_i32(client: &mut Conn, sql: &str) -> Option<i32> {
    first_row(client, sql).await.get::<i32, _>(0)
}

#[tokio::test]
async fn logins_and_databases() {
    let server = start();
    let addr = server.addr();
    let mut client = connect(addr).await;
    let row = client
        .simple_query("SELECT DB_NAME()")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<&str, _>(0), Some("shop"));

    let mut reader = connect_with(config(addr, "READER", "r3ader", None))
        .await
        .unwrap();
    let row = reader
        .simple_query("SELECT DB_NAME()")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<&str, _>(0), Some("master"));

    let err = must_fail(
        connect_with(config(addr, "sa", "secret-1", None)).await,
        "a wrong password must fail",
    );
    assert_eq!(server_code(&err), Some(18456), "{err:?}");
    let err = must_fail(
        connect_with(config(addr, "sa", "Secret-1", Some("nowhere"))).await,
        "an unknown database must fail",
    );
    assert_eq!(server_code(&err), Some(4060), "{err:?}");
    assert!(err.to_string().contains("Cannot open database \"nowhere\""));
}

#[tokio::test]
async fn queries_with_parameters() {
    let server = start();
    let mut client = connect(server.addr()).await;
    let rows = client
        .query(
            "SELECT id, name, price FROM items WHERE id >= @P1 ORDER BY id",
            &[&1i32],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<&str, _>("name"), Some("apple"));
    assert_eq!(rows[1].get::<&str, _>("name"), Some("pear"));
    let result = client
        .execute(
            "INSERT INTO items (id, name) VALUES (@P1, @P2)",
            &[&3i32, &"plum"],
        )
        .await
        .unwrap();
    assert_eq!(result.rows_affected(), &[1]);
    assert_eq!(
        scalar_i32(&mut client, "SELECT COUNT(*) FROM items").await,
        Some(3)
    );
    // An error keeps the connection usable.
    let err = run(&mut client, "SELECT * FROM no_such_table").await;
    assert_eq!(server_code(&must_fail(err, "208 expected")), Some(208));
    assert_eq!(scalar_i32(&mut client, "SELECT 5").await, Some(5));
}

#[tokio::test]
async fn big_results_and_requests_at_both_packet_size_limits() {
    let server = start();
    let mut client = connect(server.addr()).await;
    client
        .simple_query("CREATE TABLE big (id int NOT NULL, pad nvarchar(200) NULL)")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    // A batch of more than 1 MB: 2500 rows of inserts.
    let mut sql = String::new();
    for i in 0..2500 {
        sql.push_str(&format!(
            "INSERT INTO big (id, pad) VALUES ({i}, N'{}');\n",
            "é".repeat(200)
        ));
    }
    assert!(sql.len() > 1_000_000);
    client
        .simple_query(sql)
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    for packet_size in [512u32, 32767] {
        let mut cfg = config(server.addr(), "sa", "Secret-1", Some("shop"));
        cfg.packet_size(packet_size);
        let mut c = connect_with(cfg).await.unwrap();
        let rows = c
            .simple_query("SELECT id, pad FROM big ORDER BY id")
            .await
            .unwrap()
            .into_first_result()
            .await
            .unwrap();
        assert_eq!(rows.len(), 2500);
        assert_eq!(rows[2499].get::<i32, _>(0), Some(2499));
        assert_eq!(
            rows[7].get::<&str, _>(1).map(|s| s.chars().count()),
            Some(200)
        );
    }
}

#[tokio::test]
async fn transactions_by_request_and_by_statement() {
    let server = start();
    let mut client = connect(server.addr()).await;
    client.begin_transaction().await.unwrap();
    assert_eq!(scalar_i32(&mut client, "SELECT @@TRANCOUNT").await, Some(1));
    client
        .execute("INSERT INTO items (id, name) VALUES (10, N'gone')", &[])
        .await
        .unwrap();
    client.rollback_transaction().await.unwrap();
    assert_eq!(
        scalar_i32(&mut client, "SELECT COUNT(*) FROM items WHERE id = 10").await,
        Some(0)
    );
    client
        .simple_query("BEGIN TRANSACTION; INSERT INTO items (id) VALUES (11); COMMIT")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    assert_eq!(
        scalar_i32(&mut client, "SELECT COUNT(*) FROM items WHERE id = 11").await,
        Some(1)
    );
    assert_eq!(scalar_i32(&mut client, "SELECT @@TRANCOUNT").await, Some(0));
}

#[tokio::test]
async fn cancel_stops_a_long_result() {
    let server = start();
    let mut client = connect(server.addr()).await;
    client
        .simple_query(
            "CREATE TABLE ten (n int); INSERT INTO ten VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)",
        )
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    {
        // 10^7 rows: far more than the test will wait for.
        let mut stream = client
            .simple_query("SELECT a.n FROM ten a, ten b, ten c, ten d, ten e, ten f, ten g")
            .await
            .unwrap();
        let mut seen = 0;
        while let Some(item) = stream.try_next().await.unwrap() {
            if item.as_row().is_some() {
                seen += 1;
                if seen == 100 {
                    break;
                }
            }
        }
    }
    let started = Instant::now();
    client.cancel_query().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(scalar_i32(&mut client, "SELECT 1").await, Some(1));
}

#[tokio::test]
async fn a_malformed_packet_closes_only_its_connection() {
    let server = start();
    let addr = server.addr();
    let mut good = connect(addr).await;
    let mut raw = std::net::TcpStream::connect(addr).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // A LOGIN7 whose length field lies, right away (no PRELOGIN).
    raw.write_all(&[0x10, 1, 0, 16, 0, 0, 1, 0, 0xFF, 0xFF, 0, 0, 4, 0, 0, 0x74])
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(matches!(raw.read(&mut buf), Ok(0) | Err(_)));
    assert_eq!(scalar_i32(&mut good, "SELECT 2").await, Some(2));
}

#[tokio::test]
async fn a_data_directory_outlives_the_emulator() {
    let dir = std::env::temp_dir().join(format!("mssql-emulator-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let start_on = |dir: &std::path::Path| {
        Emulator::builder()
            .login("sa", "Secret-1")
            .database("keep")
            .data_file(dir)
            .start("127.0.0.1:0")
            .unwrap()
    };
    let server = start_on(&dir);
    let mut client = connect_with(config(server.addr(), "sa", "Secret-1", Some("keep")))
        .await
        .unwrap();
    run(
        &mut client,
        "CREATE TABLE kept (n int); INSERT INTO kept VALUES (5)",
    )
    .await
    .unwrap();
    // Stopping with a connection still open: its session must be gone before reopening.
    server.stop();
    drop(client);
    let server = start_on(&dir);
    let mut client = connect_with(config(server.addr(), "sa", "Secret-1", Some("keep")))
        .await
        .unwrap();
    assert_eq!(scalar_i32(&mut client, "SELECT n FROM kept").await, Some(5));
    drop(client);
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
