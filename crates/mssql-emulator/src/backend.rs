//! The line between the protocol and SQL: what a connection needs from whatever runs its
//! statements. [`EngineBackend`] is the real one (the T-SQL engine); tests of the
//! connection code use small backends of their own, with no SQLite.

use std::collections::HashMap;
use std::sync::Arc;

use tsql_engine::{
    Abort, BulkRows, ColumnMeta, Done, Engine, Param, ResultSink, Session, SqlError,
};

/// Who is logging in, from LOGIN7.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginRequest {
    pub user: String,
    pub password: String,
    /// The database the client asked for; empty for the login's default.
    pub database: String,
    pub app_name: String,
    pub host_name: String,
    /// The client library ("ODBC", "DB-Library", "Tiberius"...).
    pub library_name: String,
    pub language: String,
    /// The connection's server process id, as `@@SPID` returns it.
    pub spid: u16,
    /// The listener already knows who this is (an accepted fed-auth token): no password.
    pub preauthenticated: bool,
    /// The client's address, and the server's it connected to (`sys.dm_exec_connections`).
    pub client_address: Option<std::net::SocketAddr>,
    pub local_address: Option<std::net::SocketAddr>,
}

/// What the protocol side needs from the SQL side.
pub trait Backend: Send + Sync + 'static {
    /// One connection's state; lives on that connection's thread only.
    type Session;

    /// Checks the credentials and opens a session in the requested (or default) database.
    /// The error is sent to the client as is (18456 bad login, 4060 unknown database).
    fn login(&self, login: &LoginRequest) -> Result<Self::Session, SqlError>;

    /// The session's current database.
    fn database(&self, session: &Self::Session) -> String;

    /// Runs a batch, streaming its results into `out`.
    fn execute(
        &self,
        session: &mut Self::Session,
        sql: &str,
        params: &mut [Param],
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort>;

    /// A transaction manager BEGIN.
    fn begin_transaction(
        &self,
        session: &mut Self::Session,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort>;

    /// A transaction manager COMMIT.
    fn commit(&self, session: &mut Self::Session, out: &mut dyn ResultSink) -> Result<(), Abort>;

    /// A transaction manager ROLLBACK.
    fn rollback(&self, session: &mut Self::Session, out: &mut dyn ResultSink) -> Result<(), Abort>;

    /// A BulkLoad message's rows (described by `columns`, its COLMETADATA), into the table
    /// of the `INSERT BULK` that came before it. Backends without bulk load refuse it.
    fn bulk_load(
        &self,
        session: &mut Self::Session,
        columns: &[ColumnMeta],
        rows: &mut dyn BulkRows,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        let _ = (session, columns, rows);
        let e = SqlError::new(4806, 16, "This server does not support bulk load.");
        out.message(&e, true)?;
        out.done(Done {
            rowcount: None,
            error: true,
        })
    }
}

/// The logins a server accepts: names compare case-insensitively (as SQL Server's default
/// collation does), passwords exactly.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    logins: HashMap<String, String>,
}

impl Credentials {
    pub fn new<'a>(logins: impl IntoIterator<Item = (&'a str, &'a str)>) -> Credentials {
        Credentials {
            logins: logins
                .into_iter()
                .map(|(user, password)| (user.to_lowercase(), password.to_string()))
                .collect(),
        }
    }

    /// `Ok` for a known login with its password; SQL Server's 18456 otherwise (which, as
    /// SQL Server does, does not tell the client which of the two was wrong).
    pub fn check(&self, user: &str, password: &str) -> Result<(), SqlError> {
        match self.logins.get(&user.to_lowercase()) {
            Some(expected) if expected == password => Ok(()),
            _ => Err(login_failed(user)),
        }
    }
}

/// Error 18456, the answer to any failed login.
pub fn login_failed(user: &str) -> SqlError {
    SqlError::new(18456, 14, format!("Login failed for user '{user}'."))
}

/// The real backend: the T-SQL engine, behind a list of logins.
pub struct EngineBackend {
    engine: Arc<Engine>,
    credentials: Credentials,
    /// The database of a login that names none.
    default_database: String,
}

impl EngineBackend {
    pub fn new(
        engine: Arc<Engine>,
        credentials: Credentials,
        default_database: impl Into<String>,
    ) -> EngineBackend {
        EngineBackend {
            engine,
            credentials,
            default_database: default_database.into(),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }
}

impl Backend for EngineBackend {
    type Session = Session;

    fn login(&self, login: &LoginRequest) -> Result<Session, SqlError> {
        if !login.preauthenticated {
            self.credentials.check(&login.user, &login.password)?;
        }
        let database = if login.database.is_empty() {
            &self.default_database
        } else {
            &login.database
        };
        let client = tsql_engine::ClientInfo {
            host_name: login.host_name.clone(),
            program_name: login.app_name.clone(),
            interface_name: login.library_name.clone(),
            address: login.client_address,
            local_address: login.local_address,
            encrypted: None,
        };
        self.engine
            .session_for(&login.user, database, login.spid, client)
    }

    fn database(&self, session: &Session) -> String {
        session.database().to_string()
    }

    fn execute(
        &self,
        session: &mut Session,
        sql: &str,
        params: &mut [Param],
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        session.execute(sql, params, out)
    }

    fn begin_transaction(
        &self,
        session: &mut Session,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        session.begin_transaction(out)
    }

    fn commit(&self, session: &mut Session, out: &mut dyn ResultSink) -> Result<(), Abort> {
        session.commit(out)
    }

    fn rollback(&self, session: &mut Session, out: &mut dyn ResultSink) -> Result<(), Abort> {
        session.rollback(out)
    }

    fn bulk_load(
        &self,
        session: &mut Session,
        columns: &[ColumnMeta],
        rows: &mut dyn BulkRows,
        out: &mut dyn ResultSink,
    ) -> Result<(), Abort> {
        session.bulk_load(columns, rows, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_ignore_name_case_but_not_password_case() {
        let creds = Credentials::new([("sa", "Secret1")]);
        assert!(creds.check("SA", "Secret1").is_ok());
        let err = creds.check("sa", "secret1").unwrap_err();
        assert_eq!(err.number, 18456);
        assert_eq!(err.class, 14);
        assert_eq!(err.message, "Login failed for user 'sa'.");
        assert!(creds.check("bob", "Secret1").is_err());
    }
}
