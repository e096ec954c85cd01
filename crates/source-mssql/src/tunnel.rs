//! SSH tunnels to SQL Servers behind a bastion (`tunnel_method`).
//!
//! One SSH session is opened per sync and shared, behind an `Arc`, by every
//! database connection of that sync: each connection is its own
//! `direct-tcpip` channel, so parallel readers cost a channel each, not a
//! login each. The client is russh (pure Rust, on aws-lc-rs), so no `ssh`
//! program is needed where the connector runs.
//!
//! - `host_key`: the bastion's fingerprint and the optional pin;
//! - `private_key`: reading `ssh_key`;
//! - `errors`: russh's errors said for the user;
//! - `stream`: a channel as a tokio byte stream.

mod errors;
mod host_key;
mod private_key;
mod stream;

pub use errors::ForwardError;
pub use host_key::HostKeyPin;
pub use stream::TunnelStream;

use crate::config::{Secret, Tunnel};
use crate::error::{Error, Result};
use errors::{Bastion, SessionError};
use russh::client::{self, AuthResult, Handle};
use russh::keys::ssh_key::Fingerprint;
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpStream;

/// Sent to the bastion as the origin of each forwarded connection; OpenSSH
/// only logs it.
const ORIGINATOR: (&str, u32) = ("127.0.0.1", 0);

/// A long sync may leave the session idle between tables: keepalives keep
/// NAT and firewalls from dropping it, and notice a dead bastion.
const KEEPALIVE: Duration = Duration::from_secs(30);

/// An authenticated SSH session to the bastion.
pub struct SshTunnel {
    session: Handle<HostKeyCheck>,
    bastion: Bastion,
    fingerprint: String,
    timeout: Duration,
}

impl SshTunnel {
    /// Connects and authenticates to the bastion.
    pub async fn open(tunnel: &Tunnel, timeout: Duration) -> Result<SshTunnel> {
        let (endpoint, credential) = match tunnel {
            Tunnel::None => {
                return Err(Error::system(
                    "an SSH tunnel was opened for a config without `tunnel_method`",
                ))
            }
            Tunnel::SshKey {
                host,
                port,
                user,
                private_key,
                known_host_key,
            } => (
                Endpoint::new(host, *port, user, known_host_key),
                Credential::Key(Arc::new(private_key::parse(private_key.expose())?)),
            ),
            Tunnel::SshPassword {
                host,
                port,
                user,
                password,
                known_host_key,
            } => (
                Endpoint::new(host, *port, user, known_host_key),
                Credential::Password(password),
            ),
        };
        let bastion = endpoint.bastion.clone();
        tokio::time::timeout(timeout, endpoint.open(credential, timeout))
            .await
            .map_err(|_| bastion.timed_out(timeout))?
    }

    /// The bastion's host key, as `SHA256:...`, for a LOG line.
    pub fn host_key_fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Says which bastion the connections go through and its host key, to
    /// be logged once per sync.
    pub fn opened_note(&self) -> String {
        format!(
            "SSH tunnel open through {}:{}; the bastion's host key is {} (pin it with \
             `tunnel_method.known_host_key`)",
            self.bastion.host, self.bastion.port, self.fingerprint
        )
    }

    /// A new channel to host:port as seen from the bastion.
    pub async fn stream(&self, host: &str, port: u16) -> Result<TunnelStream> {
        self.forward(host, port).await.map_err(|e| e.error)
    }

    /// The same, telling apart a server that refused the bastion's
    /// connection: like a refused TCP connection, it may pass when retried
    /// (a server restarting or failing over).
    pub async fn forward(&self, host: &str, port: u16) -> Result<TunnelStream, ForwardError> {
        let open = self.session.channel_open_direct_tcpip(
            host,
            u32::from(port),
            ORIGINATOR.0,
            ORIGINATOR.1,
        );
        let channel = tokio::time::timeout(self.timeout, open)
            .await
            .map_err(|_| ForwardError {
                error: self.bastion.forward_timed_out(host, port, self.timeout),
                server_refused: false,
            })?
            .map_err(|e| ForwardError {
                server_refused: matches!(
                    e,
                    russh::Error::ChannelOpenFailure(russh::ChannelOpenFailure::ConnectFailed)
                ),
                error: self.bastion.forward_failed(host, port, e),
            })?;
        Ok(TunnelStream::new(channel.into_stream()))
    }
}

/// What `open` needs besides the credential.
struct Endpoint<'a> {
    bastion: Bastion,
    user: &'a str,
    pin: Option<&'a HostKeyPin>,
}

