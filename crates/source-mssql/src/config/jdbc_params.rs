//! `jdbc_url_params`: the `key=value&key=value` connection properties users
//! of Airbyte's Java source put in their config, mapped onto what this source
//! can honour.
//!
//! Names match case-insensitively, as in Microsoft's JDBC driver. Properties
//! we don't know are kept so main can warn that they are ignored.

use crate::error::{Error, Result};
use std::time::Duration;

/// SQL Server's packet size limits; a bigger packet means fewer round trips
/// on large reads, so the largest is our default.
pub const MAX_PACKET_SIZE: u32 = 32767;
const MIN_PACKET_SIZE: u32 = 512;

/// The JDBC driver's timeout when `loginTimeout` is 0 or unset.
const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplicationIntent {
    #[default]
    ReadWrite,
    /// Routes an availability-group listener's connection to a readable
    /// secondary.
    ReadOnly,
}

/// The JDBC driver's `encrypt` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encrypt {
    /// `false`/`optional`/`no`.
    False,
    /// `true`/`mandatory`/`yes`.
    True,
    /// `strict`: TDS 8.0.
    Strict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JdbcParams {
    pub application_name: Option<String>,
    /// How long connecting and logging in may take.
    pub login_timeout: Duration,
    /// `None`: let the server choose (`packetSize=-1`).
    pub packet_size: Option<u32>,
    pub application_intent: ApplicationIntent,
    /// `encrypt`, mapped onto `ssl_mode` by the config (see `config::tls`).
    pub encrypt: Option<Encrypt>,
    /// `trustServerCertificate`.
    pub trust_server_certificate: Option<bool>,
    /// `hostNameInCertificate`.
    pub host_name_in_certificate: Option<String>,
    /// Properties we don't act on, by name, for a warning.
    pub ignored: Vec<String>,
}

impl Default for JdbcParams {
    fn default() -> Self {
        Self {
            application_name: None,
            login_timeout: DEFAULT_LOGIN_TIMEOUT,
            packet_size: Some(MAX_PACKET_SIZE),
            application_intent: ApplicationIntent::ReadWrite,
            encrypt: None,
            trust_server_certificate: None,
            host_name_in_certificate: None,
            ignored: Vec::new(),
        }
    }
}

impl JdbcParams {
    /// Parses `key=value` pairs separated by `&` (or `;`, as in a JDBC URL).
    pub fn parse(text: &str) -> Result<Self> {
        let mut params = JdbcParams::default();
        for pair in text.split(['&', ';']).map(str::trim) {
            if pair.is_empty() {
                continue;
            }
            let Some((key, value)) = pair.split_once('=') else {
                return Err(Error::config(format!(
                    "config: `jdbc_url_params` has `{pair}`, which is not a key=value pair; \
                     separate pairs with '&', as in applicationName=airbyte&loginTimeout=30"
                )));
            };
            params.set(key.trim(), value.trim())?;
        }
        Ok(params)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match key.to_ascii_lowercase().as_str() {
            "applicationname" => self.application_name = Some(application_name(value)?),
            "logintimeout" => self.login_timeout = login_timeout(value)?,
            "packetsize" => self.packet_size = packet_size(value)?,
            "applicationintent" => self.application_intent = application_intent(value)?,
            "encrypt" => self.encrypt = Some(encrypt(value)?),
            "trustservercertificate" => {
                self.trust_server_certificate = Some(boolean("trustServerCertificate", value)?)
            }
            "hostnameincertificate" if !value.is_empty() => {
                self.host_name_in_certificate = Some(value.to_string())
            }
            _ => self.ignored.push(key.to_string()),
        }
        Ok(())
    }
}

fn bad(key: &str, value: &str, expected: &str) -> Error {
    Error::config(format!(
        "config: `jdbc_url_params` property `{key}` must be {expected}, got \"{value}\""
    ))
}

fn application_name(value: &str) -> Result<String> {
    // SQL Server keeps at most 128 characters of an application name.
    if value.is_empty() || value.chars().count() > 128 {
        return Err(bad("applicationName", value, "1 to 128 characters"));
    }
    Ok(value.to_string())
}

fn login_timeout(value: &str) -> Result<Duration> {
    match value.parse::<u16>() {
        Ok(0) => Ok(DEFAULT_LOGIN_TIMEOUT),
        Ok(seconds) => Ok(Duration::from_secs(seconds.into())),
        Err(_) => Err(bad(
            "loginTimeout",
            value,
            "a number of seconds from 0 to 65535",
        )),
    }
}

