//! How many rows a stream's table has, for the platform's progress bar:
//! `sys.partitions` keeps the count, so no table is scanned for it.

use super::rows;
use crate::connection::Client;
use crate::query::{Param, Query};
use futures_util::TryStreamExt;

/// Heap or clustered index partitions hold each row once (index_id 0 or 1).
const ROW_COUNT: &str = "SELECT CAST(SUM(p.rows) AS bigint) FROM sys.partitions p \
                         JOIN sys.objects o ON o.object_id = p.object_id \
                         JOIN sys.schemas s ON s.schema_id = o.schema_id \
                         WHERE p.index_id IN (0, 1) AND s.name = @P1 AND o.name = @P2";

/// What the catalog says of a table's size; `None` where it can't say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Estimate {
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
}

pub async fn estimate(client: &mut Client, schema: &str, table: &str) -> Estimate {
    Estimate {
        rows: row_count(client, schema, table).await,
        bytes: None,
    }
}

/// The table's row count; `None` for a view, or when the login may not see
/// the count: an estimate is worth no failure.
pub async fn row_count(client: &mut Client, schema: &str, table: &str) -> Option<u64> {
    let query = Query {
        sql: ROW_COUNT.to_string(),
        params: vec![Param::Text(schema.into()), Param::Text(table.into())],
    };
    let mut stream = rows(client, &query).await.ok()?;
    let mut count = None;
    // Read to the end, so the connection is ready for the next query.
    while let Ok(Some(row)) = stream.try_next().await {
        count = row.try_get::<i64, _>(0).ok().flatten();
    }
    count.and_then(|n| u64::try_from(n).ok())
}
