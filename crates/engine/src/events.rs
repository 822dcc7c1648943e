//! Typed events on a broadcast channel. Every event carries a whole record (a snapshot): a
//! consumer replaces what it had, it never merges.

use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::model::{Job, Lane, ProjectProgress, Scene};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A job's record after a change (or with a new `phase` while it runs).
    Job { job: Job },
    /// A scene's record after a change.
    Scene { scene: Box<Scene> },
    /// A project's progress after one of its scenes changed.
    Project { progress: ProjectProgress },
    /// A lane's queue order (job ids, first = next) and its running jobs.
    Queue {
        lane: Lane,
        order: Vec<Uuid>,
        running: Vec<Uuid>,
    },
    /// A provider's statistics and circuit-breaker state, after each call it answered.
    Provider { stats: crate::model::ProviderStats },
    /// The storage target's health, when it changes (ok, waiting for network, misconfigured).
    Sync {
        health: crate::sync::gate::SyncHealth,
    },
    /// A video's render progress (frames done of all), a few times a second while it runs.
    Render {
        project_id: Uuid,
        job_id: Uuid,
        frames_done: u64,
        frames_total: u64,
    },
    /// Something a person should see once (not an error of a job).
    Notice { level: NoticeLevel, message: String },
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Warning,
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(4096).0,
        }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
    /// True when someone listens: snapshots that cost a read are only built then.
    pub fn wanted(&self) -> bool {
        self.tx.receiver_count() > 0
    }
    pub fn send(&self, e: Event) {
        let _ = self.tx.send(e);
    }
}
