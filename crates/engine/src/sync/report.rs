//! What `sync --status`, `status --json` and the app show of the uploads.

use serde::Serialize;
use uuid::Uuid;

use super::gate::SyncHealth;
use super::SyncStats;
use crate::model::{SyncState, UserError};

/// A scene's sync as shown to a person: `local` when no target is configured (nothing is
/// reported as pending then), the mirrored state otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct SceneSync {
    pub state: SyncState,
    pub url: Option<String>,
    pub attempts: u32,
    pub error: Option<UserError>,
    pub next_try: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct SyncCounts {
    pub local: u32,
    pub pending: u32,
    pub uploading: u32,
    pub synced: u32,
    pub waiting: u32,
    pub failed: u32,
}

impl SyncCounts {
    pub(crate) fn add(&mut self, s: SyncState) {
        match s {
            SyncState::Local => self.local += 1,
            SyncState::Pending => self.pending += 1,
            SyncState::Uploading => self.uploading += 1,
            SyncState::Synced => self.synced += 1,
            SyncState::Waiting => self.waiting += 1,
            SyncState::Failed => self.failed += 1,
        }
    }
    /// Uploads that will still happen by themselves.
    pub fn outstanding(&self) -> u32 {
        self.pending + self.uploading + self.waiting
    }
}

/// One upload that is not synced yet.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SyncItem {
    pub project_id: Uuid,
    pub project: String,
    pub scene: u32,
    #[serde(flatten)]
    pub sync: SceneSync,
    pub key: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SyncReport {
    /// The target as configured (None: local only).
    pub target: Option<String>,
    pub health: SyncHealth,
    pub counts: SyncCounts,
    /// Every scene not synced yet, oldest project first.
    pub items: Vec<SyncItem>,
    pub stats: SyncStats,
}
