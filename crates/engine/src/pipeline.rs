//! The workers: each lane runs its own number of tasks that claim a job, run it with a
//! heartbeat, and commit its result (fenced), then claim the next. A sweeper re-queues expired
//! leases; a ticker sends queue-order snapshots when they changed.

use std::sync::atomic::Ordering;
use std::time::Duration;

use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use crate::engine::Engine;
use crate::error::Error;
use crate::events::Event;
use crate::model::{now_ms, Job, JobKind, Lane};
use crate::queue::{Claim, JobError};
use crate::sync::gate::Admit;

/// Aborts a task when dropped: a job's heartbeat lives exactly as long as the job's task.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a running job holds (its place in `busy`, the live set, an upload probe), released
/// however its task ends: returned, panicked or dropped.
struct JobGuard {
    engine: Engine,
    job: uuid::Uuid,
    lane: Lane,
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        let inner = &self.engine.inner;
        if self.lane == Lane::Upload {
            inner.sync.gate.job_ended(self.job);
        }
        inner.queue.not_running(self.job);
        inner.activity.epoch.fetch_add(1, Ordering::SeqCst);
        inner.activity.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The running workers of one process. `shutdown` hands running jobs back to the queue.
pub struct Workers {
    engine: Engine,
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

/// How long `shutdown` waits for the workers to stop, and then for the hand-back.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1000);

impl Workers {
    /// Stops the workers and hands their running jobs back to the queue, one after another in
    /// one thread with one flush at the end (many hand-backs at once, each with its own
    /// flush, could stall the store). Bounded: a job that cannot be handed back in time keeps
    /// its lease, and the next start re-queues it (the queue is crash-safe), so stopping
    /// never hangs.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let all = async {
            for h in self.handles {
                let _ = h.await;
            }
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            tracing::warn!("some workers did not stop in time");
        }
        let e = self.engine.clone();
        let back = tokio::task::spawn_blocking(move || {
            let jobs =
                std::mem::take(&mut *e.inner.handback.lock().unwrap_or_else(|p| p.into_inner()));
            let mut released = Vec::new();
            for (id, attempt) in jobs {
                match e.queue().release(id, attempt) {
                    Ok(Some(j)) => released.push(j),
                    Ok(None) => {}
                    // Said once already; the next start re-queues it.
                    Err(Error::DiskFull { .. }) => {}
                    Err(err) => {
                        tracing::warn!(%err, "could not hand a job back; it is re-queued at the next start")
                    }
                }
            }
            (e.store().flush_blocking().is_ok(), released)
        });
        match tokio::time::timeout(SHUTDOWN_GRACE, back).await {
            Ok(Ok((true, released))) => {
                for j in &released {
                    self.engine.emit_job(j);
                }
            }
            Ok(_) => {}
            Err(_) => {
                tracing::warn!("handing jobs back took too long; the next start re-queues them")
            }
        }
    }
}

impl Engine {
    /// Starts every lane's workers, the lease sweeper and the queue-order ticker.
    pub fn start(&self) -> Workers {
        self.start_lanes(&Lane::ALL)
    }

