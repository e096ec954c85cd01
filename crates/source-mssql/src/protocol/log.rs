//! The connection's log lines: retries, the SSH tunnel and its host key,
//! a server with no TLS. They are made deep inside connecting, far from
//! whoever owns stdout, and while a read's readers connect on their own.
//!
//! Every line goes to stderr at once (a Singer tap's log, and a person at
//! a terminal). In Airbyte mode ([`forward_to_stdout`]) it is also queued as
//! a LOG message for stdout, since an orchestrator may drop stderr
//! (PyAirbyte drops a read's): stdout has one writer, so the queue is
//! written by it ([`super::writer::MessageWriter`] empties it before each
//! message it writes), never from here, and a LOG line never lands inside
//! another line. The writer also wakes for it ([`wait_while`], and the read
//! executor's writer loop), so a log shows while nothing else is written,
//! such as a connect being retried.
//!
//! A process runs one command, so one queue serves it.

use super::airbyte::LogLevel;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tokio::sync::Notify;

static FORWARD: AtomicBool = AtomicBool::new(false);
static QUEUE: Mutex<Vec<(LogLevel, String)>> = Mutex::new(Vec::new());
static WRITTEN: Notify = Notify::const_new();

/// Airbyte mode: from now on, lines are also queued for stdout.
pub fn forward_to_stdout() {
    FORWARD.store(true, Ordering::Relaxed);
}

pub fn info(message: &str) {
    log(LogLevel::Info, message);
}

pub fn warn(message: &str) {
    log(LogLevel::Warn, message);
}

/// Logs `message`; it must hold no secret (it is shown as is).
pub fn log(level: LogLevel, message: &str) {
    eprintln!(
        "{} source-mssql: {message}",
        format!("{level:?}").to_uppercase()
    );
    if FORWARD.load(Ordering::Relaxed) {
        queue().push((level, message.to_string()));
        WRITTEN.notify_one();
    }
}

/// The lines queued for stdout since the last call.
pub fn take_queued() -> Vec<(LogLevel, String)> {
    if !FORWARD.load(Ordering::Relaxed) {
        return Vec::new();
    }
    std::mem::take(&mut *queue())
}

/// Resolves when a line has been queued (at once if one was queued since
/// the last wait): the writer of stdout then writes the queue.
pub async fn queued() {
    WRITTEN.notified().await;
}

/// Runs `work`, calling `write` each time lines are queued meanwhile: the
/// owner of stdout waiting on something that may log (connecting).
pub async fn wait_while<T>(work: impl Future<Output = T>, mut write: impl FnMut()) -> T {
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => return done,
            () = queued() => write(),
        }
    }
}

fn queue() -> std::sync::MutexGuard<'static, Vec<(LogLevel, String)>> {
    // A panic while holding it leaves a list of strings: still usable.
    QUEUE.lock().unwrap_or_else(|e| e.into_inner())
}
