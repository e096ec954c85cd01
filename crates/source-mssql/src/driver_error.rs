//! The driver's errors, said for the user and sorted by who must act: the
//! user (config_error: wrong host, login, database, permissions), a retry
//! (transient_error: lost connection, deadlock, throttling), or us
//! (system_error). The driver's own text goes to `internal_message`.

use crate::error::Error;
use tiberius::error::IoErrorKind;

/// An error while connecting and logging in to `address` (`host:port`).
pub fn connect_error(error: &tiberius::error::Error, address: &str) -> Error {
    let classified = match error {
        tiberius::error::Error::Tls(message) => tls_error(address, message),
        tiberius::error::Error::Io { message, .. } if message.contains("certificate") => {
            tls_error(address, message)
        }
        tiberius::error::Error::Io { kind, message } => match kind {
            IoErrorKind::ConnectionRefused
            | IoErrorKind::NotFound
            | IoErrorKind::AddrNotAvailable
            | IoErrorKind::HostUnreachable
            | IoErrorKind::NetworkUnreachable => unreachable_server(address, message),
            IoErrorKind::TimedOut => Error::config(format!(
                "SQL Server at {address} did not answer in time; check `host` and `port`, \
                 a firewall in between, or raise `loginTimeout` in `jdbc_url_params` \
                 (`check` waits {} s at most whatever it says)",
                crate::commands::CHECK_LOGIN_TIMEOUT.as_secs()
            )),
            _ => Error::transient(format!(
                "the connection to SQL Server at {address} failed while logging in: {message}"
            )),
        },
        tiberius::error::Error::Protocol(message)
            if message.contains("does not allow the requested encryption level") =>
        {
            Error::config(format!(
                "SQL Server at {address} offers no encryption (TLS), which the chosen \
                 `ssl_mode` requires; enable TLS on the server, or set `ssl_mode` to \
                 `unencrypted` on a network you trust"
            ))
        }
        other => query_error(other),
    };
    with_driver_text(classified, error)
}

/// A login that failed because client and server disagree about TDS 8.0
/// strict encryption, said as the `ssl_mode` that fixes it; `None` for any
/// other failure. `strict`: the client spoke first with TLS (its ClientHello).
///
/// A server that requires strict encryption expects a ClientHello first; a
/// plain PRELOGIN it drops, or it answers with TLS, whose first byte (a TLS
/// record: 22 handshake, 21 alert) is no TDS packet type. A server before
/// SQL Server 2022 takes a ClientHello for a packet of unknown type 22,
/// which MS-TDS (2.2.3.1.1) says the receiver should disconnect: so it hangs
/// up before any certificate is seen (or answers with TDS, which is no TLS).
pub fn strict_mismatch(
    error: &tiberius::error::Error,
    strict: bool,
    address: &str,
) -> Option<Error> {
    use tiberius::error::Error as Driver;
    let hung_up = matches!(
        error,
        Driver::Io {
            kind: IoErrorKind::UnexpectedEof
                | IoErrorKind::ConnectionReset
                | IoErrorKind::ConnectionAborted
                | IoErrorKind::BrokenPipe,
            ..
        }
    );
    let message = if strict {
        let not_tls = match error {
            Driver::Tls(text) | Driver::Io { message: text, .. } => {
                let text = text.to_ascii_lowercase();
                !text.contains("certificate")
                    && ["corrupt message", "invalidcontenttype", "tls handshake eof"]
                        .iter()
                        .any(|t| text.contains(t))
            }
            _ => false,
        };
        (hung_up || not_tls).then(|| {
            format!(
                "SQL Server at {address} did not answer the TLS-first (TDS 8.0) handshake \
                 before any certificate: the server may not support TDS 8.0 strict encryption \
                 (SQL Server 2022 and Azure SQL do, earlier versions do not): set `ssl_mode` \
                 to `encrypted_verify_certificate` (or `encrypted_trust_server_certificate`)"
            )
        })
    } else {
        // A TLS record read as a TDS header claims a length the server
        // never sends before it hangs up ("bytes remaining"); a whole one
        // has a type TDS does not have.
        let tls_answer = match error {
            Driver::Protocol(text) => {
                text.contains("invalid packet type: 22") || text.contains("invalid packet type: 21")
            }
            Driver::Io { message, .. } => message.contains("bytes remaining on stream"),
            _ => false,
        };
        (hung_up || tls_answer).then(|| {
            let what = if tls_answer {
                "answered the PRELOGIN with no TDS packet (TLS?) and hung up"
            } else {
                "closed the connection during PRELOGIN and login"
            };
            format!(
                "SQL Server at {address} {what}: the server may require TDS 8.0 strict \
                 encryption: set `ssl_mode` to `encrypted_strict`"
            )
        })
    };
    message.map(|message| with_driver_text(Error::config(message), error))
}

