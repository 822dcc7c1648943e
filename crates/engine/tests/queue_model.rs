//! A model-based (state machine) property test of the durable job queue.
//!
//! Random sequences of queue operations run against a real sled store in a temporary folder and
//! against a small model (job id -> status, attempt, failures, interrupts, priority, seq). After
//! every operation the test checks that the records, the queue index, the leases, the positions
//! and the scenes' mirrors all agree with the model.
//!
//! Time: claims run at a logical clock that starts 10 minutes ahead of the wall clock, so the
//! backoffs of `fail` (at most 1 s, from the wall clock) never block a claim. A sweep runs at
//! `clock + lease + 1 h` (past every lease) and then moves the clock 10 minutes past the sweep,
//! because a swept job's backoff starts at the sweep's `now`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use storyreel_engine::config::QueueConfig;
use storyreel_engine::model::{
    now_ms, Aspect, Job, JobPayload, JobStatus, Lane, Project, Scene, UserError, SCHEMA_VERSION,
};
use storyreel_engine::queue::{Claim, Queue};
use storyreel_engine::store::Store;
use storyreel_engine::Error;
use tempfile::TempDir;
use uuid::Uuid;

const MAX_ATTEMPTS: u32 = 3;
const LANE: Lane = Lane::Generate;

fn cfg() -> QueueConfig {
    QueueConfig {
        max_attempts: MAX_ATTEMPTS,
        // High, so that a job running at a crash is always re-queued, never set aside.
        max_interrupts: 10_000,
        backoff_base_ms: 1,
        backoff_max_s: 1,
        ..QueueConfig::default()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Enqueue {
        priority: u8,
    },
    Claim,
    /// Heartbeat, complete, fail and release pick a running job when there is one (else any job,
    /// and then they must be refused as stale).
    Heartbeat(Index),
    Complete(Index),
    Fail {
        k: Index,
        retryable: bool,
    },
    Release(Index),
    Cancel(Index),
    Requeue(Index),
    /// Completes a job with an attempt number that is not its current running one.
    StaleComplete(Index),
    /// Sweeps with a time past every lease.
    Sweep,
    /// Flushes, drops the queue and the store, reopens them and runs `recover`.
    CrashReopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0u8..3).prop_map(|priority| Op::Enqueue { priority }),
        6 => Just(Op::Claim),
        1 => any::<Index>().prop_map(Op::Heartbeat),
        2 => any::<Index>().prop_map(Op::Complete),
        // Mostly retryable, so that jobs often use up all their attempts.
        6 => (any::<Index>(), prop::bool::weighted(0.8)).prop_map(|(k, retryable)| Op::Fail { k, retryable }),
        1 => any::<Index>().prop_map(Op::Release),
        1 => any::<Index>().prop_map(Op::Cancel),
        2 => any::<Index>().prop_map(Op::Requeue),
        1 => any::<Index>().prop_map(Op::StaleComplete),
        1 => Just(Op::Sweep),
        1 => Just(Op::CrashReopen),
    ]
}

/// What the model expects of one job.
#[derive(Debug, Clone)]
struct MJob {
    id: Uuid,
    index: u32,
    priority: u8,
    seq: u64,
    status: JobStatus,
    attempt: u32,
    failures: u32,
    interrupts: u32,
}

#[derive(Default)]
struct Model {
    /// In order of creation.
    jobs: Vec<MJob>,
    /// Jobs that succeeded and were not re-queued since: none of them may be claimed.
    succeeded: HashSet<Uuid>,
    /// The highest seq handed out so far: seqs must keep growing, across restarts too.
    max_seq: Option<u64>,
}

impl Model {
    fn get(&mut self, id: Uuid) -> &mut MJob {
        self.jobs
            .iter_mut()
            .find(|j| j.id == id)
            .expect("job in model")
    }

