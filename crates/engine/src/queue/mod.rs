//! The durable queue: one mechanism for the generate, upload and render lanes.
//!
//! Lifecycle: queued -claim-> running -ok-> succeeded; a retryable error goes back
//! to queued after a backoff with full jitter, until `max_attempts`; a terminal error, or the last
//! attempt, goes to failed; an expired lease re-queues (counted as a failure); a process that died
//! leaves leases that `recover` re-queues at start (not counted as a failure). Completion is
//! fenced by the attempt number. `put_job` is the one place that writes a job, and it keeps the
//! queue index, the leases and the scene's mirror of the status in step, in the same transaction.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rand::Rng;
use uuid::Uuid;

use crate::clock::ms_after;
use crate::config::QueueConfig;
use crate::error::{Error, Result};
use crate::model::{now_ms, Job, JobKind, JobStatus, Lane};
use crate::store::{abort, Store, Tx, TxResult};

mod error;
mod recovery;
mod transition;

pub use error::JobError;
pub use transition::Move;

// One value per claim, moved once: boxing the job would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Claim {
    Job(Job),
    /// Nothing claimable now; `next_ready` is when a job waiting out a backoff becomes claimable.
    Idle {
        next_ready: Option<u64>,
    },
}

/// Which scenes `retry` re-queues.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryFilter {
    pub failed: bool,
    pub placeholders: bool,
    pub scene: Option<u32>,
}

pub struct Queue {
    store: Arc<Store>,
    cfg: QueueConfig,
    claim_lock: std::sync::Mutex<()>,
    /// Jobs this process's workers claimed and still run: their leases are never swept.
    live: std::sync::Mutex<HashSet<Uuid>>,
}

impl Queue {
    pub fn new(store: Arc<Store>, cfg: QueueConfig) -> Queue {
        Queue {
            store,
            cfg,
            claim_lock: std::sync::Mutex::new(()),
            live: Default::default(),
        }
    }

    pub fn config(&self) -> &QueueConfig {
        &self.cfg
    }

    /// Writes `after`, keeping the queue index, the lease and the scene's mirror in step with it.
    /// An attempt that leaves `running` with a multipart upload begun hands it to the abort
    /// outbox in the same transaction, whichever way it leaves (the one place every route
    /// passes: finish, fail, cancel, release, recovery, sweep, delete, replacement).
    pub fn put_job(tx: &Tx, before: Option<&Job>, after: &Job) -> TxResult<()> {
        if let Some((u, upload_id)) = after
            .upload()
            .and_then(|u| Some((u, u.multipart.as_ref()?)))
        {
            if after.status != JobStatus::Running {
                tx.put_abort(&crate::model::MultipartAbort {
                    target: u.target.clone(),
                    key: u.key.clone(),
                    upload_id: upload_id.clone(),
                    at: after.updated_at,
                })?;
                let mut cleared = after.clone();
                if let Some(u) = cleared.upload_mut() {
                    u.multipart = None;
                }
                return Self::put_job(tx, before, &cleared);
            }
        }
        if let Some(b) = before {
            if b.status == JobStatus::Queued {
                tx.index_remove(b)?;
            }
            if b.status == JobStatus::Running && after.status != JobStatus::Running {
                tx.lease_remove(b.id)?;
            }
        }
        match after.status {
            JobStatus::Queued => tx.index_insert(after)?,
            JobStatus::Running => tx.lease_set(after.id, after.lease_until, after.attempt)?,
            _ => {}
        }
        tx.put_job_record(after)?;
        let Some(index) = after.scene_index else {
            return Ok(());
        };
        match after.kind() {
            JobKind::GenerateScene => {
                if let Some(mut scene) = tx.scene(after.project_id, index)? {
                    if scene.job_id == after.id {
                        scene.status = after.status;
                        scene.error = after.error.clone();
                        scene.attempts = after.tries;
                        scene.claims = after.attempt;
                        scene.updated_at = after.updated_at;
                        tx.put_scene(&scene)?;
                    }
                }
            }
            JobKind::UploadAsset => {
                if let Some(mut scene) = tx.scene(after.project_id, index)? {
                    if let Some(sync) = scene.sync.as_mut().filter(|s| s.job_id == after.id) {
                        sync.follow(after);
                        tx.put_scene(&scene)?;
                    }
                }
            }
            JobKind::NarrateScene => {
                if let Some(mut scene) = tx.scene(after.project_id, index)? {
                    if let Some(n) = scene.narration.as_mut().filter(|n| n.job_id == after.id) {
                        n.follow(after);
                        tx.put_scene(&scene)?;
                    }
                }
            }
            JobKind::RenderVideo => {}
        }
        Ok(())
    }

