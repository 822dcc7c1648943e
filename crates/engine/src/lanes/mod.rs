//! Each lane's job work: what one claimed job does, from its payload to its result. The
//! pipeline claims a job, holds one of its lane's slots, and hands both to the lane's
//! [`Handler`]; adding a lane is adding a file here, a job kind and its arm in [`handler`].

use async_trait::async_trait;
use tokio::sync::OwnedSemaphorePermit;

use crate::engine::Engine;
use crate::model::{Job, JobKind};
use crate::queue::JobError;

mod generate;
mod narrate;
mod narrate_lines;
mod render;
mod render_plan;
mod upload;
mod upload_aborts;

/// One lane's work on one claimed job. `slot` is the lane's concurrency slot: a handler may
/// let it go before it is done (generation does once the provider has answered, so the next
/// scene's call starts while this picture is encoded).
#[async_trait]
pub(crate) trait Handler: Sync {
    async fn run(
        &self,
        engine: &Engine,
        job: &Job,
        slot: OwnedSemaphorePermit,
    ) -> Result<Job, JobError>;
}

struct Generate;
struct Upload;
struct Render;
struct Narrate;

#[async_trait]
impl Handler for Narrate {
    async fn run(
        &self,
        e: &Engine,
        job: &Job,
        slot: OwnedSemaphorePermit,
    ) -> Result<Job, JobError> {
        let r = e.narrate_scene(job).await;
        drop(slot);
        r
    }
}

#[async_trait]
impl Handler for Generate {
    async fn run(
        &self,
        e: &Engine,
        job: &Job,
        slot: OwnedSemaphorePermit,
    ) -> Result<Job, JobError> {
        e.generate_scene(job, slot).await
    }
}

#[async_trait]
impl Handler for Upload {
    async fn run(
        &self,
        e: &Engine,
        job: &Job,
        slot: OwnedSemaphorePermit,
    ) -> Result<Job, JobError> {
        let r = e.upload_asset(job).await;
        drop(slot);
        r
    }
}

#[async_trait]
impl Handler for Render {
    async fn run(
        &self,
        e: &Engine,
        job: &Job,
        slot: OwnedSemaphorePermit,
    ) -> Result<Job, JobError> {
        let r = e.render_video(job).await;
        drop(slot);
        r
    }
}

impl Engine {
    /// A job's commit as its lane's result: the upload lane is woken when the commit queued
    /// uploads; a result that arrived after the job changed (cancelled, claimed again) is
    /// dropped as stale.
    pub(crate) fn committed(
        &self,
        job: &Job,
        done: crate::error::Result<Job>,
        queued_uploads: bool,
    ) -> Result<Job, JobError> {
        match done {
            Ok(j) => {
                if queued_uploads {
                    self.wake(crate::model::Lane::Upload);
                }
                Ok(j)
            }
            Err(crate::error::Error::Stale(_)) => {
                tracing::debug!(job = %job.id, "result arrived after the job changed; dropped");
                Err(JobError {
                    user: crate::model::UserError::new("stale", "stale"),
                    retryable: false,
                })
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The handler of a job kind.
pub(crate) fn handler(kind: JobKind) -> &'static dyn Handler {
    match kind {
        JobKind::GenerateScene => &Generate,
        JobKind::UploadAsset => &Upload,
        JobKind::RenderVideo => &Render,
        JobKind::NarrateScene => &Narrate,
    }
}