enum Credential<'a> {
    Key(Arc<russh::keys::PrivateKey>),
    Password(&'a Secret),
}

impl<'a> Endpoint<'a> {
    fn new(host: &str, port: u16, user: &'a str, pin: &'a Option<HostKeyPin>) -> Self {
        Self {
            bastion: Bastion::new(host, port, user),
            user,
            pin: pin.as_ref(),
        }
    }

    async fn open(self, credential: Credential<'_>, timeout: Duration) -> Result<SshTunnel> {
        let tcp = TcpStream::connect((self.bastion.host.as_str(), self.bastion.port))
            .await
            .map_err(|e| self.bastion.unreachable(&e))?;
        // Each TDS packet is a small write that waits for its answer.
        let _ = tcp.set_nodelay(true);
        let seen = Arc::new(OnceLock::new());
        let check = HostKeyCheck {
            pin: self.pin.cloned(),
            seen: seen.clone(),
        };
        let config = client_config(self.pin);
        let mut session = client::connect_stream(Arc::new(config), tcp, check)
            .await
            .map_err(|e| self.bastion.handshake_failed(e))?;
        let fingerprint = seen
            .get()
            .map(Fingerprint::to_string)
            .ok_or_else(|| Error::system("the SSH handshake finished without a host key"))?;
        self.authenticate(&mut session, credential).await?;
        Ok(SshTunnel {
            session,
            bastion: self.bastion,
            fingerprint,
            timeout,
        })
    }

    async fn authenticate(
        &self,
        session: &mut Handle<HostKeyCheck>,
        credential: Credential<'_>,
    ) -> Result<()> {
        let answer = match &credential {
            Credential::Key(key) => {
                // RSA signs with the hash the server names; other keys have one.
                let hash = match key.algorithm().is_rsa() {
                    true => session
                        .best_supported_rsa_hash()
                        .await
                        .map_err(|e| self.bastion.lost(e))?
                        .flatten(),
                    false => None,
                };
                let key = PrivateKeyWithHashAlg::new(key.clone(), hash);
                session.authenticate_publickey(self.user, key).await
            }
            Credential::Password(password) => {
                session
                    .authenticate_password(self.user, password.expose())
                    .await
            }
        };
        match answer.map_err(|e| self.bastion.lost(e))? {
            AuthResult::Success => Ok(()),
            AuthResult::Failure {
                remaining_methods, ..
            } => Err(match credential {
                Credential::Key(key) => {
                    let fingerprint = host_key::fingerprint(key.public_key());
                    self.bastion.key_rejected(&fingerprint, &remaining_methods)
                }
                Credential::Password(_) => self.bastion.password_rejected(&remaining_methods),
            }),
        }
    }
}

fn client_config(pin: Option<&HostKeyPin>) -> client::Config {
    let mut preferred = russh::Preferred::default();
    if let Some(algorithms) = pin.and_then(HostKeyPin::host_key_algorithms) {
        preferred.key = algorithms.into();
    }
    client::Config {
        keepalive_interval: Some(KEEPALIVE),
        nodelay: true,
        preferred,
        ..Default::default()
    }
}

/// russh's callback for the host key: records its fingerprint, and ends the
/// handshake when a pin is set and the key isn't pinned.
struct HostKeyCheck {
    pin: Option<HostKeyPin>,
    seen: Arc<OnceLock<Fingerprint>>,
}

impl client::Handler for HostKeyCheck {
    type Error = SessionError;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, SessionError> {
        let (presented, algorithm) = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                (host_key::fingerprint(key), key.algorithm())
            }
            PublicKeyOrCertificate::Certificate(cert) => (
                host_key::fingerprint_data(cert.public_key()),
                cert.algorithm(),
            ),
        };
        // A rekey shows the same key again; the first one is the one logged.
        let _ = self.seen.set(presented);
        match &self.pin {
            Some(pin) if !pin.matches(&presented) => Err(SessionError::HostKeyMismatch {
                presented,
                algorithm: algorithm.as_str().to_string(),
                pinned: pin.shown(),
            }),
            _ => Ok(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The session is shared by every reader of a sync, and each channel
    /// is handed to the driver as its socket.
    #[test]
    fn tunnels_are_shared_and_streams_are_sockets() {
        fn shared<T: Send + Sync + 'static>() {}
        fn socket<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static>() {}
        shared::<SshTunnel>();
        socket::<TunnelStream>();
    }
}
