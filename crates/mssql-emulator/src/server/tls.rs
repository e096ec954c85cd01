//! The server's certificate and its two TLS settings, both on rustls with the aws-lc-rs
//! provider (the one tiberius's `rustls` feature uses).
//!
//! - Inside PRELOGIN (TDS 7.x), TLS 1.2 only, as SQL Server does: TLS 1.3 there is not
//!   offered by SQL Server, and its post-handshake tickets would land in the plain stream of
//!   a login-only connection.
//! - TDS 8.0 strict: TLS 1.3 or 1.2, with ALPN `tds/8.0`.
//!
//! With no certificate given, a self-signed one for `localhost` and `127.0.0.1` is made at
//! start (as SQL Server makes one for itself when none is configured).

use std::fmt;
use std::sync::Arc;

use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::version::{TLS12, TLS13};
use rustls::ServerConfig;

/// The ALPN protocol of TDS 8.0.
pub const TDS8_ALPN: &[u8] = b"tds/8.0";

/// A certificate with its key, ready to serve both ways of starting TLS.
pub struct TlsSetup {
    in_prelogin: Arc<ServerConfig>,
    strict: Arc<ServerConfig>,
    certificate_pem: String,
}

impl fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key never appears; the certificate is public but long.
        f.debug_struct("TlsSetup")
            .field("certificate_pem_len", &self.certificate_pem.len())
            .finish_non_exhaustive()
    }
}

impl TlsSetup {
    /// From a PEM certificate (or chain, leaf first) and a PEM private key (PKCS#8, PKCS#1
    /// or SEC1). The error says which of the two is wrong.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<TlsSetup, String> {
        let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the TLS certificate is not valid PEM: {e}"))?;
        if chain.is_empty() {
            return Err("the TLS certificate file holds no CERTIFICATE block".into());
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| format!("the TLS key is not a PEM private key: {e}"))?;
        let in_prelogin = server_config(&[&TLS12], chain.clone(), key.clone_key(), None)?;
        let strict = server_config(&[&TLS13, &TLS12], chain, key, Some(TDS8_ALPN))?;
        Ok(TlsSetup {
            in_prelogin,
            strict,
            certificate_pem: cert_pem.to_string(),
        })
    }

    /// A fresh self-signed certificate for `localhost` and `127.0.0.1`.
    pub fn self_signed() -> Result<TlsSetup, String> {
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let mut params = rcgen::CertificateParams::new(names)
            .map_err(|e| format!("cannot make a self-signed certificate: {e}"))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let key = rcgen::KeyPair::generate()
            .map_err(|e| format!("cannot make a key for the self-signed certificate: {e}"))?;
        let cert = params
            .self_signed(&key)
            .map_err(|e| format!("cannot sign the self-signed certificate: {e}"))?;
        TlsSetup::from_pem(&cert.pem(), &key.serialize_pem())
    }

    /// The certificate served, as PEM (what a client trusts to verify the server).
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// For the handshake inside PRELOGIN packets (TDS 7.x).
    pub(crate) fn in_prelogin(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.in_prelogin)
    }

    /// For TDS 8.0 strict: TLS first on the socket.
    pub(crate) fn strict(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.strict)
    }
}

fn server_config(
    versions: &[&'static rustls::SupportedProtocolVersion],
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    alpn: Option<&[u8]>,
) -> Result<Arc<ServerConfig>, String> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_protocol_versions(versions)
        .map_err(|e| format!("TLS settings: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the TLS certificate and key do not make a usable pair: {e}"))?;
    config.alpn_protocols = alpn.into_iter().map(<[u8]>::to_vec).collect();
    // Resumption tickets are of no use to a test server and would only add records.
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificate_loads_and_is_pem() {
        let setup = TlsSetup::self_signed().unwrap();
        assert!(setup
            .certificate_pem()
            .starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(setup.strict().alpn_protocols, vec![TDS8_ALPN.to_vec()]);
        assert!(setup.in_prelogin().alpn_protocols.is_empty());
    }

    #[test]
    fn bad_pem_says_which_part_is_wrong() {
        let good = TlsSetup::self_signed().unwrap();
        let err = TlsSetup::from_pem("not a certificate", "nor a key").unwrap_err();
        assert!(err.contains("certificate"), "{err}");
        let err = TlsSetup::from_pem(good.certificate_pem(), "nor a key").unwrap_err();
        assert!(err.contains("key"), "{err}");
    }
}