    /// Most failed tries of a job of `lane`: uploads wait out transient trouble for as long as
    /// it lasts (their backoff is capped instead); other lanes stop at `max_attempts`.
    pub(super) fn max_failures(&self, lane: Lane) -> u32 {
        match lane {
            Lane::Upload => u32::MAX,
            _ => self.cfg.max_attempts,
        }
    }

    /// Changes a running attempt's record (fenced), e.g. to note a multipart upload id.
    pub fn update_running(&self, id: Uuid, attempt: u32, f: impl Fn(&mut Job)) -> Result<Job> {
        self.store.transact(|tx| {
            let mut j = Self::fenced(tx, id, attempt)?;
            let before = j.clone();
            f(&mut j);
            Self::put_job(tx, Some(&before), &j)?;
            Ok(j)
        })
    }

    /// Claims the first ready job of `lane` (priority, then age), skipping paused projects and
    /// jobs waiting out a backoff. The claim is flushed before it is returned.
    pub async fn claim(&self, lane: Lane) -> Result<Claim> {
        let claimed = self.claim_at(lane, now_ms(), true)?;
        if let Claim::Job(j) = &claimed {
            if let Err(e) = self.store.flush().await {
                // Not durable, so not claimed: hand it back (best effort; if that fails too,
                // the claim was never on disk and the next start finds the job queued).
                let _ = self.release(j.id, j.attempt);
                self.not_running(j.id);
                return Err(e);
            }
        }
        Ok(claimed)
    }

    /// Claims as a worker of another process would: the job is not marked live here.
    pub fn claim_sync(&self, lane: Lane, now: u64) -> Result<Claim> {
        self.claim_at(lane, now, false)
    }

