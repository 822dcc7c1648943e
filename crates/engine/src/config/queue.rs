//! `[queue]`: attempts, leases, back-off, pruning and each lane's concurrency.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Tries per job before it fails (errors and expired leases count; restarts do not).
    pub max_attempts: u32,
    /// Times a job may be interrupted by the app stopping before it is failed as a suspect.
    pub max_interrupts: u32,
    /// How long a running job may go without a heartbeat before it is re-queued.
    pub lease_s: u64,
    pub heartbeat_s: u64,
    /// First retry delay; doubles per failure, with full jitter.
    pub backoff_base_ms: u64,
    pub backoff_max_s: u64,
    /// Finished jobs older than this are pruned.
    pub prune_after_days: u64,
    pub upload_concurrency: usize,
    pub render_concurrency: usize,
    /// Scenes narrated at once (espeak-ng speaks one at a time in a process; cloud voices
    /// take several).
    pub narrate_concurrency: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            max_attempts: 3,
            max_interrupts: 20,
            lease_s: 300,
            heartbeat_s: 15,
            backoff_base_ms: 2000,
            backoff_max_s: 600,
            prune_after_days: 30,
            upload_concurrency: 4,
            render_concurrency: 1,
            narrate_concurrency: 2,
        }
    }
}

impl QueueConfig {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_s)
    }
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.heartbeat_s)
    }
}
