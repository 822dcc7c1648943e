//! The engine's sync surface: the target and its health, uploads planned for scenes and files,
//! backfill, "retry now", and the report both front ends show. The mechanism itself (targets,
//! transport, failure sorting, the gate) lives in `sync`; the upload lane's work in
//! `lanes::upload`.

use uuid::Uuid;

use crate::config::sync::{object_name, scene_object, TargetSpec};
use crate::engine::Engine;
use crate::error::Result;
use crate::events::Event;
use crate::model::{
    now_ms, Job, JobKind, JobPayload, JobStatus, Lane, Project, Scene, SyncState, UploadSpec,
};
use crate::queue::Queue;
use crate::sync::gate::SyncHealth;
use crate::sync::report::{SceneSync, SyncCounts, SyncItem, SyncReport};
use crate::sync::{attach_uploads, SyncStats, HEALTH_KEY, STATS_KEY};

impl Engine {
    /// The storage target as configured, if any.
    pub fn sync_target(&self) -> Option<&TargetSpec> {
        self.inner.sync.spec.as_ref()
    }

    pub fn sync_health(&self) -> SyncHealth {
        self.inner.sync.gate.health()
    }

    /// Requests this process has sent to the storage target.
    pub fn sync_requests(&self) -> u64 {
        match &self.inner.sync.target {
            Some(Ok(t)) => t.requests(),
            _ => 0,
        }
    }

    pub fn sync_stats(&self) -> SyncStats {
        self.store().meta_get(STATS_KEY).unwrap_or_default()
    }

    pub(crate) fn note_upload(&self, bytes: Option<u64>) {
        let mut s = self.sync_stats();
        match bytes {
            Some(b) => {
                s.uploads += 1;
                s.bytes += b;
                s.last_success_at = Some(now_ms());
            }
            None => s.failed_attempts += 1,
        }
        self.store().meta_put(STATS_KEY, &s);
    }

    /// Records the target's health (for the next process and `sync --status`) and sends it.
    pub(crate) fn emit_sync(&self) {
        let health = self.sync_health();
        self.store().meta_put(HEALTH_KEY, &health);
        self.emit(Event::Sync { health });
    }

    pub(crate) fn last_sync_health(store: &crate::store::Store) -> Option<SyncHealth> {
        store.meta_get(HEALTH_KEY)
    }

    /// True while the upload lane holds (no target, or waiting for a probe).
    pub(crate) fn upload_lane_holds(&self, now: u64) -> bool {
        self.inner.sync.gate.holds(now)
    }

    /// The upload jobs for a scene's new image (and thumbnail, if configured); empty when
    /// there is no target. Built outside the transaction (sequence numbers), attached in it.
    pub(crate) fn plan_scene_uploads(
        &self,
        project: Uuid,
        index: u32,
        image: (&str, &str, u64),
        thumb: (&str, &str, u64),
    ) -> Result<Vec<Job>> {
        let Some(spec) = self.sync_target() else {
            return Ok(Vec::new());
        };
        let mut files = vec![(scene_object(index, image.0, image.1), image)];
        if self.config().sync.upload_thumbnails {
            let name = format!("scene-{index:03}-{}.thumb.{}", &thumb.0[..8], thumb.1);
            files.push((name, thumb));
        }
        files
            .into_iter()
            .map(|(name, (hash, ext, bytes))| {
                let upload = UploadSpec {
                    hash: hash.to_string(),
                    ext: ext.to_string(),
                    bytes,
                    key: object_name(project, &name),
                    target: spec.name.clone(),
                    multipart: None,
                };
                Ok(Job::new(
                    JobPayload::UploadAsset(Box::new(upload)),
                    project,
                    Some(index),
                    self.store().next_seq()?,
                    0,
                ))
            })
            .collect()
    }

