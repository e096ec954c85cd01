//! The writer's side of split streams: the events of a stream's ranges,
//! merged into the messages of one stream.
//!
//! Each range runs the read loop as if it were a stream of its own; the
//! platform must see one stream. So its STARTED, RUNNING and estimate come
//! once (from the first range), COMPLETE once every range is complete,
//! INCOMPLETE at the first that fails; its record writer is made once; and
//! each range's checkpoint becomes a STATE of the whole stream, holding
//! every range's position as last checkpointed, with the records of the
//! stream written since its previous STATE. Events of streams not split
//! pass through untouched.

use super::split::{SplitStream, Work};
use crate::json::RecordWriter;
use crate::protocol::airbyte::{StreamDescriptor, StreamStatus};
use crate::protocol::channel::{render, Event};
use crate::protocol::output::ReadOutput;
use crate::state::{SplitState, StreamState};
use std::collections::HashMap;
use std::io;

pub struct Merge<'w> {
    work: &'w Work,
    /// For each work item of a split stream: its split and range.
    part_of: HashMap<usize, (usize, usize)>,
    by_stream: HashMap<StreamDescriptor, usize>,
    merged: Vec<Merged>,
}

/// What one split stream has written so far.
struct Merged {
    /// Every range's position as last checkpointed.
    state: SplitState,
    started: bool,
    running: bool,
    estimated: bool,
    failed: bool,
    complete: usize,
    finished: usize,
    writer: Option<RecordWriter>,
    rows_since_state: u64,
}

impl Merged {
    fn new(stream: &SplitStream) -> Self {
        Self {
            state: stream.state.clone(),
            started: false,
            running: false,
            estimated: false,
            failed: false,
            complete: 0,
            finished: 0,
            writer: None,
            rows_since_state: 0,
        }
    }
}

impl<'w> Merge<'w> {
    pub fn new(work: &'w Work) -> Self {
        let mut part_of = HashMap::new();
        for (split, stream) in work.splits.iter().enumerate() {
            for (item, range) in &stream.parts {
                part_of.insert(*item, (split, *range));
            }
        }
        let by_stream = work
            .splits
            .iter()
            .enumerate()
            .map(|(split, stream)| (stream.plan.stream.clone(), split))
            .collect();
        Self {
            work,
            part_of,
            by_stream,
            merged: work.splits.iter().map(Merged::new).collect(),
        }
    }

    /// Renders one event with `out`, merged if it is a range's.
    pub fn render<O: ReadOutput>(&mut self, out: &mut O, event: Event) -> io::Result<()> {
        match event {
            Event::Status(stream, status) => match self.by_stream.get(&stream).copied() {
                Some(split) if !self.status_passes(split, status) => Ok(()),
                _ => out.stream_status(&stream, status),
            },
            Event::Estimate(stream, rows, bytes) => match self.by_stream.get(&stream) {
                Some(split) if std::mem::replace(&mut self.merged[*split].estimated, true) => {
                    Ok(())
                }
                _ => out.estimate(&stream, rows, bytes),
            },
            Event::Started { plan, reply } => match self.part_of.get(&plan).copied() {
                Some((split, _)) => {
                    let merged = &mut self.merged[split];
                    let writer = match &merged.writer {
                        Some(writer) => writer.clone(),
                        None => merged
                            .writer
                            .insert(out.stream_started(&self.work.splits[split].plan)?)
                            .clone(),
                    };
                    let _ = reply.send(Ok(writer));
                    Ok(())
                }
                None => render(out, &self.work.plans, Event::Started { plan, reply }),
            },
            Event::Records { plan, lines, rows } => {
                if let Some((split, _)) = self.part_of.get(&plan) {
                    self.merged[*split].rows_since_state += rows;
                }
                out.records(&lines)
            }
            Event::Checkpoint {
                plan,
                state,
                records,
            } => match self.part_of.get(&plan).copied() {
                Some((split, range)) => self.checkpoint(out, split, range, state),
                None => render(
                    out,
                    &self.work.plans,
                    Event::Checkpoint {
                        plan,
                        state,
                        records,
                    },
                ),
            },
            Event::Finished(plan) => match self.part_of.get(&plan).copied() {
                Some((split, _)) => {
                    let merged = &mut self.merged[split];
                    merged.finished += 1;
                    let stream = &self.work.splits[split];
                    if merged.finished == stream.parts.len() {
                        out.stream_finished(&stream.plan)?;
                    }
                    Ok(())
                }
                None => render(out, &self.work.plans, Event::Finished(plan)),
            },
            event => render(out, &self.work.plans, event),
        }
    }

    /// Whether a range's status is the stream's.
    fn status_passes(&mut self, split: usize, status: StreamStatus) -> bool {
        let merged = &mut self.merged[split];
        let first = |seen: &mut bool| !std::mem::replace(seen, true);
        match status {
            StreamStatus::Started => first(&mut merged.started),
            StreamStatus::Running => first(&mut merged.running),
            StreamStatus::Incomplete => first(&mut merged.failed),
            StreamStatus::Complete => {
                merged.complete += 1;
                merged.complete == self.work.splits[split].parts.len() && !merged.failed
            }
        }
    }

    /// A range's checkpoint, as a STATE of the whole stream.
    fn checkpoint<O: ReadOutput>(
        &mut self,
        out: &mut O,
        split: usize,
        range: usize,
        state: Option<StreamState>,
    ) -> io::Result<()> {
        let Some(StreamState::Ordered(position)) = state else {
            return Err(io::Error::other(
                "a range of a split table checkpointed without its key; this is a bug",
            ));
        };
        let merged = &mut self.merged[split];
        merged.state.ranges[range].position = Some(position);
        let whole = StreamState::Split(merged.state.clone());
        let records = std::mem::take(&mut merged.rows_since_state);
        out.checkpoint(&self.work.splits[split].plan, Some(&whole), records)
    }
}