    fn queued_order(&self) -> Vec<Uuid> {
        let mut q: Vec<&MJob> = self
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Queued)
            .collect();
        q.sort_by_key(|j| (std::cmp::Reverse(j.priority), j.seq));
        q.into_iter().map(|j| j.id).collect()
    }

    fn running(&self) -> Vec<Uuid> {
        self.jobs
            .iter()
            .filter(|j| j.status == JobStatus::Running)
            .map(|j| j.id)
            .collect()
    }

    /// A running job if there is one (picked by `k`), else any job, else none.
    fn pick_running(&self, k: Index) -> Option<MJob> {
        let running: Vec<&MJob> = self
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Running)
            .collect();
        if running.is_empty() {
            self.pick_any(k)
        } else {
            Some(running[k.index(running.len())].clone())
        }
    }

    fn pick_any(&self, k: Index) -> Option<MJob> {
        if self.jobs.is_empty() {
            None
        } else {
            Some(self.jobs[k.index(self.jobs.len())].clone())
        }
    }

    /// A job that was claimed at least once if there is one, else any job.
    fn pick_claimed(&self, k: Index) -> Option<MJob> {
        let claimed: Vec<&MJob> = self.jobs.iter().filter(|j| j.attempt > 0).collect();
        if claimed.is_empty() {
            self.pick_any(k)
        } else {
            Some(claimed[k.index(claimed.len())].clone())
        }
    }
}

struct Sys {
    store: Arc<Store>,
    queue: Queue,
}

struct Harness {
    /// Declared before `dir`: the store closes before the folder is deleted.
    sys: Option<Sys>,
    dir: TempDir,
    project: Uuid,
    /// The `now` given to claims (see the module comment).
    clock: u64,
}

/// Turns an engine error into a test failure.
fn ok<T>(r: storyreel_engine::Result<T>, what: &str) -> Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(format!("{what}: unexpected error: {e}")))
}

/// Everything the queue writes, to show that a refused operation changed nothing.
#[derive(Debug, PartialEq)]
struct Snapshot {
    jobs: Vec<Job>,
    scenes: Vec<Scene>,
    order: Vec<Uuid>,
    leases: Vec<(Uuid, u64, u32)>,
}

impl Harness {
    fn new() -> Result<Harness, TestCaseError> {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let store = Arc::new(ok(Store::open(dir.path(), true), "open")?);
        let now = now_ms();
        let project = Project {
            v: SCHEMA_VERSION,
            id: Uuid::now_v7(),
            title: "Model".into(),
            aspect: Aspect::Portrait,
            style: "cinematic".into(),
            paused: false,
            scene_count: 0,
            source_name: None,
            source_hash: "model".into(),
            story_hash: None,
            made_new: false,
            created_at: now,
            updated_at: now,
            render: None,
            video: None,
            render_job: None,
            voice: None,
            cast: Default::default(),
        };
        ok(store.transact(|tx| tx.put_project(&project)), "put project")?;
        let queue = Queue::new(store.clone(), cfg());
        Ok(Harness {
            sys: Some(Sys { store, queue }),
            dir,
            project: project.id,
            clock: now + 10 * 60_000,
        })
    }

    fn store(&self) -> &Store {
        &self.sys.as_ref().expect("open").store
    }

    fn queue(&self) -> &Queue {
        &self.sys.as_ref().expect("open").queue
    }

    fn snapshot(&self) -> Result<Snapshot, TestCaseError> {
        let s = self.store();
        let mut jobs = ok(s.all_jobs(), "all_jobs")?;
        jobs.sort_by_key(|j| j.id);
        Ok(Snapshot {
            jobs,
            scenes: ok(s.scenes_of(self.project), "scenes_of")?,
            order: ok(s.queue_order(LANE), "queue_order")?,
            leases: ok(s.leases(), "leases")?,
        })
    }

