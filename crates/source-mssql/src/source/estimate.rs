//! How big a stream's table is, for the platform's progress bar and the
//! checkpoint LOG lines: `sys.partitions` keeps the row count and
//! `sys.allocation_units` the pages, so no table is scanned for them.

use super::rows;
use crate::connection::Client;
use crate::query::{Param, Query};
use futures_util::TryStreamExt;

/// Heap or clustered index partitions hold each row once (index_id 0 or 1);
/// their allocation units hold the row data, in-row, LOB and row-overflow.
/// Rows are counted once per partition, from its in-row unit (type 1). The
/// join is Microsoft's: LOB units belong to the partition, the others to
/// its hobt (the same id today).
const SIZE: &str = "SELECT CAST(SUM(CASE WHEN a.type = 1 THEN p.rows ELSE 0 END) AS bigint), \
                    CAST(SUM(a.used_pages) AS bigint) \
                    FROM sys.partitions p \
                    JOIN sys.allocation_units a \
                        ON (a.type IN (1, 3) AND a.container_id = p.hobt_id) \
                        OR (a.type = 2 AND a.container_id = p.partition_id) \
                    JOIN sys.objects o ON o.object_id = p.object_id \
                    JOIN sys.schemas s ON s.schema_id = o.schema_id \
                    WHERE p.index_id IN (0, 1) AND s.name = @P1 AND o.name = @P2";

/// SQL Server's page size.
const PAGE_BYTES: u64 = 8192;

/// What the catalog says of a table's size; `None` where it can't say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Estimate {
    pub rows: Option<u64>,
    /// The pages its rows take on the server: the size of the data, not of
    /// the records (JSON is often larger).
    pub bytes: Option<u64>,
}

/// The table's estimate; nothing for a view, or when the login may not see
/// the catalog: an estimate is worth no failure.
pub async fn estimate(client: &mut Client, schema: &str, table: &str) -> Estimate {
    let query = Query {
        sql: SIZE.to_string(),
        params: vec![Param::Text(schema.into()), Param::Text(table.into())],
    };
    let Ok(mut stream) = rows(client, &query).await else {
        return Estimate::default();
    };
    let mut estimate = Estimate::default();
    // Read to the end, so the connection is ready for the next query.
    while let Ok(Some(row)) = stream.try_next().await {
        let count = |i| {
            row.try_get::<i64, _>(i)
                .ok()
                .flatten()
                .and_then(|n| u64::try_from(n).ok())
        };
        estimate = Estimate {
            rows: count(0),
            bytes: count(1).map(|pages| pages * PAGE_BYTES),
        };
    }
    estimate
}
