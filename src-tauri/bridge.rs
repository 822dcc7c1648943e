//! Forwards the engine's events to the UI as `engine` events, each a whole record shaped for
//! the UI. If the UI's listener falls behind the engine's channel, a `reset` tells it to fetch
//! the whole state again rather than show a gap.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use storyreel_engine::events::NoticeLevel;
use storyreel_engine::model::{JobKind, JobStatus, Lane};
use storyreel_engine::sync::gate::SyncHealth;
use storyreel_engine::{Engine, Event};
use tokio::sync::broadcast::error::RecvError;
use ts_rs::TS;
use uuid::Uuid;

use crate::dto::{
    card_of, connectivity, providers, Connectivity, JobView, ProjectCard, ProviderView, SceneView,
};

/// The Tauri event name the UI listens to.
pub const EVENT: &str = "engine";

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(rename = "EngineEvent")]
pub enum AppEvent {
    Scene {
        scene: Box<SceneView>,
    },
    Project {
        card: ProjectCard,
    },
    Job {
        job: JobView,
    },
    Queue {
        lane: Lane,
        order: Vec<Uuid>,
        running: Vec<Uuid>,
    },
    Provider {
        provider: ProviderView,
    },
    Sync {
        health: SyncHealth,
    },
    Render {
        project_id: Uuid,
        job_id: Uuid,
        frames_done: u64,
        frames_total: u64,
    },
    Notice {
        level: NoticeLevel,
        message: String,
    },
    Connectivity {
        connectivity: Connectivity,
    },
    /// How far the install of a voice from the library is.
    VoiceInstall {
        progress: storyreel_engine::voices::library::Progress,
    },
    /// A batch of stories: its progress and its table.
    Batch {
        batch: crate::dto::BatchView,
    },
    /// A story being written from an idea: its endpoint, its drafts, a retry.
    Writing {
        event: storyreel_engine::write::WriteEvent,
    },
    /// The engine restarted or events were lost: fetch the whole state again.
    Reset,
}

/// Where app events go (the window in the app; a recorder in tests).
pub type Sink = Arc<dyn Fn(AppEvent) + Send + Sync>;

/// What the bridge remembers between events: the phase of running generate jobs, queue
/// positions, and the last connectivity sent (sent again only when it changes).
#[derive(Default)]
struct Memory {
    phases: HashMap<Uuid, String>,
    positions: HashMap<Uuid, u32>,
    titles: HashMap<Uuid, String>,
    connectivity: Option<Connectivity>,
}

pub async fn run(engine: Engine, sink: Sink) {
    let mut rx = engine.subscribe();
    let mut mem = Memory::default();
    check_connectivity(&engine, &sink, &mut mem);
    loop {
        match rx.recv().await {
            Ok(e) => forward(&engine, &sink, &mut mem, e),
            Err(RecvError::Lagged(n)) => {
                tracing::debug!(
                    skipped = n,
                    "UI events fell behind; asking the UI to refetch"
                );
                sink(AppEvent::Reset);
            }
            Err(RecvError::Closed) => break,
        }
    }
}

fn title(engine: &Engine, mem: &mut Memory, id: Uuid) -> String {
    if let Some(t) = mem.titles.get(&id) {
        return t.clone();
    }
    let t = engine
        .project(id)
        .ok()
        .flatten()
        .map(|p| p.title)
        .unwrap_or_default();
    mem.titles.insert(id, t.clone());
    t
}

fn check_connectivity(engine: &Engine, sink: &Sink, mem: &mut Memory) {
    let c = connectivity(&engine.sync_health(), &providers(engine));
    if mem.connectivity.as_ref() != Some(&c) {
        mem.connectivity = Some(c.clone());
        sink(AppEvent::Connectivity { connectivity: c });
    }
}

fn forward(engine: &Engine, sink: &Sink, mem: &mut Memory, e: Event) {
    match e {
        Event::Job { job } => {
            if job.kind() == JobKind::GenerateScene {
                match (&job.status, &job.phase) {
                    (JobStatus::Running, Some(p)) => {
                        mem.phases.insert(job.id, p.clone());
                    }
                    (JobStatus::Running, None) => {}
                    _ => {
                        mem.phases.remove(&job.id);
                    }
                }
                // A phase change comes as a job event alone: send the scene with it.
                if job.status == JobStatus::Running {
                    if let Some(i) = job.scene_index {
                        if let Ok(Some(s)) = engine.scene(job.project_id, i) {
                            let phase = mem.phases.get(&s.job_id).cloned();
                            sink(AppEvent::Scene {
                                scene: Box::new(engine.scene_view(&s, phase, None)),
                            });
                        }
                    }
                }
            }
            let t = title(engine, mem, job.project_id);
            let pos = mem.positions.get(&job.id).copied();
            sink(AppEvent::Job {
                job: JobView::of(&job, &t, pos),
            });
        }
        Event::Scene { scene } => {
            let phase = mem.phases.get(&scene.job_id).cloned();
            let pos = mem.positions.get(&scene.job_id).copied();
            sink(AppEvent::Scene {
                scene: Box::new(engine.scene_view(&scene, phase, pos)),
            });
        }
        Event::Project { progress } => {
            mem.titles
                .insert(progress.project_id, progress.title.clone());
            if let Ok(card) = card_of(engine, progress.project_id) {
                sink(AppEvent::Project { card });
            }
        }
        Event::Queue {
            lane,
            order,
            running,
        } => {
            if lane == Lane::Generate {
                mem.positions = order
                    .iter()
                    .enumerate()
                    .map(|(i, id)| (*id, i as u32 + 1))
                    .collect();
            }
            sink(AppEvent::Queue {
                lane,
                order,
                running,
            });
        }
        Event::Provider { stats } => {
            if let Some(p) = providers(engine).into_iter().find(|p| p.name == stats.name) {
                sink(AppEvent::Provider { provider: p });
            }
            check_connectivity(engine, sink, mem);
        }
        Event::Sync { health } => {
            sink(AppEvent::Sync { health });
            check_connectivity(engine, sink, mem);
        }
        Event::Render {
            project_id,
            job_id,
            frames_done,
            frames_total,
        } => sink(AppEvent::Render {
            project_id,
            job_id,
            frames_done,
            frames_total,
        }),
        Event::Notice { level, message } => sink(AppEvent::Notice { level, message }),
    }
}
