//! One circuit breaker per provider: `threshold` consecutive failed calls open it for `open_for`;
//! while open, calls are skipped without touching the network; after the pause exactly one probe
//! call goes out; its success closes the breaker, its failure opens it again.

use std::sync::Mutex;
use std::time::Duration;

use crate::model::{now_ms, BreakerState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    Yes,
    /// The one call allowed after an open period; no retries within it.
    Probe,
    /// Open: skip this provider without a call.
    No {
        until: u64,
    },
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    consecutive: u32,
}

#[derive(Debug)]
pub struct Breaker {
    inner: Mutex<Inner>,
    threshold: u32,
    open_for: Duration,
}

impl Breaker {
    pub fn new(threshold: u32, open_for: Duration) -> Breaker {
        Breaker {
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                consecutive: 0,
            }),
            threshold: threshold.max(1),
            open_for,
        }
    }

    /// Starts in the state a previous run left (an open breaker stays open across a restart).
    pub fn restore(&self, state: BreakerState) {
        let mut g = self.lock();
        g.state = match state {
            BreakerState::HalfOpen => BreakerState::Open { until: 0 },
            s => s,
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self) -> BreakerState {
        self.lock().state
    }

    /// May a call go out now?
    pub fn admit(&self) -> Admit {
        self.admit_at(now_ms())
    }

    pub fn admit_at(&self, now: u64) -> Admit {
        let mut g = self.lock();
        match g.state {
            BreakerState::Closed => Admit::Yes,
            BreakerState::Open { until } if now < until => Admit::No { until },
            BreakerState::Open { .. } => {
                g.state = BreakerState::HalfOpen;
                Admit::Probe
            }
            // The probe is out: everyone else waits for its answer.
            BreakerState::HalfOpen => Admit::No {
                until: crate::clock::ms_after(now, 1000),
            },
        }
    }

    /// Records a call's outcome; returns the new state if it changed.
    pub fn record(&self, ok: bool) -> Option<BreakerState> {
        self.record_at(ok, now_ms())
    }

    pub fn record_at(&self, ok: bool, now: u64) -> Option<BreakerState> {
        let mut g = self.lock();
        let before = g.state;
        if ok {
            g.consecutive = 0;
            g.state = BreakerState::Closed;
        } else {
            g.consecutive += 1;
            if g.state == BreakerState::HalfOpen || g.consecutive >= self.threshold {
                g.state = BreakerState::Open {
                    until: crate::clock::ms_after(now, self.open_for.as_millis() as u64),
                };
            }
        }
        (g.state != before).then_some(g.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_then_one_probe() {
        let b = Breaker::new(5, Duration::from_secs(60));
        for i in 0..4 {
            assert_eq!(b.admit_at(0), Admit::Yes);
            assert_eq!(b.record_at(false, i), None);
        }
        assert_eq!(b.record_at(true, 4), None, "a success resets the count");
        for _ in 0..4 {
            b.record_at(false, 5);
        }
        assert_eq!(
            b.record_at(false, 10),
            Some(BreakerState::Open { until: 60_010 })
        );
        assert_eq!(b.admit_at(60_009), Admit::No { until: 60_010 });
        assert_eq!(b.admit_at(60_010), Admit::Probe);
        assert!(
            matches!(b.admit_at(60_011), Admit::No { .. }),
            "exactly one probe"
        );
        assert_eq!(
            b.record_at(false, 60_020),
            Some(BreakerState::Open { until: 120_020 })
        );
        assert_eq!(b.admit_at(120_020), Admit::Probe);
        assert_eq!(b.record_at(true, 120_021), Some(BreakerState::Closed));
        assert_eq!(b.admit_at(120_022), Admit::Yes);
    }
}
