//! Opening connections to the configured server.
//!
//! A [`Connector`] is made once per command and holds what every connection
//! of the sync shares: the network path ([`network`], where an SSH tunnel
//! plugs in) and the login's credentials. Parallel readers call
//! [`Connector::connect`] as often as they need.
//!
//! The TCP connect is bounded by the same `loginTimeout` as the login
//! (the driver bounds only the part after the socket is open), and an Azure
//! SQL gateway's redirect is followed once, as the JDBC driver does.
//! Azure's "try again" login errors and refused or reset connections are
//! retried with backoff ([`retry`]) for `connect_retry_seconds`; so is
//! fetching the Entra ID token, a step of the same attempt (a token
//! endpoint's refused connection, timeout, HTTP 429 or 5xx, its
//! `Retry-After` honoured). Every retry is logged with its reason and wait
//! (`protocol::log`: stderr, and LOG messages in Airbyte mode).

mod network;
mod retry;

use crate::azure_ad::Credentials;
use crate::config::{Config, Tls};
use crate::driver_error::{connect_error, strict_mismatch};
use crate::error::{Error, Result};
use crate::protocol::log;
use network::Network;
use retry::Backoff;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

/// A connection's byte stream: a TCP socket, or a channel of an SSH tunnel.
pub trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

pub type Client = tiberius::Client<Compat<Box<dyn Stream>>>;

/// Connects and logs in, once. Commands that open many connections make a
/// [`Connector`] instead.
pub async fn connect(config: &Config) -> Result<Client> {
    Connector::open(config).await?.connect().await
}

/// What every connection of one command shares.
#[derive(Debug)]
pub struct Connector {
    config: Config,
    network: Network,
    credentials: Credentials,
    /// The server offers no TLS, so even the login goes plain (see
    /// `server_lacks_tls`); learnt by the first connection.
    plain: AtomicBool,
}

impl Connector {
    /// Resolves the network path; connects to nothing yet.
    pub async fn open(config: &Config) -> Result<Self> {
        Ok(Self {
            config: config.clone(),
            network: Network::open(config).await?,
            credentials: Credentials::new(&config.authentication, config.jdbc.login_timeout)?,
            plain: AtomicBool::new(false),
        })
    }

    /// The SSH bastion's host key fingerprint, when connections go
    /// through one.
    pub fn tunnel_host_key(&self) -> Option<&str> {
        self.network.tunnel_host_key()
    }

    /// A new connection, logged in; transient failures are retried.
    pub async fn connect(&self) -> Result<Client> {
        let mut backoff = Backoff::new(self.config.connect_retry);
        loop {
            let failure = match self.connect_once().await {
                Ok(client) => return Ok(client),
                Err(failure) => failure,
            };
            let Some(because) = failure.retry_because else {
                return Err(failure.error);
            };
            let Some(wait) = backoff.next_wait(failure.retry_after) else {
                return Err(self.gave_up(failure.error, &backoff));
            };
            log::warn(&format!(
                "connecting to {}:{} failed ({because}); retrying in {:.1}s (try {})",
                self.config.host,
                self.config.port,
                wait.as_secs_f64(),
                backoff.tries + 1
            ));
            tokio::time::sleep(wait).await;
        }
    }

    /// The last error, saying how long it was retried (if it was).
    fn gave_up(&self, error: Error, backoff: &Backoff) -> Error {
        if backoff.tries < 2 {
            return error;
        }
        let message = format!(
            "{} (gave up after {} tries in {:.0}s; `connect_retry_seconds` sets how long to keep \
             trying, at most {} s in `check`)",
            error.message,
            backoff.tries,
            backoff.elapsed().as_secs_f64(),
            crate::commands::CHECK_RETRY.as_secs()
        );
        Error { message, ..error }
    }

