//! One UploadAsset job: read the content-addressed file (checking its hash), put it (in parts
//! above the multipart threshold, with `blake3=<hash>` as object metadata), verify it (a HEAD
//! for size and hash, or a read-back where the store keeps no metadata), and commit the URL.

use std::io::Write;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, GetOptions, ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload,
};

use crate::config::sync::TargetKind;
use crate::engine::Engine;
use crate::error::Error;
use crate::model::{now_ms, Job, Lane, UploadSpec};
use crate::queue::JobError;
use crate::sync::error::{SyncError, Trouble};
use crate::sync::gate::SyncHealth;
use crate::sync::target::Target;

/// Parts of a multipart upload (S3 wants at least 5 MiB for all but the last; R2 equal sizes).
const PART_BYTES: usize = 8 * 1024 * 1024;

enum Verified {
    Yes,
    No(String),
}

impl Engine {
    /// Runs an upload job; the lane's slot is held by the caller for the whole of it.
    pub(crate) async fn upload_asset(&self, job: &Job) -> Result<Job, JobError> {
        let sync = &self.inner.sync;
        let spec = job.upload().cloned().ok_or_else(|| JobError {
            user: crate::model::UserError::new(
                "bad_job",
                "This upload job names no file; the data folder's check says more.",
            ),
            retryable: false,
        })?;
        let target =
            match &sync.target {
                Some(Ok(t)) => t.clone(),
                Some(Err(why)) => {
                    let e = SyncError::new(Trouble::Target, "sync_config", why.to_string());
                    return Err(self.sync_failed(e));
                }
                // No target (the lane holds then): hand it back untouched for a later configuration.
                None => return Err(JobError {
                    user: crate::model::UserError::new(
                        "local_only",
                        "No storage target is configured ([sync] target); the image stays local.",
                    ),
                    retryable: true,
                }),
            };
        if let SyncHealth::Misconfigured { reason } = sync.gate.health() {
            // Every upload would fail the same way: say so on this scene, send nothing.
            return Err(JobError {
                user: reason,
                retryable: false,
            });
        }
        self.debug_upload_start(job);
        match self.upload_once(job, &spec, &target).await {
            Ok(key) => {
                let url = target.url(&key);
                if sync.gate.success() {
                    self.sync_recovered().await;
                }
                self.note_upload(Some(spec.bytes));
                self.commit_upload(job, &spec, &target, key, url)
            }
            Err(e) => Err(self.sync_failed(e)),
        }
    }

    /// Records what a failure means for the target, once, and turns it into the job's error.
    fn sync_failed(&self, e: SyncError) -> JobError {
        let gate = &self.inner.sync.gate;
        self.note_upload(None);
        match e.trouble {
            Trouble::Transient => {
                if gate.transient(e.user.clone()) {
                    // Said once, by the front end, from the sync event (a log line would say it twice).
                    tracing::info!("uploads wait: {}", e.user.message);
                    self.emit_sync();
                } else {
                    tracing::debug!("upload probe failed: {}", e.user.message);
                }
                JobError {
                    user: e.user,
                    retryable: true,
                }
            }
            Trouble::Target => {
                if gate.misconfigured(e.user.clone()) {
                    tracing::info!("uploads stopped: {}", e.user.message);
                    self.emit_sync();
                }
                JobError {
                    user: e.user,
                    retryable: false,
                }
            }
            Trouble::Object => JobError {
                user: e.user,
                retryable: false,
            },
        }
    }

    /// The storage answers again: every waiting upload may go now.
    async fn sync_recovered(&self) {
        match self.queue().reset_backoff(Lane::Upload) {
            Ok(n) => tracing::info!(
                waiting = n,
                "the storage is reachable again; uploads resume"
            ),
            Err(err) => tracing::warn!(%err, "could not release the waiting uploads"),
        }
        let _ = self.store().flush().await;
        self.emit_sync();
        self.wake(Lane::Upload);
    }

