//! Every change of a job's state goes through [`Queue::transition`]: finishing, failing,
//! handing back, cancelling, queueing again, recovery, the sweeper, and an upload replaced by a
//! newer one. Each route says where the job goes ([`Move`]); the helper resets what every
//! route must reset (lease, phase, time, finish time, error) and writes the job with
//! `put_job`, which keeps the queue index, the leases and the scene's mirror in step.

use uuid::Uuid;

use super::Queue;
use crate::clock::ms_after;
use crate::error::{Error, Result};
use crate::model::{now_ms, Job, JobStatus, UserError};
use crate::store::{abort, Tx, TxResult};

/// Where a job goes.
pub enum Move {
    /// Its work is done.
    Succeed,
    /// Back to the queue, claimable from `not_before` (0: at once), `error` shown meanwhile
    /// (None keeps what is there).
    Wait {
        not_before: u64,
        error: Option<UserError>,
    },
    /// A finished job made new: queued at once, with no finish time and no error.
    Again,
    /// Failed for good.
    Fail(UserError),
    /// Cancelled (by the user, or replaced by newer work).
    Cancel,
}

impl Queue {
    /// Moves `job` (as read in this transaction, with the route's own counters already set)
    /// from `before` to where `to` says, and writes it.
    pub(crate) fn transition(
        tx: &Tx,
        before: &Job,
        mut job: Job,
        to: Move,
        now: u64,
    ) -> TxResult<Job> {
        job.updated_at = now;
        job.lease_until = 0;
        job.phase = None;
        match to {
            Move::Succeed => {
                job.status = JobStatus::Succeeded;
                job.finished_at = Some(now);
                job.error = None;
            }
            Move::Wait { not_before, error } => {
                job.status = JobStatus::Queued;
                job.not_before = not_before;
                if error.is_some() {
                    job.error = error;
                }
            }
            Move::Again => {
                job.status = JobStatus::Queued;
                job.not_before = 0;
                job.finished_at = None;
                job.error = None;
            }
            Move::Fail(err) => {
                job.status = JobStatus::Failed;
                job.finished_at = Some(now);
                job.error = Some(err);
            }
            Move::Cancel => {
                job.status = JobStatus::Cancelled;
                job.finished_at = Some(now);
                job.error = None;
            }
        }
        Self::put_job(tx, Some(before), &job)?;
        Ok(job)
    }

    /// A failed attempt's next place: back to the queue after `delay_ms` while tries remain
    /// (and the error allows one), failed for good otherwise. Counts the failure.
    pub(super) fn after_failure(
        &self,
        tx: &Tx,
        before: &Job,
        err: UserError,
        retryable: bool,
        delay_ms: u64,
        now: u64,
    ) -> TxResult<Job> {
        let mut j = before.clone();
        j.failures += 1;
        let to = if retryable && j.failures < self.max_failures(j.lane()) {
            Move::Wait {
                not_before: ms_after(now, delay_ms),
                error: Some(err),
            }
        } else {
            Move::Fail(err)
        };
        Self::transition(tx, before, j, to, now)
    }

    /// Commits a success, fenced: only if the job is still running this attempt. `apply` writes
    /// the job's result (the scene's image, follow-up jobs) in the same transaction.
    pub fn finish(
        &self,
        id: Uuid,
        attempt: u32,
        apply: impl Fn(&Tx, &Job) -> TxResult<()>,
    ) -> Result<Job> {
        let now = now_ms();
        self.store.transact(|tx| {
            let j = Self::fenced(tx, id, attempt)?;
            let j = Self::transition(tx, &j, j.clone(), Move::Succeed, now)?;
            apply(tx, &j)?;
            Ok(j)
        })
    }

    /// Records a failed attempt (fenced). Retryable errors go back to the queue after a backoff
    /// until `max_attempts`; the rest fail the job with `err` for the user.
    pub fn fail(&self, id: Uuid, attempt: u32, err: UserError, retryable: bool) -> Result<Job> {
        let now = now_ms();
        let delay = self.backoff_ms_for_next(id)?;
        self.store.transact(|tx| {
            let j = Self::fenced(tx, id, attempt)?;
            self.after_failure(tx, &j, err.clone(), retryable, delay, now)
        })
    }

    /// Hands a running job back to the queue without counting a failure (the process is stopping).
    pub fn release(&self, id: Uuid, attempt: u32) -> Result<Option<Job>> {
        let now = now_ms();
        let r = self.store.transact(|tx| {
            let j = Self::fenced(tx, id, attempt)?;
            let to = Move::Wait {
                not_before: j.not_before,
                error: None,
            };
            // Not a try the person made: it is shown as not having happened.
            let mut after = j.clone();
            after.tries = after.tries.saturating_sub(1);
            Self::transition(tx, &j, after, to, now)
        });
        match r {
            Ok(j) => Ok(Some(j)),
            Err(Error::Stale(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Cancels a queued or running job. A running attempt's late result is then dropped.
    pub fn cancel(&self, id: Uuid) -> Result<Option<Job>> {
        let now = now_ms();
        self.store.transact(|tx| {
            let Some(j) = tx.job(id)? else {
                return abort(Error::NotFound(format!("There is no job {id}.")));
            };
            if j.status.is_terminal() {
                return Ok(None);
            }
            Self::transition(tx, &j, j.clone(), Move::Cancel, now).map(Some)
        })
    }

    /// In a transaction: cancels `id` if it is not finished (work replaced by newer work).
    pub(crate) fn cancel_in(tx: &Tx, id: Uuid, now: u64) -> TxResult<()> {
        if let Some(j) = tx.job(id)? {
            if !j.status.is_terminal() {
                Self::transition(tx, &j, j.clone(), Move::Cancel, now)?;
            }
        }
        Ok(())
    }

    /// Puts a finished job back at the end of the queue with a fresh count of tries.
    pub fn requeue(&self, id: Uuid) -> Result<Option<Job>> {
        self.requeue_at(id, None)
    }

    /// Like `requeue`, with a new priority (a scene the user asked for again goes first).
    pub fn requeue_at(&self, id: Uuid, priority: Option<u8>) -> Result<Option<Job>> {
        let now = now_ms();
        let seq = self.store.next_seq()?;
        self.store.transact(|tx| {
            let Some(before) = tx.job(id)? else {
                return abort(Error::NotFound(format!("There is no job {id}.")));
            };
            if !before.status.is_terminal() {
                return Ok(None);
            }
            let mut j = before.clone();
            j.seq = seq;
            if let Some(p) = priority {
                j.priority = p;
            }
            j.failures = 0;
            j.interrupts = 0;
            j.tries = 0;
            Self::transition(tx, &before, j, Move::Again, now).map(Some)
        })
    }
}
