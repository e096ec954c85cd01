//! The private key of `tunnel_method.ssh_key`, read with errors that say
//! which formats are accepted and never show any part of the key.
//!
//! Airbyte's spec has no passphrase field, so an encrypted key is refused
//! with the command that removes its passphrase, rather than a parse error.

use crate::error::{Error, Result};
use russh::keys::{decode_secret_key, PrivateKey};

const FORMATS: &str = "an unencrypted RSA, Ed25519 or ECDSA key in OpenSSH form \
                       (-----BEGIN OPENSSH PRIVATE KEY-----) or PEM form \
                       (-----BEGIN RSA PRIVATE KEY-----, -----BEGIN EC PRIVATE KEY----- \
                       or -----BEGIN PRIVATE KEY-----)";

/// Parses the configured key.
pub fn parse(text: &str) -> Result<PrivateKey> {
    let text = unescape_newlines(text.trim());
    if looks_encrypted(&text) {
        return Err(encrypted());
    }
    match decode_secret_key(&text, None) {
        Ok(key) if key.is_encrypted() => Err(encrypted()),
        Ok(key) => Ok(key),
        Err(russh::keys::Error::KeyIsEncrypted) => Err(encrypted()),
        // The parser's own message may quote what it read: keep it out.
        Err(_) => Err(Error::config(format!(
            "config: `tunnel_method.ssh_key` is not a private key this source can read; \
             give {FORMATS}, from its -----BEGIN line to its -----END line"
        ))),
    }
}

/// A key pasted into a one-line field often arrives with `\n` spelled out.
fn unescape_newlines(text: &str) -> String {
    if !text.contains('\n') && text.contains("\\n") {
        text.replace("\\n", "\n")
    } else {
        text.to_string()
    }
}

/// PEM's encrypted forms, whatever their cipher (the parser knows only some).
fn looks_encrypted(text: &str) -> bool {
    text.contains("Proc-Type: 4,ENCRYPTED") || text.contains("-----BEGIN ENCRYPTED PRIVATE KEY")
}

fn encrypted() -> Error {
    Error::config(
        "config: `tunnel_method.ssh_key` is protected by a passphrase, and this source has no \
         passphrase setting; give a copy of the key without one \
         (`ssh-keygen -p -N \"\" -f COPY_OF_KEY` removes it)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_names_the_formats_and_hides_the_text() {
        let text = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n\
                    -----END OPENSSH PRIVATE KEY-----";
        for input in [text, "hunter2", ""] {
            let err = parse(input).unwrap_err();
            assert!(err.message.contains("OpenSSH form"), "{}", err.message);
            assert!(err.message.contains("PEM form"), "{}", err.message);
            assert!(!err.message.contains("c2VjcmV0"), "{}", err.message);
            assert!(!err.message.contains("hunter2"), "{}", err.message);
        }
    }

    #[test]
    fn encrypted_pem_says_there_is_no_passphrase_setting() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
                    DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n\
                    -----END RSA PRIVATE KEY-----";
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("passphrase"), "{}", err.message);
        assert!(err.message.contains("ssh-keygen -p"), "{}", err.message);
    }
}