    fn commit_upload(
        &self,
        job: &Job,
        spec: &UploadSpec,
        target: &Target,
        key: String,
        url: String,
    ) -> Result<Job, JobError> {
        let done = self.queue().finish(job.id, job.attempt, |tx, _| {
            if let Some(index) = job.scene_index {
                if let Some(mut s) = tx.scene(job.project_id, index)? {
                    if let Some(info) = s.sync.as_mut().filter(|i| i.job_id == job.id) {
                        info.key = key.clone();
                        info.url = Some(url.clone());
                        info.target = target.spec.name.clone();
                        info.synced_at = Some(now_ms());
                        tx.put_scene(&s)?;
                    }
                }
            } else if let Some(mut p) = tx.project(job.project_id)? {
                // The project's video: its address is kept with it (a newer render's is not).
                if let Some(v) = p.video.as_mut().filter(|v| v.hash == spec.hash) {
                    v.url = Some(url.clone());
                    tx.put_project(&p)?;
                }
            }
            Ok(())
        });
        let j = self.committed(job, done, false)?;
        tracing::debug!(key = %key, bytes = spec.bytes, "uploaded and verified");
        if job.scene_index.is_none() {
            self.emit_project(job.project_id);
        }
        Ok(j)
    }

    /// Puts and verifies the file; returns its key.
    async fn upload_once(
        &self,
        job: &Job,
        spec: &UploadSpec,
        target: &Target,
    ) -> Result<String, SyncError> {
        let key = target.spec.key(&spec.key);
        let path = target.path(&key)?;
        let bytes = self.read_asset(spec, job).await?;
        if let Some(gone) = target.missing_folder() {
            if self.config().sync.create_bucket {
                target.create_bucket().await?;
            } else {
                // An unplugged drive comes back: wait for it rather than fail.
                return Err(gone);
            }
        }
        if let (Some(id), Some(mp)) = (&spec.multipart, &target.multipart) {
            // A multipart upload begun by an interrupted attempt: abort it, start over.
            target.count();
            if let Err(e) = mp.abort_multipart(&path, &id.to_string()).await {
                tracing::debug!(error = %target.scrub(&e.to_string()), "aborting an old multipart upload");
            }
            self.record_multipart(job, None).await?;
        }
        if job.attempt > 1 {
            // An earlier attempt may have stored it before the process stopped.
            if let Ok(Verified::Yes) = self.verify(target, &path, &bytes, spec).await {
                return Ok(key);
            }
        }
        let create = self.config().sync.create_bucket;
        match self.put(job, target, &path, bytes.clone(), spec).await {
            Err(e) if e.user.code == "no_bucket" && create => {
                target.create_bucket().await?;
                self.put(job, target, &path, bytes.clone(), spec).await?;
            }
            // WebDAV shows a missing base folder as a refused MKCOL: ask about the folder (and
            // make it, if allowed), then try once more: the refusal may predate the folder,
            // made meanwhile by another upload.
            Err(e) if target.dav.is_some() && e.trouble == Trouble::Object => {
                target.check_dav_folder(create).await?;
                self.put(job, target, &path, bytes.clone(), spec).await?;
            }
            r => r?,
        }
        match self.verify(target, &path, &bytes, spec).await? {
            Verified::Yes => Ok(key),
            Verified::No(why) => Err(SyncError::new(
                Trouble::Object,
                "verify_failed",
                format!(
                    "The stored copy of {key} does not match the local file ({why}); something else writes there. Retrying the uploads sends it again."
                ),
            )),
        }
    }

    async fn read_asset(&self, spec: &UploadSpec, job: &Job) -> Result<Bytes, SyncError> {
        let scene = job
            .scene_index
            .map(|i| format!("scene {i}"))
            .unwrap_or_else(|| "the file".into());
        let damaged = || {
            SyncError::new(
                Trouble::Object,
                "local_missing",
                format!(
                    "The local image of {scene} is missing or damaged, so it cannot be uploaded; make the scene's picture again."
                ),
            )
        };
        let path = self
            .assets()
            .path(&spec.hash, &spec.ext)
            .map_err(|_| damaged())?;
        let data = tokio::fs::read(&path).await.map_err(|_| damaged())?;
        if crate::imaging::hash(&data) != spec.hash {
            return Err(damaged());
        }
        Ok(Bytes::from(data))
    }

    fn attributes(target: &Target, spec: &UploadSpec) -> Attributes {
        let mut a = Attributes::new();
        if matches!(target.spec.kind, TargetKind::Local { .. }) {
            return a;
        }
        let mime = match spec.ext.as_str() {
            "jpg" => "image/jpeg",
            "png" => "image/png",
            "webp" => "image/webp",
            "mp4" => "video/mp4",
            _ => "application/octet-stream",
        };
        a.insert(Attribute::ContentType, mime.into());
        if target.metadata {
            a.insert(
                Attribute::Metadata("blake3".into()),
                spec.hash.clone().into(),
            );
        }
        a
    }

