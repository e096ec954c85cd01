//! Opening a connection to the configured server.
//!
//! The TCP connect is bounded by the same `loginTimeout` as the login
//! (the driver bounds only the part after the socket is open), and an Azure
//! SQL gateway's redirect is followed once, as the JDBC driver does.

use crate::config::{Config, Tunnel};
use crate::driver_error::{connect_error, unreachable_server};
use crate::error::{Error, Result};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub type Client = tiberius::Client<Compat<TcpStream>>;

/// Connects and logs in.
pub async fn connect(config: &Config) -> Result<Client> {
    if config.tunnel != Tunnel::None {
        return Err(Error::config(
            "config: `tunnel_method` SSH tunnels are not supported yet; \
             use NO_TUNNEL and reach the server directly",
        ));
    }
    match connect_to(config, &config.host, config.port).await {
        Ok(client) => Ok(client),
        Err(Attempt::Redirect { host, port }) => {
            connect_to(config, &host, port).await.map_err(Error::from)
        }
        Err(Attempt::Failed(error)) => Err(error),
    }
}

/// Why one attempt to connect gave no client.
enum Attempt {
    /// The server sent us elsewhere (an Azure SQL gateway does).
    Redirect {
        host: String,
        port: u16,
    },
    Failed(Error),
}

/// A redirect here is a second one: we don't follow chains.
impl From<Attempt> for Error {
    fn from(attempt: Attempt) -> Self {
        match attempt {
            Attempt::Failed(error) => error,
            Attempt::Redirect { host, port } => Error::transient(format!(
                "SQL Server redirected the connection twice, the second time to {host}:{port}; \
                 retry later"
            )),
        }
    }
}

async fn connect_to(config: &Config, host: &str, port: u16) -> Result<Client, Attempt> {
    let address = format!("{host}:{port}");
    let driver_config = config
        .tiberius_config(host, port)
        .map_err(Attempt::Failed)?;
    let timeout = config.jdbc.login_timeout;
    let tcp = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
        .await
        .map_err(|_| Attempt::Failed(timed_out(&address)))?
        .map_err(|e| Attempt::Failed(unreachable_server(&address, &e.to_string())))?;
    // Rows are many and small; waiting to fill packets only adds latency.
    tcp.set_nodelay(true)
        .map_err(|e| Attempt::Failed(connect_error(&e.into(), &address)))?;
    match tiberius::Client::connect(driver_config, tcp.compat_write()).await {
        Ok(client) => Ok(client),
        Err(tiberius::error::Error::Routing { host, port }) => {
            Err(Attempt::Redirect { host, port })
        }
        Err(e) => Err(Attempt::Failed(connect_error(&e, &address))),
    }
}

fn timed_out(address: &str) -> Error {
    let error = tiberius::error::Error::Io {
        kind: tiberius::error::IoErrorKind::TimedOut,
        message: "connect timed out".into(),
    };
    connect_error(&error, address)
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
    async fn tunnels_are_refused_for_now() {
        let tunnel = serde_json::json!({"tunnel_method": {"tunnel_method": "SSH_PASSWORD_AUTH",
            "tunnel_host": "b", "tunnel_user": "u", "tunnel_user_password": "x"}});
        let Err(err) = connect(&config(1433, tunnel)).await else {
            panic!("tunnels aren't built yet")
        };
        assert!(err.message.contains("not supported yet"), "{}", err.message);
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
