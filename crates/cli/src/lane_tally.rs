//! What each lane holds, as the progress view draws it: running, queued and done jobs, each
//! job counted once.
//!
//! Events arrive from several tasks, so a queue's order can come before or after the record of
//! a job that just finished. The tally keeps each job's latest state in one map, so running,
//! queued and done never overlap and a job finished twice (after a restart) counts once.

use std::collections::HashMap;

use storyreel_engine::model::{Job, JobStatus, Lane};
use uuid::Uuid;

#[derive(Default)]
pub struct LaneTally {
    jobs: HashMap<Uuid, JobStatus>,
    /// Frames done and in all of a running render.
    frames: HashMap<Uuid, (u64, u64)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub running: usize,
    pub queued: usize,
    pub done: usize,
}

impl LaneTally {
    /// A job's record after a change.
    pub fn job(&mut self, job: &Job) {
        self.jobs.insert(job.id, job.status);
        if job.status != JobStatus::Running {
            self.frames.remove(&job.id);
        }
    }

    /// The lane's queue (`order`) and its running jobs, as the engine last said them. Jobs
    /// no longer in either have ended (their own record says how, before or after this).
    pub fn queue(&mut self, order: &[Uuid], running: &[Uuid]) {
        self.jobs
            .retain(|id, st| !active(*st) || order.contains(id) || running.contains(id));
        // A job known to have succeeded stays done: the queue's lists may have been read just
        // before it finished (a failed one may be queued again under its own id: a retry).
        for (ids, status) in [(order, JobStatus::Queued), (running, JobStatus::Running)] {
            for id in ids {
                let st = self.jobs.entry(*id).or_insert(status);
                if *st != JobStatus::Succeeded {
                    *st = status;
                }
            }
        }
    }

    /// A render's progress.
    pub fn frames(&mut self, job: Uuid, done: u64, total: u64) {
        if self.jobs.get(&job) == Some(&JobStatus::Running) || !self.jobs.contains_key(&job) {
            self.jobs.insert(job, JobStatus::Running);
            self.frames.insert(job, (done.min(total), total));
        }
    }

    /// The running jobs' share of their frames, in percent (none: no frame counts known).
    pub fn percent(&self) -> Option<u64> {
        let (done, total) = self
            .frames
            .values()
            .fold((0u128, 0u128), |(d, t), (fd, ft)| {
                (d + u128::from(*fd), t + u128::from(*ft))
            });
        (total > 0).then(|| u64::try_from(done * 100 / total).unwrap_or(100))
    }

    /// Forgets what is running or queued (events were missed); the next ones refill it.
    pub fn lagged(&mut self) {
        self.jobs.retain(|_, st| !active(*st));
        self.frames.clear();
    }

    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for st in self.jobs.values() {
            match st {
                JobStatus::Running => t.running += 1,
                JobStatus::Queued => t.queued += 1,
                JobStatus::Succeeded => t.done += 1,
                _ => {}
            }
        }
        t
    }
}

fn active(st: JobStatus) -> bool {
    matches!(st, JobStatus::Queued | JobStatus::Running)
}

/// How a lane's tally reads on its bar.
pub fn lane_message(lane: Lane, t: Tally, saving: usize, percent: Option<u64>) -> String {
    if t.running + saving == 0 && t.queued == 0 && t.done == 0 {
        return "idle".into();
    }
    let saving = if saving > 0 {
        format!("{saving} saving · ")
    } else {
        String::new()
    };
    let percent = match (lane, percent) {
        (Lane::Render, Some(p)) if t.running > 0 => format!(" ({p}%)"),
        _ => String::new(),
    };
    format!(
        "{} running{percent} · {saving}{} queued · {} done",
        t.running, t.queued, t.done
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    #[test]
    fn a_job_is_counted_once_whatever_order_the_events_come_in() {
        let a = ids(5);
        let mut t = LaneTally::default();
        t.queue(&a[2..], &a[..2]);
        assert_eq!(
            t.tally(),
            Tally {
                running: 2,
                queued: 3,
                done: 0
            }
        );
        // The queue says a[0] left before its record says it finished…
        t.queue(&a[3..], &a[1..3]);
        assert_eq!(t.tally().running + t.tally().queued, 4);
        t.jobs.insert(a[0], JobStatus::Succeeded);
        // …and a[1] finishes before the queue says so.
        t.jobs.insert(a[1], JobStatus::Succeeded);
        t.queue(&a[4..], &a[2..4]);
        assert_eq!(
            t.tally(),
            Tally {
                running: 2,
                queued: 1,
                done: 2
            }
        );
        // Finished again (a restart): still one.
        t.jobs.insert(a[1], JobStatus::Succeeded);
        let s = t.tally();
        assert_eq!(s.running + s.queued + s.done, 5);
        // A queue read just before a[2] finished comes after its end: it stays done.
        t.jobs.insert(a[2], JobStatus::Succeeded);
        t.queue(&a[4..], &a[2..4]);
        assert_eq!(
            t.tally(),
            Tally {
                running: 1,
                queued: 1,
                done: 3
            }
        );
    }

    #[test]
    fn a_render_shows_its_share_of_frames() {
        let a = ids(1);
        let mut t = LaneTally::default();
        t.queue(&[], &a);
        t.frames(a[0], 50, 200);
        assert_eq!(t.percent(), Some(25));
        assert_eq!(
            lane_message(Lane::Render, t.tally(), 0, t.percent()),
            "1 running (25%) · 0 queued · 0 done"
        );
        // Counts from outside are clamped: more done than in all reads as all.
        t.frames(a[0], 900, 200);
        assert_eq!(t.percent(), Some(100));
        t.frames(a[0], u64::MAX, u64::MAX);
        assert_eq!(t.percent(), Some(100));
    }
}
