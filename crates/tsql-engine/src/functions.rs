//! SQLite scalar functions implementing T-SQL's built-ins and the engine's internal
//! conversions, registered on every connection by [`register`].
//!
//! Internal functions the translator emits:
//! - `__mssql_conv(value, 'sqltype', 'column', 'table')`: implicit conversion on store.
//! - `__mssql_cast(value, 'sqltype', style [, 'fromtype'])`: CAST/CONVERT; with `fromtype`
//!   the value is first read as canonical storage of that type (so a datetime column
//!   converts to text as a datetime, not as its storage text). The translator passes style
//!   0 when there is none, so a NULL style (`CONVERT(varchar, x, NULL)`) gives NULL.
//! - `__mssql_datalength(value [, 'sqltype'])`: DATALENGTH.
//! - `__mssql_add(a, b)`: `+` when the translator cannot tell the operand types (see
//!   `internal::add` for the rule).
//! - `__mssql_sub/mul/div/mod(a, b)`, aggregates `__mssql_sum(x)` / `__mssql_avg(x)`:
//!   exact decimal arithmetic on decimal TEXT (see the `arith` module).
//! - `__mssql_like(value, pattern [, escape])`: LIKE with classes and Unicode case folding.
//! - `__mssql_try_cast(...)`: as `__mssql_cast`, NULL instead of a conversion error.
//!
//! T-SQL built-ins keep their T-SQL names (overriding SQLite's `upper`, `lower`, `trim`,
//! `replace`, `abs`, `round`...). `LEFT` and `RIGHT` are keywords in SQLite, so they are
//! also registered as `__mssql_left` / `__mssql_right`; `ISNULL` is an operator in SQLite,
//! so it is callable as `__mssql_isnull`.
//!
//! SQL Server errors raised inside a function travel through SQLite as the message
//! `MSSQL:number:class:state:text` ([`raise`]) and are read back by [`recover`].

mod args;
mod arith;
pub(crate) mod dates;
mod digest;
mod forclause;
mod format;
mod internal;
pub mod json;
mod like;
mod math;
mod metadata;
mod parts;
pub mod rowsets;
mod sample;
mod strings;
mod variant;

use std::fmt;

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;
use tds_protocol::types::SqlError;

/// A SQL Server error on its way through SQLite.
#[derive(Debug)]
pub struct Carried(pub SqlError);

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(
            f,
            "MSSQL:{}:{}:{}:{}",
            e.number, e.class, e.state, e.message
        )
    }
}

impl std::error::Error for Carried {}

/// Wraps a SQL Server error to raise it from inside a SQLite function.
pub fn raise(e: SqlError) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(Box::new(Carried(e)))
}

/// The SQL Server error a SQLite function raised, if that is what `e` carries.
pub fn recover(e: &rusqlite::Error) -> Option<SqlError> {
    match e {
        rusqlite::Error::UserFunctionError(b) => {
            if let Some(c) = b.downcast_ref::<Carried>() {
                return Some(c.0.clone());
            }
            if let Some(s) = b.downcast_ref::<SqlError>() {
                return Some(s.clone());
            }
            parse_carried(&b.to_string())
        }
        rusqlite::Error::SqliteFailure(_, Some(msg)) => parse_carried(msg),
        other => parse_carried(&other.to_string()),
    }
}

/// Reads `MSSQL:number:class:state:text` anywhere in a message.
fn parse_carried(msg: &str) -> Option<SqlError> {
    let start = msg.find("MSSQL:")?;
    let mut parts = msg[start + 6..].splitn(4, ':');
    let number = parts.next()?.parse().ok()?;
    let class = parts.next()?.parse().ok()?;
    let state = parts.next()?.parse().ok()?;
    let text = parts.next()?;
    Some(SqlError::new(number, class, text).with_state(state))
}

/// Registers the collations and all functions on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    crate::collation::register(conn)?;
    internal::register(conn)?;
    arith::register(conn)?;
    like::register(conn)?;
    strings::register(conn)?;
    math::register(conn)?;
    dates::register(conn)?;
    parts::register(conn)?;
    format::register(conn)?;
    variant::register(conn)?;
    json::register(conn)?;
    digest::register(conn)?;
    metadata::register(conn)?;
    forclause::register(conn)?;
    sample::register(conn)?;
    rowsets::register_builtins(conn)?;
    Ok(())
}

/// Bytes as base64 (how FOR JSON and JSON_MODIFY write binary values).
pub(crate) fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Base64 text as bytes (how OPENJSON reads binary columns); `None` if it is not base64.
pub(crate) fn unbase64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}

/// Flags of a function whose result depends only on its arguments.
pub(crate) fn deterministic() -> FunctionFlags {
    FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC
}

/// Flags of a function that reads the clock or a random source.
pub(crate) fn volatile() -> FunctionFlags {
    FunctionFlags::SQLITE_UTF8
}

#[cfg(test)]
mod tests;