    /// Starts the workers of `lanes` only (e.g. `storyreel sync` runs the upload lane).
    pub fn start_lanes(&self, lanes: &[Lane]) -> Workers {
        let (stop, rx) = watch::channel(false);
        let mut handles = Vec::new();
        if self.sync_target().is_some() && lanes.contains(&Lane::Upload) {
            // Images made before the target was configured (or for another target) go too.
            let e = self.clone();
            handles.push(tokio::spawn(async move {
                match e.sync_backfill(None).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(count = n, "queued images not on the storage yet"),
                    Err(err) => {
                        tracing::warn!(%err, "could not queue the images not on the storage yet")
                    }
                }
            }));
        }
        if matches!(self.inner.sync.target, Some(Ok(_))) && lanes.contains(&Lane::Upload) {
            // The abort outbox: multipart uploads left by attempts that ended mid-upload.
            let (e, mut r) = (self.clone(), rx.clone());
            handles.push(tokio::spawn(async move {
                loop {
                    if let Err(err) = e.drain_aborts().await {
                        tracing::debug!(%err, "could not read the abort outbox");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                        _ = r.changed() => break,
                    }
                }
            }));
        }
        for &lane in lanes {
            let (e, rx) = (self.clone(), rx.clone());
            handles.push(tokio::spawn(async move { e.claimer(lane, rx).await }));
        }
        let (e, mut r) = (self.clone(), rx.clone());
        handles.push(tokio::spawn(async move {
            let every = Duration::from_secs((e.config().queue.lease_s / 4).clamp(1, 30));
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = r.changed() => break,
                }
                match e.sweep_expired(now_ms()) {
                    Ok(jobs) => {
                        if !jobs.is_empty() {
                            // Said only once it is on disk.
                            if let Err(err) = e.store().flush().await {
                                e.storage_failed(&err);
                                continue;
                            }
                            tracing::warn!(
                                count = jobs.len(),
                                "re-queued jobs whose lease expired"
                            );
                            for j in &jobs {
                                e.emit_job(j);
                            }
                            e.wake(Lane::Generate);
                        }
                    }
                    Err(err) => tracing::error!(%err, "lease sweep failed"),
                }
            }
        }));
        let (e, mut r) = (self.clone(), rx);
        handles.push(tokio::spawn(async move {
            let mut last: Vec<(Vec<uuid::Uuid>, Vec<uuid::Uuid>)> =
                vec![Default::default(); Lane::ALL.len()];
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                    _ = r.changed() => break,
                }
                if !e.inner.events.wanted() {
                    continue;
                }
                for lane in Lane::ALL {
                    let Ok(order) = e.store().queue_order(lane) else {
                        continue;
                    };
                    let running = e.running_in(lane);
                    let slot = &mut last[lane.as_u8() as usize];
                    if slot.0 != order || slot.1 != running {
                        *slot = (order.clone(), running.clone());
                        e.emit(Event::Queue {
                            lane,
                            order,
                            running,
                        });
                    }
                }
            }
        }));
        Workers {
            engine: self.clone(),
            stop,
            handles,
        }
    }

    /// Re-queues running jobs whose lease expired and that no task of this process runs. This
    /// process never expires its own live attempts: after a laptop sleep or a clock step their
    /// leases look old, but the jobs are healthy. Leases of a dead process are recovered at
    /// start, under the folder's lock.
    pub fn sweep_expired(&self, now: u64) -> crate::error::Result<Vec<Job>> {
        self.queue().sweep_dead(now)
    }

    fn running_in(&self, lane: Lane) -> Vec<uuid::Uuid> {
        let Ok(leases) = self.store().leases() else {
            return Vec::new();
        };
        leases
            .into_iter()
            .filter(|(id, _, _)| {
                self.store()
                    .job(*id)
                    .ok()
                    .flatten()
                    .is_some_and(|j| j.lane() == lane)
            })
            .map(|(id, _, _)| id)
            .collect()
    }

    /// Claims jobs of `lane` while a slot is free (the lane's concurrency) and runs each in a
    /// task of its own. On stop, waits for its jobs to be handed back.
    async fn claimer(&self, lane: Lane, mut stop: watch::Receiver<bool>) {
        let activity = &self.inner.activity;
        let slots = Arc::new(Semaphore::new(self.config().concurrency(lane)));
        let mut jobs = JoinSet::new();
        loop {
            // A full disk halts every lane: no job starts until the data folder reopens.
            if *stop.borrow() || self.inner.halted.load(Ordering::SeqCst) {
                break;
            }
            let slot = tokio::select! {
                s = slots.clone().acquire_owned() => match s { Ok(s) => s, Err(_) => break },
                _ = stop.changed() => break,
            };
            while jobs.try_join_next().is_some() {}
            let mut probe = false;
            if lane == Lane::Upload {
                match self.inner.sync.gate.admit(now_ms()) {
                    Admit::Go => {}
                    Admit::Probe => probe = true,
                    Admit::Hold(ms) => {
                        drop(slot);
                        let wake = &self.inner.wake[lane.as_u8() as usize];
                        tokio::select! {
                            _ = wake.notified() => {}
                            _ = tokio::time::sleep(Duration::from_millis(ms.clamp(10, 1_000))) => {}
                            _ = stop.changed() => {}
                        }
                        continue;
                    }
                }
            }
            activity.busy.fetch_add(1, Ordering::SeqCst);
            let claim = self.queue().claim(lane).await;
            if probe {
                self.inner.sync.gate.probe_claimed(match &claim {
                    Ok(Claim::Job(j)) => Some(j.id),
                    _ => None,
                });
            }
            match claim {
                Ok(Claim::Job(job)) => {
                    activity.epoch.fetch_add(1, Ordering::SeqCst);
                    // From here the guard owns the job's share of `busy` and its live mark.
                    let guard = JobGuard {
                        engine: self.clone(),
                        job: job.id,
                        lane,
                    };
                    self.emit_job(&job);
                    let (e, stop) = (self.clone(), stop.clone());
                    jobs.spawn(async move {
                        let _guard = guard;
                        e.run(job, slot, stop).await;
                    });
                }
                Ok(Claim::Idle { next_ready }) => {
                    activity.busy.fetch_sub(1, Ordering::SeqCst);
                    drop(slot);
                    let wait = next_ready
                        .map_or(250, |t| t.saturating_sub(now_ms()))
                        .clamp(10, 250);
                    let wake = &self.inner.wake[lane.as_u8() as usize];
                    tokio::select! {
                        _ = wake.notified() => {}
                        _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
                        _ = stop.changed() => {}
                    }
                }
                Err(err) => {
                    activity.busy.fetch_sub(1, Ordering::SeqCst);
                    drop(slot);
                    self.storage_failed(&err);
                    if self.halted().is_some() {
                        // The disk is full: said once; no job starts until StoryReel restarts.
                        break;
                    }
                    tracing::error!(%err, lane = lane.name(), "cannot claim a job");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
        while jobs.join_next().await.is_some() {}
    }

    /// Runs one claimed job to its end: committed, failed, handed back, or dropped when it
    /// was cancelled or its lease was lost meanwhile.
    async fn run(&self, job: Job, slot: OwnedSemaphorePermit, mut stop: watch::Receiver<bool>) {
        let (lost_tx, mut lost) = watch::channel(false);
        let _heartbeat = {
            let (e, id, attempt) = (self.clone(), job.id, job.attempt);
            let every = self.config().queue.heartbeat();
            AbortOnDrop(tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    match e.queue().heartbeat(id, attempt) {
                        Ok(true) => {}
                        Ok(false) => {
                            let _ = lost_tx.send(true);
                            break;
                        }
                        Err(err) => tracing::warn!(%err, "heartbeat failed"),
                    }
                }
            }))
        };
        // A panic in the work is a failed attempt: the guards release what the job held.
        let work = std::panic::AssertUnwindSafe(self.execute(&job, slot)).catch_unwind();
        let outcome = tokio::select! {
            r = work => Some(r.unwrap_or_else(|p| Err(JobError::panicked(&job, p.as_ref())))),
            _ = lost.changed() => None,
            _ = stop.changed() => {
                // Handed back by `Workers::shutdown`, with the others, once every task ended.
                self.inner
                    .handback
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((job.id, job.attempt));
                None
            }
        };
        let big = matches!(job.kind(), JobKind::RenderVideo | JobKind::NarrateScene);
        match outcome {
            None => tracing::debug!(job = %job.id, "job stopped without a result"),
            Some(Ok(done)) => {
                match self.store().flush().await {
                    Ok(()) => self.emit_job(&done),
                    Err(err) => self.storage_failed(&err),
                }
                if matches!(done.kind(), JobKind::GenerateScene | JobKind::NarrateScene) {
                    // A changed scene makes a video asked for earlier out of date.
                    self.rerender_if_wanted(done.project_id).await;
                }
            }
            Some(Err(err)) if err.is_disk_full() => {
                // Not the job's fault: halt, and hand it back uncounted when the workers stop.
                tracing::info!(job = %job.id, "the disk is full; the job is handed back");
                self.storage_failed(&crate::store::disk_full(self.data_dir()));
                self.inner
                    .handback
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((job.id, job.attempt));
            }
            Some(Err(JobError { user, retryable })) => {
                match self.queue().fail(job.id, job.attempt, user, retryable) {
                    Ok(j) => match self.store().flush().await {
                        Ok(()) => self.emit_job(&j),
                        Err(err) => self.storage_failed(&err),
                    },
                    Err(Error::Stale(_)) => {
                        tracing::debug!(job = %job.id, "job changed meanwhile; its failure is dropped")
                    }
                    Err(err @ Error::DiskFull { .. }) => self.storage_failed(&err),
                    Err(err) => tracing::error!(%err, "could not record a job failure"),
                }
            }
        }
        if big {
            // Its frames, pictures or model are freed: the pages go back to the system, off
            // the runtime (trimming a large heap takes a moment).
            let _ = tokio::task::spawn_blocking(crate::memory::give_back).await;
        }
    }

    async fn execute(&self, job: &Job, slot: OwnedSemaphorePermit) -> Result<Job, JobError> {
        crate::lanes::handler(job.kind()).run(self, job, slot).await
    }
}
