//! What `status` and `list` show: projects with their counts, and every scene's state. The
//! scenes are the shared scene view (`views`), in the CLI's JSON shape.

use serde::Serialize;
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Counts, JobStatus, Lane, Project, UserError};
use crate::views::SceneView;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ProjectStatus {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub aspect: String,
    pub style: String,
    /// Whether nothing new of it starts: its own pause or the whole queue's.
    pub paused: bool,
    /// Paused by itself (`pause PROJECT`).
    pub project_paused: bool,
    /// The whole queue is paused (`pause` without a project).
    pub queue_paused: bool,
    pub total: u32,
    pub counts: Counts,
    pub placeholders: u32,
    pub created_at: u64,
    /// How it is narrated (none: no voice).
    #[serde(default)]
    pub voice: Option<crate::model::VoiceChoice>,
    /// Scenes whose narration is still to come.
    #[serde(default)]
    pub narrating: u32,
    /// Its latest video.
    #[serde(default)]
    pub video: Option<crate::views::VideoView>,
    /// Its latest render: queued, running, or how it ended.
    #[serde(default)]
    pub render: Option<crate::views::RenderView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenes: Option<Vec<SceneStatus>>,
    /// The cast and look, each character with the scenes they appear in, and the seed.
    #[serde(default)]
    pub cast: Option<crate::verbs::cast::CastView>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SceneStatus {
    pub index: u32,
    pub title: Option<String>,
    pub status: JobStatus,
    pub provider: Option<String>,
    pub placeholder: bool,
    /// Absolute path of the scene's image, once it has one.
    pub image: Option<String>,
    pub thumbnail: Option<String>,
    pub attempts: u32,
    /// Times a worker took the scene's job, stops and restarts included (it fences late results).
    #[serde(default)]
    pub claims: u32,
    /// 1-based place in the generate queue while queued.
    pub queue_position: Option<u32>,
    pub error: Option<UserError>,
    pub text: String,
    pub prompt: String,
    pub job_id: Uuid,
    /// Where the image stands with the remote storage (None while there is no image).
    pub sync: Option<crate::sync::report::SceneSync>,
    /// Its narration: who spoke it, how long, whether a fallback voice did (none: no voice).
    #[serde(default)]
    pub narration: Option<crate::views::NarrationView>,
    /// What the scene says about how its picture was asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The scene's own seed and the characters linked or unlinked by hand.
    #[serde(default, skip_serializing_if = "crate::model::SceneChoice::is_empty")]
    pub cast: crate::model::SceneChoice,
}

impl From<SceneView> for SceneStatus {
    /// The CLI's shape of the scene view both front ends share.
    fn from(v: SceneView) -> SceneStatus {
        SceneStatus {
            index: v.index,
            title: v.title,
            status: v.status,
            provider: v.provider,
            placeholder: v.placeholder,
            image: v.image,
            thumbnail: v.thumbnail,
            attempts: v.attempts,
            claims: 0,
            queue_position: v.queue_position,
            error: v.error,
            text: v.text,
            prompt: v.prompt,
            job_id: v.job_id,
            sync: v.sync,
            narration: v.narration,
            notes: v.notes,
            cast: v.choice,
        }
    }
}

impl Engine {
    /// A project's status; with `scenes`, every scene too.
    pub fn project_status(&self, project: &Project, scenes: bool) -> Result<ProjectStatus> {
        let progress = self.progress(project)?;
        let fresh = self.store().project(project.id)?;
        let fresh_paused = fresh.as_ref().map_or(project.paused, |p| p.paused);
        let scenes = if scenes {
            let positions = self.queue_positions(Lane::Generate)?;
            Some(
                self.scenes(project.id)?
                    .iter()
                    .map(|s| {
                        let position = positions.get(&s.job_id).copied();
                        SceneStatus {
                            claims: s.claims,
                            ..SceneStatus::from(self.scene_view(s, None, position))
                        }
                    })
                    .collect(),
            )
        } else {
            None
        };
        Ok(ProjectStatus {
            id: project.id,
            title: project.title.clone(),
            status: progress.status,
            aspect: project.aspect.label().into(),
            style: project.style.clone(),
            paused: progress.paused,
            project_paused: fresh_paused,
            queue_paused: self.globally_paused()?,
            total: progress.total,
            counts: progress.counts,
            placeholders: progress.placeholders,
            created_at: project.created_at,
            voice: fresh.as_ref().and_then(|p| p.voice.clone()),
            narrating: progress.narrating,
            video: {
                let p = fresh.as_ref().unwrap_or(project);
                self.project_card(p, &self.store().scenes_of(p.id)?)?.video
            },
            render: self.render_view(fresh.as_ref().unwrap_or(project))?,
            scenes,
            cast: Some(self.cast_of(fresh.as_ref().unwrap_or(project))?),
        })
    }

    /// Every project, oldest first.
    pub fn list(&self, scenes: bool) -> Result<Vec<ProjectStatus>> {
        self.projects()?
            .iter()
            .map(|p| self.project_status(p, scenes))
            .collect()
    }
}
