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

mod network;

use crate::config::Config;
use crate::driver_error::connect_error;
use crate::error::{Error, Result};
use network::Network;
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
}

impl Connector {
    /// Resolves the network path; connects to nothing yet.
    pub async fn open(config: &Config) -> Result<Self> {
        Ok(Self {
            config: config.clone(),
            network: Network::open(config).await?,
        })
    }

    /// The SSH bastion's host key fingerprint, when connections go
    /// through one.
    pub fn tunnel_host_key(&self) -> Option<&str> {
        self.network.tunnel_host_key()
    }

    /// A new connection, logged in, following one redirect.
    pub async fn connect(&self) -> Result<Client> {
        let config = &self.config;
        match self.connect_to(&config.host, config.port).await {
            Ok(client) => Ok(client),
            Err(Attempt::Redirect { host, port }) => {
                self.connect_to(&host, port).await.map_err(Error::from)
            }
            Err(Attempt::Failed(failure)) => Err(failure.error),
        }
    }

    async fn connect_to(&self, host: &str, port: u16) -> Result<Client, Attempt> {
        let address = format!("{host}:{port}");
        let driver_config = self
            .config
            .tiberius_config(host, port)
            .map_err(|e| Attempt::Failed(e.into()))?;
        let stream = self
            .network
            .stream(host, port, self.config.jdbc.login_timeout)
            .await
            .map_err(Attempt::Failed)?;
        match tiberius::Client::connect(driver_config, stream.compat_write()).await {
            Ok(client) => Ok(client),
            Err(tiberius::error::Error::Routing { host, port }) => {
                Err(Attempt::Redirect { host, port })
            }
            Err(e) => Err(Attempt::Failed(Failure::driver(&e, &address))),
        }
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
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self {
            error,
            retry_because: None,
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
        }
    }

    /// The driver's error while logging in to `address`.
    fn driver(error: &tiberius::error::Error, address: &str) -> Self {
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
            error: connect_error(error, address),
            retry_because,
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
        let Err(err) = connect(&config(port, serde_json::json!({}))).await else {
            panic!("nobody listens on {port}")
        };
        assert_eq!(err.failure_type, FailureType::ConfigError);
        assert!(
            err.message
                .contains(&format!("cannot reach SQL Server at 127.0.0.1:{port}")),
            "{}",
            err.message
        );
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
