//! The executor: reads the planned streams on up to `concurrency`
//! connections at once, and writes everything they emit from one place.
//!
//! Each reader is a task on the command's multi-threaded runtime with its
//! own connection, opened when it takes its first stream and reused for the
//! next ones. It takes streams in catalog order and runs the one read loop
//! (`read::read_stream`) against a `ChannelOutput`, whose bounded channel
//! carries its events to the writer: the calling task, which owns the real
//! output and so stdout. Waiting on the channel, never blocking it, the
//! writer leaves the runtime free for the readers and for whatever their
//! connections share.
//!
//! Memory: each reader holds one batch of records being filled and the
//! channel holds at most two batches per reader, so the peak is about
//! readers × 3 × `BATCH_BYTES` plus the widest row, whatever the tables' size.
//!
//! A failing stream fails the sync, as in Airbyte's own source: its status
//! is INCOMPLETE, the readers take no new stream, and the streams being read
//! stop at their next row (INCOMPLETE too). Every STATE already written
//! covers only records written before it, so it stays valid to resume from.
//! The error returned is the first one, the cause, not the others' stops.
//!
//! The connection's log lines (a reader's connect retries) are written by
//! the writer too, between two messages, as they are queued.
//!
//! A work item is a stream, or one key range of a big table (`split`); the
//! writer merges a split stream's ranges back into one stream (`merge`).

use super::merge::Merge;
use super::read::read_stream;
use super::split::Work;
use crate::config::Config;
use crate::connection::{Client, Connector};
use crate::error::{Error, Result};
use crate::protocol::airbyte::StreamStatus;
use crate::protocol::catalog::display_name;
use crate::protocol::channel::{ChannelOutput, Event};
use crate::protocol::log;
use crate::protocol::output::ReadOutput;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{channel, Receiver, Sender};

/// Batches the channel holds per reader before a reader waits.
const QUEUED_BATCHES_PER_READER: usize = 2;

/// How many connections read at once: never more than `concurrency`, nor
/// than there are streams to read.
pub fn readers(concurrency: usize, streams: usize) -> usize {
    concurrency.min(streams).max(1)
}

/// Reads every work item (a stream, or a range of one), up to
/// `readers(config.concurrency, ..)` at a time.
pub async fn execute<O: ReadOutput>(
    out: &mut O,
    config: &Config,
    connector: &Arc<Connector>,
    work: Work,
) -> Result<()> {
    if work.plans.is_empty() {
        return Ok(());
    }
    let count = readers(config.concurrency, work.plans.len());
    let shared = Arc::new(Shared {
        work,
        next: AtomicUsize::new(0),
        stop: Arc::new(AtomicBool::new(false)),
        failure: Mutex::new(None),
    });
    let (events, mut received) = channel(count * QUEUED_BATCHES_PER_READER);
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            tokio::spawn(reader(
                shared.clone(),
                connector.clone(),
                config.clone(),
                events.clone(),
            ))
        })
        .collect();
    drop(events);
    write_all(out, &mut Merge::new(&shared.work), &shared, &mut received).await;
    for task in tasks {
        if task.await.is_err() {
            shared.fail(Error::system(
                "a reader task panicked; this is a bug in source-mssql",
            ));
        }
    }
    let failure = shared
        .failure
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    failure.map_or(Ok(()), Err)
}

/// What the readers and the writer share.
struct Shared {
    work: Work,
    /// The next work item to take.
    next: AtomicUsize,
    stop: Arc<AtomicBool>,
    /// The first failure: the one the sync reports.
    failure: Mutex<Option<Error>>,
}

impl Shared {
    /// The next work item to read, unless the sync is stopping.
    fn take(&self) -> Option<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        (index < self.work.plans.len()).then_some(index)
    }

    /// Stops the sync. Only the first failure is kept: after it, the others
    /// are readers stopping because of it.
    fn fail(&self, error: Error) {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        if !self.stop.swap(true, Ordering::Relaxed) {
            *failure = Some(error);
        }
    }
}

/// One reader: takes work items until none is left, on one connection,
/// opened when it takes its first.
async fn reader(
    shared: Arc<Shared>,
    connector: Arc<Connector>,
    config: Config,
    events: Sender<Event>,
) {
    let mut client: Option<Client> = None;
    while let Some(index) = shared.take() {
        let plan = &shared.work.plans[index];
        let mut out = ChannelOutput::new(index, events.clone(), shared.stop.clone());
        let result = async {
            let client = match &mut client {
                Some(client) => client,
                None => client.insert(connector.connect().await?),
            };
            read_stream(&mut out, client, &config, plan).await
        };
        if let Err(error) = result.await {
            let _ = out.stream_status(&plan.stream, StreamStatus::Incomplete);
            shared.fail(Error {
                message: format!("stream `{}`: {}", display_name(&plan.stream), error.message),
                ..error
            });
            return;
        }
    }
}

/// The writer: renders every reader's events until all readers are done.
/// If stdout fails, the sync stops, and the events still coming are
/// dropped so that no reader waits on a full channel forever.
async fn write_all<O: ReadOutput>(
    out: &mut O,
    merge: &mut Merge<'_>,
    shared: &Shared,
    events: &mut Receiver<Event>,
) {
    let mut broken = false;
    loop {
        // A reader connecting logs its retries: written as they come, not
        // with the reader's first records (`protocol::log`).
        let written = tokio::select! {
            event = events.recv() => match event {
                Some(event) if !broken => merge.render(out, event),
                Some(_) => continue,
                None => break,
            },
            () = log::queued(), if !broken => out.flush(),
        };
        if let Err(e) = written {
            shared.fail(Error::system(format!("cannot write to stdout: {e}")));
            broken = true;
        }
    }
    if !broken {
        if let Err(e) = out.flush() {
            shared.fail(Error::system(format!("cannot write to stdout: {e}")));
        }
    }
}
