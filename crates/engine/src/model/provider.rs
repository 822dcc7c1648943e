//! What is kept of each image provider across runs: its counts, last error and breaker.

use serde::{Deserialize, Serialize};

use super::UserError;

/// A provider's circuit breaker, as shown and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    /// Calls are skipped until `until` (ms since epoch).
    Open {
        until: u64,
    },
    /// The pause is over and one probe call is out.
    HalfOpen,
}

/// What `storyreel providers` shows and what is kept across runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderStats {
    pub name: String,
    pub calls: u64,
    pub failures: u64,
    pub last_error: Option<UserError>,
    pub last_ok_at: Option<u64>,
    pub breaker: Option<BreakerState>,
    /// Total time of successful calls, for the average.
    pub ok_ms: u64,
}
