//! `mssql-emulator`: a SQL Server you can run anywhere, a TDS 7.4 listener over [`tsql_engine`].
//!
//! Prints `listening HOST:PORT` as its first line on stdout once it accepts connections;
//! logs go to stderr; SIGINT or SIGTERM stops it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use clap::Parser;
use mssql_emulator::Emulator;

#[derive(Parser, Debug)]
#[command(version, about = "A SQL Server (TDS 7.4) emulator on SQLite")]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:1433")]
    listen: String,
    /// A login the server accepts, as USER:PASSWORD (repeatable).
    #[arg(long = "login", value_name = "USER:PASSWORD", required = true)]
    logins: Vec<String>,
    /// A database to create at start if missing (repeatable).
    #[arg(long = "database", value_name = "NAME")]
    databases: Vec<String>,
    /// The database of logins that name none (default: master).
    #[arg(long, value_name = "NAME")]
    default_database: Option<String>,
    /// A T-SQL script to run at start, batches separated by GO lines (repeatable).
    #[arg(long = "init", value_name = "FILE.sql")]
    init: Vec<PathBuf>,
    /// Where the databases are kept (default: a temporary place, gone at exit).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mssql-emulator: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let mut builder = Emulator::builder();
    for login in &args.logins {
        let (user, password) = login
            .split_once(':')
            .ok_or_else(|| format!("--login {login}: expected USER:PASSWORD"))?;
        builder = builder.login(user, password);
    }
    for database in &args.databases {
        builder = builder.database(database);
    }
    if let Some(database) = &args.default_database {
        builder = builder.default_database(database);
    }
    for path in &args.init {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--init {}: {e}", path.display()))?;
        builder = builder.init_script(&path.display().to_string(), &text);
    }
    if let Some(data) = &args.data {
        builder = builder.data_file(data);
    }

    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| format!("cannot install the signal handler: {e}"))?;

    let server = builder.start(&args.listen).map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {}", server.addr()).map_err(|e| e.to_string())?;
    stdout.flush().map_err(|e| e.to_string())?;

    let _ = stop_rx.recv();
    eprintln!("mssql-emulator: stopping");
    server.stop();
    Ok(())
}
