//! Runs a decode loop ([`crate::tiberius_loop`], [`crate::mssql_tds_loop`],
//! [`crate::ours_loop`]) or our client's RECORD writer in a child process of its own, so
//! that each one's peak memory is its own (`ru_maxrss` of the child) and not the
//! benchmark's.
//!
//! The benchmark binary re-runs itself as `BIN --loop-child DRIVER ADDR DATABASE USER SQL
//! [STREAM]` (the password in [`PASSWORD_ENV`], not on the command line); the child prints
//! one last line, `ROWS SECONDS`, the loop's own timing without the process start and the
//! login. The RECORD writer (`tds-client-json`, with the stream's name) writes its RECORD
//! lines before it.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

/// The flag that makes a benchmark binary act as a loop child.
pub const LOOP_CHILD_FLAG: &str = "--loop-child";
/// Where the child finds the password.
pub const PASSWORD_ENV: &str = "BENCH_LOOP_PASSWORD";

/// Which driver's loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Tiberius,
    MssqlTds,
    /// Our client's decode loop.
    TdsClient,
    /// Our client writing RECORD lines of stream `dbo.STREAM` on stdout.
    TdsClientJson,
}

impl Driver {
    pub fn arg(self) -> &'static str {
        match self {
            Driver::Tiberius => "tiberius",
            Driver::MssqlTds => "mssql-tds",
            Driver::TdsClient => "tds-client",
            Driver::TdsClientJson => "tds-client-json",
        }
    }

    fn parse(arg: &str) -> Result<Driver, String> {
        match arg {
            "tiberius" => Ok(Driver::Tiberius),
            "mssql-tds" => Ok(Driver::MssqlTds),
            "tds-client" => Ok(Driver::TdsClient),
            "tds-client-json" => Ok(Driver::TdsClientJson),
            other => Err(format!(
                "unknown driver {other}; use tiberius, mssql-tds, tds-client or tds-client-json"
            )),
        }
    }
}

/// What one loop run measured.
#[derive(Debug, Clone, Copy)]
pub struct LoopRun {
    pub rows: u64,
    pub secs: f64,
    pub peak_rss_kib: u64,
    /// RECORD lines and bytes written (the RECORD writer only).
    pub records: u64,
    pub output_bytes: u64,
}

/// Runs `driver`'s loop over `sql` in a child (`exe --loop-child ...`); `stream` names the
/// RECORD writer's stream.
pub fn run_loop_in_child(
    exe: &Path,
    driver: Driver,
    addr: SocketAddr,
    database: &str,
    login: (&str, &str),
    sql: &str,
    stream: &str,
) -> Result<LoopRun, String> {
    let mut command = Command::new(exe);
    command
        .arg(LOOP_CHILD_FLAG)
        .args([
            driver.arg(),
            &addr.to_string(),
            database,
            login.0,
            sql,
            stream,
        ])
        .env(PASSWORD_ENV, login.1);
    parse(&crate::child_run::run_drained(&mut command)?, driver)
}

fn parse(run: &crate::child_run::ChildRun, driver: Driver) -> Result<LoopRun, String> {
    let line = run.last_line().unwrap_or("");
    let parsed = line
        .split_once(' ')
        .and_then(|(rows, secs)| Some((rows.parse().ok()?, secs.parse().ok()?)));
    match (run.exit_code, parsed) {
        (0, Some((rows, secs))) => Ok(LoopRun {
            rows,
            secs,
            peak_rss_kib: run.peak_rss_kib,
            records: run.records,
            output_bytes: run.bytes - line.len() as u64 - 1,
        }),
        (code, _) => Err(format!(
            "the {} loop exited {code} and printed {line:?} instead of `ROWS SECONDS`",
            driver.arg()
        )),
    }
}

/// The child's side: `args` are what follows [`LOOP_CHILD_FLAG`]. Runs the loop on a
/// current-thread runtime and prints `ROWS SECONDS`.
pub fn child_main(args: &[String]) -> Result<(), String> {
    let [driver, addr, database, user, sql, stream] = args else {
        return Err(format!(
            "{LOOP_CHILD_FLAG} DRIVER ADDR DATABASE USER SQL STREAM (with {PASSWORD_ENV} set)"
        ));
    };
    let driver = Driver::parse(driver)?;
    let addr: SocketAddr = addr.parse().map_err(|e| format!("address {addr}: {e}"))?;
    let password = std::env::var(PASSWORD_ENV).map_err(|_| format!("{PASSWORD_ENV} not set"))?;
    let login = (user.as_str(), password.as_str());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (rows, secs) = runtime.block_on(async {
        match driver {
            Driver::Tiberius => {
                let mut client = crate::tiberius_loop::connect(addr, login, database).await?;
                crate::tiberius_loop::decode_all(&mut client, sql).await
            }
            Driver::MssqlTds => {
                let mut client = crate::mssql_tds_loop::connect(addr, login, database).await?;
                crate::mssql_tds_loop::decode_all(&mut client, sql).await
            }
            Driver::TdsClient => {
                let mut client = crate::ours_loop::connect_plain(addr, login, database).await?;
                crate::ours_loop::decode_all(&mut client, sql).await
            }
            Driver::TdsClientJson => {
                let mut client = crate::ours_loop::connect_plain(addr, login, database).await?;
                crate::ours_loop::write_records(&mut client, sql, "dbo", stream).await
            }
        }
    })?;
    println!("{rows} {secs}");
    Ok(())
}
