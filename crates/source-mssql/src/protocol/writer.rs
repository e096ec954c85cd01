//! Puts protocol messages on stdout, one JSON object per line.
//!
//! Stdout carries nothing else: the platform parses every line. The buffer is
//! large because a read writes a million records a second; small writes would
//! spend that time in syscalls.

use super::airbyte::Message;
use std::io::{self, BufWriter, Write};

/// Big enough to batch thousands of records per write(2).
const BUFFER_BYTES: usize = 1 << 20;

pub struct MessageWriter<W: Write> {
    out: BufWriter<W>,
}

impl MessageWriter<io::Stdout> {
    pub fn stdout() -> Self {
        Self::new(io::stdout())
    }
}

impl<W: Write> MessageWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out: BufWriter::with_capacity(BUFFER_BYTES, out),
        }
    }

    /// Writes one message as one line.
    pub fn write(&mut self, message: &Message) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, message).map_err(io::Error::from)?;
        self.out.write_all(b"\n")
    }

    /// Writes lines already serialized (records from [`crate::json`]); each
    /// must end with a newline.
    pub fn write_lines(&mut self, lines: &[u8]) -> io::Result<()> {
        debug_assert!(lines.is_empty() || lines.ends_with(b"\n"));
        self.out.write_all(lines)
    }

    /// Pushes buffered lines out: call after each STATE message, so the
    /// platform sees a checkpoint as soon as it is made, and before exiting.
    pub fn flush(&mut self) -> io::Result<()> {
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
