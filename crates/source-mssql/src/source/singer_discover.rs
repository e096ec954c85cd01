//! `--discover` in Singer mode: the same catalog queries as Airbyte's
//! `discover`, rendered as a Singer catalog.

use super::discover::{tables, Schemas};
use super::estimate::estimate;
use super::singer_catalog::entry;
use super::{rows, text};
use crate::config::Config;
use crate::connection::{connect, Client};
use crate::driver_error::query_error;
use crate::error::Result;
use crate::query::Query;
use futures_util::TryStreamExt;
use serde_json::{json, Value};
use std::collections::HashSet;

const VIEWS: &str = "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES \
                     WHERE TABLE_TYPE = 'VIEW'";

pub async fn discover(config: &Config) -> Result<Value> {
    let mut client = connect(config).await?;
    let tables = tables(&mut client, &Schemas::of(config)).await?;
    let views = views(&mut client).await?;
    let mut streams = Vec::with_capacity(tables.len());
    for table in &tables {
        let is_view = views.contains(&(table.schema.clone(), table.name.clone()));
        let rows = estimate(&mut client, &table.schema, &table.name).await.rows;
        streams.push(entry(table, &config.database, is_view, rows));
    }
    Ok(json!({ "streams": streams }))
}

/// (schema, name) of every view, so the catalog can say which streams are views.
async fn views(client: &mut Client) -> Result<HashSet<(String, String)>> {
    let query = Query {
        sql: VIEWS.to_string(),
        params: Vec::new(),
    };
    let mut stream = rows(client, &query).await?;
    let mut views = HashSet::new();
    while let Some(row) = stream.try_next().await.map_err(|e| query_error(&e))? {
        if let (Some(schema), Some(name)) = (text(&row, 0)?, text(&row, 1)?) {
            views.insert((schema, name));
        }
    }
    Ok(views)
}
