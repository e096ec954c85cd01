//! Server-wide dynamic management views: `sys.dm_exec_sessions` and `sys.dm_exec_connections`,
//! over the engine's list of open sessions ([`Sessions`]). Each connection gets them as
//! TEMP views over a table-valued function (`functions::rowsets`) that reads the list when
//! scanned, so they are current at every query; their columns are typed here
//! ([`base_table`]), so results carry SQL Server's types by column origin.
//! (`sys.dm_db_partition_stats` is per database: a view in `schema::VIEWS`.)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use tds_protocol::types::{SqlError, SqlType};

use super::{ColumnInfo, TableMeta};
use crate::functions::rowsets::{self, RowSource, Rows};

/// What a client told about itself when it logged in.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub host_name: String,
    pub program_name: String,
    /// The client library (LOGIN7's library name: "ODBC", "DB-Library", "Tiberius"...).
    pub interface_name: String,
    /// The client's address and port, when the session came over TCP.
    pub address: Option<std::net::SocketAddr>,
    /// The server's address and port the client reached.
    pub local_address: Option<std::net::SocketAddr>,
    /// The connection is encrypted (TLS); `None` when the listener does not say.
    pub encrypted: Option<bool>,
}

/// One open session, as the views show it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub spid: u16,
    pub login: String,
    pub client: ClientInfo,
    /// Datetime storage of the login time.
    pub login_time: String,
    pub database_id: i64,
}

/// The engine's open sessions, by a key unique for the engine's life.
#[derive(Default)]
pub struct Sessions {
    next: AtomicU64,
    open: Mutex<BTreeMap<u64, SessionRow>>,
}

impl Sessions {
    /// Adds a session; the key removes it.
    pub fn add(&self, row: SessionRow) -> u64 {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(key, row);
        key
    }

    pub fn remove(&self, key: u64) {
        self.lock().remove(&key);
    }

    pub fn set_database(&self, key: u64, database_id: i64) {
        if let Some(r) = self.lock().get_mut(&key) {
            r.database_id = database_id;
        }
    }

    pub fn get(&self, key: u64) -> Option<SessionRow> {
        self.lock().get(&key).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, SessionRow>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rows(&self) -> Vec<SessionRow> {
        let mut rows: Vec<SessionRow> = self.lock().values().cloned().collect();
        rows.sort_by_key(|r| r.spid);
        rows
    }
}

const SYSNAME: SqlType = SqlType::NVarChar(Some(128));

/// `sys.dm_exec_sessions`, in SQL Server's column order and types.
const SESSION_COLUMNS: &[(&str, SqlType)] = &[
    ("session_id", SqlType::SmallInt),
    ("login_time", SqlType::DateTime),
    ("host_name", SYSNAME),
    ("program_name", SYSNAME),
    ("host_process_id", SqlType::Int),
    ("client_version", SqlType::Int),
    ("client_interface_name", SqlType::NVarChar(Some(32))),
    ("security_id", SqlType::VarBinary(Some(85))),
    ("login_name", SYSNAME),
    ("nt_domain", SYSNAME),
    ("nt_user_name", SYSNAME),
    ("status", SqlType::NVarChar(Some(30))),
    ("context_info", SqlType::VarBinary(Some(128))),
    ("cpu_time", SqlType::Int),
    ("memory_usage", SqlType::Int),
    ("total_scheduled_time", SqlType::Int),
    ("total_elapsed_time", SqlType::Int),
    ("endpoint_id", SqlType::Int),
    ("last_request_start_time", SqlType::DateTime),
    ("last_request_end_time", SqlType::DateTime),
    ("reads", SqlType::BigInt),
    ("writes", SqlType::BigInt),
    ("logical_reads", SqlType::BigInt),
    ("is_user_process", SqlType::Bit),
    ("text_size", SqlType::Int),
    ("language", SYSNAME),
    ("date_format", SqlType::NVarChar(Some(3))),
    ("date_first", SqlType::SmallInt),
    ("quoted_identifier", SqlType::Bit),
    ("arithabort", SqlType::Bit),
    ("ansi_null_dflt_on", SqlType::Bit),
    ("ansi_defaults", SqlType::Bit),
    ("ansi_warnings", SqlType::Bit),
    ("ansi_padding", SqlType::Bit),
    ("ansi_nulls", SqlType::Bit),
    ("concat_null_yields_null", SqlType::Bit),
    ("transaction_isolation_level", SqlType::SmallInt),
    ("lock_timeout", SqlType::Int),
    ("deadlock_priority", SqlType::Int),
    ("row_count", SqlType::BigInt),
    ("prev_error", SqlType::Int),
    ("original_security_id", SqlType::VarBinary(Some(85))),
    ("original_login_name", SYSNAME),
    ("last_successful_logon", SqlType::DateTime),
    ("last_unsuccessful_logon", SqlType::DateTime),
    ("unsuccessful_logons", SqlType::BigInt),
    ("group_id", SqlType::Int),
    ("database_id", SqlType::SmallInt),
    ("authenticating_database_id", SqlType::Int),
    ("open_transaction_count", SqlType::Int),
];

/// `sys.dm_exec_connections`.
const CONNECTION_COLUMNS: &[(&str, SqlType)] = &[
    ("session_id", SqlType::Int),
    ("most_recent_session_id", SqlType::Int),
    ("connect_time", SqlType::DateTime),
    ("net_transport", SqlType::NVarChar(Some(40))),
    ("protocol_type", SqlType::NVarChar(Some(40))),
    ("protocol_version", SqlType::Int),
    ("endpoint_id", SqlType::Int),
    ("encrypt_option", SqlType::NVarChar(Some(40))),
    ("auth_scheme", SqlType::NVarChar(Some(40))),
    ("node_affinity", SqlType::SmallInt),
    ("num_reads", SqlType::Int),
    ("num_writes", SqlType::Int),
    ("last_read", SqlType::DateTime),
    ("last_write", SqlType::DateTime),
    ("net_packet_size", SqlType::Int),
    ("client_net_address", SqlType::VarChar(Some(48))),
    ("client_tcp_port", SqlType::Int),
    ("local_net_address", SqlType::VarChar(Some(48))),
    ("local_tcp_port", SqlType::Int),
    ("connection_id", SqlType::UniqueIdentifier),
    ("parent_connection_id", SqlType::UniqueIdentifier),
    ("most_recent_sql_handle", SqlType::VarBinary(Some(64))),
];

/// A view's typed columns.
type Columns = &'static [(&'static str, SqlType)];

