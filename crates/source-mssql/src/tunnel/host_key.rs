//! The bastion's host key: its fingerprint, and the optional pin
//! (`tunnel_method.known_host_key`) it must match.
//!
//! A pin is kept as SHA256 fingerprints: a public key line reduces to its
//! fingerprint, and comparing fingerprints is comparing keys. Several lines
//! may be given (the output of `ssh-keyscan`, say), and the bastion's key
//! must match one of them. A server has keys of several types and shows
//! the one the client prefers, so when every line is a key line, the
//! handshake asks only for the pinned types: a user who pinned the RSA key
//! of a server that also has an Ed25519 key is shown the RSA key.

use crate::error::{Error, Result};
use russh::keys::ssh_key::public::KeyData;
use russh::keys::ssh_key::{Fingerprint, PublicKey};
use russh::keys::{Algorithm, HashAlg};
use russh::Preferred;

const KEY: &str = "tunnel_method.known_host_key";

/// The host keys the bastion may present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyPin {
    fingerprints: Vec<Fingerprint>,
    /// The pinned keys' types, when every line is a key (a bare
    /// fingerprint doesn't say its type).
    algorithms: Option<Vec<Algorithm>>,
}

impl HostKeyPin {
    /// Reads a pin: lines that are each a `SHA256:` fingerprint, an OpenSSH
    /// public key (`ssh-ed25519 AAAA... comment`), or a `known_hosts` line
    /// (the same after a host name).
    pub fn parse(text: &str) -> Result<Self> {
        let pins = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .enumerate()
            .map(|(n, line)| parse_line(line).map_err(|why| invalid(n + 1, why)))
            .collect::<Result<Vec<_>>>()?;
        if pins.is_empty() {
            return Err(Error::config(format!(
                "config: `{KEY}` is empty; give the bastion's public host key \
                 (a line of `ssh-keyscan HOST`) or its SHA256 fingerprint, or remove the key"
            )));
        }
        let algorithms = pins
            .iter()
            .map(|(_, algorithm)| algorithm.clone())
            .collect();
        let fingerprints = pins
            .into_iter()
            .map(|(fingerprint, _)| fingerprint)
            .collect();
        Ok(Self {
            fingerprints,
            algorithms,
        })
    }

    /// The host key types to ask the bastion for, in russh's order of
    /// preference; `None` leaves russh's defaults.
    pub fn host_key_algorithms(&self) -> Option<Vec<Algorithm>> {
        let pinned = self.algorithms.as_ref()?;
        // RSA keys sign with SHA-512, SHA-256 or SHA-1: any of them shows the key.
        let rsa = |a: &Algorithm| matches!(a, Algorithm::Rsa { .. });
        let same_key = |a: &Algorithm, b: &Algorithm| a == b || (rsa(a) && rsa(b));
        let wanted: Vec<Algorithm> = Preferred::DEFAULT
            .key
            .iter()
            .filter(|a| pinned.iter().any(|p| same_key(a, p)))
            .cloned()
            .collect();
        (!wanted.is_empty()).then_some(wanted)
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

/// One line's fingerprint, and its key's type when the line is a key.
fn parse_line(line: &str) -> Result<(Fingerprint, Option<Algorithm>), &'static str> {
    if let Some(rest) = line.strip_prefix("SHA256:") {
        // Some tools print the base64 with its padding.
        let unpadded = format!("SHA256:{}", rest.trim_end_matches('='));
        return unpadded
            .parse::<Fingerprint>()
            .map(|fingerprint| (fingerprint, None))
            .map_err(|_| "it starts with SHA256: but is not a SHA256 fingerprint");
    }
    if line.starts_with("MD5:") || line.starts_with("SHA512:") {
        return Err("only SHA256 fingerprints are accepted");
    }
    // A known_hosts line has host patterns before the key.
    let key =
        PublicKey::from_openssh(line).or_else(|_| match line.split_once(char::is_whitespace) {
            Some((_hosts, key)) => PublicKey::from_openssh(key.trim()),
            None => PublicKey::from_openssh(""),
        });
    key.map(|key| (fingerprint(&key), Some(key.algorithm())))
        .map_err(|_| "it is neither a public key line nor a SHA256 fingerprint")
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
    fn key_lines_choose_the_host_key_types_asked_for() {
        let ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBI6olm0\
                     sWmfqnFrljau4CsMDOlgJwppHZSLSrbyDweBf4PPLanjgKMo3Y8P1xLX43pDEwMPlaCPSVkdv119lXsI=";
        let both = HostKeyPin::parse(&format!("{ecdsa}\n{LINE}")).unwrap();
        let p256 = Algorithm::Ecdsa {
            curve: russh::keys::EcdsaCurve::NistP256,
        };
        // In russh's order, not the pin's.
        assert_eq!(
            both.host_key_algorithms(),
            Some(vec![Algorithm::Ed25519, p256])
        );
        // A bare fingerprint may be of any type: ask for every type.
        let mixed = HostKeyPin::parse(&format!("{ecdsa}\n{SHOWN}")).unwrap();
        assert_eq!(mixed.host_key_algorithms(), None);
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