    fn enqueue(&self, priority: u8, index: u32) -> Result<Job, TestCaseError> {
        let store = self.store();
        let seq = ok(store.next_seq(), "next_seq")?;
        let job = Job::new(
            JobPayload::GenerateScene,
            self.project,
            Some(index),
            seq,
            priority,
        );
        let scene = Scene {
            v: SCHEMA_VERSION,
            project_id: self.project,
            index,
            title: None,
            text: format!("Scene {index}"),
            prompt: format!("Scene {index}"),
            negative_prompt: None,
            duration_s: None,
            line: index,
            status: JobStatus::Queued,
            job_id: job.id,
            attempts: 0,
            claims: 0,
            image: None,
            error: None,
            updated_at: job.created_at,
            sync: None,
            narration: None,
            choice: Default::default(),
        };
        ok(
            store.transact(|tx| {
                tx.put_scene(&scene)?;
                Queue::put_job(tx, None, &job)
            }),
            "enqueue",
        )?;
        Ok(job)
    }

    fn crash_reopen(&mut self) -> Result<Vec<Job>, TestCaseError> {
        // The engine flushes every change before acknowledging it: what it acknowledged survives.
        ok(self.store().flush_blocking(), "flush")?;
        self.sys = None;
        let store = Arc::new(ok(Store::open(self.dir.path(), true), "reopen")?);
        let queue = Queue::new(store.clone(), cfg());
        let recovered = ok(queue.recover(), "recover")?;
        self.sys = Some(Sys { store, queue });
        Ok(recovered)
    }

    /// Checks every invariant of the store against the model.
    fn check(&self, model: &Model) -> Result<(), TestCaseError> {
        let store = self.store();

        // 1. Each record's status (and counters) equal the model's.
        let all = ok(store.all_jobs(), "all_jobs")?;
        prop_assert_eq!(all.len(), model.jobs.len(), "number of job records");
        let mut records: HashMap<Uuid, Job> = HashMap::new();
        for m in &model.jobs {
            let j = ok(store.job(m.id), "job")?;
            let Some(j) = j else {
                return Err(TestCaseError::fail(format!("job {} has no record", m.id)));
            };
            prop_assert_eq!(j.status, m.status, "status of job {}", m.index);
            prop_assert_eq!(j.attempt, m.attempt, "attempt of job {}", m.index);
            prop_assert_eq!(j.failures, m.failures, "failures of job {}", m.index);
            prop_assert_eq!(j.interrupts, m.interrupts, "interrupts of job {}", m.index);
            prop_assert_eq!(j.priority, m.priority, "priority of job {}", m.index);
            prop_assert_eq!(j.seq, m.seq, "seq of job {}", m.index);
            prop_assert_eq!(
                j.lease_until != 0,
                m.status == JobStatus::Running,
                "lease_until of job {} is {} while it is {:?}",
                m.index,
                j.lease_until,
                m.status
            );
            prop_assert_eq!(
                j.finished_at.is_some(),
                m.status.is_terminal(),
                "finished_at of job {} is {:?} while it is {:?}",
                m.index,
                j.finished_at,
                m.status
            );
            match m.status {
                JobStatus::Succeeded | JobStatus::Cancelled => {
                    prop_assert!(j.error.is_none(), "job {} keeps an error", m.index);
                }
                JobStatus::Failed => {
                    prop_assert!(j.error.is_some(), "job {} failed without an error", m.index)
                }
                _ => {}
            }
            records.insert(m.id, j);
        }

        // 2. The queue index holds exactly the queued jobs, by (priority desc, seq asc), once each.
        let order = ok(store.queue_order(LANE), "queue_order")?;
        let unique: HashSet<Uuid> = order.iter().copied().collect();
        prop_assert_eq!(
            unique.len(),
            order.len(),
            "duplicates in the queue index: {:?}",
            order
        );
        prop_assert_eq!(&order, &model.queued_order(), "queue index");
        for lane in [Lane::Upload, Lane::Render] {
            prop_assert!(
                ok(store.queue_order(lane), "queue_order")?.is_empty(),
                "entries in lane {:?}",
                lane
            );
        }

        // 3. The leases are exactly the running jobs, with their current attempt.
        let leases = ok(store.leases(), "leases")?;
        let lease_set: BTreeSet<(Uuid, u32)> = leases.iter().map(|(id, _, a)| (*id, *a)).collect();
        prop_assert_eq!(lease_set.len(), leases.len(), "duplicate leases");
        let expected: BTreeSet<(Uuid, u32)> = model
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Running)
            .map(|j| (j.id, j.attempt))
            .collect();
        prop_assert_eq!(&lease_set, &expected, "leases");
        for (id, until, _) in &leases {
            prop_assert_eq!(*until, records[id].lease_until, "lease end of {}", id);
        }

