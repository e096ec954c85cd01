//! What `check`, `discover` and `read` do on the server, once their inputs
//! are checked:
//!
//! - `check`: log in and look for the configured schemas;
//! - `discover`: the catalog queries that describe every table and view;
//! - `plan`: each configured stream's table, columns, query and start point;
//! - `cursor`: where an incremental read may checkpoint;
//! - `read`: the one read loop, for full refresh and incremental streams;
//! - `estimate`: how many rows a stream is likely to have;
//! - `parallel`: the executor, several readers at once and one writer;
//! - `split`, `merge`: one big table read in key ranges at once, and its
//!   ranges' messages merged back into one stream's.

pub mod check;
pub mod cursor;
pub mod discover;
pub mod estimate;
pub mod merge;
pub mod parallel;
pub mod plan;
pub mod read;
pub mod singer_catalog;
pub mod singer_discover;
pub mod split;

use crate::connection::Client;
use crate::driver_error::query_error;
use crate::error::{Error, Result};
use crate::query::{Param, Query};
use futures_util::stream::BoxStream;
use std::future::Future;

/// Runs a command's server work to its end.
///
/// A multi-threaded runtime, one worker per core: `read` runs its readers
/// as tasks that decode rows on the workers while this thread writes
/// stdout, and a reader waiting for stdout (`block_in_place`) must not
/// stall the others, nor the tasks every connection shares (an SSH
/// tunnel's session).
pub fn block_on<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| Error::system(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(work);
    // Without waiting for blocking threads: a host name lookup cut off by
    // its timeout (a silent DNS server) may still run in one, and would
    // hold the command's answer (`check`'s 10 s) until the resolver quits.
    runtime.shutdown_background();
    result
}

/// Sends `query` and returns its rows as they arrive.
pub async fn rows<'c>(
    client: &'c mut Client,
    query: &Query,
) -> Result<BoxStream<'c, tiberius::Result<tiberius::Row>>> {
    let mut statement = tiberius::Query::new(query.sql.clone());
    for param in &query.params {
        match param {
            Param::Text(text) => statement.bind(text.clone()),
            Param::Bytes(bytes) => statement.bind(bytes.clone()),
        }
    }
    let stream = statement.query(client).await.map_err(|e| query_error(&e))?;
    Ok(stream.into_row_stream())
}

/// `@P1, @P2, ...` for `count` parameters.
pub fn placeholders(count: usize) -> String {
    (1..=count)
        .map(|n| format!("@P{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A text column of a catalog query's row; `None` for NULL.
pub fn text(row: &tiberius::Row, index: usize) -> Result<Option<String>> {
    row.try_get::<&str, _>(index)
        .map(|value| value.map(str::to_string))
        .map_err(|e| unexpected_column(index, &e))
}

/// An `int` column of a catalog query's row (the queries cast to int, so
/// SQL Server's mix of tinyint, smallint and int arrives as one type).
pub fn int(row: &tiberius::Row, index: usize) -> Result<Option<i32>> {
    row.try_get::<i32, _>(index)
        .map_err(|e| unexpected_column(index, &e))
}

fn unexpected_column(index: usize, error: &tiberius::error::Error) -> Error {
    Error::system(format!(
        "a catalog query's column {index} came back in an unexpected type: {error}; \
         this is a bug in source-mssql"
    ))
}
