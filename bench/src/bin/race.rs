//! The speed race (`bench/race.sh`, or `target/release/race` once built): on the same
//! emulator tables in one run, `source-mssql read`, pipelinewise `tap-mssql`, ConnectorX
//! (to Arrow), our client's RECORD writer (`tds-client` straight to JSON lines, the read
//! path the source is to move onto; its lines checked equal to the source's), and three
//! decode loops that write nothing — tiberius (the ceiling for a tiberius-based reader),
//! Microsoft's `mssql-tds` and `tds-client` (is the driver what limits us?). Each reader
//! is a process of its own with its stdout drained; the connectors are timed from start to
//! exit (login included), the loops, the RECORD writer and ConnectorX by their own clock
//! around the query (login included, process start not); peak memory is that process's
//! `ru_maxrss`.
//!
//! Prints one table (rows/s, output MB/s, peak RSS, ours ÷ each) and the goals: ours at
//! least 20x tap-mssql's rows/s, at least 60% of the ceiling, rows/s at the largest size at
//! most 10% below the smallest's (cost per row does not grow with the table), peak memory
//! under 64 MB.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bench::emulator_process::{sibling_binary, EmulatorProcess};
use bench::loop_child::{child_main, run_loop_in_child, Driver, LOOP_CHILD_FLAG};
use bench::race_report::{render, thousands, Measured, Outcome, Reader, TableResult};
use bench::source_files::{self, ScratchDir};
use bench::tables::{BenchTable, Shape};
use bench::{connectorx, tap_mssql, tiberius_loop};

const LOGIN: (&str, &str) = ("sa", "Bench-Passw0rd");
const DATABASE: &str = "bench";
const USAGE: &str = "race [--quick] [--narrow N,N,...] [--wide N,N,...|none] [--runs N] \
    [--tap-max-rows N] [--tap PATH] [--connectorx PYTHON] \
    [--readers ours,tap,connectorx,tds-client-json,tiberius,mssql-tds,tds-client] [--data DIR]";
/// Tables up to this size have the RECORD writer's lines compared with the source's.
const CHECK_MAX_ROWS: u64 = 100_000;

struct Options {
    narrow: Vec<u64>,
    wide: Vec<u64>,
    runs: usize,
    /// tap-mssql is skipped on larger tables (it is slow).
    tap_max_rows: u64,
    tap: PathBuf,
    /// The Python of ConnectorX's virtual environment.
    connectorx: PathBuf,
    readers: Vec<Reader>,
    /// Keep the seeded databases here and reuse them on the next run.
    data: Option<PathBuf>,
}

/// The repository root, from `target/release/race`.
fn repo_root() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn sizes(value: &str) -> Result<Vec<u64>, String> {
    if value == "none" || value.is_empty() {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .map(|n| n.trim().replace('_', "").parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("row counts {value:?}: {e}"))
}

fn readers(value: &str) -> Result<Vec<Reader>, String> {
    value
        .split(',')
        .map(|name| {
            let name = name.trim();
            Reader::ALL
                .into_iter()
                .find(|r| r.arg() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = Reader::ALL.iter().map(|r| r.arg()).collect();
                    format!("unknown reader {name}; use {}", known.join(", "))
                })
        })
        .collect()
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        narrow: vec![100_000, 1_000_000, 10_000_000],
        wide: vec![100_000, 1_000_000],
        runs: 3,
        tap_max_rows: 1_000_000,
        tap: repo_root().join(".venv-tap-mssql/bin/tap-mssql"),
        connectorx: repo_root().join(".venv-connectorx/bin/python"),
        readers: Reader::ALL.to_vec(),
        data: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or(format!("{arg} needs a value; usage: {USAGE}"))
        };
        match arg.as_str() {
            "--quick" => {
                options.narrow = vec![100_000, 1_000_000];
                options.wide = vec![100_000];
                options.runs = 1;
                options.tap_max_rows = 100_000;
            }
            "--narrow" => options.narrow = sizes(&value()?)?,
            "--wide" => options.wide = sizes(&value()?)?,
            "--runs" => {
                options.runs = value()?
                    .parse::<usize>()
                    .map_err(|e| format!("--runs: {e}"))?
                    .max(1)
            }
            "--tap-max-rows" => {
                options.tap_max_rows = value()?
                    .parse()
                    .map_err(|e| format!("--tap-max-rows: {e}"))?
            }
            "--tap" => options.tap = PathBuf::from(value()?),
            "--connectorx" => options.connectorx = PathBuf::from(value()?),
            "--readers" => options.readers = readers(&value()?)?,
            "--data" => options.data = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(format!("usage: {USAGE}")),
            _ => return Err(format!("unknown argument {arg}; usage: {USAGE}")),
        }
    }
    Ok(options)
}

