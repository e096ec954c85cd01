//! Puts protocol messages on stdout, one JSON object per line.
//!
//! Stdout carries nothing else: the platform parses every line. The buffer is
//! large because a read writes a million records a second; small writes would
//! spend that time in syscalls.
//!
//! The writer of stdout in Airbyte mode also writes the connection's log
//! lines (`super::log`) as LOG messages, between two messages.

use super::airbyte::Message;
use super::log;
use std::io::{self, BufWriter, Write};

/// Big enough to batch thousands of records per write(2).
const BUFFER_BYTES: usize = 1 << 20;

pub struct MessageWriter<W: Write> {
    out: BufWriter<W>,
    /// Writes the queued log lines: the writer of the process's stdout.
    logs: bool,
}

impl MessageWriter<io::Stdout> {
    /// The Airbyte commands' stdout; from now on the connection's log lines
    /// are also LOG messages on it.
    pub fn stdout() -> Self {
        log::forward_to_stdout();
        Self {
            logs: true,
            ..Self::new(io::stdout())
        }
    }
}

impl<W: Write> MessageWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out: BufWriter::with_capacity(BUFFER_BYTES, out),
            logs: false,
        }
    }

    /// Writes one message as one line.
    pub fn write(&mut self, message: &Message) -> io::Result<()> {
        self.write_logs()?;
        self.write_message(message)
    }

    fn write_message(&mut self, message: &Message) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, message).map_err(io::Error::from)?;
        self.out.write_all(b"\n")
    }

    /// Writes lines already serialized (records from [`crate::json`]); each
    /// must end with a newline.
    pub fn write_lines(&mut self, lines: &[u8]) -> io::Result<()> {
        debug_assert!(lines.is_empty() || lines.ends_with(b"\n"));
        self.write_logs()?;
        self.out.write_all(lines)
    }

    /// The log lines queued since the last message, as LOG messages.
    fn write_logs(&mut self) -> io::Result<()> {
        if !self.logs {
            return Ok(());
        }
        for (level, line) in log::take_queued() {
            self.write_message(&Message::log(level, line))?;
        }
        Ok(())
    }

    /// Pushes buffered lines out, queued log lines included: call after
    /// each STATE message, so the platform sees a checkpoint as soon as it
    /// is made, when a log line is queued, and before exiting.
    pub fn flush(&mut self) -> io::Result<()> {
        self.write_logs()?;
        self.out.flush()
    }

    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::airbyte::LogLevel;

    #[test]
    fn one_message_per_line() {
        let mut w = MessageWriter::new(Vec::new());
        w.write(&Message::log(LogLevel::Info, "a\nb")).unwrap();
        w.write_lines(b"{\"type\":\"RECORD\"}\n").unwrap();
        w.write(&Message::log(LogLevel::Info, "c")).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        for line in lines {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
}
