//! What the server does with a LOGIN7 besides checking a password, to imitate Azure SQL:
//! federated-authentication tokens it accepts (and as whom), a routing answer that sends
//! every client elsewhere (Azure's redirect connection policy), and transient errors
//! injected into the first logins. It also counts logins, so tests can see retries.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use tds_protocol::login7::{Feature, FEATURE_FEDAUTH};
use tds_protocol::wire::decode_utf16;
use tsql_engine::SqlError;

/// FEDAUTH's library: a token the client already holds (MS-TDS 2.2.6.4, bFedAuthLibrary).
const FEDAUTH_LIBRARY_SECURITY_TOKEN: u8 = 0x01;

/// The name SQL Server's 18456 gives a login by token it could not validate.
const TOKEN_PRINCIPAL: &str = "<token-identified principal>";

/// Fed-auth tokens and the user each logs in as. Its `Debug` shows the users only: tokens
/// are credentials.
#[derive(Clone, Default)]
pub struct AcceptedTokens(HashMap<String, String>);

impl AcceptedTokens {
    pub fn insert(&mut self, token: &str, user: &str) {
        self.0.insert(token.to_string(), user.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for AcceptedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut users: Vec<&str> = self.0.values().map(String::as_str).collect();
        users.sort_unstable();
        f.debug_struct("AcceptedTokens")
            .field("users", &users)
            .finish_non_exhaustive()
    }
}

/// The first `count` logins fail with `error_number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InjectedFailures {
    pub count: u32,
    pub error_number: i32,
}

/// The server's login behaviour beyond the password check, shared by all connections.
#[derive(Debug, Default)]
pub struct LoginPolicy {
    pub tokens: AcceptedTokens,
    /// Every login is answered with a routing ENVCHANGE to this host and port.
    pub route: Option<(String, u16)>,
    pub failures: Option<InjectedFailures>,
    attempts: AtomicU32,
}

impl LoginPolicy {
    pub fn new(
        tokens: AcceptedTokens,
        route: Option<(String, u16)>,
        failures: Option<InjectedFailures>,
    ) -> LoginPolicy {
        LoginPolicy {
            tokens,
            route,
            failures,
            attempts: AtomicU32::new(0),
        }
    }

    /// LOGIN7 messages received so far.
    pub fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::SeqCst)
    }

    /// True when the server takes fed-auth tokens (PRELOGIN's FEDAUTHREQUIRED says 1).
    pub fn fed_auth(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Counts one login; the error it must fail with, if it is one of the first N.
    pub fn count_attempt(&self, database: &str, server: &str) -> Option<SqlError> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        let failures = self.failures?;
        if attempt > failures.count {
            return None;
        }
        transient_error(failures.error_number, database, server, attempt)
    }

    /// The user a FEDAUTH feature logs in as, or SQL Server's 18456.
    pub fn token_user(&self, feature: &Feature) -> Result<String, SqlError> {
        let token = security_token(feature)?;
        self.tokens
            .0
            .get(&token)
            .cloned()
            .ok_or_else(|| crate::backend::login_failed(TOKEN_PRINCIPAL))
    }
}

/// The token of a FEDAUTH feature of the SecurityToken library: bOptions (library << 1 |
/// echo), a u32 length, the token in UTF-16, and an optional nonce.
fn security_token(feature: &Feature) -> Result<String, SqlError> {
    debug_assert_eq!(feature.id, FEATURE_FEDAUTH);
    let unsupported = |what: &str| {
        SqlError::new(
            18456,
            14,
            format!("Login failed for user '{TOKEN_PRINCIPAL}'. ({what})"),
        )
    };
    let (&options, rest) = feature
        .data
        .split_first()
        .ok_or_else(|| unsupported("empty FEDAUTH feature"))?;
    if options >> 1 != FEDAUTH_LIBRARY_SECURITY_TOKEN {
        return Err(unsupported(
            "only access tokens (the SecurityToken library) are supported",
        ));
    }
    let len = rest
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| unsupported("truncated FEDAUTH feature"))?;
    let bytes = rest
        .get(4..4 + len)
        .ok_or_else(|| unsupported("truncated FEDAUTH token"))?;
    decode_utf16(bytes).map_err(|_| unsupported("the token is not UTF-16"))
}

/// The error numbers that can be injected: Azure SQL's transient login errors, and the
/// two permanent ones a retry loop must not retry.
pub const INJECTABLE_ERRORS: [i32; 11] = [
    40613, 40197, 40501, 49918, 49919, 49920, 4221, 10928, 10929, 18456, 4060,
];

