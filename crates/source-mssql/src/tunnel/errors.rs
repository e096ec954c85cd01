//! What went wrong with the tunnel, said for the person who must act: each
//! error names the bastion, the config key involved and the fix.
//!
//! russh's own messages are added only where they say something the user
//! can act on; none of them holds a key or a password.

use crate::error::Error;
use russh::keys::ssh_key::Fingerprint;
use russh::ChannelOpenFailure;
use russh::MethodSet;
use std::time::Duration;

/// The error type of the session's callbacks: russh's, or our refusal of the
/// host key, which must reach `open` as itself.
#[derive(Debug)]
pub enum SessionError {
    Ssh(russh::Error),
    HostKeyMismatch {
        presented: Fingerprint,
        /// The presented key's type (`ssh-ed25519`...).
        algorithm: String,
        pinned: String,
    },
}

impl From<russh::Error> for SessionError {
    fn from(error: russh::Error) -> Self {
        Self::Ssh(error)
    }
}

/// Why a channel to the server did not open.
#[derive(Debug)]
pub struct ForwardError {
    pub error: Error,
    /// The bastion reached the server's host, which refused the connection.
    pub server_refused: bool,
}

/// The bastion as the config names it, for messages.
#[derive(Debug, Clone)]
pub struct Bastion {
    pub host: String,
    pub port: u16,
    user: String,
}

impl Bastion {
    pub fn new(host: &str, port: u16, user: &str) -> Self {
        Self {
            host: host.to_string(),
            port,
            user: user.to_string(),
        }
    }

    fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    pub fn unreachable(&self, error: &std::io::Error) -> Error {
        Error::config(format!(
            "cannot reach the SSH bastion at {} (`tunnel_method.tunnel_host` and \
             `tunnel_port`): {error}; check the host and port, and that the bastion accepts \
             connections from where this connector runs",
            self.address()
        ))
    }

    pub fn timed_out(&self, timeout: Duration) -> Error {
        Error::config(format!(
            "the SSH bastion at {} did not let us connect and log in within {} s; check \
             `tunnel_method.tunnel_host` and `tunnel_port`, and that no firewall drops the \
             connection (the time allowed is `loginTimeout` in `jdbc_url_params`)",
            self.address(),
            timeout.as_secs()
        ))
    }

    pub fn handshake_failed(&self, error: SessionError) -> Error {
        let address = self.address();
        match error {
            SessionError::HostKeyMismatch {
                presented,
                algorithm,
                pinned,
            } => Error::config(format!(
                "the SSH bastion at {address} presented the {algorithm} host key {presented}, \
                 but `tunnel_method.known_host_key` pins {pinned}; if the bastion's key was \
                 replaced on purpose, pin the new one (`ssh-keyscan -p {} {}` prints its key \
                 lines), otherwise something between here and the bastion may be intercepting \
                 the connection",
                self.port, self.host
            )),
            SessionError::Ssh(russh::Error::NoCommonAlgo { kind, theirs, .. }) => {
                Error::config(format!(
                    "the SSH bastion at {address} offers no {kind:?} algorithm this source \
                     supports (it offers {theirs:?}); enable a current one on the bastion"
                ))
            }
            SessionError::Ssh(russh::Error::Version) => Error::config(format!(
                "{address} did not answer as an SSH server; check `tunnel_method.tunnel_host` \
                 and `tunnel_port` (the bastion's SSH port, usually 22, not SQL Server's)"
            )),
            SessionError::Ssh(
                e @ (russh::Error::Disconnect | russh::Error::HUP | russh::Error::IO(_)),
            ) => Error::config(format!(
                "{address} closed the connection before the SSH handshake finished ({e}); \
                 check `tunnel_method.tunnel_host` and `tunnel_port` (the bastion's SSH port, \
                 usually 22, not SQL Server's), and that the bastion lets this machine connect"
            )),
            SessionError::Ssh(e) => Error::transient(format!(
                "the SSH handshake with the bastion at {address} failed: {e}; retry, and if it \
                 persists check the bastion's SSH server"
            )),
        }
    }

    /// The session broke while we were using it.
    pub fn lost(&self, error: russh::Error) -> Error {
        Error::transient(format!(
            "the SSH session to the bastion at {} ended: {error}; retry",
            self.address()
        ))
    }

    pub fn key_rejected(&self, key: &Fingerprint, remaining: &MethodSet) -> Error {
        Error::config(format!(
            "the SSH bastion at {} refused the key in `tunnel_method.ssh_key` (public key \
             {key}) for the user `{}`; add that key's public half to the user's \
             authorized_keys on the bastion, or check `tunnel_user`{}",
            self.address(),
            self.user,
            other_methods(remaining, "publickey", "SSH_KEY_AUTH")
        ))
    }

    pub fn password_rejected(&self, remaining: &MethodSet) -> Error {
        Error::config(format!(
            "the SSH bastion at {} refused the password in `tunnel_method.tunnel_user_password` \
             for the user `{}`; check `tunnel_user` and the password{}",
            self.address(),
            self.user,
            other_methods(remaining, "password", "SSH_PASSWORD_AUTH")
        ))
    }

    pub fn forward_failed(&self, host: &str, port: u16, error: russh::Error) -> Error {
        let (address, user) = (self.address(), &self.user);
        let russh::Error::ChannelOpenFailure(failure) = error else {
            return self.lost(error);
        };
        match failure {
            ChannelOpenFailure::AdministrativelyProhibited => Error::config(format!(
                "the SSH bastion at {address} refused to forward a connection to {host}:{port} \
                 (administratively prohibited); let `{user}` forward TCP connections on the \
                 bastion (`AllowTcpForwarding yes` in sshd_config, and a `PermitOpen` that \
                 allows {host}:{port})"
            )),
            ChannelOpenFailure::ConnectFailed => Error::config(format!(
                "the SSH bastion at {address} could not connect to SQL Server at \
                 {host}:{port}; check `host` and `port` as the bastion sees them (a name the \
                 bastion resolves, not this machine), and that the server accepts \
                 connections from the bastion"
            )),
            other => Error::transient(format!(
                "the SSH bastion at {address} did not open a channel to {host}:{port} \
                 ({other:?}); retry, and if it persists check the bastion's SSH server log"
            )),
        }
    }

    pub fn forward_timed_out(&self, host: &str, port: u16, timeout: Duration) -> Error {
        Error::config(format!(
            "the SSH bastion at {} did not connect to SQL Server at {host}:{port} within {} s; \
             check `host` and `port` as the bastion sees them, and that no firewall between \
             them drops the connection",
            self.address(),
            timeout.as_secs()
        ))
    }
}

/// When the bastion doesn't take this kind of credential at all, says which
/// it takes.
fn other_methods(remaining: &MethodSet, used: &str, method: &str) -> String {
    let names: Vec<&str> = remaining.iter().map(<&str>::from).collect();
    if names.is_empty() || names.contains(&used) {
        return String::new();
    }
    format!(
        "; note that the bastion does not offer {used} authentication, which {method} needs: \
         it offers {}",
        names.join(", ")
    )
}
