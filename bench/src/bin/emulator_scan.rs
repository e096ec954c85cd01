//! How fast does the emulator serve a full scan? (`cargo run --release -p bench --bin emulator-scan`)
//!
//! Starts the release `mssql-emulator` binary, fills a narrow 5-column table
//! (int, bigint, nvarchar(50), datetime2, decimal(18,4)), and drains `SELECT *` with a raw
//! client that decodes nothing (so the figure is the server's), then once with tiberius
//! (a real driver's decode loop, for scale). The emulator must never be what limits the
//! connector's benchmarks: the goal is at least 1,000,000 rows/s on one core.

use std::time::Instant;

use bench::emulator_process::{peak_rss_kib, sibling_binary, EmulatorProcess};
use bench::raw_client::RawClient;
use bench::seed::{narrow_sql, NARROW_TABLE};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel, QueryItem};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

const USER: &str = "sa";
const PASSWORD: &str = "Bench-Passw0rd";
const DATABASE: &str = "bench";
const SCAN: &str = "SELECT id, big, name, ts, amount FROM dbo.narrow";

struct Options {
    rows: u64,
    runs: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        rows: 1_000_000,
        runs: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--rows" => options.rows = value()?.parse().map_err(|e| format!("--rows: {e}"))?,
            "--runs" => options.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            _ => return Err(format!("unknown argument {arg}; use --rows N --runs N")),
        }
    }
    Ok(options)
}

async fn tiberius_client(
    port: u16,
) -> Result<Client<tokio_util::compat::Compat<TcpStream>>, String> {
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(port);
    config.database(DATABASE);
    config.authentication(AuthMethod::sql_server(USER, PASSWORD));
    config.encryption(EncryptionLevel::NotSupported);
    config.packet_size(32767);
    let tcp = TcpStream::connect(config.get_addr())
        .await
        .map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    Client::connect(config, tcp.compat_write())
        .await
        .map_err(|e| e.to_string())
}

async fn tiberius_drain(port: u16) -> Result<u64, String> {
    use futures_util::TryStreamExt;
    let mut client = tiberius_client(port).await?;
    let mut stream = client.simple_query(SCAN).await.map_err(|e| e.to_string())?;
    let mut rows = 0u64;
    while let Some(item) = stream.try_next().await.map_err(|e| e.to_string())? {
        if let QueryItem::Row(_) = item {
            rows += 1;
        }
    }
    Ok(rows)
}

fn main() -> Result<(), String> {
    let options = options()?;
    let binary = sibling_binary("mssql-emulator");
    let login = format!("{USER}:{PASSWORD}");
    let emulator = EmulatorProcess::start(&binary, &["--login", &login, "--database", DATABASE])?;
    let port = emulator.addr.port();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;

    let started = Instant::now();
    runtime.block_on(async {
        let mut client = tiberius_client(port).await?;
        client
            .execute(narrow_sql(NARROW_TABLE, options.rows), &[])
            .await
            .map_err(|e| format!("seeding: {e}"))
    })?;
    eprintln!("seeded {} rows in {:.1?}", options.rows, started.elapsed());

    let mut raw = RawClient::connect(emulator.addr, USER, PASSWORD, DATABASE, 32767)
        .map_err(|e| format!("raw client: {e}"))?;
    let mut best = f64::MAX;
    let mut bytes = 0;
    for run in 1..=options.runs {
        let t = Instant::now();
        let drained = raw.drain(SCAN).map_err(|e| format!("scan: {e}"))?;
        let secs = t.elapsed().as_secs_f64();
        if drained.rows != options.rows {
            return Err(format!(
                "scan returned {} rows, expected {}",
                drained.rows, options.rows
            ));
        }
        eprintln!("run {run}: {:.3} s", secs);
        best = best.min(secs);
        bytes = drained.bytes;
    }
    let t = Instant::now();
    let tiberius_rows = runtime.block_on(tiberius_drain(port))?;
    let tiberius_secs = t.elapsed().as_secs_f64();
    if tiberius_rows != options.rows {
        return Err(format!(
            "tiberius read {tiberius_rows} rows, expected {}",
            options.rows
        ));
    }

    let rows = options.rows as f64;
    println!("emulator full scan, narrow table (int, bigint, nvarchar(50), datetime2, decimal(18,4)), {} rows", options.rows);
    println!("| client | rows/s | MB/s of TDS |");
    println!("|---|---:|---:|");
    println!(
        "| raw drain (server-bound), best of {} | {:.0} | {:.1} |",
        options.runs,
        rows / best,
        bytes as f64 / best / 1e6
    );
    println!(
        "| tiberius decode loop | {:.0} | {:.1} |",
        rows / tiberius_secs,
        bytes as f64 / tiberius_secs / 1e6
    );
    if let Some(kib) = peak_rss_kib(emulator.pid()) {
        println!("emulator peak memory: {:.1} MB", kib as f64 / 1024.0);
    }
    println!(
        "goal (raw drain >= 1,000,000 rows/s): {}",
        if rows / best >= 1e6 { "met" } else { "MISSED" }
    );
    Ok(())
}