        // 4. Positions are 1..=n, with no gap or duplicate, and follow the queue index.
        let positions = ok(self.queue().positions(LANE), "positions")?;
        prop_assert_eq!(positions.len(), order.len(), "number of positions");
        let mut values: Vec<u32> = positions.values().copied().collect();
        values.sort_unstable();
        let want: Vec<u32> = (1..=order.len() as u32).collect();
        prop_assert_eq!(values, want, "positions are not 1..=n");
        for (i, id) in order.iter().enumerate() {
            prop_assert_eq!(
                positions.get(id).copied(),
                Some(i as u32 + 1),
                "position of {}",
                id
            );
        }

        // 5. Each scene mirrors its job.
        for m in &model.jobs {
            let scene = ok(store.scene(self.project, m.index), "scene")?;
            let Some(scene) = scene else {
                return Err(TestCaseError::fail(format!("scene {} is missing", m.index)));
            };
            let j = &records[&m.id];
            prop_assert_eq!(scene.job_id, m.id, "job of scene {}", m.index);
            prop_assert_eq!(scene.status, j.status, "status mirror of scene {}", m.index);
            prop_assert_eq!(
                scene.claims,
                j.attempt,
                "claims mirror of scene {}",
                m.index
            );
            prop_assert_eq!(
                scene.attempts,
                j.tries,
                "attempts (tries) mirror of scene {}",
                m.index
            );
            // A try is a claim not taken back: never more tries than claims.
            prop_assert!(
                j.tries <= j.attempt,
                "tries {} > claims {}",
                j.tries,
                j.attempt
            );
            prop_assert_eq!(&scene.error, &j.error, "error mirror of scene {}", m.index);
        }
        Ok(())
    }
}

