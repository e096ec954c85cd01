//! Turns a [`Config`] into the driver's connection settings: the login,
//! the JDBC properties, and the encryption mode (see `config::tls`).

use super::{ApplicationIntent, Authentication, Config, Secret, Tls, Verify};
use crate::error::Result;
use tiberius::{AuthMethod, EncryptionLevel};

/// Reported to the server as the program name when the user sets none.
pub const DEFAULT_APPLICATION_NAME: &str = "airbyte-source-mssql";

impl Config {
    /// The driver's settings for a connection to the server `host:port`
    /// (the configured one, or where a redirect sent us), for checking the
    /// config: a token login has no token yet.
    pub fn tiberius_config(&self, host: &str, port: u16) -> Result<tiberius::Config> {
        self.driver_config(host, port, None)
    }

    /// The same, logging in with `token` when the login is an Entra ID one.
    /// `host` is the server's real name, used for TLS and in LOGIN7, even when
    /// the socket goes to a tunnel's local end.
    pub fn driver_config(
        &self,
        host: &str,
        port: u16,
        token: Option<&Secret>,
    ) -> Result<tiberius::Config> {
        let mut config = tiberius::Config::new();
        config.host(host);
        config.port(port);
        config.database(&self.database);
        config.authentication(match (&self.authentication, token) {
            (Authentication::SqlPassword, _) => {
                AuthMethod::sql_server(&self.username, self.password.expose())
            }
            (_, Some(token)) => AuthMethod::aad_token(token.expose()),
            (_, None) => AuthMethod::None,
        });
        config.application_name(
            self.jdbc
                .application_name
                .as_deref()
                .unwrap_or(DEFAULT_APPLICATION_NAME),
        );
        if let Some(size) = self.jdbc.packet_size {
            config.packet_size(size);
        }
        config.handshake_timeout(Some(self.jdbc.login_timeout));
        config.readonly(self.jdbc.application_intent == ApplicationIntent::ReadOnly);
        encryption(&mut config, &self.tls);
        Ok(config)
    }
}

fn encryption(config: &mut tiberius::Config, tls: &Tls) {
    match tls {
        // SQL Server encrypts the login packet even then, with a certificate
        // it may have made itself; as in the JDBC driver, that one is not
        // checked, since nothing after the login is encrypted.
        Tls::Unencrypted => {
            config.encryption(EncryptionLevel::Off);
            config.trust_cert();
        }
        Tls::TrustServerCertificate => {
            config.encryption(EncryptionLevel::Required);
            config.trust_cert();
        }
        Tls::VerifyCertificate(verify) => {
            config.encryption(EncryptionLevel::Required);
            verification(config, verify);
        }
        Tls::Strict(verify) => {
            config.encryption(EncryptionLevel::Strict);
            verification(config, verify);
        }
    }
}

/// The system's roots, plus the configured PEM.
fn verification(config: &mut tiberius::Config, verify: &Verify) {
    if let Some(pem) = &verify.certificate {
        config.trust_cert_ca_bundle(pem.expose().as_bytes().to_vec());
    }
    if let Some(name) = &verify.host_name_in_certificate {
        config.hostname_in_certificate(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(extra: serde_json::Value) -> Config {
        let mut value = json!({"host": "db.example", "database": "shop",
                               "username": "reader", "password": "hunter2"});
        let (Some(base), Some(extra)) = (value.as_object_mut(), extra.as_object()) else {
            unreachable!("both are objects")
        };
        base.extend(extra.clone());
        Config::from_value(&value).unwrap()
    }

    #[test]
    fn plain_connection() {
        let c = config(json!({"port": 1450}));
        let t = c.tiberius_config(&c.host, c.port).unwrap();
        assert_eq!(t.get_addr(), "db.example:1450");
        assert_eq!(t.get_packet_size(), Some(32767));
        assert_eq!(
            t.get_handshake_timeout(),
            Some(std::time::Duration::from_secs(15))
        );
    }

    #[test]
    fn tunnel_endpoint_replaces_the_address() {
        let c = config(json!({}));
        let t = c.tiberius_config("127.0.0.1", 40000).unwrap();
        assert_eq!(t.get_addr(), "127.0.0.1:40000");
    }

    #[test]
    fn jdbc_params_reach_the_driver() {
        let c = config(json!({"jdbc_url_params": "packetSize=4096&loginTimeout=3"}));
        let t = c.tiberius_config(&c.host, c.port).unwrap();
        assert_eq!(t.get_packet_size(), Some(4096));
        assert_eq!(
            t.get_handshake_timeout(),
            Some(std::time::Duration::from_secs(3))
        );
    }

    /// The driver has no getters for these; its Debug shows them (and
    /// redacts the password and the token).
    fn debug(c: &Config, token: Option<&Secret>) -> String {
        format!("{:?}", c.driver_config(&c.host, c.port, token).unwrap())
    }

    #[test]
    fn each_mode_sets_the_encryption_level() {
        let cases = [
            (
                json!({"mode": "unencrypted"}),
                "encryption: Off",
                "bypass: true",
            ),
            (
                json!({"mode": "encrypted_trust_server_certificate"}),
                "encryption: Required",
                "bypass: true",
            ),
            (
                json!({"mode": "encrypted_verify_certificate"}),
                "encryption: Required",
                "bypass: false",
            ),
            (
                json!({"mode": "encrypted_strict"}),
                "encryption: Strict",
                "bypass: false",
            ),
        ];
        for (mode, level, bypass) in cases {
            let d = debug(&config(json!({"ssl_mode": mode})), None);
            assert!(d.contains(level), "{mode}: {d}");
            assert!(d.contains(bypass), "{mode}: {d}");
        }
    }

    #[test]
    fn certificate_and_name_reach_the_driver() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let c = config(json!({"ssl_mode": {"mode": "encrypted_strict",
            "certificate": pem, "hostNameInCertificate": "sql.internal"}}));
        let d = debug(&c, None);
        assert!(d.contains("Bundle { len: "), "{d}");
        assert!(
            d.contains("hostname_in_certificate: Some(\"sql.internal\")"),
            "{d}"
        );
    }

    #[test]
    fn read_only_intent_reaches_the_driver() {
        let c = config(json!({"jdbc_url_params": "ApplicationIntent=ReadOnly"}));
        assert!(debug(&c, None).contains("readonly: true"));
        assert!(debug(&config(json!({})), None).contains("readonly: false"));
    }

    #[test]
    fn a_token_login_sends_the_token_and_never_shows_it() {
        let c = config(json!({"authentication": {"auth_type": "access_token",
                                                  "access_token": "eyJ-SECRET-TOKEN"}}));
        let d = debug(&c, Some(&Secret::new("eyJ-SECRET-TOKEN")));
        assert!(d.contains("AADToken"), "{d}");
        assert!(!d.contains("eyJ-SECRET-TOKEN"), "{d}");
        assert!(!debug(&config(json!({})), None).contains("hunter2"));
    }
}
