//! What a connection is asked to be: who logs in, how it is encrypted and how the server's
//! certificate is checked, and the LOGIN7 settings.

use tds_protocol::packet::MAX_PACKET_SIZE;

/// How the client logs in.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// A SQL Server login.
    SqlServer { user: String, password: String },
    /// An Entra ID (Azure AD) access token, sent as LOGIN7's FEDAUTH feature (the
    /// SecurityToken library): the caller fetched it.
    AccessToken(String),
}

/// Never shows the password or the token.
impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::SqlServer { user, .. } => f
                .debug_struct("SqlServer")
                .field("user", user)
                .field("password", &"<hidden>")
                .finish(),
            Auth::AccessToken(_) => f.write_str("AccessToken(<hidden>)"),
        }
    }
}

/// What the client says about encryption (MS-TDS 2.2.6.5), and what it then accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encryption {
    /// ENCRYPT_OFF: the client can encrypt but does not ask. A server that supports TLS
    /// encrypts the login only (then the session is plain); one that requires it encrypts
    /// everything; one without TLS gets a plain login. Certificates of a login-only TLS
    /// are not checked (as SQL Server's own drivers do with `Encrypt=no`).
    #[default]
    Off,
    /// ENCRYPT_ON: everything after PRELOGIN is TLS; a server without TLS is refused.
    On,
    /// ENCRYPT_NOT_SUP: never TLS; a server that requires it refuses the connection.
    NotSupported,
    /// TDS 8.0 strict: TLS first on the socket (ALPN `tds/8.0`), PRELOGIN and everything
    /// after it inside.
    Strict,
}

/// How the server's certificate is checked when the session is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Any certificate (`TrustServerCertificate=true`): encrypted, not authenticated.
    Any,
    /// The platform's trusted roots and, if given, the PEM certificates (the server's own
    /// or its CA's); the name checked is `host_name_in_certificate`, else the host.
    Verify {
        ca_pem: Option<String>,
        host_name_in_certificate: Option<String>,
    },
}

impl Default for Trust {
    fn default() -> Trust {
        Trust::Verify {
            ca_pem: None,
            host_name_in_certificate: None,
        }
    }
}

/// Everything a connection needs besides its byte stream.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server's name as the user gave it: sent in LOGIN7, used for SNI and as the name
    /// the certificate must carry.
    pub host: String,
    pub auth: Auth,
    /// The database to log in to (empty: the login's default database).
    pub database: String,
    pub application_name: String,
    pub encryption: Encryption,
    pub trust: Trust,
    /// The packet size asked for: the server grants it or less (ENVCHANGE), and requests
    /// are cut into packets of what it grants.
    pub packet_size: u32,
    /// ApplicationIntent=ReadOnly: a readable secondary may serve the session.
    pub read_only_intent: bool,
}

impl Config {
    /// A config for `host` with `auth` and the defaults: encryption off (login-only TLS
    /// where the server has it), certificates verified, the largest packets.
    pub fn new(host: impl Into<String>, auth: Auth) -> Config {
        Config {
            host: host.into(),
            auth,
            database: String::new(),
            application_name: "tds-client".into(),
            encryption: Encryption::Off,
            trust: Trust::default(),
            packet_size: MAX_PACKET_SIZE as u32,
            read_only_intent: false,
        }
    }
}
