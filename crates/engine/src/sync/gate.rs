//! The target's health, shared by every upload of the process. When the storage cannot be
//! reached, the upload lane holds: exactly one upload probes at a time, after a backoff with
//! full jitter capped at 10 minutes, so an outage costs a handful of requests however many
//! uploads wait, and it is one state ("waiting for network"), not a log line per upload. When
//! the probe succeeds every waiting upload goes at once. A target-level error (credentials,
//! bucket) stops the lane's requests until the user retries.

use std::sync::Mutex;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::model::{now_ms, UserError};

/// The most a probe waits (backoff capped at 10 minutes).
pub const PROBE_MAX_MS: u64 = 600_000;
const PROBE_BASE_MS: u64 = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncHealth {
    /// No target is configured: images stay local.
    Local,
    Ok,
    /// Transient trouble (offline, storage down): one probe at `next_probe`.
    Waiting {
        since: u64,
        next_probe: u64,
        failures: u32,
        reason: UserError,
    },
    /// The target is wrong (credentials, bucket, config): nothing is tried until the user acts.
    Misconfigured {
        reason: UserError,
    },
}

impl SyncHealth {
    pub fn name(&self) -> &'static str {
        match self {
            SyncHealth::Local => "local",
            SyncHealth::Ok => "ok",
            SyncHealth::Waiting { .. } => "waiting",
            SyncHealth::Misconfigured { .. } => "misconfigured",
        }
    }
}

/// The probe under way: being claimed, or running as a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    None,
    Claiming,
    Job(uuid::Uuid),
}

#[derive(Debug)]
pub struct Gate {
    state: Mutex<(SyncHealth, Probe)>,
    /// The first probe delay's ceiling; doubles per failed probe, full jitter.
    probe_base_ms: u64,
    /// The most a probe waits (at most `PROBE_MAX_MS`).
    probe_max_ms: u64,
}

/// What the upload lane may do now.
#[derive(Debug, PartialEq, Eq)]
pub enum Admit {
    /// Claim as usual.
    Go,
    /// Claim one upload as the probe (then say which with `probe_claimed`).
    Probe,
    /// Hold this long (ms) or until woken.
    Hold(u64),
}

impl Gate {
    pub fn new(initial: SyncHealth) -> Gate {
        Gate {
            state: Mutex::new((initial, Probe::None)),
            probe_base_ms: PROBE_BASE_MS,
            probe_max_ms: PROBE_MAX_MS,
        }
    }

