//! The byte stream to a server's `host:port`: the one place a connection's
//! socket is opened, so an SSH tunnel plugs in here and every connection of
//! the sync (redirects and parallel readers too) goes through it.
//!
//! The caller keeps the real server name for TLS and LOGIN7; only the socket
//! may go elsewhere (a channel through the SSH bastion, which connects to
//! `host:port` as the bastion resolves it).

use super::{Failure, Stream};
use crate::config::{Config, Tunnel};
use crate::driver_error::{connect_error, unreachable_server};
use crate::error::{Error, Result};
use crate::protocol::log;
use crate::tunnel::SshTunnel;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{lookup_host, TcpStream};

/// How this command reaches servers, resolved once per command: directly,
/// or through one SSH session that every connection shares.
pub struct Network {
    tunnel: Option<SshTunnel>,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fingerprint = self.tunnel.as_ref().map(SshTunnel::host_key_fingerprint);
        f.debug_struct("Network")
            .field("ssh_host_key", &fingerprint)
            .finish()
    }
}

impl Network {
    /// Opens the SSH tunnel, when there is one, within `loginTimeout`.
    pub async fn open(config: &Config) -> Result<Self> {
        let tunnel = match &config.tunnel {
            Tunnel::None => None,
            tunnel => Some(SshTunnel::open(tunnel, config.jdbc.login_timeout).await?),
        };
        if let Some(tunnel) = &tunnel {
            log::info(&tunnel.opened_note());
        }
        Ok(Self { tunnel })
    }

    /// The bastion's host key fingerprint, when connections go through one.
    pub fn tunnel_host_key(&self) -> Option<&str> {
        self.tunnel.as_ref().map(SshTunnel::host_key_fingerprint)
    }

    /// A connected byte stream to `host:port`, within `timeout`.
    /// A refused or reset connection may be a server restarting or failing
    /// over, so it is worth a retry; a wrong host name is not.
    pub async fn stream(
        &self,
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<Box<dyn Stream>, Failure> {
        if let Some(tunnel) = &self.tunnel {
            // The tunnel bounds the channel's opening by the same timeout.
            return match tunnel.forward(host, port).await {
                Ok(stream) => Ok(Box::new(stream)),
                Err(failed) => Err(Failure {
                    retry_because: failed
                        .server_refused
                        .then(|| "connection refused, through the SSH tunnel".to_string()),
                    error: failed.error,
                    retry_after: None,
                }),
            };
        }
        let address = format!("{host}:{port}");
        let connect = async {
            let addresses: Vec<SocketAddr> = lookup_host((host, port))
                .await
                .map_err(|e| unresolved(host, &e))?
                .collect();
            TcpStream::connect(&addresses[..])
                .await
                .map_err(|e| Failure::io(unreachable_server(&address, &e.to_string()), e.kind()))
        };
        let tcp = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| timed_out(&address))??;
        // Rows are many and small; waiting to fill packets only adds latency.
        tcp.set_nodelay(true)
            .map_err(|e| connect_error(&e.into(), &address))?;
        Ok(Box::new(tcp))
    }
}

/// A name that does not resolve is a typo in `host` far more often than a
/// DNS outage: not retried.
fn unresolved(host: &str, error: &std::io::Error) -> Failure {
    Failure::from(Error::config(format!(
        "the host name `{host}` does not resolve ({error}); check `host` (a name this \
         machine's DNS knows, or an IP address)"
    )))
}

fn timed_out(address: &str) -> Error {
    let error = tiberius::error::Error::Io {
        kind: tiberius::error::IoErrorKind::TimedOut,
        message: "connect timed out".into(),
    };
    connect_error(&error, address)
}