fn tables(options: &Options) -> Vec<BenchTable> {
    let narrow = options
        .narrow
        .iter()
        .map(|&n| BenchTable::new(Shape::Narrow, n));
    let wide = options
        .wide
        .iter()
        .map(|&n| BenchTable::new(Shape::Wide, n));
    narrow.chain(wide).collect()
}

/// Creates and fills each table, unless (with `--data`) it is already there with its rows.
fn seed(emulator: &EmulatorProcess, tables: &[BenchTable]) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut client = tiberius_loop::connect(emulator.addr, LOGIN, DATABASE).await?;
        for table in tables {
            let name = table.name();
            let count = format!(
                "IF OBJECT_ID('dbo.{name}') IS NULL SELECT CAST(-1 AS bigint) ELSE SELECT COUNT_BIG(*) FROM dbo.{name}"
            );
            let present: i64 = client
                .simple_query(count)
                .await
                .map_err(|e| format!("counting {name}: {e}"))?
                .into_row()
                .await
                .map_err(|e| format!("counting {name}: {e}"))?
                .and_then(|row| row.get::<i64, _>(0))
                .unwrap_or(-1);
            if present == table.rows as i64 {
                eprintln!("race: {name} already seeded");
                continue;
            }
            if present >= 0 {
                client
                    .execute(format!("DROP TABLE dbo.{name}"), &[])
                    .await
                    .map_err(|e| format!("dropping {name}: {e}"))?;
            }
            let started = Instant::now();
            client
                .execute(table.seed_sql(), &[])
                .await
                .map_err(|e| format!("seeding {name}: {e}"))?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "race: seeded {name} in {secs:.1} s ({} rows/s)",
                thousands((table.rows as f64 / secs) as u64)
            );
        }
        Ok(())
    })
}

/// Everything a reader needs, prepared once.
struct Readers {
    source: PathBuf,
    source_config: PathBuf,
    source_streams: Vec<serde_json::Value>,
    /// The tap's config and catalog, or why it cannot run.
    tap: Result<(PathBuf, PathBuf, serde_json::Value), String>,
    /// ConnectorX's Python and script, or why it cannot run.
    connectorx: Result<(PathBuf, PathBuf), String>,
    exe: PathBuf,
    emulator: std::net::SocketAddr,
    dir: PathBuf,
}

impl Readers {
    fn prepare(
        options: &Options,
        emulator: &EmulatorProcess,
        dir: &Path,
    ) -> Result<Readers, String> {
        let source = sibling_binary("source-mssql");
        let source_config = source_files::write_config(dir, emulator.addr, LOGIN, DATABASE)?;
        let source_streams = source_files::discover(&source, &source_config)?;
        let tap = if !options.readers.contains(&Reader::TapMssql) {
            Err("not asked for".to_string())
        } else if !options.tap.is_file() {
            Err(format!(
                "not installed at {} (bench/race.sh installs it)",
                options.tap.display()
            ))
        } else {
            let config = tap_mssql::write_config(dir, emulator.addr, LOGIN, DATABASE)?;
            tap_mssql::discover(&options.tap, &config)
                .map(|catalog| (options.tap.clone(), config, catalog))
        };
        let connectorx = if !options.connectorx.is_file() {
            Err(format!(
                "not installed at {} (bench/race.sh installs it)",
                options.connectorx.display()
            ))
        } else {
            connectorx::write_script(dir).map(|script| (options.connectorx.clone(), script))
        };
        Ok(Readers {
            source,
            source_config,
            source_streams,
            tap,
            connectorx,
            exe: std::env::current_exe().map_err(|e| e.to_string())?,
            emulator: emulator.addr,
            dir: dir.to_path_buf(),
        })
    }

