//! `check`: can this config read anything? It logs in (which also opens the
//! database) and looks for the configured schemas, so a typo in a schema
//! name fails here rather than as an empty catalog.

use super::{placeholders, rows, text};
use crate::config::Config;
use crate::connection::connect;
use crate::driver_error::query_error;
use crate::error::{Error, Result};
use crate::query::{Param, Query};
use futures_util::TryStreamExt;

pub async fn check(config: &Config) -> Result<()> {
    let mut client = connect(config).await?;
    // No schema named: discover reads whichever the login can see.
    if config.schemas.is_empty() {
        return Ok(());
    }
    let query = Query {
        sql: format!(
            "SELECT name FROM sys.schemas WHERE name IN ({})",
            placeholders(config.schemas.len())
        ),
        params: config.schemas.iter().cloned().map(Param::Text).collect(),
    };
    let mut found = Vec::new();
    let mut stream = rows(&mut client, &query).await?;
    while let Some(row) = stream.try_next().await.map_err(|e| query_error(&e))? {
        found.extend(text(&row, 0)?);
    }
    // The server matched the names by the database's collation; a name it
    // returned in another case is the one configured.
    let found: Vec<String> = found.iter().map(|name| name.to_lowercase()).collect();
    let missing: Vec<String> = config
        .schemas
        .iter()
        .filter(|schema| !found.contains(&schema.to_lowercase()))
        .map(|schema| format!("`{schema}`"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::config(format!(
        "config: database `{}` has no schema {} that login `{}` can see; check `schemas` \
         (names are as in sys.schemas) and the login's permissions",
        config.database,
        missing.join(", "),
        config.username
    )))
}