/// A failed TLS handshake, said as which certificate problem it is and
/// which `ssl_mode` option fixes it. The driver's text is rustls's.
fn tls_error(address: &str, driver_text: &str) -> Error {
    let text = driver_text.to_ascii_lowercase();
    let fix_trust = "or, on a network you trust, use the mode encrypted_trust_server_certificate";
    let problem = if text.contains("expired") {
        format!("the server's certificate has expired (or this machine's clock is wrong); renew it on the server, {fix_trust}")
    } else if text.contains("notvalidyet") || text.contains("not valid yet") {
        format!("the server's certificate is not valid yet (is this machine's clock right?); {fix_trust}")
    } else if text.contains("not valid for name") || text.contains("notvalidforname") {
        let names = driver_text
            .split("is only valid for ")
            .nth(1)
            .and_then(|names| names.split(". ").next())
            .map(|names| format!(" (it is issued for {})", names.trim().trim_end_matches('.')))
            .unwrap_or_default();
        format!(
            "the server's certificate is not issued for the name connected to{names}; set \
             `hostNameInCertificate` in `ssl_mode` to the name it is issued for, or connect \
             with that name as `host`"
        )
    } else if [
        "unknownissuer",
        "unknown issuer",
        "unsupportedsignaturealgorithm",
        "badsignature",
    ]
    .iter()
    .any(|t| text.contains(t))
    {
        // webpki reports a chain it could not build from the system's roots
        // as the last candidate's problem, often a signature algorithm.
        format!(
            "the server's certificate is not signed by a CA this machine trusts (a self-signed \
             certificate?); put the server's or its CA's PEM in `ssl_mode.certificate`, {fix_trust}"
        )
    } else if text.contains("certificate") {
        format!("the server's certificate was rejected; check it, or put its CA's PEM in `ssl_mode.certificate`, {fix_trust}")
    } else {
        "check that the server supports the chosen `ssl_mode` (encrypted_strict needs SQL \
         Server 2022 or Azure SQL)"
            .to_string()
    };
    Error::config(format!(
        "the TLS handshake with SQL Server at {address} failed: {problem}"
    ))
}

/// The server's address can't be connected to: a wrong `host` or `port`
/// far more often than a network fault.
pub fn unreachable_server(address: &str, reason: &str) -> Error {
    Error::config(format!(
        "cannot reach SQL Server at {address} ({reason}); check `host` and `port`, \
         and that the server accepts TCP connections from here"
    ))
}

/// An error while running a statement or reading its rows.
pub fn query_error(error: &tiberius::error::Error) -> Error {
    let classified = match error {
        tiberius::error::Error::Server(token) => server_error(token.code(), token.message()),
        tiberius::error::Error::Io { message, .. } => {
            Error::transient(format!("the connection to SQL Server was lost: {message}"))
        }
        tiberius::error::Error::Routing { host, port } => Error::transient(format!(
            "SQL Server redirected the connection to {host}:{port}"
        )),
        other => Error::system(format!("the SQL Server driver failed: {other}")),
    };
    with_driver_text(classified, error)
}

/// Azure SQL's "try again" answers to a login: the database is moving,
/// starting, busy or throttled. Worth retrying at connect, with backoff.
pub const TRANSIENT_LOGIN_ERRORS: [u32; 9] =
    [40613, 40197, 40501, 49918, 49919, 49920, 4221, 10928, 10929];

/// Whether a login that failed with server error `code` may pass if retried.
pub fn is_transient_login(code: u32) -> bool {
    TRANSIENT_LOGIN_ERRORS.contains(&code)
}

/// Sorts a server error by its number (sys.messages' `message_id`).
pub fn server_error(code: u32, message: &str) -> Error {
    match code {
        18456 | 18470 | 18486 | 18487 | 18488 => Error::config(format!(
            "SQL Server refused the login: {message} Check `username` and `password`"
        )),
        4060 | 911 => Error::config(format!(
            "SQL Server cannot open the database: {message} Check `database`, and that \
             the login is a user of it"
        )),
        229 | 230 | 262 | 297 | 300 | 916 => Error::config(format!(
            "the login lacks a permission: {message} Grant it SELECT on the synced tables \
             and VIEW DEFINITION on their schemas"
        )),
        207 | 208 => Error::config(format!(
            "a synced table or column no longer exists: {message} Refresh the source schema"
        )),
        1205 | 1222 | 233 | 10053 | 10054 | 40197 | 40501 | 40613 | 49918 | 49919 | 49920
        | 10928 | 10929 | 4221 => Error::transient(format!("SQL Server asked to retry: {message}")),
        _ => Error::system(format!("SQL Server error {code}: {message}")),
    }
}

