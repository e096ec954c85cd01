//! `source-mssql`: the Airbyte source for SQL Server, run as
//! `source-mssql spec | check --config C | discover --config C |
//! read --config C --catalog CAT [--state S]`.
//!
//! Stdout carries only Airbyte protocol messages, one per line; failures are
//! reported there as TRACE ERROR messages, and in one line on stderr for a
//! person at a terminal.
//!
//! Without a subcommand it is a Singer tap: `source-mssql --config C
//! --discover`, or `--config C --catalog CAT [--state S]` (`--properties` is
//! the older name of `--catalog`); messages on stdout, logs on stderr.

use clap::{Parser, Subcommand};
use source_mssql::protocol::writer::MessageWriter;
use source_mssql::{commands, singer_commands};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "source-mssql",
    version,
    about = "Airbyte source for Microsoft SQL Server"
)]
#[command(args_conflicts_with_subcommands = true)]
// A repeated flag takes its last value, as singer-python's taps do: Meltano's
// `invoke` passes its own `--catalog`/`--state` before the user's.
#[command(args_override_self = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    singer: SingerArgs,
}

/// The Singer tap's flags, used when no subcommand is given.
#[derive(clap::Args)]
struct SingerArgs {
    /// Singer: the config file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Singer: print the catalog.
    #[arg(long)]
    discover: bool,
    /// Singer: sync the streams this catalog selects.
    #[arg(long, alias = "properties")]
    catalog: Option<PathBuf>,
    /// Singer: the state to resume from.
    #[arg(long)]
    state: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the connector's specification.
    Spec,
    /// Check that the config can connect and read.
    Check {
        #[arg(long)]
        config: PathBuf,
    },
    /// List the tables that can be synced.
    Discover {
        #[arg(long)]
        config: PathBuf,
    },
    /// Sync the catalog's streams, from the state if given.
    Read {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        catalog: PathBuf,
        #[arg(long)]
        state: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = &cli.command else {
        return singer(&cli.singer);
    };
    let mut out = MessageWriter::stdout();
    let result = match command {
        Command::Spec => commands::spec(&mut out),
        Command::Check { config } => commands::check(&mut out, config),
        Command::Discover { config } => commands::discover(&mut out, config),
        Command::Read {
            config,
            catalog,
            state,
        } => commands::read(&mut out, config, catalog, state.as_deref()),
    };
    match result {
        Ok(()) => match out.flush() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("source-mssql: cannot write to stdout: {e}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("source-mssql: {}", error.message);
            // If stdout is gone there is nobody left to tell but stderr.
            let _ = commands::report(&mut out, &error);
            ExitCode::FAILURE
        }
    }
}

/// The Singer tap: errors go to stderr only, as Singer has no error message.
fn singer(args: &SingerArgs) -> ExitCode {
    let Some(config) = &args.config else {
        eprintln!(
            "source-mssql: give a subcommand (spec, check, discover, read), or run as a \
             Singer tap with --config CONFIG and --discover or --catalog CATALOG"
        );
        return ExitCode::from(2);
    };
    // `--discover` wins over `--catalog`, as in singer-python's taps: Meltano
    // adds its saved catalog and state to every invocation, discovery too.
    let result = match (&args.catalog, args.discover) {
        (_, true) => singer_commands::discover(&mut std::io::stdout().lock(), config),
        (Some(catalog), false) => {
            singer_commands::sync(std::io::stdout(), config, catalog, args.state.as_deref())
        }
        (None, false) => {
            eprintln!("source-mssql: give --discover or --catalog CATALOG");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("source-mssql: {}", error.message);
            ExitCode::FAILURE
        }
    }
}