    /// One run of `reader` on `table`.
    fn run(&self, reader: Reader, table: &BenchTable) -> Result<Measured, String> {
        let name = table.name();
        match reader {
            Reader::Ours => {
                let catalog = source_files::write_catalog(&self.dir, &self.source_streams, &name)?;
                let run =
                    source_files::read(&self.source, &self.source_config, &catalog, table.rows)?;
                Ok(connector(&run))
            }
            Reader::TapMssql => {
                let (tap, config, catalog) = self.tap.as_ref().map_err(Clone::clone)?;
                let catalog = tap_mssql::write_catalog(&self.dir, catalog, &name)?;
                let run = tap_mssql::read(&self.dir, tap, config, &catalog, table.rows)?;
                Ok(connector(&run))
            }
            Reader::ConnectorX => {
                let (python, script) = self.connectorx.as_ref().map_err(Clone::clone)?;
                let run = connectorx::read(
                    python,
                    script,
                    self.emulator,
                    DATABASE,
                    LOGIN,
                    &table.source_select(),
                )?;
                if run.rows != table.rows {
                    return Err(format!("read {} rows of {}", run.rows, table.rows));
                }
                Ok(Measured {
                    secs: run.secs,
                    output_bytes: None,
                    peak_rss_kib: run.peak_rss_kib,
                })
            }
            Reader::TiberiusLoop
            | Reader::MssqlTdsLoop
            | Reader::TdsClientLoop
            | Reader::TdsClientJson => {
                let driver = match reader {
                    Reader::TiberiusLoop => Driver::Tiberius,
                    Reader::MssqlTdsLoop => Driver::MssqlTds,
                    Reader::TdsClientLoop => Driver::TdsClient,
                    _ => Driver::TdsClientJson,
                };
                let run = run_loop_in_child(
                    &self.exe,
                    driver,
                    self.emulator,
                    DATABASE,
                    LOGIN,
                    &table.source_select(),
                    &name,
                )?;
                if run.rows != table.rows {
                    return Err(format!("read {} rows of {}", run.rows, table.rows));
                }
                let output_bytes = (driver == Driver::TdsClientJson).then_some(run.output_bytes);
                if output_bytes.is_some() && run.records != table.rows {
                    return Err(format!("wrote {} records of {}", run.records, table.rows));
                }
                Ok(Measured {
                    secs: run.secs,
                    output_bytes,
                    peak_rss_kib: run.peak_rss_kib,
                })
            }
        }
    }
}

