//! Projects and scenes as the Library and Project screens show them.

use serde::{Deserialize, Serialize};
use storyreel_engine::model::{Aspect, JobStatus, Project, Scene, SyncState, UserError};
use storyreel_engine::sync::report::SceneSync;
use storyreel_engine::Engine;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::ApiResult;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VideoView {
    pub path: String,
    pub duration_s: f32,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// false when scenes changed since it was rendered.
    pub up_to_date: bool,
    pub created_at: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProjectCard {
    pub id: Uuid,
    pub title: String,
    /// queued, running, paused, done, failed or cancelled.
    pub status: String,
    pub aspect: Aspect,
    pub style: String,
    pub paused: bool,
    pub total: u32,
    pub done: u32,
    pub failed: u32,
    pub placeholders: u32,
    pub synced: u32,
    pub sync_enabled: bool,
    /// Absolute path of the first scene's thumbnail.
    pub cover: Option<String>,
    pub video: Option<VideoView>,
    pub created_at: u64,
    /// The latest change of the project or any of its scenes (ms since the epoch).
    pub updated_at: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SceneView {
    pub project_id: Uuid,
    pub index: u32,
    pub title: Option<String>,
    pub text: String,
    pub prompt: String,
    pub status: JobStatus,
    /// While running: what the worker does now ("generating", "saving"...).
    pub phase: Option<String>,
    pub percent: Option<u8>,
    /// 1-based place in the generate queue while queued.
    pub queue_position: Option<u32>,
    pub provider: Option<String>,
    pub placeholder: bool,
    pub image: Option<String>,
    pub thumbnail: Option<String>,
    pub attempts: u32,
    pub error: Option<UserError>,
    pub sync: Option<SceneSync>,
    pub job_id: Uuid,
    pub updated_at: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RenderView {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub frames_done: u64,
    pub frames_total: u64,
    pub error: Option<UserError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProjectDetail {
    pub card: ProjectCard,
    pub scenes: Vec<SceneView>,
    pub render: Option<RenderView>,
}

/// A scene as previewed (and edited) before the project exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DraftScene {
    pub title: Option<String>,
    pub text: String,
    pub prompt: Option<String>,
    pub duration_s: Option<f32>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StoryPreview {
    pub title: String,
    pub scenes: Vec<DraftScene>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StoryFile {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct NewProject {
    pub title: Option<String>,
    pub aspect: Aspect,
    pub style: Option<String>,
    pub scenes: Vec<DraftScene>,
}

fn path_of(engine: &Engine, hash: &str, ext: &str) -> Option<String> {
    engine
        .assets()
        .path(hash, ext)
        .ok()
        .map(|p| p.display().to_string())
}

/// A scene's view. `phase` and `position` come from the caller (the job, the queue order).
pub fn scene_view(
    engine: &Engine,
    s: &Scene,
    phase: Option<String>,
    position: Option<u32>,
) -> SceneView {
    let img = s.image.as_ref();
    let running = s.status == JobStatus::Running;
    SceneView {
        project_id: s.project_id,
        index: s.index,
        title: s.title.clone(),
        text: s.text.clone(),
        prompt: s.prompt.clone(),
        status: s.status,
        phase: if running { phase } else { None },
        percent: None,
        queue_position: if s.status == JobStatus::Queued {
            position
        } else {
            None
        },
        provider: img.map(|i| i.provider.clone()),
        placeholder: img.is_some_and(|i| i.placeholder),
        image: img.and_then(|i| path_of(engine, &i.hash, &i.ext)),
        thumbnail: img.and_then(|i| path_of(engine, &i.thumb_hash, "jpg")),
        attempts: s.attempts,
        error: s.error.clone(),
        sync: engine.scene_sync(s),
        job_id: s.job_id,
        updated_at: s.updated_at,
    }
}

/// A project's card, from its record and its scenes.
pub fn project_card(engine: &Engine, p: &Project, scenes: &[Scene]) -> ApiResult<ProjectCard> {
    let progress = engine.progress_of(p, scenes)?;
    let sync_enabled = engine.sync_target().is_some();
    let synced = scenes
        .iter()
        .filter(|s| {
            engine
                .scene_sync(s)
                .is_some_and(|x| x.state == SyncState::Synced)
        })
        .count() as u32;
    let cover = scenes
        .iter()
        .find_map(|s| s.image.as_ref())
        .and_then(|i| path_of(engine, &i.thumb_hash, "jpg"));
    let video = p.video.as_ref().and_then(|v| {
        let path = path_of(engine, &v.hash, "mp4")?;
        Some(VideoView {
            path,
            duration_s: v.duration_s,
            width: v.width,
            height: v.height,
            bytes: v.bytes,
            up_to_date: engine.video_is_current(p, scenes),
            created_at: v.created_at,
        })
    });
    Ok(ProjectCard {
        id: p.id,
        title: p.title.clone(),
        status: progress.status,
        aspect: p.aspect,
        style: p.style.clone(),
        paused: progress.paused,
        total: progress.total,
        done: progress.counts.succeeded,
        failed: progress.counts.failed,
        placeholders: progress.placeholders,
        synced,
        sync_enabled,
        cover,
        video,
        created_at: p.created_at,
        // The card changes when any scene does: the UI keeps the newest card it has seen.
        updated_at: scenes
            .iter()
            .map(|s| s.updated_at)
            .fold(p.updated_at, u64::max),
    })
}

/// A project's record; a deleted one is a sentence.
pub fn project_record(engine: &Engine, id: Uuid) -> ApiResult<Project> {
    engine.store().project(id)?.ok_or_else(|| {
        crate::error::ApiError::not_found("That project no longer exists: it was deleted.")
    })
}

/// A project's card, reading its record and scenes.
pub fn card_of(engine: &Engine, id: Uuid) -> ApiResult<ProjectCard> {
    let p = project_record(engine, id)?;
    let scenes = engine.store().scenes_of(id)?;
    project_card(engine, &p, &scenes)
}