    /// A worker's job has ended (finished, failed, handed back or dropped).
    pub fn not_running(&self, id: Uuid) {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    fn claim_at(&self, lane: Lane, now: u64, live: bool) -> Result<Claim> {
        let _guard = self.claim_lock.lock().unwrap_or_else(|p| p.into_inner());
        let lease = self.cfg.lease_s.saturating_mul(1000);
        let mut claimed = None;
        let next_ready = self.scan_ready(lane, now, |id| {
            claimed = self.store.transact(|tx| {
                let Some(mut j) = tx.job(id)? else {
                    return Ok(None);
                };
                if j.status != JobStatus::Queued || !tx.index_contains(&j)? {
                    return Ok(None);
                }
                let before = j.clone();
                j.status = JobStatus::Running;
                j.attempt += 1;
                j.tries = j.tries.saturating_add(1);
                j.lease_until = ms_after(now, lease);
                j.started_at = Some(now);
                j.updated_at = now;
                j.phase = Some("starting".into());
                Self::put_job(tx, Some(&before), &j)?;
                Ok(Some(j))
            })?;
            Ok(claimed.is_some())
        })?;
        Ok(match claimed {
            Some(j) => {
                if live {
                    self.live
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(j.id);
                }
                Claim::Job(j)
            }
            None => Claim::Idle { next_ready },
        })
    }

    /// True when some queued job of `lane` could be claimed now.
    pub fn has_ready(&self, lane: Lane, now: u64) -> Result<bool> {
        let mut found = false;
        self.scan_ready(lane, now, |_| {
            found = true;
            Ok(true)
        })?;
        Ok(found)
    }

    /// Visits, in queue order, the queued jobs of `lane` that may run now (not paused, not
    /// waiting out a backoff) until `visit` says stop. Returns when the next waiting job is due.
    fn scan_ready(
        &self,
        lane: Lane,
        now: u64,
        mut visit: impl FnMut(Uuid) -> Result<bool>,
    ) -> Result<Option<u64>> {
        if self.store.globally_paused()? {
            return Ok(None);
        }
        let mut paused: HashMap<Uuid, bool> = HashMap::new();
        let mut next_ready: Option<u64> = None;
        for kv in self.store.queue.scan_prefix([lane.as_u8()]) {
            let (_, v) = kv?;
            let Ok(id) = Uuid::from_slice(&v) else {
                continue;
            };
            let Some(job) = self.store.job(id)? else {
                tracing::warn!(%id, "queue entry without a job record; the data folder's check reports it");
                continue;
            };
            if job.not_before > now {
                next_ready = Some(next_ready.map_or(job.not_before, |n| n.min(job.not_before)));
                continue;
            }
            let is_paused = match paused.get(&job.project_id) {
                Some(p) => *p,
                None => {
                    let p = self
                        .store
                        .project(job.project_id)?
                        .is_some_and(|p| p.paused);
                    paused.insert(job.project_id, p);
                    p
                }
            };
            if !is_paused && visit(id)? {
                break;
            }
        }
        Ok(next_ready)
    }

    /// Extends the lease of a running attempt. False: the job is no longer this attempt's to run.
    pub fn heartbeat(&self, id: Uuid, attempt: u32) -> Result<bool> {
        let until = ms_after(now_ms(), self.cfg.lease_s.saturating_mul(1000));
        self.store.transact(|tx| {
            let Some(mut j) = tx.job(id)? else {
                return Ok(false);
            };
            if j.status != JobStatus::Running || j.attempt != attempt {
                return Ok(false);
            }
            let before = j.clone();
            j.lease_until = until;
            Self::put_job(tx, Some(&before), &j)?;
            Ok(true)
        })
    }

    pub(super) fn fenced(tx: &Tx, id: Uuid, attempt: u32) -> TxResult<Job> {
        match tx.job(id)? {
            Some(j) if j.status == JobStatus::Running && j.attempt == attempt => Ok(j),
            _ => abort(Error::Stale(id.to_string())),
        }
    }

    pub(super) fn backoff_ms_for_next(&self, id: Uuid) -> Result<u64> {
        let failures = self.store.job(id)?.map_or(0, |j| j.failures);
        Ok(backoff_ms(&self.cfg, failures + 1))
    }

    /// Makes every queued job of a lane claimable now (the user's "retry now").
    pub fn reset_backoff(&self, lane: Lane) -> Result<usize> {
        let mut n = 0;
        for id in self.store.queue_order(lane)? {
            n += self.store.transact(|tx| {
                let Some(mut j) = tx.job(id)? else {
                    return Ok(0);
                };
                if j.status != JobStatus::Queued || j.not_before == 0 {
                    return Ok(0);
                }
                let before = j.clone();
                j.not_before = 0;
                Self::put_job(tx, Some(&before), &j)?;
                Ok(1)
            })?;
        }
        Ok(n)
    }

    /// 1-based position of every queued job of a lane, from the one ordered index.
    pub fn positions(&self, lane: Lane) -> Result<HashMap<Uuid, u32>> {
        Ok(self
            .store
            .queue_order(lane)?
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, i as u32 + 1))
            .collect())
    }
}

/// Full-jitter exponential backoff: a random delay in [0, min(cap, base * 2^(failures-1))].
pub fn backoff_ms(cfg: &QueueConfig, failures: u32) -> u64 {
    let exp = failures.saturating_sub(1).min(30);
    let ceiling = cfg
        .backoff_base_ms
        .saturating_mul(1u64 << exp)
        .min(cfg.backoff_max_s.saturating_mul(1000));
    rand::rng().random_range(0..=ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let cfg = QueueConfig {
            backoff_base_ms: 100,
            backoff_max_s: 1,
            ..QueueConfig::default()
        };
        for f in 1..40 {
            let d = backoff_ms(&cfg, f);
            assert!(d <= 1000);
            assert!(d <= 100 * (1u64 << (f - 1).min(30)));
        }
        let big: u64 = (0..200).map(|_| backoff_ms(&cfg, 10)).max().unwrap();
        assert!(
            big > 500,
            "full jitter should reach the cap region, got {big}"
        );
    }
}
