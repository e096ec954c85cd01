//! Turns a [`Config`] into the driver's connection settings.
//!
//! This build of tiberius has no TLS backend (it keeps the build small and
//! the emulator speaks plain TDS), so the encrypted modes are refused with a
//! config error instead of silently connecting in the clear.

use super::{ApplicationIntent, Config, Tls};
use crate::error::{Error, Result};
use tiberius::{AuthMethod, EncryptionLevel};

/// Reported to the server as the program name when the user sets none.
pub const DEFAULT_APPLICATION_NAME: &str = "airbyte-source-mssql";

impl Config {
    /// The driver's settings for a connection to `host:port`: the configured
    /// server, or the local end of an SSH tunnel.
    pub fn tiberius_config(&self, host: &str, port: u16) -> Result<tiberius::Config> {
        let mut config = tiberius::Config::new();
        config.host(host);
        config.port(port);
        config.database(&self.database);
        config.authentication(AuthMethod::sql_server(
            &self.username,
            self.password.expose(),
        ));
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
        config.encryption(encryption(&self.tls)?);
        Ok(config)
    }
}

fn encryption(tls: &Tls) -> Result<EncryptionLevel> {
    match tls {
        Tls::Unencrypted => Ok(EncryptionLevel::NotSupported),
        encrypted => Err(Error::config(format!(
            "config: the encryption mode {} (`ssl_mode`) needs TLS, which this build of source-mssql does not \
             support yet; use \"unencrypted\" on a network you trust",
            encrypted.name()
        ))),
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

    #[test]
    fn encrypted_modes_are_refused_for_now() {
        let c = config(json!({"ssl_mode": {"mode": "encrypted_trust_server_certificate"}}));
        let err = c.tiberius_config(&c.host, c.port).unwrap_err();
        assert!(err.message.contains("needs TLS"), "{}", err.message);
        assert_eq!(
            err.failure_type,
            crate::protocol::airbyte::FailureType::ConfigError
        );
    }
}
