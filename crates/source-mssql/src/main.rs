//! `source-mssql`: the Airbyte source for SQL Server, run as
//! `source-mssql spec | check --config C | discover --config C |
//! read --config C --catalog CAT [--state S]`.
//!
//! Stdout carries only Airbyte protocol messages, one per line; failures are
//! reported there as TRACE ERROR messages, and in one line on stderr for a
//! person at a terminal.

use clap::{Parser, Subcommand};
use source_mssql::commands;
use source_mssql::protocol::writer::MessageWriter;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "source-mssql",
    version,
    about = "Airbyte source for Microsoft SQL Server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    let mut out = MessageWriter::stdout();
    let result = match &cli.command {
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
