//! rustls settings for each way the server's certificate is checked ([`Trust`]), on the
//! aws-lc-rs provider as the rest of the workspace.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{aws_lc_rs, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::Trust;
use crate::error::{Error, Result};

/// The ALPN protocol of TDS 8.0 (MS-TDS 2.2.1).
pub const ALPN_TDS_8: &[u8] = b"tds/8.0";

fn provider() -> Arc<CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

/// The rustls client settings for `trust`; `strict` adds TDS 8.0's ALPN.
pub(crate) fn client_config(trust: &Trust, strict: bool) -> Result<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::Tls(e.to_string()))?;
    let mut config = match trust {
        Trust::Any => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider())))
            .with_no_client_auth(),
        Trust::Verify { ca_pem, .. } => builder
            .with_root_certificates(roots(ca_pem.as_deref())?)
            .with_no_client_auth(),
    };
    if strict {
        config.alpn_protocols = vec![ALPN_TDS_8.to_vec()];
    }
    Ok(Arc::new(config))
}

/// The name the certificate must carry (and SNI sends).
pub(crate) fn server_name(host: &str, trust: &Trust) -> Result<ServerName<'static>> {
    let name = match trust {
        Trust::Verify {
            host_name_in_certificate: Some(name),
            ..
        } => name.as_str(),
        _ => host,
    };
    ServerName::try_from(name.to_string())
        .map_err(|e| Error::Usage(format!("{name:?} cannot be a TLS server name: {e}")))
}

/// The platform's roots and the certificates of `pem`.
fn roots(pem: Option<&str>) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    // Unreadable platform certificates are skipped: a given PEM may be all that is needed.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(pem) = pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| Error::Usage(format!("the certificate PEM: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| Error::Usage(format!("the certificate PEM: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::Usage(
                "the certificate PEM holds no CERTIFICATE block".into(),
            ));
        }
    }
    Ok(roots)
}

/// Accepts any certificate, still checking the handshake's signatures with it.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
