//! How fast does `source-mssql read` sync a table? (`cargo run --release -p bench --bin source-read`)
//!
//! Starts the release `mssql-emulator`, fills a narrow table (1,000,000 rows of int, bigint,
//! nvarchar(50), datetime2, decimal(18,4)) and a wide one (200,000 rows of 30 mixed columns),
//! then reads each twice: with a plain tiberius loop that decodes the rows and writes
//! nothing (the ceiling), and with the real `source-mssql read` as a child process whose
//! stdout this program drains, as Airbyte's platform would. The goals: the source reaches at
//! least 60% of the ceiling's rows/s, in under 50 MB of memory.

use bench::child_run::{run_drained, ChildRun};
use bench::emulator_process::{sibling_binary, EmulatorProcess};
use bench::seed::{self, NARROW_COLUMNS, NARROW_TABLE, WIDE_TABLE};
use bench::source_files::{discover, write_catalog, write_config};
use bench::tiberius_loop::{connect, decode_all};
use source_mssql::types::{quote_identifier, ColumnType, SqlType};
use std::path::{Path, PathBuf};
use std::process::Command;

const LOGIN: (&str, &str) = ("sa", "Bench-Passw0rd");
const DATABASE: &str = "bench";
const GOAL_RATIO: f64 = 0.60;
const GOAL_PEAK_MB: f64 = 50.0;

struct Options {
    narrow_rows: u64,
    wide_rows: u64,
    runs: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        narrow_rows: 1_000_000,
        wide_rows: 200_000,
        runs: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = || -> Result<u64, String> {
            let value = args.next().ok_or(format!("{arg} needs a value"))?;
            value.parse().map_err(|e| format!("{arg}: {e}"))
        };
        match arg.as_str() {
            "--narrow-rows" => options.narrow_rows = number()?,
            "--wide-rows" => options.wide_rows = number()?,
            "--runs" => options.runs = number()?.max(1) as usize,
            _ => {
                return Err(format!(
                    "unknown argument {arg}; use --narrow-rows N --wide-rows N --runs N"
                ))
            }
        }
    }
    Ok(options)
}

/// One table to read, and how the source would select it.
struct Table {
    name: &'static str,
    label: &'static str,
    rows: u64,
    /// The SELECT source-mssql runs (same casts), for the ceiling.
    select: String,
}

