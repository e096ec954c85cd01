//! `mssql-emulator`: a SQL Server you can run anywhere, a TDS 7.4 listener over
//! [`tsql_engine`].
//!
//! Embedded in tests:
//!
//! ```no_run
//! let server = mssql_emulator::Emulator::builder()
//!     .login("sa", "Passw0rd!")
//!     .database("shop")
//!     .init_sql("USE shop; CREATE TABLE items (id int PRIMARY KEY, name nvarchar(50))")
//!     .start("127.0.0.1:0")
//!     .unwrap();
//! println!("connect to {}", server.addr());
//! // Dropping `server` stops it.
//! ```
//!
//! - [`backend`]: the trait between the protocol and SQL, and its engine implementation.
//! - [`server`]: the listener and the protocol over any backend.
//! - [`init`]: initialisation scripts (`GO`-separated batches).
//!
//! TLS, Azure AD tokens, Azure redirects and transient login errors are set on the builder
//! too ([`EmulatorBuilder::encryption`], [`EmulatorBuilder::accept_token`],
//! [`EmulatorBuilder::route_to`], [`EmulatorBuilder::fail_logins`]), and so is the
//! statement log ([`EmulatorBuilder::log_statements`]).

pub mod backend;
pub mod init;
pub mod server;

use std::fmt;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

use tsql_engine::{Engine, EngineOptions, SqlError};

use backend::{Credentials, EngineBackend, LoginRequest};
use init::{split_batches, ErrorCollector};
pub use server::Encryption;
pub use server::StatementLog;
use server::{
    AcceptedTokens, InjectedFailures, LoginPolicy, ServerConfig, ServerHandle, TlsSetup,
    INJECTABLE_ERRORS,
};

