//! SQL Server's errors: constructors for the ones the engine raises itself, and the mapping
//! of SQLite's failures to what SQL Server would have said.

use tds_protocol::types::SqlError;

/// Prefix of messages raised by our triggers (`RAISE(ABORT, ...)`): `number|message`.
pub const RAISE_PREFIX: &str = "__mssql|";

pub fn invalid_object(name: &str) -> SqlError {
    SqlError::new(208, 16, format!("Invalid object name '{name}'."))
}

pub fn invalid_column(name: &str) -> SqlError {
    SqlError::new(207, 16, format!("Invalid column name '{name}'."))
}

pub fn syntax_near(near: &str) -> SqlError {
    SqlError::new(102, 15, format!("Incorrect syntax near '{near}'."))
}

/// A syntax error at a reserved keyword (`SELECT * FROM WHERE`).
pub fn syntax_near_keyword(keyword: &str) -> SqlError {
    SqlError::new(
        156,
        15,
        format!("Incorrect syntax near the keyword '{keyword}'."),
    )
}

pub fn object_exists(name: &str) -> SqlError {
    SqlError::new(
        2714,
        16,
        format!("There is already an object named '{name}' in the database."),
    )
}

pub fn cannot_drop(kind: &str, name: &str) -> SqlError {
    SqlError::new(
        3701,
        11,
        format!("Cannot drop the {kind} '{name}', because it does not exist or you do not have permission."),
    )
}

pub fn database_exists(name: &str) -> SqlError {
    SqlError::new(
        1801,
        16,
        format!("Database '{name}' already exists. Choose a different database name."),
    )
}

pub fn unknown_database(name: &str) -> SqlError {
    SqlError::new(
        911,
        16,
        format!("Database '{name}' does not exist. Make sure that the name is entered correctly."),
    )
}

pub fn not_supported(what: &str) -> SqlError {
    SqlError::new(
        40517,
        16,
        format!(
            "Keyword or statement option '{what}' is not supported in this version of SQL Server."
        ),
    )
}

pub fn must_declare(name: &str) -> SqlError {
    SqlError::new(
        137,
        15,
        format!("Must declare the scalar variable \"{name}\"."),
    )
}

/// A failure of SQLite the client should never see in normal use. The message names the
/// failure only: the translated SQLite text is an implementation detail, so it goes to
/// stderr for whoever debugs the engine.
pub fn internal(e: &rusqlite::Error) -> SqlError {
    let short = match e {
        rusqlite::Error::SqlInputError { msg, sql, .. } => {
            eprintln!("tsql-engine: {msg} in {sql}");
            msg.clone()
        }
        other => other.to_string(),
    };
    SqlError::new(50000, 16, format!("Internal engine error: {short}"))
}

fn unknown_function(name: &str) -> SqlError {
    SqlError::new(
        195,
        15,
        format!("'{name}' is not a recognized built-in function name."),
    )
}

/// True for the errors after which SQL Server abandons the rest of the batch.
pub fn aborts_batch(e: &SqlError) -> bool {
    matches!(
        e.number,
        102 | 156 | 170 | 195 | 207 | 208 | 137 | 911 | 4060 | 245 | 8114 | 241 | 1222
    ) || e.class >= 17
        || (e.number == 50000 && e.message.starts_with("Internal engine error"))
}

/// SQL Server's error for a SQLite failure (`table` is the statement's target, for 515).
pub fn from_sqlite(e: &rusqlite::Error) -> SqlError {
    if let Some(err) = crate::functions::recover(e) {
        return err;
    }
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.as_str(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.as_str(),
        _ => return internal(e),
    };
    if let Some(rest) = msg.strip_prefix(RAISE_PREFIX) {
        let (num, text) = rest.split_once('|').unwrap_or(("50000", rest));
        let number = num.parse().unwrap_or(50000);
        let class = if number == 515 { 16 } else { 14 };
        return SqlError::new(number, class, text).with_state(if number == 515 { 2 } else { 1 });
    }
    if let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ") {
        return SqlError::new(
            2627,
            14,
            format!("Violation of UNIQUE KEY constraint on ({cols}). Cannot insert duplicate key."),
        );
    }
    if let Some(col) = msg.strip_prefix("no such column: ") {
        let col = col.rsplit('.').next().unwrap_or(col);
        return invalid_column(col);
    }
    if let Some(f) = msg.strip_prefix("no such function: ") {
        return unknown_function(f);
    }
    if let Some(t) = msg.strip_prefix("no such table: ") {
        return invalid_object(t.rsplit('.').next().unwrap_or(t));
    }
    if let Some(rest) = msg.strip_prefix("near \"") {
        let near = rest.split('"').next().unwrap_or("");
        return syntax_near(near);
    }
    if msg.starts_with("ambiguous column name: ") {
        let c = msg.trim_start_matches("ambiguous column name: ");
        return SqlError::new(209, 16, format!("Ambiguous column name '{c}'."));
    }
    if msg.contains(" values for ") && msg.contains(" columns") {
        return SqlError::new(120, 15, "The select list for the INSERT statement contains fewer items than the insert list. The number of SELECT values must match the number of INSERT columns.");
    }
    if msg.contains("database is locked") || msg.contains("database table is locked") {
        return SqlError::new(1222, 16, "Lock request time out period exceeded.");
    }
    if msg.contains("interrupted") {
        return SqlError::new(3617, 16, "The statement was cancelled.");
    }
    internal(e)
}
