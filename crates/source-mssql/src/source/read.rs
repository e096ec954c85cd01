//! `read`: every planned stream, read by the executor (`parallel`) on up to
//! `concurrency` connections, each stream by the one loop below.
//!
//! Full refresh and incremental streams share one loop: a stream's query
//! streams rows straight into RECORD lines (memory stays flat whatever the
//! table's size), and an incremental stream also tracks its cursor to write
//! STATE checkpoints. A full refresh has no position to save, so its only
//! STATE comes at its end, carrying its record count.
//!
//! The loop emits events (`protocol::output::ReadOutput`), not messages: the
//! Airbyte and Singer modes render them, so both share this loop and its
//! checkpoint rule.
//!
//! A stream that fails ends the sync: its status is INCOMPLETE and the error
//! is returned (main reports it as a TRACE ERROR). A configured stream whose
//! table is gone does not stop the others, as in Airbyte's own source, which
//! only logs it; here the sync then fails with a config error naming it,
//! so the missing data doesn't go unnoticed.

use super::cursor::CursorTracker;
use super::discover::tables;
use super::estimate::row_count;
use super::parallel::execute;
use super::plan::{plan, schemas, StreamPlan};
use super::rows;
use crate::checkpoint::Checkpointer;
use crate::config::Config;
use crate::connection::{connect, Client};
use crate::driver_error::query_error;
use crate::error::{Error, Result};
use crate::protocol::airbyte::{now_millis, LogLevel, StreamStatus};
use crate::protocol::catalog::{display_name, ConfiguredCatalog};
use crate::protocol::output::ReadOutput;
use crate::state::InputState;
use futures_util::TryStreamExt;
use std::time::Instant;

/// Reads the catalog's streams; `out` renders what happens in its protocol.
pub async fn read<O: ReadOutput>(
    out: &mut O,
    config: &Config,
    catalog: &ConfiguredCatalog,
    state: &InputState,
) -> Result<()> {
    let plan = {
        // Closed before the readers open theirs: at most `concurrency`
        // connections at any time.
        let mut client = connect(config).await?;
        let tables = tables(&mut client, &schemas(catalog, config)).await?;
        plan(catalog, &tables, state)?
    };
    for warning in &plan.warnings {
        out.log(LogLevel::Warn, warning).map_err(stdout_error)?;
    }
    // The readers run on threads of their own; this thread, whose runtime
    // has nothing else to do, is the writer.
    execute(out, config, &plan.streams)?;
    if plan.missing.is_empty() {
        return Ok(());
    }
    for stream in &plan.missing {
        status(out, stream, StreamStatus::Incomplete)?;
    }
    let names: Vec<String> = plan
        .missing
        .iter()
        .map(|s| format!("`{}`", display_name(s)))
        .collect();
    Err(Error::config(format!(
        "catalog: stream(s) {} no longer exist in database `{}` (or the login can't see them); \
         the other streams were read. Refresh the source schema, or deselect them",
        names.join(", "),
        config.database
    )))
}

pub(super) async fn read_stream<O: ReadOutput>(
    out: &mut O,
    client: &mut Client,
    config: &Config,
    plan: &StreamPlan,
) -> Result<()> {
    let stream = &plan.stream;
    status(out, stream, StreamStatus::Started)?;
    if let Some(rows) = row_count(client, &plan.schema, &plan.table).await {
        out.estimate(stream, rows).map_err(stdout_error)?;
    }
    out.log(LogLevel::Info, &describe(plan))
        .map_err(stdout_error)?;
    let writer = out.stream_started(plan).map_err(stdout_error)?;
    flush(out)?;

    // An incremental stream's cursor column, and the runs of values read in it.
    let mut cursor = plan.cursor.as_ref().map(|c| {
        let tracker = CursorTracker::new(c.saved.clone(), c.saved_count);
        (c, tracker)
    });
    let mut checkpoints = Checkpointer::from_config(config, Instant::now());
    // Set when a checkpoint is due; written at the next change of cursor value.
    let mut due = false;
    let mut running = false;
    let mut line = Vec::with_capacity(4096);

    let mut rows = rows(client, &plan.query).await?;
    while let Some(row) = rows.try_next().await.map_err(|e| query_error(&e))? {
        if !running {
            status(out, stream, StreamStatus::Running)?;
            running = true;
        }
        if let Some((column, tracker)) = cursor.as_mut() {
            let value = row
                .get_column_data(column.index)
                .map_err(|e| query_error(&e))?;
            if due && tracker.starts_run(value) {
                let state = tracker.state(stream, &column.column);
                out.checkpoint(plan, Some(&state), checkpoints.rows_since())
                    .map_err(stdout_error)?;
                flush(out)?;
                checkpoints.done(Instant::now());
                due = false;
            }
            tracker.observe(value);
        }
        line.clear();
        writer.write(&mut line, now_millis(), row.cells().map(|(_, value)| value))?;
        out.records(&line).map_err(stdout_error)?;
        due |= checkpoints.record(Instant::now());
    }
    drop(rows);

    // A full refresh has nothing to resume from: it reads everything again.
    let state = cursor
        .as_ref()
        .map(|(column, tracker)| tracker.state(stream, &column.column));
    out.checkpoint(plan, state.as_ref(), checkpoints.rows_since())
        .map_err(stdout_error)?;
    out.stream_finished(plan).map_err(stdout_error)?;
    status(out, stream, StreamStatus::Complete)?;
    flush(out)
}

/// The LOG line that opens a stream: what is read, and from where.
fn describe(plan: &StreamPlan) -> String {
    let name = display_name(&plan.stream);
    match &plan.cursor {
        None => format!("reading stream `{name}` in full"),
        Some(cursor) => match &cursor.saved {
            None => format!(
                "reading stream `{name}` incrementally by `{}`, from the start",
                cursor.column
            ),
            Some(value) => format!(
                "reading stream `{name}` incrementally: rows whose `{}` is {value} or later",
                cursor.column
            ),
        },
    }
}

fn status<O: ReadOutput>(
    out: &mut O,
    stream: &crate::protocol::airbyte::StreamDescriptor,
    status: StreamStatus,
) -> Result<()> {
    out.stream_status(stream, status).map_err(stdout_error)
}

fn flush<O: ReadOutput>(out: &mut O) -> Result<()> {
    out.flush().map_err(stdout_error)
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::system(format!("cannot write to stdout: {e}"))
}
