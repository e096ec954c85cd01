//! The LOG line written at every checkpoint: rows read so far, the rate, and
//! the share of the stream done, from the catalog's row estimate.

use std::time::Instant;

pub struct Progress {
    started: Instant,
    rows: u64,
    /// The table's row count as the catalog estimates it.
    estimate: Option<u64>,
}

impl Progress {
    pub fn new(estimate: Option<u64>, now: Instant) -> Self {
        Self {
            started: now,
            rows: 0,
            estimate,
        }
    }

    pub fn add(&mut self, rows: u64) {
        self.rows += rows;
    }

    /// `stream \`dbo.t\`: 12000 rows read in 2.0 s (6000 rows/s), about 12% of 100000`
    pub fn line(&self, name: &str, now: Instant) -> String {
        let seconds = now.duration_since(self.started).as_secs_f64();
        let rate = if seconds > 0.0 {
            (self.rows as f64 / seconds).round() as u64
        } else {
            0
        };
        let mut line = format!(
            "stream `{name}`: {} rows read in {seconds:.1} s ({rate} rows/s)",
            self.rows
        );
        if let Some(total) = self.estimate.filter(|t| *t > 0) {
            // A table that grew while read can pass its estimate.
            let share = (self.rows as f64 * 100.0 / total as f64).min(100.0);
            line.push_str(&format!(
                ", about {share:.0}% of the {total} rows estimated"
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rate_and_share() {
        let t0 = Instant::now();
        let mut p = Progress::new(Some(1000), t0);
        p.add(250);
        assert_eq!(
            p.line("dbo.t", t0 + Duration::from_secs(2)),
            "stream `dbo.t`: 250 rows read in 2.0 s (125 rows/s), about 25% of the 1000 rows estimated"
        );
        p.add(2000);
        assert!(p
            .line("dbo.t", t0 + Duration::from_secs(4))
            .ends_with("about 100% of the 1000 rows estimated"));
        let none = Progress::new(None, t0);
        assert_eq!(
            none.line("x", t0),
            "stream `x`: 0 rows read in 0.0 s (0 rows/s)"
        );
    }
}
