//! Encryption: `ssl_mode` (discriminator `mode`), or Airbyte 4.x's
//! `ssl_method` (discriminator `ssl_method`), or the JDBC properties
//! `encrypt`, `trustServerCertificate` and `hostNameInCertificate`.
//!
//! How `encrypt` maps, as Microsoft's JDBC driver reads it:
//! `encrypt=false` is `unencrypted`; `encrypt=true` is
//! `encrypted_verify_certificate`, or `encrypted_trust_server_certificate`
//! with `trustServerCertificate=true`; `encrypt=strict` is `encrypted_strict`.
//! `ssl_mode` and `encrypt` may both be given only if they agree. With
//! neither, Azure SQL hosts (`*.database.windows.net`) are verified, since
//! Azure refuses unencrypted connections, and other hosts are unencrypted.

use super::reader::ObjectReader;
use super::{Encrypt, JdbcParams, Secret};
use crate::error::{Error, Result};

const AZURE_SQL_SUFFIX: &str = ".database.windows.net";
const MODES: &str = "unencrypted, encrypted_trust_server_certificate, \
                     encrypted_verify_certificate or encrypted_strict";

/// How the connection to the server is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tls {
    /// No encryption asked for; the server may still encrypt the login
    /// packet, as SQL Server does, and that certificate is not checked.
    #[default]
    Unencrypted,
    /// Encrypted, but any certificate is accepted: for testing only.
    TrustServerCertificate,
    VerifyCertificate(Verify),
    /// TDS 8.0: TLS before the first TDS packet, verified as above.
    Strict(Verify),
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verify {
    /// The name the certificate is issued for, when it differs from `host`.
    pub host_name_in_certificate: Option<String>,
    /// PEM of the server's certificate or its CA; marked secret in the spec.
    pub certificate: Option<Secret>,
}

impl Tls {
    /// The name the spec gives this mode.
    pub fn name(&self) -> &'static str {
        match self {
            Tls::Unencrypted => "unencrypted",
            Tls::TrustServerCertificate => "encrypted_trust_server_certificate",
            Tls::VerifyCertificate(_) => "encrypted_verify_certificate",
            Tls::Strict(_) => "encrypted_strict",
        }
    }
}

pub fn read_tls(
    top: &mut ObjectReader,
    unknown: &mut Vec<String>,
    host: &str,
    jdbc: &JdbcParams,
) -> Result<Tls> {
    let mode = match top.object("ssl_mode")? {
        Some(obj) => Some(read_tls_object(obj, "mode", unknown)?),
        None => None,
    };
    let method = match top.object("ssl_method")? {
        Some(obj) => Some(read_tls_object(obj, "ssl_method", unknown)?),
        None => None,
    };
    let chosen = match (mode, method) {
        (Some(a), Some(b)) if a != b => {
            return Err(Error::config(format!(
                "config: `ssl_mode` is {} but `ssl_method` is {}; keep `ssl_mode`",
                a.name(),
                b.name()
            )))
        }
        (a, b) => a.or(b),
    };
    match (chosen, from_jdbc(jdbc)) {
        (Some(a), Some(b)) if a.name() != b.name() => Err(Error::config(format!(
            "config: `ssl_mode` is {} but `jdbc_url_params` asks for {} (`encrypt`, \
             `trustServerCertificate`); remove `encrypt` from `jdbc_url_params` and keep `ssl_mode`",
            a.name(),
            b.name()
        ))),
        (Some(a), _) => Ok(a),
        (None, Some(b)) => Ok(b),
        (None, None) if is_azure_sql(host) => Ok(Tls::VerifyCertificate(Verify::default())),
        (None, None) => Ok(Tls::Unencrypted),
    }
}

fn is_azure_sql(host: &str) -> bool {
    host.to_ascii_lowercase()
        .trim_end_matches('.')
        .ends_with(AZURE_SQL_SUFFIX)
}

fn from_jdbc(jdbc: &JdbcParams) -> Option<Tls> {
    let verify = || Verify {
        host_name_in_certificate: jdbc.host_name_in_certificate.clone(),
        certificate: None,
    };
    match jdbc.encrypt? {
        Encrypt::False => Some(Tls::Unencrypted),
        Encrypt::True if jdbc.trust_server_certificate == Some(true) => {
            Some(Tls::TrustServerCertificate)
        }
        Encrypt::True => Some(Tls::VerifyCertificate(verify())),
        Encrypt::Strict => Some(Tls::Strict(verify())),
    }
}

fn read_tls_object(mut obj: ObjectReader, tag: &str, unknown: &mut Vec<String>) -> Result<Tls> {
    let name = obj.text(tag)?.ok_or_else(|| obj.missing(tag, MODES))?;
    let tls = match name.as_str() {
        "unencrypted" => Tls::Unencrypted,
        "encrypted_trust_server_certificate" => Tls::TrustServerCertificate,
        "encrypted_verify_certificate" => Tls::VerifyCertificate(read_verify(&mut obj)?),
        "encrypted_strict" => Tls::Strict(read_verify(&mut obj)?),
        other => {
            return Err(Error::config(format!(
                "config: `{}` is \"{other}\"; use {MODES}",
                obj.name(tag)
            )))
        }
    };
    obj.finish(unknown);
    Ok(tls)
}

fn read_verify(obj: &mut ObjectReader) -> Result<Verify> {
    let certificate = obj.secret("certificate")?;
    if let Some(pem) = &certificate {
        if !pem.expose().contains("-----BEGIN CERTIFICATE-----") {
            return Err(Error::config(format!(
                "config: `{}` is not a PEM certificate; paste the server's or its CA's \
                 certificate, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----",
                obj.name("certificate")
            )));
        }
    }
    Ok(Verify {
        host_name_in_certificate: obj.text("hostNameInCertificate")?,
        certificate,
    })
}