fn with_driver_text(error: Error, driver: &tiberius::error::Error) -> Error {
    error.with_internal(driver.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::airbyte::FailureType;

    fn io(kind: IoErrorKind) -> tiberius::error::Error {
        tiberius::error::Error::Io {
            kind,
            message: "os says no".into(),
        }
    }

    #[test]
    fn unreachable_server_is_the_users_to_fix() {
        let e = connect_error(&io(IoErrorKind::ConnectionRefused), "db:1433");
        assert_eq!(e.failure_type, FailureType::ConfigError);
        assert!(
            e.message.contains("cannot reach SQL Server at db:1433"),
            "{}",
            e.message
        );
        assert!(e.internal_message.unwrap().contains("os says no"));
        let e = connect_error(&io(IoErrorKind::TimedOut), "db:1433");
        assert!(e.message.contains("loginTimeout"), "{}", e.message);
    }

    #[test]
    fn certificate_problems_name_the_fix() {
        let cases = [
            ("the server's certificate was rejected during the TLS handshake: certificate expired: verification time 1 (UNIX), but certificate is not valid after 0 (1 seconds ago).", "has expired"),
            ("the server's certificate was rejected during the TLS handshake: UnknownIssuer. To connect", "`ssl_mode.certificate`"),
            ("the server's certificate was rejected during the TLS handshake: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"sql.test\"). To", "`hostNameInCertificate`"),
        ];
        for (text, fix) in cases {
            let e = connect_error(&tiberius::error::Error::Tls(text.into()), "db:1433");
            assert_eq!(e.failure_type, FailureType::ConfigError);
            assert!(e.message.contains(fix), "{text}: {}", e.message);
            assert!(!e.message.contains("Config::"), "{}", e.message);
        }
        let e = connect_error(&tiberius::error::Error::Tls(cases[2].0.into()), "db:1433");
        assert!(
            e.message
                .contains("(it is issued for DnsName(\"sql.test\"))"),
            "{}",
            e.message
        );
    }

    #[test]
    fn strict_encryption_on_one_side_only_names_the_mode() {
        use tiberius::error::Error as Driver;
        let eof = || io(IoErrorKind::UnexpectedEof);
        let tls_answer = Driver::Protocol("header: invalid packet type: 22".into());
        let cut_short = Driver::Io {
            kind: IoErrorKind::Other,
            message: "bytes remaining on stream".into(),
        };
        for error in [
            eof(),
            io(IoErrorKind::ConnectionReset),
            tls_answer,
            cut_short,
        ] {
            let e = strict_mismatch(&error, false, "db:1433").expect("a hint");
            assert!(
                e.message.contains("set `ssl_mode` to `encrypted_strict`"),
                "{}",
                e.message
            );
            assert_eq!(e.failure_type, FailureType::ConfigError);
        }
        let corrupt = Driver::Tls("received corrupt message of type InvalidContentType".into());
        for error in [eof(), corrupt] {
            let e = strict_mismatch(&error, true, "db:1433").expect("a hint");
            assert!(
                e.message
                    .contains("set `ssl_mode` to `encrypted_verify_certificate`"),
                "{}",
                e.message
            );
        }
        // A certificate problem, a refused login: not a mismatch.
        let cert = Driver::Tls("invalid peer certificate: UnknownIssuer".into());
        assert!(strict_mismatch(&cert, true, "db:1433").is_none());
        assert!(strict_mismatch(&io(IoErrorKind::ConnectionRefused), false, "db").is_none());
    }

    #[test]
    fn lost_connections_are_transient() {
        let e = connect_error(&io(IoErrorKind::ConnectionReset), "db:1433");
        assert_eq!(e.failure_type, FailureType::TransientError);
        let e = query_error(&io(IoErrorKind::UnexpectedEof));
        assert_eq!(e.failure_type, FailureType::TransientError);
    }

    #[test]
    fn server_errors_by_number() {
        let cases = [
            (
                18456,
                FailureType::ConfigError,
                "Check `username` and `password`",
            ),
            (4060, FailureType::ConfigError, "Check `database`"),
            (229, FailureType::ConfigError, "Grant it SELECT"),
            (208, FailureType::ConfigError, "Refresh the source schema"),
            (1205, FailureType::TransientError, "asked to retry"),
            (40613, FailureType::TransientError, "asked to retry"),
            (8115, FailureType::SystemError, "SQL Server error 8115"),
        ];
        for (code, failure_type, text) in cases {
            let e = server_error(code, "Something happened.");
            assert_eq!(e.failure_type, failure_type, "{code}");
            assert!(e.message.contains(text), "{code}: {}", e.message);
            assert!(e.message.contains("Something happened."), "{code}");
        }
    }

    #[test]
    fn driver_bugs_are_system_errors() {
        let e = query_error(&tiberius::error::Error::Protocol("bad token".into()));
        assert_eq!(e.failure_type, FailureType::SystemError);
        assert!(e.message.contains("bad token"));
    }
}