/// Why the emulator could not start.
#[derive(Debug)]
pub enum StartError {
    Io(std::io::Error),
    /// The engine could not open its databases.
    Engine(SqlError),
    /// An init script failed: where (the script's name and line) and the error.
    Init {
        location: String,
        error: SqlError,
    },
    /// A setting cannot work (a bad certificate or key, an unknown error number to inject).
    Config(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Io(e) => write!(f, "{e}"),
            StartError::Engine(e) => write!(f, "cannot open the engine: {e}"),
            StartError::Init { location, error } => write!(f, "{location}: {error}"),
            StartError::Config(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for StartError {}

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> StartError {
        StartError::Io(e)
    }
}

/// Entry point of the embeddable API.
pub struct Emulator;

impl Emulator {
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// A script to run at start, named for error messages.
#[derive(Debug, Clone)]
struct Script {
    name: String,
    text: String,
}

/// A certificate and key in PEM, as given; the key stays out of `Debug`.
#[derive(Clone)]
struct TlsIdentity {
    cert_pem: String,
    key_pem: String,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_pem_len", &self.cert_pem.len())
            .finish_non_exhaustive()
    }
}

/// How to start an emulator.
#[derive(Debug, Clone, Default)]
pub struct EmulatorBuilder {
    logins: Vec<(String, String)>,
    databases: Vec<String>,
    default_database: Option<String>,
    scripts: Vec<Script>,
    data_dir: Option<PathBuf>,
    server_name: Option<String>,
    encryption: Encryption,
    tls_identity: Option<TlsIdentity>,
    tokens: AcceptedTokens,
    route: Option<(String, u16)>,
    failures: Option<InjectedFailures>,
    statement_log: Option<StatementLog>,
}

impl EmulatorBuilder {
    /// Accepts this login (any number of them; names are case-insensitive).
    pub fn login(mut self, user: &str, password: &str) -> Self {
        self.logins.push((user.to_string(), password.to_string()));
        self
    }

    /// Creates this database at start if it does not exist.
    pub fn database(mut self, name: &str) -> Self {
        self.databases.push(name.to_string());
        self
    }

    /// The database of logins that name none (as a login's default database in SQL
    /// Server); `master` unless set.
    pub fn default_database(mut self, name: &str) -> Self {
        self.default_database = Some(name.to_string());
        self
    }

    /// Runs this script at start, in `master` as `sa` would (scripts say `USE db`), split
    /// into batches at `GO` lines. Any error stops the start.
    pub fn init_sql(self, sql: &str) -> Self {
        let n = self.scripts.len() + 1;
        self.init_script(&format!("init script {n}"), sql)
    }

    /// As [`EmulatorBuilder::init_sql`], naming the script (a file name) in errors.
    pub fn init_script(mut self, name: &str, sql: &str) -> Self {
        self.scripts.push(Script {
            name: name.to_string(),
            text: sql.to_string(),
        });
        self
    }

    /// Where the databases live (see [`EngineOptions::data_dir`]); a temporary place
    /// that disappears with the emulator if not set.
    pub fn data_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(path.into());
        self
    }

    /// The server's name (`@@SERVERNAME`, and in messages).
    pub fn server_name(mut self, name: &str) -> Self {
        self.server_name = Some(name.to_string());
        self
    }

    /// What the server does about TLS; [`Encryption::Off`] (login-only encryption for
    /// clients that can encrypt, as SQL Server) unless set.
    pub fn encryption(mut self, e: Encryption) -> Self {
        self.encryption = e;
        self
    }

    /// The certificate (or chain, leaf first) and private key to serve, in PEM; without
    /// it, a self-signed certificate for `localhost` and `127.0.0.1` is made at start.
    pub fn tls_identity(mut self, cert_pem: &str, key_pem: &str) -> Self {
        self.tls_identity = Some(TlsIdentity {
            cert_pem: cert_pem.to_string(),
            key_pem: key_pem.to_string(),
        });
        self
    }

    /// Accepts this Azure AD access token (LOGIN7's federated authentication) as `user`;
    /// any other token fails with 18456. With at least one token, PRELOGIN answers
    /// FEDAUTHREQUIRED with 1.
    pub fn accept_token(mut self, token: &str, user: &str) -> Self {
        self.tokens.insert(token, user);
        self
    }

    /// Answers every login with a routing ENVCHANGE to `host:port` (Azure SQL's redirect
    /// connection policy) and closes the connection: the client reconnects there.
    pub fn route_to(mut self, host: &str, port: u16) -> Self {
        self.route = Some((host.to_string(), port));
        self
    }

    /// The first `count` logins fail with SQL Server's error `error_number` (its text,
    /// severity and state), later ones go on as usual. Known numbers: Azure's transient
    /// login errors 40613, 40197, 40501, 49918, 49919, 49920, 4221, 10928, 10929, and the
    /// permanent 18456 and 4060; another number makes `start` fail.
    pub fn fail_logins(mut self, count: u32, error_number: i32) -> Self {
        self.failures = Some(InjectedFailures {
            count,
            error_number,
        });
        self
    }

    /// Logs every login, SQL batch and RPC on stderr once answered: the connection's id
    /// (SPID), the time it took, its first error number, the SQL text or the procedures
    /// with their parameters (values shortened). Passwords and tokens are never logged.
    pub fn log_statements(mut self, on: bool) -> Self {
        self.statement_log = on.then(StatementLog::stderr);
        self
    }

    /// The statement log's lines (see [`EmulatorBuilder::log_statements`]) to `f`
    /// instead of stderr, e.g. for a test to read them.
    pub fn log_statements_to(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.statement_log = Some(StatementLog::to(f));
        self
    }

    /// The certificate the server will serve, made now if none was given; `None` when
    /// encryption is not supported.
    fn tls_setup(&self) -> Result<Option<Arc<TlsSetup>>, StartError> {
        if self.encryption == Encryption::NotSupported {
            return Ok(None);
        }
        let setup = match &self.tls_identity {
            Some(id) => TlsSetup::from_pem(&id.cert_pem, &id.key_pem),
            None => TlsSetup::self_signed(),
        };
        setup.map(|s| Some(Arc::new(s))).map_err(StartError::Config)
    }

    fn login_policy(&self) -> Result<LoginPolicy, StartError> {
        if let Some(f) = self.failures {
            if !INJECTABLE_ERRORS.contains(&f.error_number) {
                return Err(StartError::Config(format!(
                    "cannot inject login error {}: known numbers are {INJECTABLE_ERRORS:?}",
                    f.error_number
                )));
            }
        }
        Ok(LoginPolicy::new(
            self.tokens.clone(),
            self.route.clone(),
            self.failures,
        ))
    }

    /// Opens the engine, runs the init scripts and starts listening on `addr`
    /// (port 0 picks a free port: see [`RunningEmulator::addr`]).
    pub fn start(self, addr: impl ToSocketAddrs) -> Result<RunningEmulator, StartError> {
        let server_name = self
            .server_name
            .clone()
            .unwrap_or_else(|| "localhost".to_string());
        let tls = self.tls_setup()?;
        let login = Arc::new(self.login_policy()?);
        let engine = Engine::open(EngineOptions {
            data_dir: self.data_dir.clone(),
            databases: self.databases.clone(),
            server_name: server_name.clone(),
        })
        .map_err(StartError::Engine)?;
        run_scripts(&engine, &self.scripts)?;
        let credentials = Credentials::new(
            self.logins
                .iter()
                .map(|(user, password)| (user.as_str(), password.as_str())),
        );
        let default_database = self
            .default_database
            .clone()
            .unwrap_or_else(|| "master".to_string());
        let backend = Arc::new(EngineBackend::new(
            Arc::clone(&engine),
            credentials,
            default_database,
        ));
        let listener = TcpListener::bind(addr)?;
        let handle = server::start(
            listener,
            backend,
            ServerConfig {
                server_name,
                encryption: self.encryption,
                tls: tls.clone(),
                login: Arc::clone(&login),
                statement_log: self.statement_log.clone(),
                ..ServerConfig::default()
            },
        )?;
        Ok(RunningEmulator {
            handle,
            engine,
            tls,
            login,
        })
    }
}

/// Runs the scripts in one session of `sa` in `master`, batch by batch.
fn run_scripts(engine: &Arc<Engine>, scripts: &[Script]) -> Result<(), StartError> {
    if scripts.is_empty() {
        return Ok(());
    }
    let login = LoginRequest {
        user: "sa".into(),
        database: "master".into(),
        ..LoginRequest::default()
    };
    let mut session = engine
        .session(&login.user, &login.database, 1)
        .map_err(StartError::Engine)?;
    for script in scripts {
        for batch in split_batches(&script.text) {
            let mut collector = ErrorCollector::default();
            let result = session.execute(&batch.text, &mut [], &mut collector);
            let error = match (result, collector.first_error) {
                (_, Some(error)) => error,
                (Err(abort), None) => SqlError::new(0, 16, format!("batch aborted: {abort:?}")),
                (Ok(()), None) => continue,
            };
            let line = batch.first_line + error.line.saturating_sub(1);
            return Err(StartError::Init {
                location: format!("{}:{}", script.name, line),
                error,
            });
        }
    }
    Ok(())
}

/// A started emulator; dropping it stops it.
pub struct RunningEmulator {
    handle: ServerHandle,
    engine: Arc<Engine>,
    tls: Option<Arc<TlsSetup>>,
    login: Arc<LoginPolicy>,
}

impl RunningEmulator {
    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr()
    }

    /// The engine behind the server (for tests that look at its state directly).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The certificate it serves, in PEM (empty with [`Encryption::NotSupported`]): what
    /// a client trusts to verify this server.
    pub fn certificate_pem(&self) -> String {
        self.tls
            .as_ref()
            .map(|t| t.certificate_pem().to_string())
            .unwrap_or_default()
    }

    /// LOGIN7 messages received so far (failed and routed logins included).
    pub fn login_attempts(&self) -> u32 {
        self.login.attempts()
    }

    /// Of those, the logins that said ApplicationIntent=ReadOnly.
    pub fn read_only_logins(&self) -> u32 {
        self.login.read_only_attempts()
    }

    /// Stops accepting connections and closes the open ones.
    pub fn stop(mut self) {
        self.handle.stop();
    }
}