/// SQL Server's error `number` as a login gets it: its message text (placeholders filled
/// with this server's names), severity and state. `None` for a number it does not know.
pub fn transient_error(
    number: i32,
    database: &str,
    server: &str,
    attempt: u32,
) -> Option<SqlError> {
    let trace = format!("{{5D4F2A31-9C1B-4E7A-A6C2-{attempt:012X}}}");
    let (class, message) = match number {
        40613 => (
            17,
            format!(
                "Database '{database}' on server '{server}' is not currently available. \
                 Please retry the connection later. If the problem persists, contact customer \
                 support, and provide them the session tracing ID of '{trace}'."
            ),
        ),
        40197 => (
            17,
            "The service has encountered an error processing your request. Please try again. \
             Error code 4815."
                .to_string(),
        ),
        40501 => (
            20,
            format!(
                "The service is currently busy. Retry the request after 10 seconds. \
                 Incident ID: {trace}. Code: 4849669."
            ),
        ),
        49918 => (
            16,
            "Cannot process request. Not enough resources to process request. The service is \
             currently busy. Please retry the request later."
                .to_string(),
        ),
        49919 => (
            16,
            "Cannot process create or update request. Too many create or update operations in \
             progress for subscription \"1\"."
                .to_string(),
        ),
        49920 => (
            16,
            "Cannot process request. Too many operations in progress for subscription \"1\"."
                .to_string(),
        ),
        4221 => (
            16,
            "Login to read-secondary failed due to long wait on \
             'HADR_DATABASE_WAIT_FOR_TRANSITION_TO_VERSIONING'. The replica is not available \
             for login because row versions are missing for transactions that were in-flight \
             when the replica was recycled. The issue can be resolved by rolling back or \
             committing the active transactions on the primary replica. Occurrences of this \
             condition can be minimized by avoiding long write transactions on the primary."
                .to_string(),
        ),
        10928 => (
            20,
            "Resource ID: 1. The request limit for the database is 30 and has been reached. \
             See 'https://docs.microsoft.com/azure/azure-sql/database/resource-limits-logical-server' \
             for assistance."
                .to_string(),
        ),
        10929 => (
            20,
            "Resource ID: 1. The request minimum guarantee is 0, maximum limit is 30, and the \
             current usage for the database is 30. However, the server is currently too busy \
             to support requests greater than 30 for this database. See \
             'https://docs.microsoft.com/azure/azure-sql/database/resource-limits-logical-server' \
             for assistance. Otherwise, please try again later."
                .to_string(),
        ),
        18456 => return Some(crate::backend::login_failed("sa")),
        4060 => (
            11,
            format!("Cannot open database \"{database}\" requested by the login. The login failed."),
        ),
        _ => return None,
    };
    Some(SqlError::new(number, class, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fedauth(options: u8, token: &str) -> Feature {
        let mut utf16 = Vec::new();
        tds_protocol::wire::put_utf16(&mut utf16, token);
        let mut data = vec![options];
        data.extend_from_slice(&(utf16.len() as u32).to_le_bytes());
        data.extend_from_slice(&utf16);
        Feature {
            id: FEATURE_FEDAUTH,
            data,
        }
    }

    #[test]
    fn tokens_map_to_users_and_others_fail_with_18456() {
        let mut tokens = AcceptedTokens::default();
        tokens.insert("eyJ.good", "alice@example.com");
        let policy = LoginPolicy::new(tokens, None, None);
        assert_eq!(
            policy.token_user(&fedauth(0x03, "eyJ.good")).unwrap(),
            "alice@example.com"
        );
        let err = policy.token_user(&fedauth(0x02, "eyJ.bad")).unwrap_err();
        assert_eq!(err.number, 18456);
        assert_eq!(
            err.message,
            "Login failed for user '<token-identified principal>'."
        );
        // The ADAL/MSAL workflow library (0x02 << 1) is refused, not misread.
        assert!(policy.token_user(&fedauth(0x04, "eyJ.good")).is_err());
        assert!(!format!("{policy:?}").contains("eyJ"));
    }

    #[test]
    fn first_logins_fail_then_succeed_and_are_counted() {
        let failures = InjectedFailures {
            count: 2,
            error_number: 40613,
        };
        let policy = LoginPolicy::new(AcceptedTokens::default(), None, Some(failures));
        let err = policy.count_attempt("shop", "srv").unwrap();
        assert_eq!((err.number, err.class), (40613, 17));
        assert!(err
            .message
            .starts_with("Database 'shop' on server 'srv' is not"));
        assert!(policy.count_attempt("shop", "srv").is_some());
        assert!(policy.count_attempt("shop", "srv").is_none());
        assert_eq!(policy.attempts(), 3);
    }

    #[test]
    fn every_injectable_number_has_a_message() {
        for number in INJECTABLE_ERRORS {
            let err = transient_error(number, "db", "srv", 1).unwrap();
            assert_eq!(err.number, number);
            assert!(!err.message.is_empty());
        }
        assert!(transient_error(1205, "db", "srv", 1).is_none());
    }
}
