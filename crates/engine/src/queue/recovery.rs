//! Recovery and housekeeping: leases of a dead process re-queued at start, expired leases
//! swept (never this process's live attempts), and old finished jobs pruned (never one a scene
//! or a project still points to).

use std::collections::HashSet;

use uuid::Uuid;

use super::transition::Move;
use super::{backoff_ms, Queue};
use crate::error::{Error, Result};
use crate::model::{now_ms, Job, JobStatus, UserError};
use crate::store::{Tx, TxResult};

impl Queue {
    /// Re-queues expired leases of jobs no worker of this process runs: a process never
    /// expires its own live attempts (after a laptop sleep or a clock step their leases look
    /// old, but the jobs are healthy). Claims wait meanwhile, so a job is never claimed and
    /// swept at once.
    pub fn sweep_dead(&self, now: u64) -> Result<Vec<Job>> {
        let _guard = self.claim_lock.lock().unwrap_or_else(|p| p.into_inner());
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.sweep_except(now, &live)
    }

    /// At start: every job left running by a dead process goes back to the queue at once.
    pub fn recover(&self) -> Result<Vec<Job>> {
        let now = now_ms();
        let mut out = Vec::new();
        for (id, _, _) in self.store.leases()? {
            let j = self.store.transact(|tx| {
                let Some(mut j) = tx.job(id)? else {
                    tx.lease_remove(id)?;
                    return Ok(None);
                };
                if j.status != JobStatus::Running {
                    tx.lease_remove(id)?;
                    return Ok(None);
                }
                let before = j.clone();
                j.interrupts += 1;
                // A restart is not a try: shown as not having happened.
                j.tries = j.tries.saturating_sub(1);
                let to = if j.interrupts > self.cfg.max_interrupts {
                    Move::Fail(UserError::new(
                        "interrupted",
                        format!("StoryReel stopped {} times while this job ran; it was set aside as a suspect. Retry it to try again.", j.interrupts),
                    ))
                } else {
                    Move::Wait {
                        not_before: j.not_before,
                        error: None,
                    }
                };
                let j = Self::transition(tx, &before, j, to, now)?;
                Ok(Some(j))
            })?;
            out.extend(j);
        }
        Ok(out)
    }

    /// Re-queues running jobs whose lease expired (a stuck or dead worker); counts as a failure.
    pub fn sweep(&self, now: u64) -> Result<Vec<Job>> {
        self.sweep_except(now, &HashSet::new())
    }

    /// `sweep`, leaving alone the jobs in `live` (attempts this process is running: their
    /// lease may look expired after a laptop sleep or a clock step, but they are healthy).
    pub(super) fn sweep_except(&self, now: u64, live: &HashSet<Uuid>) -> Result<Vec<Job>> {
        let mut out = Vec::new();
        for (id, until, attempt) in self.store.leases()? {
            if until >= now || live.contains(&id) {
                continue;
            }
            let delay = backoff_ms(&self.cfg, self.store.job(id)?.map_or(1, |j| j.failures + 1));
            let r = self.store.transact(|tx| {
                let j = Self::fenced(tx, id, attempt)?;
                if j.lease_until >= now {
                    return Ok(None);
                }
                let err = UserError::new(
                    "timed_out",
                    format!(
                        "The job made no progress for {} s and was stopped.",
                        self.cfg.lease_s
                    ),
                );
                let j = self.after_failure(tx, &j, err, true, delay, now)?;
                Ok(Some(j))
            });
            match r {
                Ok(j) => out.extend(j),
                Err(Error::Stale(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Deletes finished jobs older than `days` that nothing refers to: not a scene's job or
    /// upload, not a project's render, not the upload of a project's current video. A failed
    /// upload a scene still points to is work waiting for the user ("retry now"), never
    /// history. Each job is checked again inside the transaction that removes it.
    pub fn prune(&self, days: u64) -> Result<usize> {
        let cutoff = now_ms().saturating_sub(days.saturating_mul(86_400_000));
        let old = |j: &Job| j.status.is_terminal() && j.finished_at.is_some_and(|f| f < cutoff);
        let mut n = 0;
        for j in self.store.all_jobs()? {
            if !old(&j) {
                continue;
            }
            n += self.store.transact(|tx| {
                let Some(cur) = tx.job(j.id)? else {
                    return Ok(0);
                };
                if !old(&cur) || Self::referenced(tx, &cur)? {
                    return Ok(0);
                }
                tx.remove_job_record(cur.id)?;
                Ok(1)
            })?;
        }
        Ok(n)
    }

    /// Whether a scene or a project still points to `j`.
    pub(super) fn referenced(tx: &Tx, j: &Job) -> TxResult<bool> {
        if let Some(index) = j.scene_index {
            if let Some(s) = tx.scene(j.project_id, index)? {
                let narration = s.narration.as_ref().is_some_and(|n| n.job_id == j.id);
                if s.job_id == j.id || narration || s.sync.as_ref().is_some_and(|x| x.owns(j.id)) {
                    return Ok(true);
                }
            }
        }
        let Some(p) = tx.project(j.project_id)? else {
            return Ok(false);
        };
        if p.render_job == Some(j.id) {
            return Ok(true);
        }
        let video_upload = j.scene_index.is_none()
            && j.upload()
                .zip(p.video.as_ref())
                .is_some_and(|(u, v)| u.hash == v.hash);
        if video_upload {
            return Ok(true);
        }
        // A scene's narration audio goes up under the project, not the scene.
        if j.scene_index.is_none() && j.upload().is_some() {
            for index in 1..=p.scene_count {
                let audio = tx.scene(p.id, index)?.is_some_and(|s| {
                    let clip = s
                        .image
                        .as_ref()
                        .and_then(|i| i.own.as_ref()?.clip.as_ref()?.upload)
                        == Some(j.id);
                    clip || s
                        .narration
                        .and_then(|n| n.speech)
                        .is_some_and(|sp| sp.upload == Some(j.id))
                });
                if audio {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
