//! What `sync --status`, `status --json` and the app show of the uploads.

use serde::Serialize;
use uuid::Uuid;

use super::gate::SyncHealth;
use super::SyncStats;
use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Scene, SyncState, UserError};

/// A scene's sync as shown to a person: `local` when no target is configured (nothing is
/// reported as pending then), the mirrored state otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SceneSync {
    pub state: SyncState,
    pub url: Option<String>,
    pub attempts: u32,
    pub error: Option<UserError>,
    pub next_try: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncCounts {
    pub local: u32,
    pub pending: u32,
    pub uploading: u32,
    pub synced: u32,
    pub waiting: u32,
    pub failed: u32,
}

impl SyncCounts {
    fn add(&mut self, s: SyncState) {
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
#[derive(Debug, Clone, Serialize)]
pub struct SyncItem {
    pub project_id: Uuid,
    pub project: String,
    pub scene: u32,
    #[serde(flatten)]
    pub sync: SceneSync,
    pub key: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    /// The target as configured (None: local only).
    pub target: Option<String>,
    pub health: SyncHealth,
    pub counts: SyncCounts,
    /// Every scene not synced yet, oldest project first.
    pub items: Vec<SyncItem>,
    pub stats: SyncStats,
}

impl Engine {
    /// The sync view of a scene; None while it has no image.
    pub fn scene_sync(&self, scene: &Scene) -> Option<SceneSync> {
        let image = scene.image.as_ref()?;
        let configured = self.sync_target().is_some();
        let local = SceneSync {
            state: SyncState::Local,
            url: None,
            attempts: 0,
            error: None,
            next_try: None,
        };
        if !configured {
            // A synced scene keeps its URL even after the target is removed from the config.
            return Some(match &scene.sync {
                Some(i) if i.state == SyncState::Synced && i.hash == image.hash => SceneSync {
                    state: SyncState::Synced,
                    url: i.url.clone(),
                    ..local
                },
                _ => local,
            });
        }
        Some(match &scene.sync {
            Some(i) if i.hash == image.hash => SceneSync {
                state: i.state,
                url: i.url.clone(),
                attempts: i.attempts,
                error: i.error.clone(),
                next_try: i.next_try,
            },
            // Made before the target was configured: queued by the next backfill.
            _ => SceneSync {
                state: SyncState::Pending,
                ..local
            },
        })
    }

    /// Every scene's sync state, counted, with the ones not synced listed.
    pub fn sync_report(&self, project: Option<Uuid>) -> Result<SyncReport> {
        let mut projects = self.store().projects()?;
        projects.sort_by_key(|p| (p.created_at, p.id));
        let mut counts = SyncCounts::default();
        let mut items = Vec::new();
        for p in projects
            .iter()
            .filter(|p| project.is_none_or(|id| id == p.id))
        {
            for s in self.store().scenes_of(p.id)? {
                let Some(view) = self.scene_sync(&s) else {
                    continue;
                };
                counts.add(view.state);
                if !matches!(view.state, SyncState::Synced | SyncState::Local) {
                    items.push(SyncItem {
                        project_id: p.id,
                        project: p.title.clone(),
                        scene: s.index,
                        key: s.sync.as_ref().map(|i| i.key.clone()),
                        sync: view,
                    });
                }
            }
        }
        Ok(SyncReport {
            target: self.sync_target().map(|t| t.name.clone()),
            health: self.sync_health(),
            counts,
            items,
            stats: self.sync_stats(),
        })
    }
}
