//! The byte stream to a server's `host:port`: the one place a connection's
//! socket is opened, so an SSH tunnel plugs in here and every connection of
//! the sync (redirects and parallel readers too) goes through it.
//!
//! The caller keeps the real server name for TLS and LOGIN7; only the socket
//! may go elsewhere (a tunnel's local end).

use super::{Failure, Stream};
use crate::config::{Config, Tunnel};
use crate::driver_error::{connect_error, unreachable_server};
use crate::error::{Error, Result};
use std::time::Duration;
use tokio::net::TcpStream;

/// How this command reaches servers, resolved once per command.
#[derive(Debug)]
pub struct Network {
    tunnel: Tunnel,
}

impl Network {
    pub async fn open(config: &Config) -> Result<Self> {
        Ok(Self {
            tunnel: config.tunnel.clone(),
        })
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
        if self.tunnel != Tunnel::None {
            return Err(Error::config(
                "config: `tunnel_method` SSH tunnels are not supported yet; \
                 use NO_TUNNEL and reach the server directly",
            )
            .into());
        }
        let address = format!("{host}:{port}");
        let tcp = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
            .await
            .map_err(|_| timed_out(&address))?
            .map_err(|e| Failure::io(unreachable_server(&address, &e.to_string()), e.kind()))?;
        // Rows are many and small; waiting to fill packets only adds latency.
        tcp.set_nodelay(true)
            .map_err(|e| connect_error(&e.into(), &address))?;
        Ok(Box::new(tcp))
    }
}

fn timed_out(address: &str) -> Error {
    let error = tiberius::error::Error::Io {
        kind: tiberius::error::IoErrorKind::TimedOut,
        message: "connect timed out".into(),
    };
    connect_error(&error, address)
}
