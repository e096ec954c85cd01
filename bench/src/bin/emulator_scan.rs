//! How fast does the emulator serve a full scan? (`cargo run --release -p bench --bin emulator-scan`)
//!
//! Starts the release `mssql-emulator` binary (or `--emulator PATH`, to compare builds),
//! fills a narrow 5-column table (int primary key, bigint, nvarchar(50), datetime2,
//! decimal(18,4)) with one INSERT ... SELECT (its rows/s printed as the seeding speed), and
//! drains it with a raw client that decodes nothing (so the figure is the server's): in no
//! order, and in clustered-key order (`ORDER BY id`, what a resumable read sends); then once
//! with tiberius (a real driver's decode loop, for scale). The emulator must never be what
//! limits the connector's benchmarks: the goals are at least 1,000,000 rows/s on one core,
//! and an ordered drain within 15% of the unordered one (the clustered index is the table).

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
const ORDERED: &str = "SELECT id, big, name, ts, amount FROM dbo.narrow ORDER BY id";

struct Options {
    rows: u64,
    runs: usize,
    emulator: Option<std::path::PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        rows: 1_000_000,
        runs: 3,
        emulator: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--rows" => options.rows = value()?.parse().map_err(|e| format!("--rows: {e}"))?,
            "--runs" => options.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--emulator" => options.emulator = Some(value()?.into()),
            _ => {
                return Err(format!(
                    "unknown argument {arg}; use --rows N --runs N --emulator PATH"
                ))
            }
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
    // Seeding millions of rows is one batch whose answer comes at its end.
    config.command_timeout(None);
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

/// The best of `runs` raw drains of `sql`: (seconds, TDS bytes).
fn best_drain(raw: &mut RawClient, sql: &str, options: &Options) -> Result<(f64, u64), String> {
    let mut best = f64::MAX;
    let mut bytes = 0;
    for run in 1..=options.runs {
        let t = Instant::now();
        let drained = raw.drain(sql).map_err(|e| format!("scan: {e}"))?;
        let secs = t.elapsed().as_secs_f64();
        if drained.rows != options.rows {
            return Err(format!(
                "{sql} returned {} rows, expected {}",
                drained.rows, options.rows
            ));
        }
        eprintln!("{sql}: run {run}: {secs:.3} s");
        best = best.min(secs);
        bytes = drained.bytes;
    }
    Ok((best, bytes))
}

fn main() -> Result<(), String> {
    let options = options()?;
    let binary = options
        .emulator
        .clone()
        .unwrap_or_else(|| sibling_binary("mssql-emulator"));
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
    let seed_secs = started.elapsed().as_secs_f64();
    eprintln!("seeded {} rows in {seed_secs:.1} s", options.rows);

    let mut raw = RawClient::connect(emulator.addr, USER, PASSWORD, DATABASE, 32767)
        .map_err(|e| format!("raw client: {e}"))?;
    let (best, bytes) = best_drain(&mut raw, SCAN, &options)?;
    let (ordered, _) = best_drain(&mut raw, ORDERED, &options)?;
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
    println!("emulator full scan, narrow table (int primary key, bigint, nvarchar(50), datetime2, decimal(18,4)), {} rows", options.rows);
    println!("| client | rows/s | MB/s of TDS |");
    println!("|---|---:|---:|");
    println!(
        "| raw drain (server-bound), best of {} | {:.0} | {:.1} |",
        options.runs,
        rows / best,
        bytes as f64 / best / 1e6
    );
    println!(
        "| raw drain ORDER BY id (clustered key), best of {} | {:.0} | {:.1} |",
        options.runs,
        rows / ordered,
        bytes as f64 / ordered / 1e6
    );
    println!(
        "| tiberius decode loop | {:.0} | {:.1} |",
        rows / tiberius_secs,
        bytes as f64 / tiberius_secs / 1e6
    );
    println!(
        "seeding (one INSERT ... SELECT): {:.0} rows/s",
        rows / seed_secs
    );
    if let Some(kib) = peak_rss_kib(emulator.pid()) {
        println!("emulator peak memory: {:.1} MB", kib as f64 / 1024.0);
    }
    println!(
        "goal (raw drain >= 1,000,000 rows/s): {}",
        if rows / best >= 1e6 { "met" } else { "MISSED" }
    );
    let slower = ordered / best - 1.0;
    println!(
        "goal (ordered drain within 15% of unordered): {} ({:+.1}%)",
        if slower <= 0.15 { "met" } else { "MISSED" },
        slower * 100.0
    );
    Ok(())
}