    /// One try: log in, following one redirect.
    async fn connect_once(&self) -> Result<Client, Failure> {
        let config = &self.config;
        match self.connect_to(&config.host, config.port).await {
            Ok(client) => Ok(client),
            Err(Attempt::Redirect { host, port }) => match self.connect_to(&host, port).await {
                Ok(client) => Ok(client),
                Err(Attempt::Failed(failure)) => Err(failure),
                Err(redirect) => Err(Error::from(redirect).into()),
            },
            Err(Attempt::Failed(failure)) => Err(failure),
        }
    }

    async fn connect_to(&self, host: &str, port: u16) -> Result<Client, Attempt> {
        let address = format!("{host}:{port}");
        let plain = self.plain.load(Ordering::Relaxed);
        let mut result = self.login(host, port, plain).await?;
        if let Err(e) = &result {
            if !plain && self.server_lacks_tls(e) {
                self.plain.store(true, Ordering::Relaxed);
                log::warn(&format!(
                    "SQL Server at {address} offers no encryption at all; with ssl_mode \
                     unencrypted the login, password included, goes unencrypted"
                ));
                result = self.login(host, port, true).await?;
            }
        }
        match result {
            Ok(client) => Ok(client),
            Err(tiberius::error::Error::Routing { host, port }) => {
                Err(Attempt::Redirect { host, port })
            }
            Err(e) => {
                let strict = matches!(self.config.tls, Tls::Strict(_));
                let mut failure = Failure::driver(&e, &address, strict);
                if self.config.authentication.is_token() {
                    failure.error = token_refused(failure.error, &e);
                }
                Err(Attempt::Failed(failure))
            }
        }
    }

    /// Opens the stream and logs in; `plain`: without even login-only TLS.
    async fn login(
        &self,
        host: &str,
        port: u16,
        plain: bool,
    ) -> Result<tiberius::Result<Client>, Attempt> {
        let token = self.credentials.token().await.map_err(Attempt::Failed)?;
        let mut driver_config = self
            .config
            .driver_config(host, port, token.as_ref())
            .map_err(|e| Attempt::Failed(e.into()))?;
        if plain {
            driver_config.encryption(tiberius::EncryptionLevel::NotSupported);
        }
        let stream = self
            .network
            .stream(host, port, self.config.jdbc.login_timeout)
            .await
            .map_err(Attempt::Failed)?;
        Ok(tiberius::Client::connect(driver_config, stream.compat_write()).await)
    }

    /// SQL Server encrypts the login even when asked not to, and the driver
    /// insists on it; a server with no TLS at all (ENCRYPT_NOT_SUP) then
    /// drops the handshake. With `unencrypted`, that server is served plain.
    fn server_lacks_tls(&self, error: &tiberius::error::Error) -> bool {
        self.config.tls == Tls::Unencrypted
            && match error {
                tiberius::error::Error::Io { message, .. } => message.contains("tls handshake"),
                tiberius::error::Error::Tls(_) => true,
                _ => false,
            }
    }
}

/// A refused token login: the fix is on the Entra ID side, not a password.
fn token_refused(error: Error, driver: &tiberius::error::Error) -> Error {
    match driver {
        tiberius::error::Error::Server(token) if token.code() == 18456 => Error {
            message: format!(
                "SQL Server refused the Entra ID login: {} Check that the identity is a user of \
                 the database (CREATE USER [name] FROM EXTERNAL PROVIDER) and that its token is \
                 for https://database.windows.net/ and not expired",
                token.message()
            ),
            ..error
        },
        _ => error,
    }
}

/// Why one attempt to connect gave no client.
enum Attempt {
    /// The server sent us elsewhere (an Azure SQL gateway does).
    Redirect {
        host: String,
        port: u16,
    },
    Failed(Failure),
}

/// A redirect here is a second one: we don't follow chains.
impl From<Attempt> for Error {
    fn from(attempt: Attempt) -> Self {
        match attempt {
            Attempt::Failed(failure) => failure.error,
            Attempt::Redirect { host, port } => Error::transient(format!(
                "SQL Server redirected the connection twice, the second time to {host}:{port}; \
                 retry later"
            )),
        }
    }
}

