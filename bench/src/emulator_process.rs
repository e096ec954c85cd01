//! Runs `mssql-emulator` as a child process, as a user would, and tells its address.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running emulator process; killed on drop.
pub struct EmulatorProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl EmulatorProcess {
    /// Starts the binary at `binary` with `args` (besides `--listen 127.0.0.1:0`) and waits for
    /// its `listening 127.0.0.1:PORT` line.
    pub fn start(binary: &Path, args: &[&str]) -> Result<EmulatorProcess, String> {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the emulator's first line: {e}"))?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("unexpected first line from the emulator: {line:?}"))?;
        Ok(EmulatorProcess { child, addr })
    }

    /// The process id, to read its peak memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/release/<name>` beside the running benchmark binary.
pub fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().unwrap_or(Path::new(".")).join(name)
}

/// Peak resident memory (VmHWM) of a process in KiB, where `/proc` tells it.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