    /// Enqueues every image that is not on the current target yet: images made before a
    /// target was configured, or synced to another target. Returns how many.
    pub async fn sync_backfill(&self, project: Option<Uuid>) -> Result<usize> {
        let Some(spec) = self.sync_target().cloned() else {
            return Ok(0);
        };
        let projects: Vec<Project> = match project {
            Some(id) => self.store().project(id)?.into_iter().collect(),
            None => self.store().projects()?,
        };
        let mut n = 0;
        for p in projects {
            for s in self.store().scenes_of(p.id)? {
                let Some(img) = &s.image else { continue };
                if s.status != JobStatus::Succeeded {
                    continue;
                }
                // On this target already, or on its way there. An upload that failed or waits
                // for another target (the one configured before) goes to this one instead: its
                // error was the old target's.
                let current = s
                    .sync
                    .as_ref()
                    .is_some_and(|i| i.hash == img.hash && i.target == spec.name);
                if current {
                    continue;
                }
                let thumb_bytes = self.store().asset(&img.thumb_hash)?.map_or(0, |a| a.bytes);
                let jobs = self.plan_scene_uploads(
                    p.id,
                    s.index,
                    (&img.hash, &img.ext, img.bytes),
                    (&img.thumb_hash, "jpg", thumb_bytes),
                )?;
                // The person's own clip goes with its picture.
                let clip = match img.own.as_ref().and_then(|o| o.clip.as_ref()) {
                    Some(c) => self.plan_file_upload(
                        p.id,
                        &format!("scene-{:03}-{}.{}", s.index, &c.hash[..8], c.ext),
                        &c.hash,
                        &c.ext,
                        c.bytes,
                    )?,
                    None => None,
                };
                let hash = img.hash.clone();
                let attached = self.store().transact(|tx| {
                    let Some(mut scene) = tx.scene(p.id, s.index)? else {
                        return Ok(false);
                    };
                    if scene.image.as_ref().map(|i| &i.hash) != Some(&hash) {
                        return Ok(false);
                    }
                    if let (Some(job), Some(c)) = (
                        &clip,
                        scene
                            .image
                            .as_mut()
                            .and_then(|i| i.own.as_mut()?.clip.as_mut()),
                    ) {
                        if let Some(old) = c.upload {
                            crate::queue::Queue::cancel_in(tx, old, crate::model::now_ms())?;
                        }
                        c.upload = Some(job.id);
                        crate::queue::Queue::put_job(tx, None, job)?;
                    }
                    attach_uploads(tx, &mut scene, &jobs, &spec)?;
                    Ok(true)
                })?;
                n += attached as usize;
            }
        }
        if n > 0 {
            self.store().flush().await?;
            self.wake(Lane::Upload);
        }
        Ok(n)
    }

    /// The user's "retry now": failed and cancelled uploads are queued again, waiting ones
    /// lose their backoff, and the target is tried at once. Returns how many were re-queued.
    pub async fn sync_retry_now(&self, project: Option<&Project>) -> Result<usize> {
        self.inner.sync.gate.reset();
        let mut n = 0;
        for j in self.store().all_jobs()? {
            if j.kind() != JobKind::UploadAsset
                || !matches!(j.status, JobStatus::Failed | JobStatus::Cancelled)
                || project.is_some_and(|p| p.id != j.project_id)
            {
                continue;
            }
            // Only the current uploads of a scene (its image, its thumbnail): an old image's
            // upload stays history.
            let current = match j.scene_index {
                Some(i) => self
                    .store()
                    .scene(j.project_id, i)?
                    .and_then(|s| s.sync)
                    .is_some_and(|s| s.owns(j.id)),
                None => true,
            };
            if current && self.queue().requeue(j.id)?.is_some() {
                n += 1;
            }
        }
        self.queue().reset_backoff(Lane::Upload)?;
        self.store().flush().await?;
        self.emit_sync();
        self.wake(Lane::Upload);
        Ok(n)
    }

