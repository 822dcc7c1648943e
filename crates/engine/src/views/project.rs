//! A project as the front ends show it: its card (the library), its detail (the project
//! screen: every scene and the render) and one scene.

use std::collections::HashMap;

use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Aspect, JobStatus, Lane, Project, Scene, SyncState, UserError};
use crate::sync::report::SceneSync;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, TS)]
pub struct VideoView {
    pub path: String,
    pub duration_s: f32,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// false when scenes changed since it was rendered.
    pub up_to_date: bool,
    pub created_at: u64,
    /// Where the storage target has it, once uploaded.
    pub url: Option<String>,
    /// When each scene starts in it (s).
    pub scene_starts: Vec<f32>,
    /// Absolute paths of its subtitles (SRT, WebVTT).
    pub srt: Option<String>,
    pub vtt: Option<String>,
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
    /// How it is narrated; none: made without a voice.
    pub voice: Option<crate::model::VoiceChoice>,
    pub created_at: u64,
    /// The latest change of the project or any of its scenes (ms since the epoch).
    pub updated_at: u64,
    /// What Undo would undo ("Delete scene 3"); none: nothing to undo.
    pub undo: Option<String>,
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
    /// Its narration, for a project with a voice.
    pub narration: Option<super::NarrationView>,
    /// The person's own picture or clip it shows (`provider` is then `own`).
    pub media: Option<crate::model::OwnMedia>,
    /// What the scene says about how its picture was asked for (a prompt shortened, a
    /// reference picture a provider could not take).
    pub notes: Vec<String>,
    /// The scene's own seed and the characters linked or unlinked by hand.
    pub choice: crate::model::SceneChoice,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, TS)]
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

impl Engine {
    /// Absolute path of a stored file, once it is there.
    fn asset_path(&self, hash: &str, ext: &str) -> Option<String> {
        self.assets()
            .path(hash, ext)
            .ok()
            .map(|p| p.display().to_string())
    }

    /// A scene's view. `phase` (what its running job does now) and `position` (its place in
    /// the generate queue) come from the caller, who reads them once for many scenes.
    pub fn scene_view(&self, s: &Scene, phase: Option<String>, position: Option<u32>) -> SceneView {
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
            image: img.and_then(|i| self.asset_path(&i.hash, &i.ext)),
            thumbnail: img.and_then(|i| self.asset_path(&i.thumb_hash, "jpg")),
            attempts: s.attempts,
            error: s.error.clone(),
            sync: self.scene_sync(s),
            job_id: s.job_id,
            updated_at: s.updated_at,
            narration: self.narration_view(s),
            media: s.image.as_ref().and_then(|i| i.own.clone()),
            notes: img.map(|i| i.notes.clone()).unwrap_or_default(),
            choice: s.choice.clone(),
        }
    }

    /// Scene `index` of a project as shown, with its place in the queue.
    pub fn scene_view_of(&self, s: &Scene) -> Result<SceneView> {
        let pos = if s.status == JobStatus::Queued {
            self.queue_positions(Lane::Generate)?
                .get(&s.job_id)
                .copied()
        } else {
            None
        };
        Ok(self.scene_view(s, None, pos))
    }

    /// A project's card, from its record and its scenes.
    pub fn project_card(&self, p: &Project, scenes: &[Scene]) -> Result<ProjectCard> {
        let progress = self.progress_of(p, scenes)?;
        let synced = scenes
            .iter()
            .filter(|s| {
                self.scene_sync(s)
                    .is_some_and(|x| x.state == SyncState::Synced)
            })
            .count() as u32;
        let cover = scenes
            .iter()
            .find_map(|s| s.image.as_ref())
            .and_then(|i| self.asset_path(&i.thumb_hash, "jpg"));
        let video = p.video.as_ref().and_then(|v| {
            Some(VideoView {
                path: self.asset_path(&v.hash, "mp4")?,
                duration_s: v.duration_s,
                width: v.width,
                height: v.height,
                bytes: v.bytes,
                up_to_date: self.video_is_current(p, scenes),
                created_at: v.created_at,
                url: v.url.clone(),
                scene_starts: v.scene_starts.clone(),
                srt: v
                    .subtitles
                    .as_ref()
                    .and_then(|f| self.asset_path(&f.srt, "srt")),
                vtt: v
                    .subtitles
                    .as_ref()
                    .and_then(|f| self.asset_path(&f.vtt, "vtt")),
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
            sync_enabled: self.sync_target().is_some(),
            cover,
            video,
            voice: p.voice.clone(),
            undo: self.undo_label(p.id)?,
            created_at: p.created_at,
            // The card changes when any scene does: a front end keeps the newest card it saw.
            updated_at: scenes
                .iter()
                .map(|s| s.updated_at)
                .fold(p.updated_at, u64::max),
        })
    }

    /// Every project's card, oldest first.
    pub fn project_cards(&self) -> Result<Vec<ProjectCard>> {
        self.projects()?
            .iter()
            .map(|p| self.project_card(p, &self.scenes(p.id)?))
            .collect()
    }

    /// A project with every scene (its phase and queue place) and its latest render.
    pub fn project_detail(&self, p: &Project) -> Result<ProjectDetail> {
        // The render job first, then the project: a render commits its job and the project's
        // video together, so a job read as succeeded always finds its video in the project read
        // after it (read the other way round, a render ending between the two reads showed a
        // succeeded job with no video).
        let job = self.latest_render_job(p)?;
        let fresh = self.store().project(p.id)?;
        let p = fresh.as_ref().unwrap_or(p);
        let scenes = self.scenes(p.id)?;
        let phases = self.running_phases(&scenes)?;
        let positions = if scenes.iter().any(|s| s.status == JobStatus::Queued) {
            self.queue_positions(Lane::Generate)?
        } else {
            HashMap::new()
        };
        Ok(ProjectDetail {
            card: self.project_card(p, &scenes)?,
            scenes: scenes
                .iter()
                .map(|s| {
                    self.scene_view(
                        s,
                        phases.get(&s.job_id).cloned(),
                        positions.get(&s.job_id).copied(),
                    )
                })
                .collect(),
            render: render_view_of(p, job),
        })
    }

    /// The latest render job of a project, as shown.
    pub fn render_view(&self, p: &Project) -> Result<Option<RenderView>> {
        Ok(render_view_of(p, self.latest_render_job(p)?))
    }

    /// What each running scene's worker is doing now, read from those scenes' jobs only.
    fn running_phases(&self, scenes: &[Scene]) -> Result<HashMap<Uuid, String>> {
        let mut phases = HashMap::new();
        for s in scenes.iter().filter(|s| s.status == JobStatus::Running) {
            if let Some(j) = self.job(s.job_id)? {
                if let (JobStatus::Running, Some(ph)) = (j.status, j.phase) {
                    phases.insert(j.id, ph);
                }
            }
        }
        Ok(phases)
    }
}

/// `job` (the project's latest render) as shown, with the frames of `p`'s video.
fn render_view_of(p: &Project, job: Option<crate::model::Job>) -> Option<RenderView> {
    job.map(|j| {
        let (done, total) = match (&p.video, j.status) {
            (Some(v), JobStatus::Succeeded) => (v.frames, v.frames),
            _ => (0, 0),
        };
        RenderView {
            job_id: j.id,
            status: j.status,
            frames_done: done,
            frames_total: total,
            error: j.error,
        }
    })
}
