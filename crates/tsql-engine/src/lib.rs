//! A T-SQL engine on SQLite.
//!
//! T-SQL is parsed with sqlparser's MsSqlDialect (after a pre-pass for the forms it does not
//! parse), rewritten to SQLite's dialect, and run on an embedded SQLite with SQL Server's
//! types, collation, errors and catalog views layered on top.
//!
//! - [`Engine`]: the server's databases; shared by all sessions.
//! - [`Session`]: one client connection's state (current database, transactions, temp tables).
//! - [`sink`]: what a batch produces, streamed to the caller.
//!
//! How a batch runs: `translate` parses it (one syntax error rejects all of it, as in SQL
//! Server); `session` dispatches each statement: queries to `results` (rewritten by
//! `translate::expr`, names resolved by `translate::names`, streamed with types from
//! `typing`), writes to `dml`/`merge`, DDL to `ddl`/`ddl_keys`/`ddl_databases`, which keep
//! the metadata tables of `catalog` in step; `keys` raises duplicate-key errors;
//! `bulk` runs INSERT BULK and a bulk client's rows;
//! `transactions` nests BEGIN/COMMIT; `try_catch` runs TRY/CATCH blocks; `errors` maps
//! SQLite failures to SQL Server's. Operators and literals are chosen by the operands'
//! static types (`typing`, `translate::ops`): decimal and money are text in SQLite, so
//! their arithmetic goes through the exact `__mssql_*` functions.
//!
//! Storage: each database is a SQLite file attached under its name to every session's
//! connection; `schema.table` is the SQLite table `"schema.table"`; `#temp` tables live in
//! the connection's `temp` schema. A heap is a rowid table; a table with a clustered key is
//! a `WITHOUT ROWID` table keyed by it, in SQL Server's order (`storage`).

pub mod sink;

// engine-values' modules.
pub mod collation;
pub mod convert;
pub mod functions;
pub mod typename;
pub mod values;

// engine-core's modules.
pub mod bulk;
pub mod catalog;
mod databases;
mod ddl;
mod ddl_databases;
mod ddl_keys;
mod ddl_rename;
mod dml;
pub mod errors;
mod explain;
mod keys;
mod merge;
mod procedures;
mod query_cache;
mod results;
mod session;
mod session_functions;
pub mod storage;
mod transactions;
mod translate;
mod try_catch;
mod typing;

pub use bulk::{BulkFail, BulkRows};
pub use catalog::dm::ClientInfo;
pub use session::Session;
pub use sink::{Abort, Done, EnvChange, Param, ResultSink};
pub use tds_protocol::types::{ColumnMeta, SqlError, SqlType, Updateable, Value};

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use databases::DbEntry;

/// How to open an engine.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Where databases live, one SQLite file each. `None`: a private temporary directory
    /// (in memory where the machine has `/dev/shm`) removed when the engine is dropped.
    pub data_dir: Option<PathBuf>,
    /// Databases to create at start if missing (besides `master`, `tempdb`, `model`, `msdb`).
    pub databases: Vec<String>,
    /// The name `@@SERVERNAME`, `SERVERPROPERTY('ServerName')` and ERROR tokens carry.
    pub server_name: String,
}