/// `-1` asks for the server's packet size and `0` for the largest, as in the
/// JDBC driver.
fn packet_size(value: &str) -> Result<Option<u32>> {
    match value.parse::<i64>() {
        Ok(-1) => Ok(None),
        Ok(0) => Ok(Some(MAX_PACKET_SIZE)),
        Ok(n) if (i64::from(MIN_PACKET_SIZE)..=i64::from(MAX_PACKET_SIZE)).contains(&n) => {
            Ok(Some(n as u32))
        }
        _ => Err(bad(
            "packetSize",
            value,
            "-1, 0, or a number of bytes from 512 to 32767",
        )),
    }
}

fn application_intent(value: &str) -> Result<ApplicationIntent> {
    match value.to_ascii_lowercase().as_str() {
        "readonly" => Ok(ApplicationIntent::ReadOnly),
        "readwrite" => Ok(ApplicationIntent::ReadWrite),
        _ => Err(bad("ApplicationIntent", value, "ReadOnly or ReadWrite")),
    }
}

fn encrypt(value: &str) -> Result<Encrypt> {
    match value.to_ascii_lowercase().as_str() {
        "false" | "optional" | "no" => Ok(Encrypt::False),
        "true" | "mandatory" | "yes" => Ok(Encrypt::True),
        "strict" => Ok(Encrypt::Strict),
        _ => Err(bad("encrypt", value, "true, false or strict")),
    }
}

fn boolean(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(bad(key, value, "true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let p = JdbcParams::parse("").unwrap();
        assert_eq!(p, JdbcParams::default());
        assert_eq!(p.packet_size, Some(32767));
        assert_eq!(p.login_timeout, Duration::from_secs(15));
    }

    #[test]
    fn known_properties() {
        let p = JdbcParams::parse(
            "applicationName=airbyte sync&loginTimeout=30&packetSize=8192&ApplicationIntent=ReadOnly",
        )
        .unwrap();
        assert_eq!(p.application_name.as_deref(), Some("airbyte sync"));
        assert_eq!(p.login_timeout, Duration::from_secs(30));
        assert_eq!(p.packet_size, Some(8192));
        assert_eq!(p.application_intent, ApplicationIntent::ReadOnly);
        assert!(p.ignored.is_empty());
    }

    #[test]
    fn encryption_properties() {
        let p =
            JdbcParams::parse("encrypt=true&trustServerCertificate=TRUE&hostNameInCertificate=x.y")
                .unwrap();
        assert_eq!(p.encrypt, Some(Encrypt::True));
        assert_eq!(p.trust_server_certificate, Some(true));
        assert_eq!(p.host_name_in_certificate.as_deref(), Some("x.y"));
        let p = JdbcParams::parse("encrypt=strict").unwrap();
        assert_eq!(p.encrypt, Some(Encrypt::Strict));
        assert_eq!(
            JdbcParams::parse("encrypt=optional").unwrap().encrypt,
            Some(Encrypt::False)
        );
    }

    #[test]
    fn names_are_case_insensitive_and_semicolons_separate() {
        let p = JdbcParams::parse("PACKETSIZE=0;applicationintent=readwrite;").unwrap();
        assert_eq!(p.packet_size, Some(32767));
        assert_eq!(p.application_intent, ApplicationIntent::ReadWrite);
    }

    #[test]
    fn server_packet_size() {
        assert_eq!(
            JdbcParams::parse("packetSize=-1").unwrap().packet_size,
            None
        );
    }

    #[test]
    fn unknown_properties_are_kept_for_a_warning() {
        let p = JdbcParams::parse("sendStringParametersAsUnicode=false&encrypt=false").unwrap();
        assert_eq!(p.ignored, vec!["sendStringParametersAsUnicode"]);
    }

    #[test]
    fn bad_values_are_explained() {
        let cases = [
            (
                "packetSize=100",
                "`packetSize` must be -1, 0, or a number of bytes from 512 to 32767, got \"100\"",
            ),
            (
                "loginTimeout=soon",
                "`loginTimeout` must be a number of seconds",
            ),
            (
                "ApplicationIntent=sometimes",
                "`ApplicationIntent` must be ReadOnly or ReadWrite",
            ),
            (
                "applicationName=",
                "`applicationName` must be 1 to 128 characters",
            ),
            ("justakey", "`justakey`, which is not a key=value pair"),
            (
                "encrypt=sometimes",
                "`encrypt` must be true, false or strict",
            ),
            (
                "trustServerCertificate=1",
                "`trustServerCertificate` must be true or false",
            ),
        ];
        for (text, expected) in cases {
            let err = JdbcParams::parse(text).unwrap_err();
            assert!(err.message.contains(expected), "{text}: {}", err.message);
        }
    }
}