/// The views: (T-SQL name, table-valued function, columns).
const VIEWS: &[(&str, &str, Columns)] = &[
    ("dm_exec_sessions", "dm_exec_sessions", SESSION_COLUMNS),
    (
        "dm_exec_connections",
        "dm_exec_connections",
        CONNECTION_COLUMNS,
    ),
];

/// The SQLite name (in `temp`) of the server-wide view `sys.name`, if it is one.
pub fn server_view(name: &str) -> Option<String> {
    VIEWS
        .iter()
        .find(|(v, _, _)| v.eq_ignore_ascii_case(name))
        .map(|(v, _, _)| format!("sys.{v}"))
}

/// The typed columns of a view's function (`__mssql_tvf_dm_exec_sessions`), for result
/// types by column origin.
pub fn base_table(sqlite_name: &str) -> Option<TableMeta> {
    let (_, f, cols) = VIEWS
        .iter()
        .find(|(_, f, _)| rowsets::module_name(f).eq_ignore_ascii_case(sqlite_name))?;
    Some(TableMeta {
        object_id: 0,
        db: "main".into(),
        schema: "sys".into(),
        name: f.to_string(),
        sqlite_name: rowsets::module_name(f),
        is_view: true,
        columns: cols
            .iter()
            .map(|(n, ty)| ColumnInfo {
                name: n.to_string(),
                ty: *ty,
                nullable: true,
                identity: false,
                default: None,
            })
            .collect(),
        identity: None,
        storage: crate::storage::Storage::Rowid,
    })
}

/// Registers the views' functions and TEMP views on a session's connection; `own` is the
/// session's key (it is `running`, the others `sleeping`).
pub fn register(conn: &Connection, sessions: Arc<Sessions>, own: u64) -> Result<(), SqlError> {
    let internal = |e: rusqlite::Error| crate::errors::internal(&e);
    rowsets::register(
        conn,
        "dm_exec_sessions",
        Arc::new(SessionsView {
            sessions: sessions.clone(),
            own,
        }),
    )
    .map_err(internal)?;
    rowsets::register(
        conn,
        "dm_exec_connections",
        Arc::new(ConnectionsView { sessions }),
    )
    .map_err(internal)?;
    for (view, f, _) in VIEWS {
        conn.execute_batch(&format!(
            "CREATE TEMP VIEW IF NOT EXISTS \"sys.{view}\" AS SELECT * FROM main.{}",
            rowsets::module_name(f)
        ))
        .map_err(internal)?;
    }
    Ok(())
}

struct SessionsView {
    sessions: Arc<Sessions>,
    own: u64,
}

fn columns_of(cols: &'static [(&'static str, SqlType)]) -> &'static [&'static str] {
    // Names only; leaked once per view kind (two small slices for the process).
    static SESSIONS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    static CONNECTIONS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let cell = if std::ptr::eq(cols, SESSION_COLUMNS) {
        &SESSIONS
    } else {
        &CONNECTIONS
    };
    cell.get_or_init(|| cols.iter().map(|(n, _)| *n).collect())
}

fn text(s: &str) -> SqliteValue {
    SqliteValue::Text(s.to_string())
}

