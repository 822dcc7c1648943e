//! What every chain (pictures, voices) does with one member: its circuit breaker, its
//! statistics, and the retry loop for transient errors (exponential backoff, full jitter,
//! `Retry-After` honoured, a time budget, no retries inside a breaker's probe).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;

use super::breaker::{Admit, Breaker};
use super::ProviderError;
use crate::model::{now_ms, BreakerState, ProviderStats};

/// How a member's transient errors are retried within one job.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_tries: u32,
    pub base: Duration,
    pub max: Duration,
    /// The most time one member may take for one scene, retries and waits included.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_tries: 3,
            base: Duration::from_secs(1),
            max: Duration::from_secs(20),
            budget: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// From a config section's numbers (ms for the waits, s for the budget); the longest wait
    /// is never below the first.
    pub fn from_settings(max_tries: u32, base_ms: u64, max_ms: u64, budget_s: u64) -> Self {
        RetryPolicy {
            max_tries,
            base: Duration::from_millis(base_ms),
            max: Duration::from_millis(max_ms.max(base_ms)),
            budget: Duration::from_secs(budget_s),
        }
    }

    /// Full jitter: a random wait in [0, min(max, base * 2^(try-1))].
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(self.max);
        Duration::from_millis(rand::rng().random_range(0..=ceiling.as_millis() as u64))
    }
}

/// Where a member's statistics go (sled's meta tree and an event, in the engine).
pub type StatsSink = Arc<dyn Fn(&ProviderStats) + Send + Sync>;

/// A member's last known statistics, by name (a breaker stays open across a restart).
pub type KnownStats = dyn Fn(&str) -> Option<ProviderStats> + Send + Sync;

/// What a chain is built with for its statistics: where they were left, and where each change
/// goes. The chains only report; whoever builds them keeps the figures.
#[derive(Clone)]
pub struct StatsBook {
    pub known: Arc<KnownStats>,
    pub sink: StatsSink,
}

/// One member's breaker and statistics.
pub struct Health {
    pub breaker: Breaker,
    stats: Mutex<ProviderStats>,
}

impl Health {
    /// `stats` as a previous run left them (an open breaker stays open across a restart).
    pub fn new(name: &str, breaker: Breaker, stats: Option<ProviderStats>) -> Health {
        let mut stats = stats.unwrap_or_default();
        stats.name = name.to_string();
        if let Some(b) = stats.breaker {
            breaker.restore(b);
        }
        Health {
            breaker,
            stats: Mutex::new(stats),
        }
    }

    /// A member that never fails and is never paused (the title card, silence).
    pub fn always(name: &str, stats: Option<ProviderStats>) -> Health {
        Health::new(name, Breaker::new(u32::MAX, Duration::ZERO), stats)
    }

    pub fn stats(&self) -> ProviderStats {
        let mut s = self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone();
        s.breaker = Some(self.breaker.state());
        s
    }

    /// Lets an open breaker send its probe now; true if it was open.
    pub fn allow_probe(&self) -> bool {
        if matches!(self.breaker.state(), BreakerState::Open { .. }) {
            self.breaker.restore(BreakerState::Open { until: 0 });
            return true;
        }
        false
    }

    /// Counts one call: the breaker hears of it unless `counts` is false (a refused prompt
    /// says nothing about a provider's health).
    pub fn record(
        &self,
        result: Result<(), &ProviderError>,
        counts: bool,
        took: Duration,
        sink: Option<&StatsSink>,
    ) {
        let changed = if counts {
            self.breaker.record(result.is_ok())
        } else {
            None
        };
        let snapshot = {
            let mut s = self.stats.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(state) = changed {
                tracing::info!(provider = %s.name, ?state, "circuit breaker changed");
            }
            s.calls += 1;
            match result {
                Ok(()) => {
                    s.last_ok_at = Some(now_ms());
                    s.ok_ms += took.as_millis() as u64;
                }
                Err(err) => {
                    s.failures += 1;
                    s.last_error = Some(err.to_user());
                }
            }
            s.breaker = Some(self.breaker.state());
            s.clone()
        };
        if let Some(sink) = sink {
            sink(&snapshot);
        }
    }

    /// Calls `call` until it succeeds, fails for good, or the policy's tries or budget run
    /// out; an open breaker skips the member without a call. `label` names it in sentences.
    pub async fn run<T, F, Fut>(
        &self,
        label: &str,
        policy: &RetryPolicy,
        sink: Option<&StatsSink>,
        mut call: F,
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let deadline = crate::clock::deadline(policy.budget);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let admit = self.breaker.admit();
            if matches!(admit, Admit::No { .. })
                && self.breaker.state() == BreakerState::HalfOpen
                && crate::clock::fits(Duration::from_millis(50), deadline)
            {
                // Another job's probe is out: wait for its answer rather than skip a member
                // that may have just recovered.
                attempt -= 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            if let Admit::No { .. } = admit {
                // No countdown in the words: they stay on a finished scene as the reason for
                // its fallback, long after the pause is over. The failure that paused it is
                // said, so the reason is not hidden behind the pause.
                let last = self
                    .stats
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .last_error
                    .as_ref()
                    .map(|e| e.message.trim_end_matches('.').to_string());
                let why = match last {
                    Some(m) if !m.is_empty() => format!(" (the last one: {m})"),
                    _ => String::new(),
                };
                return Err(ProviderError::terminal(
                    "breaker_open",
                    format!(
                        "{label} was paused after repeated failures{why}, so it was skipped; StoryReel tries it again by itself after a short pause."
                    ),
                ));
            }
            let started = Instant::now();
            let result = call().await;
            let counts = !matches!(&result, Err(err) if err.code == "content_policy");
            self.record(result.as_ref().map(|_| ()), counts, started.elapsed(), sink);
            match result {
                Ok(v) => return Ok(v),
                Err(err)
                    if err.retryable && attempt < policy.max_tries && admit != Admit::Probe =>
                {
                    let wait = err.retry_after.unwrap_or_else(|| policy.backoff(attempt));
                    if !crate::clock::fits(wait, deadline) {
                        // It asks for more time than this scene can give it: move on.
                        return Err(err);
                    }
                    tracing::debug!(provider = label, ?wait, code = %err.code, "transient error; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_full_jitter_under_the_cap() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_millis(250),
            ..Default::default()
        };
        for a in 1..10 {
            assert!(p.backoff(a) <= Duration::from_millis(250));
        }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_and_terminal_ones_are_not() {
        let h = Health::new("x", Breaker::new(10, Duration::from_secs(60)), None);
        let policy = RetryPolicy {
            base: Duration::from_millis(1),
            max: Duration::from_millis(2),
            ..Default::default()
        };
        let mut calls = 0;
        let r: Result<(), _> = h
            .run("X", &policy, None, || {
                calls += 1;
                async { Err(ProviderError::transient("server_error", "down")) }
            })
            .await;
        assert_eq!((r.is_err(), calls), (true, 3));
        let mut calls = 0;
        let r: Result<(), _> = h
            .run("X", &policy, None, || {
                calls += 1;
                async { Err(ProviderError::terminal("auth", "bad key")) }
            })
            .await;
        assert_eq!((r.is_err(), calls), (true, 1));
        assert_eq!(h.stats().failures, 4);
    }
}
