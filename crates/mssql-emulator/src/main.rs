//! `mssql-emulator`: a SQL Server you can run anywhere, a TDS 7.4 listener over [`tsql_engine`].
//!
//! Prints `listening HOST:PORT` as its first line on stdout once it accepts connections;
//! logs go to stderr; SIGINT or SIGTERM stops it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use clap::Parser;
use mssql_emulator::{Emulator, Encryption};

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
    /// TLS: not-supported (never), off (login packet only for clients that can encrypt,
    /// all of it for those that ask; SQL Server's default), required (everything after
    /// PRELOGIN), strict (TDS 8.0: TLS first, ALPN tds/8.0).
    #[arg(long, value_name = "MODE", default_value = "off")]
    encryption: Encryption,
    /// The certificate to serve, PEM (leaf first); default: a self-signed one for
    /// localhost and 127.0.0.1, made at start.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert, PEM.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Writes the certificate served (PEM) to this file once started, for clients that
    /// verify it.
    #[arg(long, value_name = "FILE")]
    write_certificate: Option<PathBuf>,
    /// An Azure AD access token the server accepts, and the user it logs in as, as
    /// USER:TOKEN (repeatable); other tokens fail with 18456.
    #[arg(long = "accept-token", value_name = "USER:TOKEN")]
    tokens: Vec<String>,
    /// Answers every login with a routing ENVCHANGE to HOST:PORT (Azure SQL's redirect).
    #[arg(long, value_name = "HOST:PORT")]
    route_to: Option<String>,
    /// The first COUNT logins fail with SQL Server's error NUMBER, as COUNT:NUMBER
    /// (40613, 40197, 40501, 49918, 49919, 49920, 4221, 10928, 10929, 18456, 4060).
    #[arg(long, value_name = "COUNT:NUMBER")]
    fail_logins: Option<String>,
    /// Logs every login, SQL batch and RPC on stderr once answered: connection id,
    /// duration, first error number, the SQL or the procedure and its parameters (values
    /// shortened). Passwords and tokens are never logged.
    #[arg(long)]
    log_statements: bool,
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
    builder = builder.encryption(args.encryption);
    builder = builder.log_statements(args.log_statements);
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let read = |flag: &str, path: &PathBuf| {
            std::fs::read_to_string(path).map_err(|e| format!("{flag} {}: {e}", path.display()))
        };
        builder = builder.tls_identity(&read("--tls-cert", cert)?, &read("--tls-key", key)?);
    }
    for entry in &args.tokens {
        // The token itself never goes into a message.
        let (user, token) = entry
            .split_once(':')
            .filter(|(user, token)| !user.is_empty() && !token.is_empty())
            .ok_or("--accept-token: expected USER:TOKEN")?;
        builder = builder.accept_token(token, user);
    }
    if let Some(route) = &args.route_to {
        let (host, port) = route
            .rsplit_once(':')
            .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
            .ok_or_else(|| format!("--route-to {route}: expected HOST:PORT"))?;
        builder = builder.route_to(host, port);
    }
    if let Some(spec) = &args.fail_logins {
        let (count, number) = spec
            .split_once(':')
            .and_then(|(c, n)| Some((c.parse::<u32>().ok()?, n.parse::<i32>().ok()?)))
            .ok_or_else(|| format!("--fail-logins {spec}: expected COUNT:NUMBER, e.g. 2:40613"))?;
        builder = builder.fail_logins(count, number);
    }

    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| format!("cannot install the signal handler: {e}"))?;

    let server = builder.start(&args.listen).map_err(|e| e.to_string())?;
    if let Some(path) = &args.write_certificate {
        std::fs::write(path, server.certificate_pem())
            .map_err(|e| format!("--write-certificate {}: {e}", path.display()))?;
    }
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {}", server.addr()).map_err(|e| e.to_string())?;
    stdout.flush().map_err(|e| e.to_string())?;

    let _ = stop_rx.recv();
    eprintln!("mssql-emulator: stopping");
    server.stop();
    Ok(())
}