    async fn put(
        &self,
        job: &Job,
        target: &Target,
        path: &ObjectPath,
        bytes: Bytes,
        spec: &UploadSpec,
    ) -> Result<(), SyncError> {
        let threshold = self.config().sync.multipart_threshold_mb * 1024 * 1024;
        let attributes = Self::attributes(target, spec);
        if let (true, Some(mp)) = (bytes.len() as u64 > threshold, &target.multipart) {
            target.count();
            let id = mp
                .create_multipart_opts(
                    path,
                    PutMultipartOptions {
                        attributes,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| target.classify(e, "starting a multipart upload"))?;
            // Durable before any part goes: a kill now leaves an id the outbox aborts. If the
            // job is no longer this attempt's (cancelled meanwhile), nobody would: abort now.
            if let Err(e) = self.record_multipart(job, Some(id.clone())).await {
                target.count();
                let _ = mp.abort_multipart(path, &id).await;
                return Err(e);
            }
            let mut parts = Vec::new();
            for (i, at) in (0..bytes.len()).step_by(PART_BYTES).enumerate() {
                self.debug_upload_delay().await;
                let chunk = bytes.slice(at..(at + PART_BYTES).min(bytes.len()));
                target.count();
                match mp.put_part(path, &id, i, PutPayload::from(chunk)).await {
                    Ok(p) => parts.push(p),
                    Err(e) => {
                        let err = target.classify(e, "uploading a part");
                        target.count();
                        if mp.abort_multipart(path, &id).await.is_ok() {
                            self.record_multipart(job, None).await?;
                        }
                        return Err(err);
                    }
                }
            }
            target.count();
            mp.complete_multipart(path, &id, parts)
                .await
                .map_err(|e| target.classify(e, "completing a multipart upload"))?;
            // Completed: nothing is left to abort.
            self.record_multipart(job, None).await?;
            return Ok(());
        }
        self.debug_upload_delay().await;
        if let Some(gone) = target.missing_folder() {
            // Checked again just before writing: the local store would create the folder
            // afresh, on whatever disk is left once a drive is unplugged.
            return Err(gone);
        }
        target.count();
        target
            .store
            .put_opts(
                path,
                PutPayload::from(bytes),
                PutOptions {
                    attributes,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| target.classify(e, "uploading"))?;
        Ok(())
    }

    /// Size and hash of the stored object against the local file.
    async fn verify(
        &self,
        target: &Target,
        path: &ObjectPath,
        bytes: &Bytes,
        spec: &UploadSpec,
    ) -> Result<Verified, SyncError> {
        if target.metadata {
            target.count();
            let head = target
                .store
                .get_opts(
                    path,
                    GetOptions {
                        head: true,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| target.classify_check(e, "checking the upload"))?;
            if head.meta.size != bytes.len() as u64 {
                return Ok(Verified::No(format!(
                    "{} bytes stored, {} here",
                    head.meta.size,
                    bytes.len()
                )));
            }
            match head.attributes.get(&Attribute::Metadata("blake3".into())) {
                Some(h) if h.as_ref() == spec.hash => return Ok(Verified::Yes),
                Some(_) => return Ok(Verified::No("another hash is recorded".into())),
                // The store dropped the metadata: read the object back instead.
                None => {}
            }
        }
        target.count();
        let got = target
            .store
            .get(path)
            .await
            .map_err(|e| target.classify_check(e, "checking the upload"))?
            .bytes()
            .await
            .map_err(|e| target.classify_check(e, "checking the upload"))?;
        if got.len() != bytes.len() {
            return Ok(Verified::No(format!(
                "{} bytes stored, {} here",
                got.len(),
                bytes.len()
            )));
        }
        Ok(if crate::imaging::hash(&got) == spec.hash {
            Verified::Yes
        } else {
            Verified::No("the bytes differ".into())
        })
    }

    async fn record_multipart(&self, job: &Job, id: Option<String>) -> Result<(), SyncError> {
        let r = self.queue().update_running(job.id, job.attempt, |j| {
            if let Some(u) = j.upload_mut() {
                u.multipart = id.clone();
            }
        });
        let local = |e: Error| SyncError::new(Trouble::Transient, "database", e.to_string());
        r.map_err(local)?;
        self.store().flush().await.map_err(local)
    }

    fn debug_upload_start(&self, job: &Job) {
        if let Some(log) = &self.inner.debug.upload_log {
            let line = format!("{} {}\n", job.id, job.attempt);
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
            {
                let _ = f.write_all(line.as_bytes());
            }
        }
    }

    async fn debug_upload_delay(&self) {
        if let Some(d) = self.inner.debug.upload_delay {
            tokio::time::sleep(d).await;
        }
    }
}
