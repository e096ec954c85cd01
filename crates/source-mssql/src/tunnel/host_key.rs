//! The bastion's host key: its fingerprint, and the optional pin
//! (`tunnel_method.known_host_key`) it must match.
//!
//! A pin is kept as SHA256 fingerprints only: a public key line reduces to
//! its fingerprint, and comparing fingerprints is comparing keys. Several
//! lines may be given (the output of `ssh-keyscan`, say), and the bastion's
//! key must match one of them, since a server offers one of several keys.

use crate::error::{Error, Result};
use russh::keys::ssh_key::public::KeyData;
use russh::keys::ssh_key::{Fingerprint, PublicKey};
use russh::keys::HashAlg;

const KEY: &str = "tunnel_method.known_host_key";

/// The host keys the bastion may present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyPin {
    fingerprints: Vec<Fingerprint>,
}

impl HostKeyPin {
    /// Reads a pin: lines that are each a `SHA256:` fingerprint, an OpenSSH
    /// public key (`ssh-ed25519 AAAA... comment`), or a `known_hosts` line
    /// (the same after a host name).
    pub fn parse(text: &str) -> Result<Self> {
        let fingerprints = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .enumerate()
            .map(|(n, line)| parse_line(line).map_err(|why| invalid(n + 1, why)))
            .collect::<Result<Vec<_>>>()?;
        if fingerprints.is_empty() {
            return Err(Error::config(format!(
                "config: `{KEY}` is empty; give the bastion's public host key \
                 (a line of `ssh-keyscan HOST`) or its SHA256 fingerprint, or remove the key"
            )));
        }
        Ok(Self { fingerprints })
    }

    /// Whether the bastion presented one of the pinned keys.
    pub fn matches(&self, presented: &Fingerprint) -> bool {
        self.fingerprints.contains(presented)
    }

    /// The pinned fingerprints, for an error message.
    pub fn shown(&self) -> String {
        let shown: Vec<String> = self.fingerprints.iter().map(|f| f.to_string()).collect();
        shown.join(", ")
    }
}

/// The fingerprint by which a host key is shown and compared.
pub fn fingerprint(key: &PublicKey) -> Fingerprint {
    fingerprint_data(key.key_data())
}

/// The same, for the key inside a host certificate.
pub fn fingerprint_data(key: &KeyData) -> Fingerprint {
    Fingerprint::new(HashAlg::Sha256, key)
}

fn parse_line(line: &str) -> Result<Fingerprint, &'static str> {
    if let Some(rest) = line.strip_prefix("SHA256:") {
        // Some tools print the base64 with its padding.
        let unpadded = format!("SHA256:{}", rest.trim_end_matches('='));
        return unpadded
            .parse::<Fingerprint>()
            .map_err(|_| "it starts with SHA256: but is not a SHA256 fingerprint");
    }
    if line.starts_with("MD5:") || line.starts_with("SHA512:") {
        return Err("only SHA256 fingerprints are accepted");
    }
    if let Ok(key) = PublicKey::from_openssh(line) {
        return Ok(fingerprint(&key));
    }
    // A known_hosts line: host patterns first, then the key.
    match line.split_once(char::is_whitespace) {
        Some((_hosts, key)) => PublicKey::from_openssh(key.trim())
            .map(|key| fingerprint(&key))
            .map_err(|_| "it is neither a public key line nor a SHA256 fingerprint"),
        None => Err("it is neither a public key line nor a SHA256 fingerprint"),
    }
}

fn invalid(line: usize, why: &str) -> Error {
    Error::config(format!(
        "config: line {line} of `{KEY}` is not a host key: {why}; give a line of \
         `ssh-keyscan HOST` (`ssh-ed25519 AAAA...`) or a fingerprint as printed by \
         `ssh-keygen -l -E sha256 -f KEY.pub` (`SHA256:...`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real Ed25519 public key and its fingerprint, as `ssh-keygen -l` shows it.
    const LINE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILsHqQYIQYFeSP0WrAorNPgyaZK66etnj0zL8M8s/RAz test";
    const SHOWN: &str = "SHA256:d+g5QP/SynCi4422BqSevAOiPYhgRen9bJDn5SNbRbo";

    fn key_fingerprint() -> Fingerprint {
        fingerprint(&PublicKey::from_openssh(LINE).unwrap())
    }

    #[test]
    fn a_key_line_a_known_hosts_line_and_a_fingerprint_pin_the_same_key() {
        let fp = key_fingerprint();
        let shown = fp.to_string();
        assert_eq!(shown, SHOWN);
        for text in [
            LINE.to_string(),
            format!("[bastion]:2222,10.0.0.1 {LINE}"),
            shown.clone(),
            format!("{shown}="),
            format!("# from ssh-keyscan\n\n{shown}\n"),
        ] {
            let pin = HostKeyPin::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(pin.matches(&fp), "{text}");
            assert_eq!(pin.shown(), shown);
        }
    }

    #[test]
    fn another_key_does_not_match() {
        let other = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
        let pin = HostKeyPin::parse(other).unwrap();
        assert!(!pin.matches(&key_fingerprint()));
    }

    #[test]
    fn bad_pins_say_what_to_give() {
        for (text, why) in [
            ("SHA256:not-base64!", "not a SHA256 fingerprint"),
            ("MD5:16:27:ac", "only SHA256"),
            ("ssh-ed25519 AAAA", "neither a public key line"),
            ("bastion", "neither a public key line"),
        ] {
            let err = HostKeyPin::parse(text).unwrap_err();
            assert!(err.message.contains(why), "{text}: {}", err.message);
            assert!(err.message.contains("ssh-keyscan"), "{}", err.message);
        }
        let err = HostKeyPin::parse(" \n# nothing\n").unwrap_err();
        assert!(err.message.contains("is empty"), "{}", err.message);
    }
}
