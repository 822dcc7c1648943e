//! What `status` and `list` show: projects with their counts, and every scene's state.

use serde::Serialize;
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Counts, JobStatus, Lane, Project, UserError};

#[derive(Debug, Clone, Serialize)]
pub struct ProjectStatus {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub aspect: String,
    pub style: String,
    pub paused: bool,
    pub total: u32,
    pub counts: Counts,
    pub placeholders: u32,
    pub created_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenes: Option<Vec<SceneStatus>>,
}

#[derive(Debug, Clone, Serialize)]
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
    /// 1-based place in the generate queue while queued.
    pub queue_position: Option<u32>,
    pub error: Option<UserError>,
    pub text: String,
    pub prompt: String,
    pub job_id: Uuid,
    /// Where the image stands with the remote storage (None while there is no image).
    pub sync: Option<crate::sync::report::SceneSync>,
}

impl Engine {
    /// A project's status; with `scenes`, every scene too.
    pub fn project_status(&self, project: &Project, scenes: bool) -> Result<ProjectStatus> {
        let progress = self.progress(project)?;
        let scenes = if scenes {
            let positions = self.queue().positions(Lane::Generate)?;
            let path = |hash: &str, ext: &str| {
                self.assets()
                    .path(hash, ext)
                    .ok()
                    .map(|p| p.display().to_string())
            };
            Some(
                self.store()
                    .scenes_of(project.id)?
                    .into_iter()
                    .map(|s| SceneStatus {
                        sync: self.scene_sync(&s),
                        index: s.index,
                        title: s.title.clone(),
                        status: s.status,
                        provider: s.image.as_ref().map(|i| i.provider.clone()),
                        placeholder: s.image.as_ref().is_some_and(|i| i.placeholder),
                        image: s.image.as_ref().and_then(|i| path(&i.hash, &i.ext)),
                        thumbnail: s.image.as_ref().and_then(|i| path(&i.thumb_hash, "jpg")),
                        attempts: s.attempts,
                        queue_position: if s.status == JobStatus::Queued {
                            positions.get(&s.job_id).copied()
                        } else {
                            None
                        },
                        error: s.error.clone(),
                        text: s.text,
                        prompt: s.prompt,
                        job_id: s.job_id,
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
            total: progress.total,
            counts: progress.counts,
            placeholders: progress.placeholders,
            created_at: project.created_at,
            scenes,
        })
    }

    /// Every project, oldest first.
    pub fn list(&self, scenes: bool) -> Result<Vec<ProjectStatus>> {
        let mut projects = self.store().projects()?;
        projects.sort_by_key(|p| (p.created_at, p.id));
        projects
            .iter()
            .map(|p| self.project_status(p, scenes))
            .collect()
    }
}