/// Compares the RECORD writer's lines with `source-mssql read`'s on `table`, byte for
/// byte once `emitted_at` is set aside; returns how many lines were compared. Both outputs
/// go to files, so the race's own memory (which its children's `ru_maxrss` would inherit)
/// stays small.
fn check_records(readers: &Readers, table: &BenchTable) -> Result<u64, String> {
    let name = table.name();
    let catalog = source_files::write_catalog(&readers.dir, &readers.source_streams, &name)?;
    let file = |what: &str| -> Result<(PathBuf, std::fs::File), String> {
        let path = readers.dir.join(format!("check-{what}-{name}.jsonl"));
        let file = std::fs::File::create(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok((path, file))
    };
    let (source_path, source_file) = file("source")?;
    let status = std::process::Command::new(&readers.source)
        .args(["read", "--config"])
        .arg(&readers.source_config)
        .arg("--catalog")
        .arg(&catalog)
        .stdout(source_file)
        .status()
        .map_err(|e| format!("source-mssql read: {e}"))?;
    if !status.success() {
        return Err(format!("source-mssql read exited {status}"));
    }
    let (ours_path, ours_file) = file("writer")?;
    let status = std::process::Command::new(&readers.exe)
        .arg(LOOP_CHILD_FLAG)
        .args([
            Driver::TdsClientJson.arg(),
            &readers.emulator.to_string(),
            DATABASE,
            LOGIN.0,
            &table.source_select(),
            &name,
        ])
        .env(bench::loop_child::PASSWORD_ENV, LOGIN.1)
        .stdout(ours_file)
        .status()
        .map_err(|e| format!("the RECORD writer: {e}"))?;
    if !status.success() {
        return Err(format!("the RECORD writer exited {status}"));
    }
    let compared = compare_records(&source_path, &ours_path);
    let _ = std::fs::remove_file(&source_path);
    let _ = std::fs::remove_file(&ours_path);
    compared
}

/// The RECORD lines of two files, compared in order.
fn compare_records(source: &Path, ours: &Path) -> Result<u64, String> {
    use std::io::BufRead;
    let records = |path: &Path| -> Result<Box<dyn Iterator<Item = String>>, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Box::new(
            std::io::BufReader::new(file)
                .lines()
                .map_while(Result::ok)
                .filter(|l| l.starts_with(r#"{"type":"RECORD""#))
                .map(|l| without_emitted_at(&l)),
        ))
    };
    let (mut theirs, mut ours) = (records(source)?, records(ours)?);
    let mut lines = 0u64;
    loop {
        match (theirs.next(), ours.next()) {
            (None, None) => return Ok(lines),
            (Some(a), Some(b)) if a == b => lines += 1,
            (Some(a), Some(b)) => {
                return Err(format!(
                    "line {} differs:\n  source-mssql: {a}\n  writer:       {b}",
                    lines + 1
                ))
            }
            (a, _) => {
                return Err(format!(
                    "after {lines} equal lines, only {} has more",
                    if a.is_some() {
                        "source-mssql read"
                    } else {
                        "the writer"
                    }
                ))
            }
        }
    }
}

/// The line with its `emitted_at` digits taken out.
fn without_emitted_at(line: &str) -> String {
    const KEY: &str = r#""emitted_at":"#;
    match line.find(KEY) {
        Some(at) => {
            let start = at + KEY.len();
            let end = line[start..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(line.len(), |n| start + n);
            format!("{}{}", &line[..start], &line[end..])
        }
        None => line.to_string(),
    }
}

fn connector(run: &bench::child_run::ChildRun) -> Measured {
    Measured {
        secs: run.secs,
        output_bytes: Some(run.bytes),
        peak_rss_kib: run.peak_rss_kib,
    }
}

/// Keeps the fastest run, and the highest peak memory of all runs.
fn best(current: Option<Measured>, new: Measured) -> Measured {
    match current {
        None => new,
        Some(old) => Measured {
            secs: old.secs.min(new.secs),
            output_bytes: if new.secs < old.secs {
                new.output_bytes
            } else {
                old.output_bytes
            },
            peak_rss_kib: old.peak_rss_kib.max(new.peak_rss_kib),
        },
    }
}

/// Every asked-for reader on `table`: the fast ones `runs` times, in turn (so a busy
/// moment on a shared machine doesn't fall on one reader only); tap-mssql once, and only
/// up to `--tap-max-rows`.
fn race_table(options: &Options, readers: &Readers, table: &BenchTable) -> TableResult {
    let mut outcomes = Vec::new();
    let fast: Vec<Reader> = Reader::ALL
        .into_iter()
        .filter(|r| *r != Reader::TapMssql && options.readers.contains(r))
        .collect();
    let mut bests: Vec<Result<Option<Measured>, String>> = vec![Ok(None); fast.len()];
    for _ in 0..options.runs {
        for (reader, slot) in fast.iter().zip(bests.iter_mut()) {
            let Ok(current) = slot else { continue };
            match readers.run(*reader, table) {
                Ok(m) => {
                    eprintln!(
                        "race: {} on {}: {:.3} s",
                        reader.label(),
                        table.name(),
                        m.secs
                    );
                    *slot = Ok(Some(best(*current, m)));
                }
                Err(e) => {
                    eprintln!("race: {} on {} FAILED: {e}", reader.label(), table.name());
                    *slot = Err(e);
                }
            }
        }
    }
    for (reader, slot) in fast.into_iter().zip(bests) {
        let outcome = match slot {
            Ok(Some(m)) => Outcome::Measured(m),
            Ok(None) => Outcome::Skipped("no run".into()),
            Err(e) => Outcome::Failed(e),
        };
        outcomes.push((reader, outcome));
    }
    if options.readers.contains(&Reader::TapMssql) {
        let outcome = if table.rows > options.tap_max_rows {
            Outcome::Skipped(format!(
                "over --tap-max-rows {}",
                thousands(options.tap_max_rows)
            ))
        } else {
            match &readers.tap {
                Err(why) => Outcome::Skipped(why.clone()),
                Ok(_) => match readers.run(Reader::TapMssql, table) {
                    Ok(m) => {
                        eprintln!("race: tap-mssql on {}: {:.3} s", table.name(), m.secs);
                        Outcome::Measured(m)
                    }
                    Err(e) => Outcome::Failed(e),
                },
            }
        };
        outcomes.insert(1.min(outcomes.len()), (Reader::TapMssql, outcome));
    }
    TableResult {
        table: table.clone(),
        runs: options.runs,
        outcomes,
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(LOOP_CHILD_FLAG) {
        return child_main(&args[1..]);
    }
    let options = options(&args)?;
    let tables = tables(&options);
    let login = format!("{}:{}", LOGIN.0, LOGIN.1);
    let mut emulator_args = vec!["--login", &login, "--database", DATABASE];
    let data = options.data.as_ref().map(|d| d.display().to_string());
    if let Some(data) = &data {
        emulator_args.extend(["--data", data]);
    }
    let emulator = EmulatorProcess::start(&sibling_binary("mssql-emulator"), &emulator_args)?;
    seed(&emulator, &tables)?;

    let scratch = ScratchDir::new("race-bench")?;
    let readers = Readers::prepare(&options, &emulator, &scratch.0)?;
    let mut results = Vec::new();
    let mut checks = Vec::new();
    for table in &tables {
        let both = [Reader::Ours, Reader::TdsClientJson];
        if table.rows <= CHECK_MAX_ROWS && both.iter().all(|r| options.readers.contains(r)) {
            let check = check_records(&readers, table);
            match &check {
                Ok(lines) => eprintln!(
                    "race: {}: the RECORD writer's {lines} lines equal source-mssql read's",
                    table.name()
                ),
                Err(e) => eprintln!("race: {}: RECORD lines DIFFER: {e}", table.name()),
            }
            checks.push((table.name(), check));
        }
        results.push(race_table(&options, &readers, table));
    }
    let notes = vec![
        "each reader is its own process with its stdout drained; source-mssql and tap-mssql are timed \
         from start to exit, the loops, the RECORD writer and ConnectorX by their own clock around \
         login and query (their process start aside); peak RSS is that process's ru_maxrss"
            .to_string(),
        "the emulator serves from the same machine's cores; figures on a shared machine are noisy"
            .to_string(),
        format!("tap-mssql runs once per table, up to {} rows; the others best of {}", thousands(options.tap_max_rows), options.runs),
    ];
    let mut report = render(&results, &notes);
    for (name, check) in &checks {
        report.push_str(&match check {
            Ok(lines) => format!(
                "- tds-client RECORD writer's lines equal source-mssql read's on {name}: met ({lines} lines, emitted_at aside)\n"
            ),
            Err(e) => format!("- tds-client RECORD writer's lines equal source-mssql read's on {name}: MISSED ({e})\n"),
        });
    }
    println!("{report}");
    let failed = results
        .iter()
        .flat_map(|r| &r.outcomes)
        .any(|(_, o)| matches!(o, Outcome::Failed(_)));
    if failed || checks.iter().any(|(_, c)| c.is_err()) {
        return Err("some readers failed or differ (see the table)".into());
    }
    Ok(())
}