/// Runs one operation on the queue and on the model, checking what the queue returns.
fn step(h: &mut Harness, model: &mut Model, op: &Op) -> Result<(), TestCaseError> {
    let err = || UserError::new("test", "a test failure");
    match op {
        Op::Enqueue { priority } => {
            let index = model.jobs.len() as u32 + 1;
            let job = h.enqueue(*priority, index)?;
            prop_assert!(
                model.max_seq.is_none_or(|m| job.seq > m),
                "seq {} is not above {:?}",
                job.seq,
                model.max_seq
            );
            model.max_seq = Some(job.seq);
            model.jobs.push(MJob {
                id: job.id,
                index,
                priority: *priority,
                seq: job.seq,
                status: JobStatus::Queued,
                attempt: 0,
                failures: 0,
                interrupts: 0,
            });
        }
        Op::Claim => {
            let expected = model.queued_order().first().copied();
            match ok(h.queue().claim_sync(LANE, h.clock), "claim")? {
                Claim::Job(j) => {
                    prop_assert_eq!(Some(j.id), expected, "claimed the wrong job");
                    // 6. A job that succeeded (and was not re-queued since) is never claimed.
                    prop_assert!(!model.succeeded.contains(&j.id), "claimed a succeeded job");
                    let m = model.get(j.id);
                    m.status = JobStatus::Running;
                    m.attempt += 1;
                    prop_assert_eq!(j.status, JobStatus::Running);
                    prop_assert_eq!(j.attempt, m.attempt);
                }
                Claim::Idle { next_ready } => {
                    prop_assert_eq!(expected, None, "idle while a job is queued");
                    prop_assert_eq!(next_ready, None, "nothing waits out a backoff");
                }
            }
        }
        Op::Heartbeat(k) => {
            let Some(m) = model.pick_running(*k) else {
                return Ok(());
            };
            let before = h.snapshot()?;
            let alive = ok(h.queue().heartbeat(m.id, m.attempt), "heartbeat")?;
            prop_assert_eq!(alive, m.status == JobStatus::Running, "heartbeat answer");
            if !alive {
                prop_assert_eq!(
                    h.snapshot()?,
                    before,
                    "a refused heartbeat changed something"
                );
            }
        }
        Op::Complete(k) => {
            let Some(m) = model.pick_running(*k) else {
                return Ok(());
            };
            let before = h.snapshot()?;
            let r = h.queue().finish(m.id, m.attempt, |_tx, _job| Ok(()));
            if m.status == JobStatus::Running {
                let j = ok(r, "finish")?;
                prop_assert_eq!(j.status, JobStatus::Succeeded);
                model.get(m.id).status = JobStatus::Succeeded;
                model.succeeded.insert(m.id);
            } else {
                prop_assert!(
                    matches!(r, Err(Error::Stale(_))),
                    "finish of a {:?} job was not refused as stale",
                    m.status
                );
                prop_assert_eq!(h.snapshot()?, before, "a refused finish changed something");
            }
        }
        Op::Fail { k, retryable } => {
            let Some(m) = model.pick_running(*k) else {
                return Ok(());
            };
            let before = h.snapshot()?;
            let r = h.queue().fail(m.id, m.attempt, err(), *retryable);
            if m.status == JobStatus::Running {
                let j = ok(r, "fail")?;
                let mm = model.get(m.id);
                mm.failures += 1;
                mm.status = if *retryable && mm.failures < MAX_ATTEMPTS {
                    JobStatus::Queued
                } else {
                    JobStatus::Failed
                };
                prop_assert_eq!(j.status, mm.status, "status after fail");
                prop_assert_eq!(j.failures, mm.failures, "failures after fail");
            } else {
                prop_assert!(
                    matches!(r, Err(Error::Stale(_))),
                    "fail of a {:?} job was not refused as stale",
                    m.status
                );
                prop_assert_eq!(h.snapshot()?, before, "a refused fail changed something");
            }
        }
        Op::Release(k) => {
            let Some(m) = model.pick_running(*k) else {
                return Ok(());
            };
            let before = h.snapshot()?;
            let r = ok(h.queue().release(m.id, m.attempt), "release")?;
            if m.status == JobStatus::Running {
                let Some(j) = r else {
                    return Err(TestCaseError::fail(
                        "release of a running job returned None",
                    ));
                };
                prop_assert_eq!(j.status, JobStatus::Queued);
                model.get(m.id).status = JobStatus::Queued;
            } else {
                prop_assert!(r.is_none(), "release of a {:?} job did something", m.status);
                prop_assert_eq!(h.snapshot()?, before, "a refused release changed something");
            }
        }
        Op::Cancel(k) => {
            let Some(m) = model.pick_any(*k) else {
                return Ok(());
            };
            let before = h.snapshot()?;
            let r = ok(h.queue().cancel(m.id), "cancel")?;
            if m.status.is_terminal() {
                prop_assert!(r.is_none(), "cancel of a {:?} job did something", m.status);
                prop_assert_eq!(
                    h.snapshot()?,
                    before,
                    "cancel of a finished job changed something"
                );
            } else {
                let Some(j) = r else {
                    return Err(TestCaseError::fail(format!(
                        "cancel of a {:?} job returned None",
                        m.status
                    )));
                };
                prop_assert_eq!(j.status, JobStatus::Cancelled);
                model.get(m.id).status = JobStatus::Cancelled;
            }
        }
        Op::Requeue(k) => {
            let Some(m) = model.pick_any(*k) else {
                return Ok(());
            };
            let before = h.snapshot()?;
            let r = ok(h.queue().requeue(m.id), "requeue")?;
            if m.status.is_terminal() {
                let Some(j) = r else {
                    return Err(TestCaseError::fail(format!(
                        "requeue of a {:?} job returned None",
                        m.status
                    )));
                };
                prop_assert_eq!(j.status, JobStatus::Queued);
                prop_assert!(
                    model.max_seq.is_none_or(|m| j.seq > m),
                    "requeue seq {} is not above {:?}",
                    j.seq,
                    model.max_seq
                );
                model.max_seq = Some(j.seq);
                model.succeeded.remove(&m.id);
                let mm = model.get(m.id);
                mm.status = JobStatus::Queued;
                mm.failures = 0;
                mm.interrupts = 0;
                mm.seq = j.seq;
            } else {
                prop_assert!(r.is_none(), "requeue of a {:?} job did something", m.status);
                prop_assert_eq!(
                    h.snapshot()?,
                    before,
                    "requeue of an unfinished job changed something"
                );
            }
        }
        Op::StaleComplete(k) => {
            let Some(m) = model.pick_claimed(*k) else {
                return Ok(());
            };
            // An old attempt; a job never claimed is not running, so any attempt is stale.
            let stale = m.attempt.saturating_sub(1);
            let before = h.snapshot()?;
            let r = h.queue().finish(m.id, stale, |_tx, _job| Ok(()));
            prop_assert!(
                matches!(r, Err(Error::Stale(_))),
                "finish with attempt {} of a {:?} job at attempt {} was not refused as stale",
                stale,
                m.status,
                m.attempt
            );
            prop_assert_eq!(h.snapshot()?, before, "a stale finish changed something");
        }
        Op::Sweep => {
            let lease_ms = cfg().lease_s * 1000;
            let now = h.clock + lease_ms + 3_600_000;
            let running = model.running();
            let swept = ok(h.queue().sweep(now), "sweep")?;
            let got: BTreeSet<Uuid> = swept.iter().map(|j| j.id).collect();
            let want: BTreeSet<Uuid> = running.iter().copied().collect();
            prop_assert_eq!(got.len(), swept.len(), "sweep returned a job twice");
            prop_assert_eq!(got, want, "sweep did not expire exactly the running jobs");
            for id in running {
                let mm = model.get(id);
                mm.failures += 1;
                mm.status = if mm.failures < MAX_ATTEMPTS {
                    JobStatus::Queued
                } else {
                    JobStatus::Failed
                };
            }
            // A swept job's backoff starts at `now`: claims must come after it.
            h.clock = now + 10 * 60_000;
        }
        Op::CrashReopen => {
            let running = model.running();
            let failures_before: HashMap<Uuid, u32> =
                model.jobs.iter().map(|j| (j.id, j.failures)).collect();
            let recovered = h.crash_reopen()?;
            let got: BTreeSet<Uuid> = recovered.iter().map(|j| j.id).collect();
            let want: BTreeSet<Uuid> = running.iter().copied().collect();
            prop_assert_eq!(
                got,
                want,
                "recover did not re-queue exactly the running jobs"
            );
            for id in running {
                let mm = model.get(id);
                mm.status = JobStatus::Queued;
                mm.interrupts += 1;
            }
            // 7. Nothing runs after recovery, and recovery counts no failure.
            prop_assert!(
                ok(h.store().leases(), "leases")?.is_empty(),
                "leases left after recover"
            );
            for j in ok(h.store().all_jobs(), "all_jobs")? {
                prop_assert_ne!(
                    j.status,
                    JobStatus::Running,
                    "job {} still running after recover",
                    j.id
                );
                prop_assert_eq!(
                    Some(&j.failures),
                    failures_before.get(&j.id),
                    "recover changed the failures of {}",
                    j.id
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        max_shrink_iters: 4096,
        // No regressions file next to the test: the shrunk failing input is printed instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn queue_follows_the_model(ops in prop::collection::vec(op(), 1..60)) {
        let mut h = Harness::new()?;
        let mut model = Model::default();
        h.check(&model)?;
        for (i, op) in ops.iter().enumerate() {
            step(&mut h, &mut model, op)
                .map_err(|e| TestCaseError::fail(format!("at op {i} {op:?}: {e}")))?;
            h.check(&model)
                .map_err(|e| TestCaseError::fail(format!("after op {i} {op:?}: {e}")))?;
        }
    }
}