    /// Probe delays from `base_ms`, doubling, never above `max_ms` (nor 10 minutes).
    pub fn with_probe_delays(mut self, base_ms: u64, max_ms: u64) -> Gate {
        self.probe_base_ms = base_ms.max(1);
        self.probe_max_ms = max_ms.clamp(1, PROBE_MAX_MS);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (SyncHealth, Probe)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn health(&self) -> SyncHealth {
        self.lock().0.clone()
    }

    /// May the lane claim? Marks a probe as begun when it is due; the caller then says which
    /// job it claimed (`probe_claimed`).
    pub fn admit(&self, now: u64) -> Admit {
        let mut g = self.lock();
        match &g.0 {
            SyncHealth::Local => Admit::Hold(1_000),
            SyncHealth::Ok | SyncHealth::Misconfigured { .. } => Admit::Go,
            SyncHealth::Waiting { next_probe, .. } => {
                if g.1 != Probe::None {
                    Admit::Hold(500)
                } else if now < *next_probe {
                    Admit::Hold(next_probe - now)
                } else {
                    g.1 = Probe::Claiming;
                    Admit::Probe
                }
            }
        }
    }

    /// True while the lane holds (for "idle" checks); no side effect.
    pub fn holds(&self, now: u64) -> bool {
        let g = self.lock();
        match &g.0 {
            SyncHealth::Local => true,
            SyncHealth::Waiting { next_probe, .. } => g.1 != Probe::None || now < *next_probe,
            _ => false,
        }
    }

    /// The admitted probe claimed `job`, or (None) found nothing to claim.
    pub fn probe_claimed(&self, job: Option<uuid::Uuid>) {
        let mut g = self.lock();
        if g.1 == Probe::Claiming {
            g.1 = job.map_or(Probe::None, Probe::Job);
        }
    }

    /// An upload job ended, however it ended (finished, failed, handed back at shutdown,
    /// cancelled): if it was the probe, the next one may go.
    pub fn job_ended(&self, job: uuid::Uuid) {
        let mut g = self.lock();
        if g.1 == Probe::Job(job) {
            g.1 = Probe::None;
        }
    }

    /// An upload succeeded. Returns true when this ends a wait (the caller releases the rest).
    pub fn success(&self) -> bool {
        let mut g = self.lock();
        g.1 = Probe::None;
        let was_waiting = matches!(g.0, SyncHealth::Waiting { .. });
        if !matches!(g.0, SyncHealth::Local) {
            g.0 = SyncHealth::Ok;
        }
        was_waiting
    }

    /// A transient failure. Returns true when this begins a wait (the one event to send).
    pub fn transient(&self, reason: UserError) -> bool {
        let mut g = self.lock();
        g.1 = Probe::None;
        let now = now_ms();
        let (since, failures, began) = match &g.0 {
            SyncHealth::Waiting {
                since, failures, ..
            } => (*since, failures + 1, false),
            _ => (now, 1, true),
        };
        let exp = failures.saturating_sub(1).min(30);
        let ceiling = self
            .probe_base_ms
            .saturating_mul(1u64 << exp)
            .min(self.probe_max_ms);
        let delay = rand::rng().random_range(0..=ceiling);
        g.0 = SyncHealth::Waiting {
            since,
            next_probe: crate::clock::ms_after(now, delay),
            failures,
            reason,
        };
        began
    }

    /// A target-level error. Returns true when this is news.
    pub fn misconfigured(&self, reason: UserError) -> bool {
        let mut g = self.lock();
        g.1 = Probe::None;
        let news = !matches!(&g.0, SyncHealth::Misconfigured { reason: r } if *r == reason);
        g.0 = SyncHealth::Misconfigured { reason };
        news
    }

    /// The user's "retry now": back to trying at once (unless there is no target).
    pub fn reset(&self) {
        let mut g = self.lock();
        g.1 = Probe::None;
        if !matches!(g.0, SyncHealth::Local) {
            g.0 = SyncHealth::Ok;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why() -> UserError {
        UserError::new("offline", "down")
    }

    #[test]
    fn an_outage_admits_one_probe_at_a_time() {
        let g = Gate::new(SyncHealth::Ok).with_probe_delays(50, 1_000);
        assert_eq!(g.admit(now_ms()), Admit::Go);
        assert!(g.transient(why()), "the first failure begins the wait");
        assert!(!g.transient(why()), "later failures are no news");
        let far = now_ms() + PROBE_MAX_MS + 1;
        assert_eq!(g.admit(far), Admit::Probe);
        assert!(
            matches!(g.admit(far), Admit::Hold(_)),
            "one probe at a time"
        );
        assert!(g.holds(far));
        g.probe_claimed(None);
        assert_eq!(
            g.admit(far),
            Admit::Probe,
            "nothing was claimed: probe again"
        );
        let (probe, other) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        g.probe_claimed(Some(probe));
        assert!(matches!(g.admit(far), Admit::Hold(_)));
        g.job_ended(other);
        assert!(
            matches!(g.admit(far), Admit::Hold(_)),
            "another job ending frees nothing"
        );
        // The probe handed back at shutdown, with no answer: the next may go.
        g.job_ended(probe);
        assert_eq!(g.admit(far), Admit::Probe);
        assert!(g.success(), "success ends the wait");
        assert_eq!(g.admit(now_ms()), Admit::Go);
        assert!(!g.holds(now_ms()));
    }

    #[test]
    fn probe_delays_grow_and_stay_capped() {
        let g = Gate::new(SyncHealth::Ok).with_probe_delays(1_000, 3_600_000);
        let mut max_seen = 0;
        for _ in 0..40 {
            g.transient(why());
            if let SyncHealth::Waiting { next_probe, .. } = g.health() {
                let d = next_probe.saturating_sub(now_ms());
                assert!(d <= PROBE_MAX_MS, "never above 10 minutes: {d}");
                max_seen = max_seen.max(d);
            }
        }
        assert!(
            max_seen > 60_000,
            "late probes wait minutes, got {max_seen}"
        );
        let short = Gate::new(SyncHealth::Ok).with_probe_delays(100, 2_000);
        for _ in 0..20 {
            short.transient(why());
            if let SyncHealth::Waiting { next_probe, .. } = short.health() {
                assert!(next_probe.saturating_sub(now_ms()) <= 2_000);
            }
        }
    }

    #[test]
    fn misconfigured_and_local_behave() {
        let g = Gate::new(SyncHealth::Ok);
        assert!(g.misconfigured(why()));
        assert!(!g.misconfigured(why()));
        assert_eq!(g.admit(now_ms()), Admit::Go);
        g.reset();
        assert_eq!(g.health(), SyncHealth::Ok);
        let l = Gate::new(SyncHealth::Local);
        assert!(l.holds(now_ms()));
        l.reset();
        assert_eq!(l.health(), SyncHealth::Local);
    }
}
