//! Background sync of finished images to remote object storage.
//!
//! The outbox is the upload lane of the queue: committing a scene's image enqueues its
//! UploadAsset job in the same transaction, so no image is ever forgotten, and the scene's
//! `sync` record mirrors that job (pending, uploading, synced, waiting, failed). A storage
//! problem never touches the scene's generation status: the scene keeps its local image.

mod classify;
mod dav_folder;
pub mod error;
pub mod gate;
pub mod report;
pub mod target;
mod transport;
mod webdav;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::sync::TargetSpec;
use crate::config::Config;
use crate::model::{now_ms, Job, Scene, SyncInfo, SyncState};
use crate::queue::Queue;
use crate::secrets::SecretSource;
use crate::store::{Tx, TxResult};
use gate::{Gate, SyncHealth};
use target::Target;

/// The process's sync setup: the target (or why it cannot be built) and its health.
pub(crate) struct SyncSetup {
    pub spec: Option<TargetSpec>,
    pub target: Option<std::result::Result<Arc<Target>, error::SetupError>>,
    pub gate: Gate,
}

pub(crate) const HEALTH_KEY: &str = "sync:health";

impl SyncSetup {
    /// `last` is the health a previous process recorded: a wait goes on (its state shown, one
    /// probe at once), but a target error is not kept: the config or the keys may be fixed now.
    pub fn new(cfg: &Config, secrets: &dyn SecretSource, last: Option<SyncHealth>) -> SyncSetup {
        // `Config::validate` has checked the section; a target that fails to parse here is none.
        let spec = cfg.sync.check().ok().flatten();
        let target = spec
            .clone()
            .map(|s| Target::build(s, &cfg.sync, secrets).map(Arc::new));
        let gate = Gate::new(match &target {
            None => SyncHealth::Local,
            Some(Ok(t)) => match last {
                Some(SyncHealth::Waiting {
                    since,
                    failures,
                    reason,
                    ..
                }) if last_target_is(&t.spec.name, cfg) => SyncHealth::Waiting {
                    since,
                    next_probe: 0,
                    failures,
                    reason,
                },
                _ => SyncHealth::Ok,
            },
            Some(Err(why)) => SyncHealth::Misconfigured {
                reason: crate::model::UserError::new("sync_config", why.to_string()),
            },
        })
        .with_probe_delays(cfg.queue.backoff_base_ms, cfg.queue.backoff_max_s * 1000);
        SyncSetup { spec, target, gate }
    }
}

fn last_target_is(name: &str, cfg: &Config) -> bool {
    cfg.sync.target.as_deref().map(str::trim) == Some(name)
}

/// Upload statistics, kept across runs (not flushed: a lost update only loses a count).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStats {
    pub uploads: u64,
    pub bytes: u64,
    pub failed_attempts: u64,
    pub last_success_at: Option<u64>,
}

pub(crate) const STATS_KEY: &str = "sync:stats";

/// In a transaction: makes `jobs[0]` the scene's current upload (cancelling an unfinished
/// upload of its previous image) and queues all of `jobs`. The caller writes nothing to the
/// scene after this.
pub(crate) fn attach_uploads(
    tx: &Tx,
    scene: &mut Scene,
    jobs: &[Job],
    target: &TargetSpec,
) -> TxResult<()> {
    let Some(first) = jobs.first() else {
        tx.put_scene(scene)?;
        return Ok(());
    };
    if let Some(old) = &scene.sync {
        for id in std::iter::once(old.job_id).chain(old.thumb_job) {
            Queue::cancel_in(tx, id, now_ms())?;
        }
    }
    let spec = first.upload();
    scene.sync = Some(SyncInfo {
        state: SyncState::Pending,
        job_id: first.id,
        hash: spec.map(|u| u.hash.clone()).unwrap_or_default(),
        target: target.name.clone(),
        key: target.key(spec.map_or("", |u| u.key.as_str())),
        url: None,
        attempts: 0,
        error: None,
        next_try: None,
        synced_at: None,
        bytes: spec.map_or(0, |u| u.bytes),
        thumb_job: jobs.get(1).map(|j| j.id),
    });
    tx.put_scene(scene)?;
    for j in jobs {
        Queue::put_job(tx, None, j)?;
    }
    Ok(())
}
