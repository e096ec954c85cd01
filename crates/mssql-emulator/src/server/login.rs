//! The answer to LOGIN7, in the order SQL Server sends it: database, collation and
//! language changes with their messages, LOGINACK, FEATUREEXTACK, packet size, DONE.

use tds_protocol::collation::Collation;
use tds_protocol::login7::{Feature, Login7, FEATURE_FEDAUTH, TDS_7_4};
use tds_protocol::tokens::{self, DoneKind, EnvChangeToken, DONE_ERROR};
use tsql_engine::SqlError;

use crate::backend::LoginRequest;

/// The version the server reports: SQL Server 2022 (16.0), build 1000.
pub const SERVER_VERSION: [u8; 4] = [16, 0, 0x03, 0xE8];
/// The program name in LOGINACK.
pub const PROG_NAME: &str = "Microsoft SQL Server";
/// The only language.
pub const LANGUAGE: &str = "us_english";

/// TDS versions a client may speak that the server answers in kind (7.2 to 7.3B); a newer
/// client gets 7.4. Older ones (7.0, 7.1) are refused: their DONE tokens carry 32-bit row
/// counts and their requests no ALL_HEADERS, which this server does not write or expect.
const KNOWN_VERSIONS: [u32; 3] = [0x7209_0002, 0x730A_0003, 0x730B_0003];

/// The TDS version the server agrees to, `None` for a client too old to serve.
pub fn negotiate_tds_version(client: u32) -> Option<u32> {
    if KNOWN_VERSIONS.contains(&client) {
        Some(client)
    } else if client >= TDS_7_4 {
        Some(TDS_7_4)
    } else if client > KNOWN_VERSIONS[0] {
        // An unlisted 7.2-7.3 revision: answer with the nearest one below it.
        KNOWN_VERSIONS.iter().rev().find(|&&v| v <= client).copied()
    } else {
        None
    }
}

/// What the backend needs to know of a LOGIN7.
pub fn login_request(login: &Login7, spid: u16) -> LoginRequest {
    LoginRequest {
        user: login.user_name.clone(),
        password: login.password.clone(),
        database: login.database.clone(),
        app_name: login.app_name.clone(),
        host_name: login.host_name.clone(),
        library_name: login.library_name.clone(),
        language: login.language.clone(),
        spid,
        preauthenticated: false,
        client_address: None,
        local_address: None,
    }
}

/// The features the server acknowledges: federated authentication (the login got this
/// far, so its token was accepted; no nonce was sent, so the ack carries no data). None of
/// the others a client may ask for (session recovery, column encryption, global
/// transactions, Azure-only features, data classification, UTF-8) is implemented, and an
/// absent ack tells the client so.
pub fn acknowledged_features(requested: &[Feature]) -> Vec<(u8, Vec<u8>)> {
    requested
        .iter()
        .filter(|f| f.id == FEATURE_FEDAUTH)
        .map(|f| (f.id, Vec::new()))
        .collect()
}

/// Settings the login response announces.
pub struct LoginAck<'a> {
    pub database: &'a str,
    pub tds_version: u32,
    pub packet_size: u32,
    /// The client's FeatureExt block, if it sent one.
    pub features: Option<&'a [Feature]>,
    pub server_name: &'a str,
    /// Send the client to this host and port (Azure SQL's redirect): a routing ENVCHANGE
    /// before the final DONE.
    pub route: Option<(&'a str, u16)>,
}

/// Writes a successful login's tokens.
pub fn write_login_ack(out: &mut Vec<u8>, ack: &LoginAck<'_>) {
    tokens::env_change(
        out,
        &EnvChangeToken::Database {
            new: ack.database,
            old: "master",
        },
    );
    let changed_db = SqlError::new(
        5701,
        0,
        format!("Changed database context to '{}'.", ack.database),
    )
    .with_state(2);
    tokens::message(out, &changed_db, false, ack.server_name);
    let collation = Collation::DEFAULT.to_bytes();
    tokens::env_change(out, &EnvChangeToken::Collation { new: &collation });
    tokens::env_change(
        out,
        &EnvChangeToken::Language {
            new: LANGUAGE,
            old: "",
        },
    );
    let changed_language =
        SqlError::new(5703, 0, format!("Changed language setting to {LANGUAGE}."));
    tokens::message(out, &changed_language, false, ack.server_name);
    tokens::login_ack(out, ack.tds_version, PROG_NAME, SERVER_VERSION);
    if let Some(features) = ack.features {
        tokens::feature_ext_ack(out, &acknowledged_features(features));
    }
    tokens::env_change(
        out,
        &EnvChangeToken::PacketSize {
            new: ack.packet_size,
            old: 4096,
        },
    );
    if let Some((server, port)) = ack.route {
        tokens::env_change(out, &EnvChangeToken::Routing { port, server });
    }
    tokens::done(out, DoneKind::Done, 0, 0, 0);
}

