//! The one error type of this source: what went wrong, said for the person
//! who has to act, and who that is (the Airbyte failure type).

use crate::protocol::airbyte::FailureType;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub failure_type: FailureType,
    /// Shown to the user: says what is wrong and what to do. Never holds a secret.
    pub message: String,
    /// Detail for whoever debugs the connector (a driver error, say).
    pub internal_message: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The user's input is wrong: retrying won't help, fixing the input will.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(FailureType::ConfigError, message)
    }

    /// Our fault or the server's: the user can't fix it by editing the config.
    pub fn system(message: impl Into<String>) -> Self {
        Self::new(FailureType::SystemError, message)
    }

    /// Likely to go away when retried (a dropped connection, a deadlock).
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(FailureType::TransientError, message)
    }

    pub fn with_internal(mut self, internal: impl Into<String>) -> Self {
        self.internal_message = Some(internal.into());
        self
    }

    fn new(failure_type: FailureType, message: impl Into<String>) -> Self {
        Self {
            failure_type,
            message: message.into(),
            internal_message: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
