//! One reader's events, carried to the single writer that owns stdout.
//!
//! Parallel readers (`source::parallel`) each run the one read loop against
//! a [`ChannelOutput`]: it turns the loop's calls into [`Event`]s and sends
//! them through a bounded channel to the writer, which renders them with the
//! real output (Airbyte or Singer) by [`render`]. So every message is made
//! in one place, Singer's bookmarks aggregate across streams, and each
//! reader's events keep their order (a channel is FIFO per sender): a STATE
//! always follows the RECORDs it covers.
//!
//! Records travel in batches of bytes, not row by row, so the channel costs
//! little per row; the channel's bound keeps memory flat, since a reader
//! that outruns stdout waits instead of queueing. The read loop is
//! synchronous towards its output, so a reader waits in `block_in_place`:
//! the runtime's other tasks move to another worker meanwhile.

use super::airbyte::{LogLevel, StreamDescriptor, StreamStatus};
use super::output::ReadOutput;
use crate::json::RecordWriter;
use crate::source::plan::StreamPlan;
use crate::state::StreamState;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::mpsc::Sender;

/// Records are sent once a batch holds this much: big enough that the
/// channel's cost per row vanishes, small enough that readers × queued
/// batches stays a few megabytes.
pub const BATCH_BYTES: usize = 128 * 1024;

/// What a reader asks the writer to do; `plan` indexes the plans the
/// writer was given.
pub enum Event {
    Log(LogLevel, String),
    Status(StreamDescriptor, StreamStatus),
    Estimate(StreamDescriptor, Option<u64>, Option<u64>),
    /// The writer answers with the stream's record writer.
    Started {
        plan: usize,
        reply: SyncSender<io::Result<RecordWriter>>,
    },
    /// `rows` RECORD lines of `plan`'s stream.
    Records {
        plan: usize,
        lines: Vec<u8>,
        rows: u64,
    },
    Checkpoint {
        plan: usize,
        state: Option<StreamState>,
        records: u64,
    },
    Finished(usize),
    Flush,
}

/// Renders one event with the real output: the writer's side.
pub fn render<O: ReadOutput>(out: &mut O, plans: &[StreamPlan], event: Event) -> io::Result<()> {
    match event {
        Event::Log(level, message) => out.log(level, &message),
        Event::Status(stream, status) => out.stream_status(&stream, status),
        Event::Estimate(stream, rows, bytes) => out.estimate(&stream, rows, bytes),
        Event::Started { plan, reply } => {
            let writer = out.stream_started(&plans[plan]);
            let failed = writer
                .as_ref()
                .err()
                .map(|e| io::Error::new(e.kind(), e.to_string()));
            // A reader that is gone needs no answer.
            let _ = reply.send(writer);
            failed.map_or(Ok(()), Err)
        }
        Event::Records { lines, .. } => out.records(&lines),
        Event::Checkpoint {
            plan,
            state,
            records,
        } => out.checkpoint(&plans[plan], state.as_ref(), records),
        Event::Finished(plan) => out.stream_finished(&plans[plan]),
        Event::Flush => out.flush(),
    }
}

/// A reader's output for one stream: forwards to the writer.
pub struct ChannelOutput {
    plan: usize,
    events: Sender<Event>,
    /// Set when the sync is stopping (another stream failed, or stdout
    /// did): the next records fail, so the read loop ends.
    stop: Arc<AtomicBool>,
    batch: Vec<u8>,
    batch_rows: u64,
}

impl ChannelOutput {
    pub fn new(plan: usize, events: Sender<Event>, stop: Arc<AtomicBool>) -> Self {
        Self {
            plan,
            events,
            stop,
            batch: Vec::new(),
            batch_rows: 0,
        }
    }

    fn send(&self, event: Event) -> io::Result<()> {
        match self.events.try_send(event) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(event)) => tokio::task::block_in_place(|| {
                self.events
                    .blocking_send(event)
                    .map_err(|_| writer_stopped())
            }),
            Err(TrySendError::Closed(_)) => Err(writer_stopped()),
        }
    }

    /// Sends the records batched so far, before any other event.
    fn send_batch(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let lines = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_BYTES));
        let rows = std::mem::take(&mut self.batch_rows);
        self.send(Event::Records {
            plan: self.plan,
            lines,
            rows,
        })
    }
}

fn writer_stopped() -> io::Error {
    io::Error::other("the writer of stdout has stopped")
}

impl ReadOutput for ChannelOutput {
    fn log(&mut self, level: LogLevel, message: &str) -> io::Result<()> {
        self.send_batch()?;
        self.send(Event::Log(level, message.to_string()))
    }

    fn stream_status(&mut self, stream: &StreamDescriptor, status: StreamStatus) -> io::Result<()> {
        self.send_batch()?;
        self.send(Event::Status(stream.clone(), status))
    }

    fn estimate(
        &mut self,
        stream: &StreamDescriptor,
        rows: Option<u64>,
        bytes: Option<u64>,
    ) -> io::Result<()> {
        self.send_batch()?;
        self.send(Event::Estimate(stream.clone(), rows, bytes))
    }

    fn stream_started(&mut self, _plan: &StreamPlan) -> io::Result<RecordWriter> {
        self.send_batch()?;
        let (reply, answer) = sync_channel(1);
        self.send(Event::Started {
            plan: self.plan,
            reply,
        })?;
        tokio::task::block_in_place(|| answer.recv()).map_err(|_| writer_stopped())?
    }

    fn records(&mut self, lines: &[u8]) -> io::Result<()> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("the sync is stopping"));
        }
        self.batch.extend_from_slice(lines);
        // One line per record; a JSON line has no newline inside.
        self.batch_rows += lines.iter().filter(|b| **b == b'\n').count() as u64;
        if self.batch.len() >= BATCH_BYTES {
            self.send_batch()?;
        }
        Ok(())
    }

    fn checkpoint(
        &mut self,
        _plan: &StreamPlan,
        state: Option<&StreamState>,
        records: u64,
    ) -> io::Result<()> {
        self.send_batch()?;
        self.send(Event::Checkpoint {
            plan: self.plan,
            state: state.cloned(),
            records,
        })
    }

    fn stream_finished(&mut self, _plan: &StreamPlan) -> io::Result<()> {
        self.send_batch()?;
        self.send(Event::Finished(self.plan))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_batch()?;
        self.send(Event::Flush)
    }
}
