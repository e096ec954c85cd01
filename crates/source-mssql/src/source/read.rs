//! `read`: every planned stream, read by the executor (`parallel`) on up to
//! `concurrency` connections, each stream by the one loop below.
//!
//! Full refresh and incremental streams share one loop: a stream's query
//! streams rows straight into RECORD lines (memory stays flat whatever the
//! table's size), and its position (`position`: a cursor, a key, or none
//! for a table read in one pass) makes the STATE checkpoints. Each
//! checkpoint also logs the progress (`progress`).
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

use super::discover::tables;
use super::estimate::estimate;
use super::parallel::execute;
use super::plan::{plan, schemas, InitialLoad, LoadStart, StreamPlan};
use super::rows;
use super::split;
use crate::checkpoint::Checkpointer;
use crate::config::Config;
use crate::connection::{Client, Connector};
use crate::driver_error::query_error;
use crate::error::{Error, Result};
use crate::json::value_text;
use crate::protocol::airbyte::{now_millis, LogLevel, StreamStatus};
use crate::protocol::catalog::{display_name, ConfiguredCatalog};
use crate::protocol::log;
use crate::protocol::output::ReadOutput;
use crate::state::{InputState, StreamState};
use futures_util::TryStreamExt;
use position::Position;
use progress::Progress;
use std::sync::Arc;
use std::time::Instant;

mod position;
mod progress;

/// Reads the catalog's streams; `out` renders what happens in its protocol.
pub async fn read<O: ReadOutput>(
    out: &mut O,
    config: &Config,
    catalog: &ConfiguredCatalog,
    state: &InputState,
) -> Result<()> {
    let mut notes = Vec::new();
    // One per sync: every reader's connection shares its tunnel and token.
    // Connecting may log (a tunnel, retries): written as it comes.
    let connector = log::wait_while(Connector::open(config), || {
        let _ = out.flush();
    })
    .await?;
    let connector = Arc::new(connector);
    let (plan, work) = {
        // Closed before the readers open theirs: at most `concurrency`
        // connections at any time.
        let mut client = log::wait_while(connector.connect(), || {
            let _ = out.flush();
        })
        .await?;
        let tables = tables(&mut client, &schemas(catalog, config)).await?;
        let plan = plan(catalog, &tables, state)?;
        let work = split::work(
            &mut client,
            config,
            &tables,
            &plan.streams,
            state,
            &mut notes,
        )
        .await?;
        (plan, work)
    };
    for warning in &plan.warnings {
        out.log(LogLevel::Warn, warning).map_err(stdout_error)?;
    }
    for note in &notes {
        out.log(LogLevel::Info, note).map_err(stdout_error)?;
    }
    // The readers run as tasks of their own; this one is the writer.
    execute(out, config, &connector, work).await?;
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
    let estimate = estimate(client, &plan.schema, &plan.table).await;
    if estimate.rows.is_some() || estimate.bytes.is_some() {
        out.estimate(stream, estimate.rows, estimate.bytes)
            .map_err(stdout_error)?;
    }
    out.log(LogLevel::Info, &describe(plan))
        .map_err(stdout_error)?;
    let load_start = match plan.key.as_ref().and_then(|k| k.initial_load.as_ref()) {
        Some(load) => load_start(client, load).await?,
        None => None,
    };
    let writer = out.stream_started(plan).map_err(stdout_error)?;
    flush(out)?;

    let mut position = Position::new(plan, load_start);
    let name = display_name(stream);
    let mut checkpoints = Checkpointer::from_config(config, Instant::now());
    let mut progress = Progress::new(estimate.rows, Instant::now());
    // Set when a checkpoint is due; written before the next row where the
    // read can resume from.
    let mut due = false;
    let mut running = false;
    let mut line = Vec::with_capacity(4096);
    // The row read last, whose key a checkpoint saves; dropped when the
    // next arrives, so nothing piles up.
    let mut last: Option<tiberius::Row> = None;

    let mut rows = rows(client, &plan.query).await?;
    while let Some(row) = rows.try_next().await.map_err(|e| query_error(&e))? {
        if !running {
            status(out, stream, StreamStatus::Running)?;
            running = true;
        }
        if due && position.can_checkpoint_before(&row)? {
            let state = position.state(stream, last.as_ref(), false)?;
            checkpoint(out, plan, &state, &mut checkpoints, &mut progress, &name)?;
            due = false;
        }
        position.observe(&row)?;
        line.clear();
        writer.write(&mut line, now_millis(), row.cells().map(|(_, value)| value))?;
        out.records(&line).map_err(stdout_error)?;
        due |= checkpoints.record(Instant::now());
        last = Some(row);
    }
    drop(rows);

    let state = position.state(stream, last.as_ref(), true)?;
    checkpoint(out, plan, &state, &mut checkpoints, &mut progress, &name)?;
    out.stream_finished(plan).map_err(stdout_error)?;
    status(out, stream, StreamStatus::Complete)?;
    flush(out)
}

/// Writes a STATE covering every record so far, and the progress LOG.
fn checkpoint<O: ReadOutput>(
    out: &mut O,
    plan: &StreamPlan,
    state: &StreamState,
    checkpoints: &mut Checkpointer,
    progress: &mut Progress,
    name: &str,
) -> Result<()> {
    let now = Instant::now();
    out.checkpoint(plan, Some(state), checkpoints.rows_since())
        .map_err(stdout_error)?;
    progress.add(checkpoints.rows_since());
    checkpoints.done(now);
    out.log(LogLevel::Info, &progress.line(name, now))
        .map_err(stdout_error)?;
    flush(out)
}

/// The cursor's largest value as an initial load begins: where incremental
/// reads start once it is done.
async fn load_start(client: &mut Client, load: &InitialLoad) -> Result<Option<String>> {
    let query = match &load.start {
        LoadStart::Saved(saved) => return Ok(saved.clone()),
        LoadStart::Query(query) => query,
    };
    let mut stream = rows(client, query).await?;
    let mut start = None;
    while let Some(row) = stream.try_next().await.map_err(|e| query_error(&e))? {
        start = row.get_column_data(0).ok().and_then(value_text);
    }
    Ok(start)
}

/// The LOG line that opens a stream: what is read, and from where.
fn describe(plan: &StreamPlan) -> String {
    let name = display_name(&plan.stream);
    if let Some(key) = &plan.key {
        let what = match &key.initial_load {
            Some(load) => format!(
                "loading stream `{name}` (cursor `{}`) for the first time",
                load.cursor
            ),
            None => format!("reading stream `{name}` in full"),
        };
        let from = match &key.resumed_after {
            Some(values) => format!("resuming after key {values:?}"),
            None => "from the start".to_string(),
        };
        return format!("{what}, in the order of key {:?}, {from}", key.columns);
    }
    match &plan.cursor {
        None => format!("reading stream `{name}` in full, in one pass: it has no unique non-null key to resume by"),
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
