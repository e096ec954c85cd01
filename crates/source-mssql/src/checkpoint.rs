//! When a read emits a STATE message: every `checkpoint_target_interval_seconds`,
//! and every `checkpoint_interval_rows` rows when that is set, whichever
//! comes first. Frequent enough that a failed sync loses little; rare enough
//! that the destination isn't flooded with commits.

use crate::config::Config;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Checkpointer {
    interval: Duration,
    rows: Option<u64>,
    last: Instant,
    rows_since: u64,
}

impl Checkpointer {
    pub fn new(interval: Duration, rows: Option<u64>, now: Instant) -> Self {
        Self {
            interval,
            rows,
            last: now,
            rows_since: 0,
        }
    }

    pub fn from_config(config: &Config, now: Instant) -> Self {
        Self::new(config.checkpoint_interval, config.checkpoint_rows, now)
    }

    /// Counts one record; true when a checkpoint is due. The clock is read
    /// by the caller (and only every so many rows, if it likes), which
    /// keeps this testable and cheap.
    pub fn record(&mut self, now: Instant) -> bool {
        self.rows_since += 1;
        self.rows.is_some_and(|rows| self.rows_since >= rows)
            || now.duration_since(self.last) >= self.interval
    }

    /// Records emitted since the last checkpoint: the STATE's `recordCount`.
    pub fn rows_since(&self) -> u64 {
        self.rows_since
    }

    /// Call after emitting a STATE message.
    pub fn done(&mut self, now: Instant) {
        self.last = now;
        self.rows_since = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_limit() {
        let t0 = Instant::now();
        let mut c = Checkpointer::new(Duration::from_secs(300), Some(3), t0);
        assert!(!c.record(t0));
        assert!(!c.record(t0));
        assert!(c.record(t0));
        assert_eq!(c.rows_since(), 3);
        c.done(t0);
        assert_eq!(c.rows_since(), 0);
        assert!(!c.record(t0));
    }

    #[test]
    fn time_limit() {
        let t0 = Instant::now();
        let mut c = Checkpointer::new(Duration::from_secs(60), None, t0);
        assert!(!c.record(t0 + Duration::from_secs(59)));
        assert!(c.record(t0 + Duration::from_secs(60)));
        c.done(t0 + Duration::from_secs(60));
        assert!(!c.record(t0 + Duration::from_secs(61)));
        assert_eq!(c.rows_since(), 1);
    }
}
