//! What a read tells the outside world, as events: the one read loop
//! (`source::read`) emits them, and each protocol renders them in its own
//! messages (Airbyte here, Singer in `singer::writer`). So both protocols
//! share the loop and its checkpoint rule, and differ only in what they print.

use super::airbyte::{LogLevel, Message, StreamDescriptor, StreamStatus};
use super::writer::MessageWriter;
use crate::json::RecordWriter;
use crate::source::plan::StreamPlan;
use crate::state::StreamState;
use std::io::{self, Write};

pub trait ReadOutput {
    fn log(&mut self, level: LogLevel, message: &str) -> io::Result<()>;
    fn stream_status(&mut self, stream: &StreamDescriptor, status: StreamStatus) -> io::Result<()>;
    /// The catalog's estimate of a stream's rows and bytes, before it is read.
    fn estimate(
        &mut self,
        stream: &StreamDescriptor,
        rows: Option<u64>,
        bytes: Option<u64>,
    ) -> io::Result<()>;
    /// A stream's first output; returns the writer of its RECORD lines.
    fn stream_started(&mut self, plan: &StreamPlan) -> io::Result<RecordWriter>;
    /// RECORD lines made by the writer `stream_started` returned.
    fn records(&mut self, lines: &[u8]) -> io::Result<()>;
    /// A checkpoint: every row before it is out, and `state` resumes after them.
    fn checkpoint(
        &mut self,
        plan: &StreamPlan,
        state: Option<&StreamState>,
        records: u64,
    ) -> io::Result<()>;
    /// After a stream's last checkpoint.
    fn stream_finished(&mut self, plan: &StreamPlan) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()>;
}

impl<W: Write> ReadOutput for MessageWriter<W> {
    fn log(&mut self, level: LogLevel, message: &str) -> io::Result<()> {
        self.write(&Message::log(level, message))
    }

    fn stream_status(&mut self, stream: &StreamDescriptor, status: StreamStatus) -> io::Result<()> {
        self.write(&Message::stream_status(stream.clone(), status))
    }

    fn estimate(
        &mut self,
        stream: &StreamDescriptor,
        rows: Option<u64>,
        bytes: Option<u64>,
    ) -> io::Result<()> {
        self.write(&Message::estimate(stream.clone(), rows, bytes))
    }

    fn stream_started(&mut self, plan: &StreamPlan) -> io::Result<RecordWriter> {
        Ok(RecordWriter::new(&plan.stream, &plan.columns))
    }

    fn records(&mut self, lines: &[u8]) -> io::Result<()> {
        self.write_lines(lines)
    }

    fn checkpoint(
        &mut self,
        plan: &StreamPlan,
        state: Option<&StreamState>,
        records: u64,
    ) -> io::Result<()> {
        let blob = state.map_or_else(|| serde_json::json!({}), StreamState::to_value);
        self.write(&Message::stream_state(plan.stream.clone(), blob, records))
    }

    fn stream_finished(&mut self, _plan: &StreamPlan) -> io::Result<()> {
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        MessageWriter::flush(self)
    }
}
