//! When to try connecting again: capped exponential backoff with jitter,
//! within a total time budget (`connect_retry_seconds`).
//!
//! Jitter spreads the retries of many parallel readers (and of many syncs
//! hitting one throttled Azure database), so they don't return in step.
//! A server that says when to come back (an Entra ID token endpoint's
//! `Retry-After`) is waited for at least that long, if the budget allows.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

const FIRST_WAIT: Duration = Duration::from_millis(500);
const MAX_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Backoff {
    started: Instant,
    budget: Duration,
    /// The longest the next wait may be, before jitter.
    ceiling: Duration,
    /// Attempts made so far.
    pub tries: u32,
}

impl Backoff {
    pub fn new(budget: Duration) -> Self {
        Self {
            started: Instant::now(),
            budget,
            ceiling: FIRST_WAIT,
            tries: 0,
        }
    }

    /// Counts a failed attempt and says how long to wait before the next
    /// one, or `None` when the budget is spent. `at_least`: how long the
    /// server asked us to wait; `None` too when that outlasts the budget,
    /// since an earlier try would only be refused again.
    pub fn next_wait(&mut self, at_least: Option<Duration>) -> Option<Duration> {
        self.tries += 1;
        let left = self.budget.checked_sub(self.started.elapsed())?;
        let at_least = at_least.unwrap_or_default();
        if at_least > left {
            return None;
        }
        // Half the ceiling, plus a random part of the other half.
        let half = self.ceiling / 2;
        let wait = (half + half.mul_f64(random_fraction()))
            .max(at_least)
            .min(left);
        self.ceiling = (self.ceiling * 2).min(MAX_WAIT);
        (!wait.is_zero()).then_some(wait)
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// A number in [0, 1) from the process's random hash keys: jitter needs
/// no more randomness than that.
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_and_stay_jittered() {
        let mut backoff = Backoff::new(Duration::from_secs(3600));
        let waits: Vec<Duration> = (0..8).map(|_| backoff.next_wait(None).unwrap()).collect();
        assert!(
            waits[0] >= Duration::from_millis(250) && waits[0] <= FIRST_WAIT,
            "{waits:?}"
        );
        assert!(waits[3] >= Duration::from_secs(2), "{waits:?}");
        assert!(waits.iter().all(|w| *w <= MAX_WAIT), "{waits:?}");
        assert!(waits[7] >= MAX_WAIT / 2, "{waits:?}");
        assert_eq!(backoff.tries, 8);
    }

    #[test]
    fn no_budget_no_retry() {
        assert_eq!(Backoff::new(Duration::ZERO).next_wait(None), None);
    }

    #[test]
    fn the_last_wait_ends_with_the_budget() {
        let mut backoff = Backoff::new(Duration::from_millis(100));
        assert!(backoff.next_wait(None).unwrap() <= Duration::from_millis(100));
    }

    #[test]
    fn a_server_asked_wait_is_kept_within_the_budget() {
        let mut backoff = Backoff::new(Duration::from_secs(60));
        let asked = Duration::from_secs(7);
        assert!(backoff.next_wait(Some(asked)).unwrap() >= asked);
        assert_eq!(backoff.next_wait(Some(Duration::from_secs(120))), None);
        assert_eq!(backoff.tries, 2);
    }
}
