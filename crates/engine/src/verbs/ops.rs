//! What a user does to projects and jobs: retry, cancel, pause, resume, delete, prune.

use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{JobStatus, Lane, Project};
use crate::queue::{Queue, RetryFilter};

/// The priority of a scene the user asked for again by itself (ordinary jobs have 0).
pub const USER_PRIORITY: u8 = 10;

impl Engine {
    /// Re-queues the project's scenes that match `filter`; returns how many.
    pub async fn retry(&self, project: &Project, filter: RetryFilter) -> Result<usize> {
        let scenes = self.store().scenes_of(project.id)?;
        if let Some(n) = filter.scene {
            if !scenes.iter().any(|s| s.index == n) {
                return Err(Error::NotFound(format!(
                    "{} has no scene {n} (it has {}).",
                    project.title,
                    scenes.len()
                )));
            }
        }
        if let Some(n) = filter.scene {
            if scenes.iter().any(|s| s.index == n && s.image.is_some()) {
                self.remember(project.id, &format!("Make a new picture for scene {n}"))?;
            }
        }
        let mut jobs = Vec::new();
        for s in scenes {
            let wanted = match filter.scene {
                Some(n) => s.index == n,
                None => {
                    (filter.failed && matches!(s.status, JobStatus::Failed | JobStatus::Cancelled))
                        || (filter.placeholders
                            && s.status == JobStatus::Succeeded
                            && s.image.as_ref().is_some_and(|i| i.placeholder))
                }
            };
            if wanted {
                // One scene asked for by name goes ahead of the rest of the queue.
                let priority = filter.scene.map(|_| USER_PRIORITY);
                if let Some(j) = self.queue().requeue_at(s.job_id, priority)? {
                    jobs.push(j);
                }
            }
        }
        if filter.placeholders {
            // The user expects the providers to be tried now, not after a breaker's pause.
            self.chain().allow_probes();
        }
        self.store().flush().await?;
        for j in &jobs {
            self.emit_job(j);
        }
        self.wake(Lane::Generate);
        Ok(jobs.len())
    }

    /// Cancels every queued or running job of a project.
    pub async fn cancel_project(&self, project: &Project) -> Result<usize> {
        let mut n = 0;
        for j in self.store().all_jobs()? {
            if j.project_id == project.id && !j.status.is_terminal() {
                if let Some(j) = self.queue().cancel(j.id)? {
                    n += 1;
                    self.emit_job(&j);
                }
            }
        }
        self.store().flush().await?;
        Ok(n)
    }

    /// Cancels one job. Returns false when it had already finished.
    pub async fn cancel_job(&self, id: Uuid) -> Result<bool> {
        let j = self.queue().cancel(id)?;
        self.store().flush().await?;
        if let Some(j) = &j {
            self.emit_job(j);
        }
        Ok(j.is_some())
    }

    /// Pauses one project, or (None) the whole queue. Running jobs finish; no new one starts.
    pub async fn set_paused(&self, project: Option<&Project>, paused: bool) -> Result<()> {
        match project {
            Some(p) => {
                let id = p.id;
                self.store().transact(|tx| {
                    if let Some(mut p) = tx.project(id)? {
                        p.paused = paused;
                        p.updated_at = crate::model::now_ms();
                        tx.put_project(&p)?;
                    }
                    Ok(())
                })?;
                self.store().flush().await?;
                self.emit_project(id);
            }
            None => {
                self.store().transact(|tx| tx.set_global_pause(paused))?;
                self.store().flush().await?;
                for p in self.store().projects()? {
                    self.emit_project(p.id);
                }
            }
        }
        if !paused {
            for lane in Lane::ALL {
                self.wake(lane);
            }
        }
        Ok(())
    }

    /// Deletes a project, its scenes and jobs. Image files stay (other projects may share them).
    pub async fn delete_project(&self, project: &Project) -> Result<()> {
        let jobs: Vec<_> = self
            .store()
            .all_jobs()?
            .into_iter()
            .filter(|j| j.project_id == project.id)
            .collect();
        let scenes = self.store().scenes_of(project.id)?;
        self.forget_history(project.id)?;
        let left = self.store().project_count().saturating_sub(1);
        self.store().note_project_count(left)?;
        self.store().transact(|tx| {
            for j in &jobs {
                Queue::cancel_in(tx, j.id, crate::model::now_ms())?;
                tx.remove_job_record(j.id)?;
            }
            for s in &scenes {
                tx.remove_scene(project.id, s.index)?;
            }
            tx.remove_source(&project.source_hash)?;
            tx.remove_project(project.id)?;
            Ok(())
        })?;
        self.store().flush().await
    }

    /// Scenes whose image is recorded but whose file is gone from the data folder are queued
    /// to be made again; returns their numbers (empty when every image is there). The person's
    /// own picture or clip is never replaced by a provider's: its loss is an error naming it.
    pub fn requeue_missing_images(&self, project: &Project) -> Result<Vec<u32>> {
        let mut missing = Vec::new();
        let scenes = self.store().scenes_of(project.id)?;
        self.own_media_present(&scenes)?;
        for s in scenes {
            let Some(img) = &s.image else { continue };
            if img.own.is_some() {
                continue;
            }
            if !self.assets().path(&img.hash, &img.ext)?.is_file()
                && self.queue().requeue(s.job_id)?.is_some()
            {
                missing.push(s.index);
            }
        }
        if !missing.is_empty() {
            self.store().flush_blocking()?;
            self.wake(Lane::Generate);
        }
        Ok(missing)
    }

    /// An error naming the scenes whose own picture or clip is gone from the data folder.
    fn own_media_present(&self, scenes: &[crate::model::Scene]) -> Result<()> {
        let mut gone = Vec::new();
        for s in scenes {
            let Some((img, own)) = s.image.as_ref().and_then(|i| Some((i, i.own()?))) else {
                continue;
            };
            let mut files = vec![self.assets().path(&img.hash, &img.ext)?];
            if let Some(c) = &own.clip {
                files.push(self.assets().path(&c.hash, &c.ext)?);
            }
            if files.iter().any(|f| !f.is_file()) {
                gone.push(format!("scene {} ({})", s.index, own.name));
            }
        }
        if gone.is_empty() {
            return Ok(());
        }
        Err(Error::Input(format!(
            "Your own media for {} is missing from the data folder; add the file to the scene again.",
            gone.join(", ")
        )))
    }

    /// Deletes finished jobs older than the configured number of days that nothing refers to.
    pub async fn prune(&self) -> Result<usize> {
        let n = self.queue().prune(self.config().queue.prune_after_days)?;
        self.store().flush().await?;
        Ok(n)
    }
}