/// A failed attempt, and whether trying again may help.
#[derive(Debug)]
pub struct Failure {
    pub error: Error,
    /// What made it worth a retry ("error 40613", "connection refused").
    pub retry_because: Option<String>,
    /// How long the server asked us to wait first (`Retry-After`).
    pub retry_after: Option<std::time::Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self {
            error,
            retry_because: None,
            retry_after: None,
        }
    }
}

impl Failure {
    /// A socket error: refused and reset connections are worth a retry.
    pub fn io(error: Error, kind: std::io::ErrorKind) -> Self {
        use std::io::ErrorKind::*;
        let retry_because = match kind {
            ConnectionRefused => Some("connection refused".to_string()),
            ConnectionReset | ConnectionAborted => Some("connection reset".to_string()),
            _ => None,
        };
        Self {
            error,
            retry_because,
            retry_after: None,
        }
    }

    /// The driver's error while logging in to `address`; `strict`: with
    /// TDS 8.0 strict encryption.
    fn driver(error: &tiberius::error::Error, address: &str, strict: bool) -> Self {
        use tiberius::error::{Error as Driver, IoErrorKind};
        let retry_because = match error {
            Driver::Server(token) if crate::driver_error::is_transient_login(token.code()) => {
                Some(format!("error {}", token.code()))
            }
            Driver::Io {
                kind: IoErrorKind::ConnectionRefused,
                ..
            } => Some("connection refused".to_string()),
            Driver::Io {
                kind: IoErrorKind::ConnectionReset | IoErrorKind::ConnectionAborted,
                ..
            } => Some("connection reset".to_string()),
            _ => None,
        };
        Self {
            error: strict_mismatch(error, strict, address)
                .unwrap_or_else(|| connect_error(error, address)),
            retry_because,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::airbyte::FailureType;

    fn config(port: u16, extra: serde_json::Value) -> Config {
        let mut value = serde_json::json!({"host": "127.0.0.1", "port": port, "database": "d",
                                           "username": "u", "password": "p"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            value[k] = v.clone();
        }
        Config::from_value(&value).unwrap()
    }

    /// A port nobody listens on: bind one, then close it.
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[tokio::test]
    async fn refused_connection_is_a_config_error() {
        let port = closed_port();
        let quick = serde_json::json!({"connect_retry_seconds": 1});
        let Err(err) = connect(&config(port, quick)).await else {
            panic!("nobody listens on {port}")
        };
        assert_eq!(err.failure_type, FailureType::ConfigError);
        assert!(
            err.message
                .contains(&format!("cannot reach SQL Server at 127.0.0.1:{port}")),
            "{}",
            err.message
        );
        // Retried for the second it was given, then given up.
        assert!(err.message.contains("gave up after"), "{}", err.message);
    }

    #[tokio::test]
    async fn a_tunnel_config_connects_through_the_bastion() {
        // The server's port is open, the bastion's is not: the connection
        // must fail at the bastion, not reach the server directly.
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let bastion = closed_port();
        let tunnel = serde_json::json!({"tunnel_method": {"tunnel_method": "SSH_PASSWORD_AUTH",
            "tunnel_host": "127.0.0.1", "tunnel_port": bastion, "tunnel_user": "u",
            "tunnel_user_password": "x"}});
        let port = server.local_addr().unwrap().port();
        let Err(err) = connect(&config(port, tunnel)).await else {
            panic!("nobody listens on the bastion's port {bastion}")
        };
        let expected = format!("cannot reach the SSH bastion at 127.0.0.1:{bastion}");
        assert!(err.message.contains(&expected), "{}", err.message);
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        // Accepts the TCP connection but never answers the prelogin.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let config = config(
            port,
            serde_json::json!({"jdbc_url_params": "loginTimeout=1"}),
        );
        let Err(err) = connect(&config).await else {
            panic!("the server never answered")
        };
        drop(listener);
        assert_eq!(
            err.failure_type,
            FailureType::ConfigError,
            "{}",
            err.message
        );
        assert!(
            err.message.contains("did not answer in time"),
            "{}",
            err.message
        );
    }
}
