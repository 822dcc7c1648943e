//! What a user does to projects and jobs: retry, cancel, pause, resume, export, delete, prune.

use std::path::{Path, PathBuf};

use serde::Serialize;
use uuid::Uuid;

use crate::assets::place_file;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{JobStatus, Lane, Project};
use crate::queue::{Queue, RetryFilter};

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub dir: PathBuf,
    pub files: Vec<String>,
    pub missing: Vec<u32>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    project: &'a Project,
    scenes: Vec<ManifestScene>,
}

#[derive(Serialize)]
struct ManifestScene {
    index: u32,
    title: Option<String>,
    text: String,
    prompt: String,
    duration_s: Option<f32>,
    file: Option<String>,
    provider: Option<String>,
    placeholder: bool,
    hash: Option<String>,
}

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
    /// to be made again; returns their numbers (empty when every image is there).
    pub fn requeue_missing_images(&self, project: &Project) -> Result<Vec<u32>> {
        let mut missing = Vec::new();
        for s in self.store().scenes_of(project.id)? {
            let Some(img) = &s.image else { continue };
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

    /// Copies the project's images to `dir` as scene-001.jpg … with a manifest.json. `dir` must
    /// be new, empty, or an earlier export (its manifest says so): a file StoryReel did not
    /// write is never replaced. Each file goes under a temporary name first, and images an
    /// earlier export left that this one no longer lists are removed.
    pub fn export(&self, project: &Project, dir: &Path) -> Result<ExportReport> {
        let gone = self.requeue_missing_images(project)?;
        if !gone.is_empty() {
            return Err(Error::Input(format!(
                "The image files of scenes {} of '{}' are missing from the data folder; those scenes are queued to be made again. Export once they are done.",
                crate::render::short_list(&gone),
                project.title
            )));
        }
        let earlier = earlier_export(dir)?;
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::io(
                format!(
                    "Cannot create the export folder {} (check the path and its permissions)",
                    dir.display()
                ),
                e,
            )
        })?;
        let mut files = Vec::new();
        let mut missing = Vec::new();
        let mut scenes = Vec::new();
        for s in self.store().scenes_of(project.id)? {
            let mut file = None;
            if let Some(img) = &s.image {
                let src = self.assets().path(&img.hash, &img.ext)?;
                let name = format!("scene-{:03}.{}", s.index, img.ext);
                let dest = dir.join(&name);
                place_file(&dest, |tmp| std::fs::copy(&src, tmp).map(|_| ()))
                    .map_err(|e| Error::io(format!("Cannot write {}", dest.display()), e))?;
                files.push(name.clone());
                file = Some(name);
            } else {
                missing.push(s.index);
            }
            scenes.push(ManifestScene {
                index: s.index,
                title: s.title,
                text: s.text,
                prompt: s.prompt,
                duration_s: s.duration_s,
                file,
                provider: s.image.as_ref().map(|i| i.provider.clone()),
                placeholder: s.image.as_ref().is_some_and(|i| i.placeholder),
                hash: s.image.as_ref().map(|i| i.hash.clone()),
            });
        }
        let manifest = serde_json::to_vec_pretty(&Manifest { project, scenes })
            .map_err(|e| Error::Db(e.to_string()))?;
        let dest = dir.join("manifest.json");
        place_file(&dest, |tmp| std::fs::write(tmp, &manifest))
            .map_err(|e| Error::io(format!("Cannot write {}", dest.display()), e))?;
        for stale in earlier.iter().filter(|f| !files.contains(f)) {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        files.push("manifest.json".into());
        Ok(ExportReport {
            dir: dir.to_path_buf(),
            files,
            missing,
        })
    }

    /// Deletes finished jobs older than the configured number of days that nothing refers to.
    pub async fn prune(&self) -> Result<usize> {
        let n = self.queue().prune(self.config().queue.prune_after_days)?;
        self.store().flush().await?;
        Ok(n)
    }
}

/// The image files an earlier export wrote into `dir`, if `dir` is one; an error if `dir`
/// holds anything else (nothing of the user's is ever replaced).
fn earlier_export(dir: &Path) -> Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let refuse = || {
        Error::Input(format!(
            "The folder {} already holds files that are not a StoryReel export, so nothing was written there; export into an empty or new folder.",
            dir.display()
        ))
    };
    let manifest: serde_json::Value = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(refuse)?;
    let listed: Vec<String> = manifest["scenes"]
        .as_array()
        .ok_or_else(refuse)?
        .iter()
        .filter_map(|s| s["file"].as_str().map(str::to_string))
        .collect();
    if manifest["project"]["id"].as_str().is_none() {
        return Err(refuse());
    }
    // Only the manifest, its images, and our own temporary files may be there.
    let ours = |n: &String| n == "manifest.json" || listed.contains(n) || n.ends_with(".part");
    if !names.iter().all(ours) {
        return Err(refuse());
    }
    Ok(listed)
}