impl RowSource for SessionsView {
    fn columns(&self) -> &'static [&'static str] {
        columns_of(SESSION_COLUMNS)
    }

    fn arguments(&self) -> usize {
        0
    }

    fn rows(&self, _: &[ValueRef<'_>]) -> Result<Rows, SqlError> {
        let own = self.sessions.get(self.own).map(|r| r.spid);
        Ok(self
            .sessions
            .rows()
            .into_iter()
            .map(|r| {
                let running = Some(r.spid) == own;
                let int = SqliteValue::Integer;
                let mut row = Vec::with_capacity(SESSION_COLUMNS.len());
                for (name, _) in SESSION_COLUMNS {
                    row.push(match *name {
                        "session_id" => int(i64::from(r.spid)),
                        "login_time" | "last_request_start_time" | "last_request_end_time" => {
                            text(&r.login_time)
                        }
                        "host_name" => text(&r.client.host_name),
                        "program_name" => text(&r.client.program_name),
                        "client_interface_name" => text(&r.client.interface_name),
                        "login_name" | "original_login_name" => text(&r.login),
                        "security_id" | "original_security_id" => SqliteValue::Blob(vec![1]),
                        "status" => text(if running { "running" } else { "sleeping" }),
                        "host_process_id"
                        | "client_version"
                        | "cpu_time"
                        | "total_scheduled_time"
                        | "total_elapsed_time"
                        | "reads"
                        | "writes"
                        | "logical_reads"
                        | "row_count"
                        | "prev_error"
                        | "deadlock_priority"
                        | "open_transaction_count"
                        | "unsuccessful_logons" => int(0),
                        "memory_usage" | "endpoint_id" | "authenticating_database_id" => int(2),
                        "group_id" => int(2),
                        "is_user_process"
                        | "quoted_identifier"
                        | "arithabort"
                        | "ansi_null_dflt_on"
                        | "ansi_warnings"
                        | "ansi_padding"
                        | "ansi_nulls"
                        | "concat_null_yields_null" => int(1),
                        "ansi_defaults" => int(0),
                        "text_size" => int(2_147_483_647),
                        "language" => text("us_english"),
                        "date_format" => text("mdy"),
                        "date_first" => int(7),
                        "transaction_isolation_level" => int(2),
                        "lock_timeout" => int(-1),
                        "database_id" => int(r.database_id),
                        _ => SqliteValue::Null,
                    });
                }
                row
            })
            .collect())
    }
}

struct ConnectionsView {
    sessions: Arc<Sessions>,
}

impl RowSource for ConnectionsView {
    fn columns(&self) -> &'static [&'static str] {
        columns_of(CONNECTION_COLUMNS)
    }

    fn arguments(&self) -> usize {
        0
    }

    fn rows(&self, _: &[ValueRef<'_>]) -> Result<Rows, SqlError> {
        Ok(self
            .sessions
            .rows()
            .into_iter()
            .filter(|r| r.client.address.is_some())
            .map(|r| {
                let int = SqliteValue::Integer;
                let addr = r.client.address;
                let local = r.client.local_address;
                let mut row = Vec::with_capacity(CONNECTION_COLUMNS.len());
                for (name, _) in CONNECTION_COLUMNS {
                    row.push(match *name {
                        "session_id" | "most_recent_session_id" => int(i64::from(r.spid)),
                        "connect_time" | "last_read" | "last_write" => text(&r.login_time),
                        "net_transport" => text("TCP"),
                        "protocol_type" => text("TSQL"),
                        // TDS 7.4.
                        "protocol_version" => int(0x7400_0004),
                        "endpoint_id" => int(4),
                        "encrypt_option" => match r.client.encrypted {
                            Some(true) => text("TRUE"),
                            Some(false) => text("FALSE"),
                            None => SqliteValue::Null,
                        },
                        "auth_scheme" => text("SQL"),
                        "node_affinity" | "num_reads" | "num_writes" => int(0),
                        "net_packet_size" => int(4096),
                        "client_net_address" => {
                            addr.map_or(SqliteValue::Null, |a| text(&a.ip().to_string()))
                        }
                        "client_tcp_port" => {
                            addr.map_or(SqliteValue::Null, |a| int(i64::from(a.port())))
                        }
                        "local_net_address" => {
                            local.map_or(SqliteValue::Null, |a| text(&a.ip().to_string()))
                        }
                        "local_tcp_port" => {
                            local.map_or(SqliteValue::Null, |a| int(i64::from(a.port())))
                        }
                        "connection_id" => {
                            let mut g = [0u8; 16];
                            g[..8].copy_from_slice(&u64::from(r.spid).to_be_bytes());
                            g[8..].copy_from_slice(&(r.login_time.len() as u64).to_be_bytes());
                            text(&guid_text(&g))
                        }
                        _ => SqliteValue::Null,
                    });
                }
                row
            })
            .collect())
    }
}

fn guid_text(g: &[u8; 16]) -> String {
    let h: String = g.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
