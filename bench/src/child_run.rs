//! Runs a command to its end with its stdout drained, as Airbyte's platform
//! would read a source: how long it took, what it wrote, and its peak memory.
//! Singer taps write the same RECORD opening (singer-python's encoder is compact too).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

/// The RECORD message's opening, as source-mssql writes it.
const RECORD_PREFIX: &[u8] = br#"{"type":"RECORD""#;

/// How much of the end of the output a run keeps (for its last line).
const TAIL_BYTES: usize = 4096;

/// What one run saw.
#[derive(Debug, Clone)]
pub struct ChildRun {
    pub secs: f64,
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    /// Peak resident memory in KiB (`ru_maxrss` from wait4).
    pub peak_rss_kib: u64,
    pub exit_code: i32,
    /// The output's last bytes (at most [`TAIL_BYTES`]).
    pub tail: Vec<u8>,
}

impl ChildRun {
    /// The output's last complete line, without its newline, if it fits in the kept tail.
    pub fn last_line(&self) -> Option<&str> {
        let text = self.tail.strip_suffix(b"\n")?;
        let start = text.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
        if start.is_none() && self.bytes > self.tail.len() as u64 {
            return None; // the line began before the kept tail
        }
        std::str::from_utf8(&text[start.unwrap_or(0)..]).ok()
    }

    pub fn peak_mb(&self) -> f64 {
        self.peak_rss_kib as f64 / 1024.0
    }
}

/// Counts lines and RECORD lines in a byte stream fed in arbitrary chunks.
#[derive(Debug, Default)]
pub struct LineCounter {
    /// The current line's first bytes, up to the prefix's length.
    head: Vec<u8>,
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    /// The stream's last bytes, at most [`TAIL_BYTES`]: a copy per chunk, not per line.
    pub tail: Vec<u8>,
}

impl LineCounter {
    pub fn feed(&mut self, mut chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        self.keep_tail(chunk);
        while !chunk.is_empty() {
            let room = RECORD_PREFIX.len().saturating_sub(self.head.len());
            let take = room.min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            match chunk.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.end_line();
                    chunk = &chunk[end + 1..];
                }
                None => return,
            }
        }
    }

    fn keep_tail(&mut self, chunk: &[u8]) {
        let keep = chunk.len().min(TAIL_BYTES);
        let overflow = (self.tail.len() + keep).saturating_sub(TAIL_BYTES);
        self.tail.drain(..overflow);
        self.tail.extend_from_slice(&chunk[chunk.len() - keep..]);
    }

    fn end_line(&mut self) {
        self.lines += 1;
        if self.head.starts_with(RECORD_PREFIX) {
            self.records += 1;
        }
        self.head.clear();
    }
}

/// Runs `command` with stdout piped and drained here (stderr as the command says:
/// inherited unless set), and reaps it with wait4 to learn its peak memory.
pub fn run_drained(command: &mut Command) -> Result<ChildRun, String> {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut counter = LineCounter::default();
    // Large reads keep the drain's own cost small next to the child's.
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = stdout
            .read(&mut buf)
            .map_err(|e| format!("reading the child's stdout: {e}"))?;
        if n == 0 {
            break;
        }
        counter.feed(&buf[..n]);
    }
    let (exit_code, peak_rss_kib) = wait_with_rusage(child.id())?;
    Ok(ChildRun {
        secs: started.elapsed().as_secs_f64(),
        bytes: counter.bytes,
        lines: counter.lines,
        records: counter.records,
        peak_rss_kib,
        exit_code,
        tail: counter.tail,
    })
}

/// As [`run_drained`], for a reader that must exit 0 having written exactly `rows`
/// RECORD lines (`name` says which reader in the error).
pub fn run_reader(command: &mut Command, name: &str, rows: u64) -> Result<ChildRun, String> {
    let run = run_drained(command)?;
    if run.exit_code != 0 || run.records != rows {
        return Err(format!(
            "{name} exited {} with {} records, expected {rows}",
            run.exit_code, run.records
        ));
    }
    Ok(run)
}

/// Reaps the child (std's `wait` would not tell its rusage): exit code, and
/// `ru_maxrss`, which Linux gives in KiB.
fn wait_with_rusage(pid: u32) -> Result<(i32, u64), String> {
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value of the plain C struct wait4 fills.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; the pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if reaped < 0 {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((code, usage.ru_maxrss.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_records_split_across_chunks() {
        let text = b"{\"type\":\"LOG\"}\n{\"type\":\"RECORD\",\"x\":1}\n{\"type\":\"RECORD\"}\n{\"type\":\"STATE\"}\n";
        for split in 0..text.len() {
            let mut counter = LineCounter::default();
            counter.feed(&text[..split]);
            counter.feed(&text[split..]);
            assert_eq!((counter.lines, counter.records), (4, 2), "split at {split}");
            assert_eq!(counter.bytes, text.len() as u64);
        }
    }

    #[test]
    fn reports_exit_code_and_memory() {
        let run = run_drained(Command::new("sh").args(["-c", "echo a; echo b; exit 3"])).unwrap();
        assert_eq!((run.lines, run.exit_code), (2, 3));
        assert!(run.peak_rss_kib > 0);
        assert_eq!(run.last_line(), Some("b"));
    }

    #[test]
    fn keeps_the_last_line_across_chunks() {
        let mut counter = LineCounter::default();
        let long = vec![b'x'; TAIL_BYTES * 2];
        counter.feed(&long);
        counter.feed(b"\nfirst\nla");
        counter.feed(b"st\n");
        let run = ChildRun {
            secs: 0.0,
            bytes: counter.bytes,
            lines: counter.lines,
            records: 0,
            peak_rss_kib: 0,
            exit_code: 0,
            tail: counter.tail,
        };
        assert_eq!(run.last_line(), Some("last"));
        assert!(run.tail.len() <= TAIL_BYTES);
    }

    #[test]
    fn a_line_longer_than_the_tail_is_not_a_last_line() {
        let mut counter = LineCounter::default();
        counter.feed(&vec![b'x'; TAIL_BYTES * 2]);
        counter.feed(b"\n");
        let run = ChildRun {
            secs: 0.0,
            bytes: counter.bytes,
            lines: counter.lines,
            records: 0,
            peak_rss_kib: 0,
            exit_code: 0,
            tail: counter.tail,
        };
        assert_eq!(run.last_line(), None);
    }
}