    /// The upload job for a file of the asset store that belongs to a project but to no scene
    /// (the rendered video): `name` is its object name below `projects/{project}/`. None when
    /// no target is configured. Queued by the caller, in its own transaction.
    pub(crate) fn plan_file_upload(
        &self,
        project: Uuid,
        name: &str,
        hash: &str,
        ext: &str,
        bytes: u64,
    ) -> Result<Option<Job>> {
        let Some(spec) = self.sync_target() else {
            return Ok(None);
        };
        let upload = UploadSpec {
            hash: hash.to_string(),
            ext: ext.to_string(),
            bytes,
            key: object_name(project, name),
            target: spec.name.clone(),
            multipart: None,
        };
        Ok(Some(Job::new(
            JobPayload::UploadAsset(Box::new(upload)),
            project,
            None,
            self.store().next_seq()?,
            0,
        )))
    }

    /// Queues the upload of a project's file of the asset store (see `plan_file_upload`).
    pub async fn enqueue_file_upload(
        &self,
        project: Uuid,
        name: &str,
        hash: &str,
        ext: &str,
    ) -> Result<Option<Job>> {
        let path = self.assets().path(hash, ext)?;
        let bytes = std::fs::metadata(&path)
            .map_err(|e| crate::Error::io(format!("Cannot read {}", path.display()), e))?
            .len();
        let Some(job) = self.plan_file_upload(project, name, hash, ext, bytes)? else {
            return Ok(None);
        };
        self.store().transact(|tx| Queue::put_job(tx, None, &job))?;
        self.store().flush().await?;
        self.wake(Lane::Upload);
        Ok(Some(job))
    }

    /// Upload jobs still to run (queued or running), optionally of one project.
    pub fn uploads_outstanding(&self, project: Option<Uuid>) -> Result<usize> {
        Ok(self
            .store()
            .all_jobs()?
            .iter()
            .filter(|j| {
                j.kind() == JobKind::UploadAsset
                    && !j.status.is_terminal()
                    && project.is_none_or(|p| p == j.project_id)
            })
            .count())
    }
}

impl Engine {
    /// The sync view of a scene; None while it has no image.
    pub fn scene_sync(&self, scene: &Scene) -> Option<SceneSync> {
        let image = scene.image.as_ref()?;
        let target = self.sync_target().map(|t| t.name.clone());
        let configured = target.is_some();
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
            Some(i) if i.hash == image.hash && Some(&i.target) == target.as_ref() => SceneSync {
                state: i.state,
                url: i.url.clone(),
                attempts: i.attempts,
                error: i.error.clone(),
                next_try: i.next_try,
            },
            // Made before the target was configured, or synced (or failing) to the one
            // configured before: queued for this one by the next backfill, the old target's
            // error not shown as this one's.
            _ => SceneSync {
                state: SyncState::Pending,
                ..local
            },
        })
    }

    /// Where a scene's narration audio stands with the storage target, and its object's name.
    fn audio_sync(&self, s: &Scene) -> Option<(SceneSync, String)> {
        let id = s.narration.as_ref()?.speech.as_ref()?.upload?;
        let job = self.store().job(id).ok()??;
        let key = job.upload()?.key.clone();
        let (state, error, next_try) = SyncState::of_upload(&job);
        Some((
            SceneSync {
                state,
                url: None,
                attempts: job.tries,
                error,
                next_try,
            },
            key,
        ))
    }

    /// Every scene's sync state (its picture and its narration), counted, with the ones not
    /// synced listed.
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
                // The scene's narration goes up with its picture.
                if let Some((view, key)) = self.audio_sync(&s) {
                    counts.add(view.state);
                    if !matches!(view.state, SyncState::Synced | SyncState::Local) {
                        items.push(SyncItem {
                            project_id: p.id,
                            project: p.title.clone(),
                            scene: s.index,
                            key: Some(key),
                            sync: view,
                        });
                    }
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