/// `SELECT` of `columns` with the conversions source-mssql applies (money as decimal...).
fn source_select(table: &str, columns: &[(&str, &str)]) -> String {
    let list = columns
        .iter()
        .map(|(name, ty)| {
            let base = ty.split('(').next().unwrap_or(ty);
            let quoted = quote_identifier(name);
            let expression = ColumnType::new(SqlType::from_name(base)).select_expression(&quoted);
            if expression == quoted {
                quoted
            } else {
                format!("{expression} AS {quoted}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT {list} FROM [dbo].{}", quote_identifier(table))
}

fn tables(options: &Options) -> Vec<Table> {
    let wide: Vec<(&str, &str)> = seed::wide_types().collect();
    vec![
        Table {
            name: NARROW_TABLE,
            label: "narrow (5 columns)",
            rows: options.narrow_rows,
            select: source_select(NARROW_TABLE, &NARROW_COLUMNS),
        },
        Table {
            name: WIDE_TABLE,
            label: "wide (30 columns)",
            rows: options.wide_rows,
            select: source_select(WIDE_TABLE, &wide),
        },
    ]
}

/// Best of `runs` for both readers, alternating them so that a busy moment
/// on the shared machine doesn't fall on one side only.
fn measure(
    runs: usize,
    mut ceiling: impl FnMut() -> Result<f64, String>,
    mut ours: impl FnMut() -> Result<ChildRun, String>,
) -> Result<(f64, ChildRun), String> {
    let mut best_ceiling = f64::MAX;
    let mut best_ours: Option<ChildRun> = None;
    for _ in 0..runs {
        best_ceiling = best_ceiling.min(ceiling()?);
        let run = ours()?;
        if best_ours.is_none_or(|b| run.secs < b.secs) {
            best_ours = Some(run);
        }
    }
    best_ours
        .map(|o| (best_ceiling, o))
        .ok_or_else(|| "no run".to_string())
}

fn read_with_source(
    source: &Path,
    config: &Path,
    catalog: &Path,
    rows: u64,
) -> Result<ChildRun, String> {
    let run = run_drained(
        Command::new(source)
            .args(["read", "--config"])
            .arg(config)
            .arg("--catalog")
            .arg(catalog),
    )?;
    if run.exit_code != 0 || run.records != rows {
        return Err(format!(
            "source-mssql read exited {} with {} records, expected {rows}",
            run.exit_code, run.records
        ));
    }
    Ok(run)
}

struct Measured {
    label: &'static str,
    rows: u64,
    ceiling_secs: f64,
    ours: ChildRun,
}

fn print_report(results: &[Measured], runs: usize) {
    println!("source-mssql read vs a tiberius decode loop, best of {runs} runs each");
    println!("| table | rows | tiberius loop rows/s | source-mssql rows/s | output MB/s | peak memory MB | ours / loop | goals (>= 60%, < 50 MB) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for m in results {
        let rows = m.rows as f64;
        let ceiling = rows / m.ceiling_secs;
        let ours = rows / m.ours.secs;
        let ratio = ours / ceiling;
        let peak_mb = m.ours.peak_rss_kib as f64 / 1024.0;
        let met = ratio >= GOAL_RATIO && peak_mb < GOAL_PEAK_MB;
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.0}% | {} |",
            m.label,
            m.rows,
            ceiling,
            ours,
            m.ours.bytes as f64 / m.ours.secs / 1e6,
            peak_mb,
            ratio * 100.0,
            if met { "met" } else { "MISSED" }
        );
    }
}

/// A temporary directory for the config and catalogs, removed on drop (even
/// when the benchmark fails half-way).
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("source-read-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() -> Result<(), String> {
    let options = options()?;
    let login = format!("{}:{}", LOGIN.0, LOGIN.1);
    let emulator = EmulatorProcess::start(
        &sibling_binary("mssql-emulator"),
        &["--login", &login, "--database", DATABASE],
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut client = runtime.block_on(connect(emulator.addr, LOGIN, DATABASE))?;
    for sql in [
        seed::narrow_sql(options.narrow_rows),
        seed::wide_sql(options.wide_rows),
    ] {
        runtime
            .block_on(client.execute(sql, &[]))
            .map_err(|e| format!("seeding: {e}"))?;
    }
    eprintln!(
        "seeded {} + {} rows",
        options.narrow_rows, options.wide_rows
    );

    let scratch = ScratchDir::new()?;
    let dir = &scratch.0;
    let source = sibling_binary("source-mssql");
    let config = write_config(dir, emulator.addr, LOGIN, DATABASE)?;
    let streams = discover(&source, &config)?;
    let mut results = Vec::new();
    for table in tables(&options) {
        let catalog = write_catalog(dir, &streams, table.name)?;
        let ceiling = || {
            let (rows, secs) = runtime.block_on(decode_all(&mut client, &table.select))?;
            if rows != table.rows {
                return Err(format!("tiberius read {rows} rows of {}", table.rows));
            }
            Ok(secs)
        };
        let ours = || read_with_source(&source, &config, &catalog, table.rows);
        let (ceiling_secs, ours) = measure(options.runs, ceiling, ours)?;
        eprintln!(
            "{}: loop {ceiling_secs:.3} s, source {:.3} s",
            table.name, ours.secs
        );
        results.push(Measured {
            label: table.label,
            rows: table.rows,
            ceiling_secs,
            ours,
        });
    }
    print_report(&results, options.runs);
    Ok(())
}