/// The server's databases, shared by all sessions.
pub struct Engine {
    dir: PathBuf,
    /// Remove `dir` on drop (a private temporary directory).
    temporary: bool,
    server_name: String,
    databases: Mutex<Vec<DbEntry>>,
    /// Bumped by every change of the database list; sessions re-attach when it moved.
    db_generation: AtomicU64,
    /// Bumped by every DDL; cached table descriptions older than it are dropped.
    catalog_generation: AtomicU64,
    cache: Mutex<catalog::Cache>,
    next_descriptor: AtomicU64,
    /// Tables whose key triggers exist: (db, SQLite table, catalog generation).
    triggers_ready: Mutex<std::collections::HashSet<(String, String, u64)>>,
    /// The open sessions (`sys.dm_exec_sessions`).
    pub(crate) sessions: Arc<catalog::dm::Sessions>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn private_dir() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!(
        "mssql-emulator-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

impl Engine {
    pub fn open(options: EngineOptions) -> Result<Arc<Engine>, SqlError> {
        let (dir, temporary) = match &options.data_dir {
            Some(d) => (d.clone(), false),
            None => (private_dir(), true),
        };
        std::fs::create_dir_all(&dir).map_err(|e| {
            SqlError::new(
                5123,
                16,
                format!("Cannot create the data directory {}: {e}", dir.display()),
            )
        })?;
        let server_name = if options.server_name.is_empty() {
            "localhost".to_string()
        } else {
            options.server_name.clone()
        };
        let engine = Engine {
            dir: dir.clone(),
            temporary,
            server_name,
            databases: Mutex::new(Vec::new()),
            db_generation: AtomicU64::new(1),
            catalog_generation: AtomicU64::new(1),
            cache: Mutex::new(catalog::Cache::default()),
            next_descriptor: AtomicU64::new(1),
            triggers_ready: Mutex::new(std::collections::HashSet::new()),
            sessions: Arc::new(catalog::dm::Sessions::default()),
        };
        let master = DbEntry {
            name: "master".into(),
            id: 1,
            path: databases::file_for(&dir, "master"),
        };
        let conn = databases::connect(std::slice::from_ref(&master))?;
        catalog::init_database(&conn, "master", "master")?;
        let known = databases::list(&conn, &dir)?;
        if known.is_empty() {
            conn.execute(
                "INSERT INTO master.__mssql_databases VALUES ('master', 1, NULL, X'01', strftime('%Y-%m-%d %H:%M:%f0000', 'now'), 160, ?1, 0, 'MULTI_USER', 0, 0, 'ONLINE', 3, 'SIMPLE', ?2)",
                rusqlite::params![catalog::types::COLLATION, master.path.to_string_lossy()],
            )
            .map_err(|e| errors::internal(&e))?;
        }
        // tempdb starts empty on every start, as SQL Server's does.
        let _ = conn.execute(
            "DELETE FROM master.__mssql_databases WHERE name = 'tempdb'",
            [],
        );
        let wanted = databases::SYSTEM_DATABASES
            .iter()
            .map(|s| s.to_string())
            .chain(options.databases.iter().cloned());
        for name in wanted {
            let exists = databases::list(&conn, &dir)?
                .iter()
                .any(|d| d.name.eq_ignore_ascii_case(&name));
            if !exists {
                databases::create(&conn, &dir, &name)?;
            }
        }
        let list = databases::list(&conn, &dir)?;
        drop(conn);
        // Existing files get the catalog views this version defines.
        let all = databases::connect(&list)?;
        for d in &list {
            catalog::init_database(&all, &d.name, &d.name)?;
        }
        drop(all);
        // Attach-time initialisation of existing files (older files may lack new views).
        *engine.databases.lock().unwrap_or_else(|p| p.into_inner()) = list;
        Ok(Arc::new(engine))
    }

    /// True if a database of that name exists (case-insensitive).
    pub fn database_exists(&self, name: &str) -> bool {
        self.database(name).is_some()
    }

    /// The database of that name, as it was created.
    fn database(&self, name: &str) -> Option<DbEntry> {
        self.databases_list()
            .into_iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    fn databases_list(&self) -> Vec<DbEntry> {
        self.databases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_databases(&self, list: Vec<DbEntry>) {
        *self.databases.lock().unwrap_or_else(|p| p.into_inner()) = list;
        self.db_generation.fetch_add(1, Ordering::SeqCst);
        self.bump_catalog();
    }

    fn bump_catalog(&self) {
        self.catalog_generation.fetch_add(1, Ordering::SeqCst);
    }

    fn catalog_generation(&self) -> u64 {
        self.catalog_generation.load(Ordering::SeqCst)
    }

    fn descriptor(&self) -> u64 {
        self.next_descriptor.fetch_add(1, Ordering::Relaxed)
    }

    /// A new session in `database` for `login`: SQL Server's error 4060 when it does not exist.
    /// `spid` is what `@@SPID` returns.
    pub fn session(
        self: &Arc<Engine>,
        login: &str,
        database: &str,
        spid: u16,
    ) -> Result<Session, SqlError> {
        self.session_for(login, database, spid, ClientInfo::default())
    }

    /// [`Engine::session`] for a client that told who it is (`HOST_NAME()`, `APP_NAME()`,
    /// `sys.dm_exec_sessions`, `sys.dm_exec_connections`).
    pub fn session_for(
        self: &Arc<Engine>,
        login: &str,
        database: &str,
        spid: u16,
        client: ClientInfo,
    ) -> Result<Session, SqlError> {
        let db = self.database(database).ok_or_else(|| {
            SqlError::new(
                4060,
                11,
                format!(
                    "Cannot open database \"{database}\" requested by the login. The login failed."
                ),
            )
        })?;
        Session::new(self.clone(), login, &db.name, spid, client)
    }
}