/// Writes a failed login's tokens: the error, then 18456 for `then_login_failed_for` (as
/// SQL Server follows a database it cannot open with it), then DONE(ERROR).
pub fn write_login_failure(
    out: &mut Vec<u8>,
    error: &SqlError,
    then_login_failed_for: Option<&str>,
    server_name: &str,
) {
    tokens::message(out, error, true, server_name);
    if let Some(user) = then_login_failed_for {
        tokens::message(out, &crate::backend::login_failed(user), true, server_name);
    }
    tokens::done(out, DoneKind::Done, DONE_ERROR, 0, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tds_protocol::wire::Reader;

    #[test]
    fn tds_versions() {
        assert_eq!(negotiate_tds_version(0x7400_0004), Some(TDS_7_4));
        assert_eq!(negotiate_tds_version(0x0800_0000), None);
        assert_eq!(negotiate_tds_version(0x7500_0000), Some(TDS_7_4));
        assert_eq!(negotiate_tds_version(0x730B_0003), Some(0x730B_0003));
        assert_eq!(negotiate_tds_version(0x7300_0003), Some(0x7209_0002));
        assert_eq!(negotiate_tds_version(0x7000_0000), None);
        assert_eq!(negotiate_tds_version(0x7100_0001), None);
    }

    /// The token types of a response, in order.
    fn token_types(bytes: &[u8]) -> Vec<u8> {
        let mut r = Reader::new(bytes, "test");
        let mut types = Vec::new();
        while let Ok(t) = r.u8() {
            types.push(t);
            match t {
                0xFD => r.advance(12).unwrap(),
                0xAE => {
                    while r.u8().unwrap() != 0xFF {
                        let n = r.u32().unwrap() as usize;
                        r.advance(n).unwrap();
                    }
                }
                _ => {
                    let n = r.u16().unwrap() as usize;
                    r.advance(n).unwrap();
                }
            }
        }
        types
    }

    #[test]
    fn login_ack_order() {
        let mut out = Vec::new();
        write_login_ack(
            &mut out,
            &LoginAck {
                database: "shop",
                tds_version: TDS_7_4,
                packet_size: 8000,
                features: Some(&[]),
                server_name: "srv",
                route: None,
            },
        );
        assert_eq!(
            token_types(&out),
            vec![0xE3, 0xAB, 0xE3, 0xE3, 0xAB, 0xAD, 0xAE, 0xE3, 0xFD]
        );
        let mut out = Vec::new();
        write_login_ack(
            &mut out,
            &LoginAck {
                database: "master",
                tds_version: TDS_7_4,
                packet_size: 4096,
                features: None,
                server_name: "srv",
                route: Some(("replica.example", 11000)),
            },
        );
        let types = token_types(&out);
        assert!(!types.contains(&0xAE));
        // The routing ENVCHANGE comes last, just before DONE.
        assert_eq!(&types[types.len() - 3..], &[0xE3, 0xE3, 0xFD]);
        // Token, length, type 20, value length, TCP, port, name length, name, old value.
        let routing = out.len() - 13 - (1 + 2 + 1 + 2 + 1 + 2 + 2 + 2 * 15 + 2);
        assert_eq!((out[routing], out[routing + 3]), (0xE3, 20));
    }

    #[test]
    fn failure_adds_18456_after_4060() {
        let mut out = Vec::new();
        let err = SqlError::new(4060, 11, "Cannot open database");
        write_login_failure(&mut out, &err, Some("sa"), "srv");
        assert_eq!(token_types(&out), vec![0xAA, 0xAA, 0xFD]);
        let mut out = Vec::new();
        write_login_failure(&mut out, &crate::backend::login_failed("sa"), None, "srv");
        assert_eq!(token_types(&out), vec![0xAA, 0xFD]);
        assert_eq!(&out[out.len() - 12..out.len() - 10], &[0x02, 0x00]);
    }
}
