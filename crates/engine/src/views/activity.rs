//! The lanes at work: each lane's running and queued jobs, and the pause.

use std::collections::HashMap;

use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Job, JobKind, JobStatus, Lane, UserError};

/// How many queued jobs a lane lists (the rest are counted).
pub const QUEUED_LISTED: usize = 200;

/// How many finished jobs the Activity history lists, newest first.
pub const RECENT_LISTED: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobView {
    pub id: Uuid,
    pub kind: JobKind,
    pub lane: Lane,
    pub project_id: Uuid,
    pub project_title: String,
    pub scene_index: Option<u32>,
    pub status: JobStatus,
    pub phase: Option<String>,
    pub attempt: u32,
    /// ms since the epoch; elapsed = now - started_at.
    pub started_at: Option<u64>,
    /// 1-based, while queued.
    pub position: Option<u32>,
    /// Waiting out a backoff until then (ms since the epoch).
    pub not_before: Option<u64>,
    /// When it ended (succeeded, failed or cancelled), ms since the epoch.
    pub finished_at: Option<u64>,
    pub error: Option<UserError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LaneView {
    pub lane: Lane,
    pub concurrency: u32,
    /// False for the upload lane while no storage target is set (nothing is ever uploaded).
    pub in_use: bool,
    pub running: Vec<JobView>,
    pub queued: Vec<JobView>,
    pub queued_total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Activity {
    pub paused: bool,
    pub lanes: Vec<LaneView>,
    /// The jobs that ended last, newest first (at most [`RECENT_LISTED`]).
    pub recent: Vec<JobView>,
}

impl JobView {
    /// A job as shown, under its project's title; `position` is its place while queued.
    pub fn of(job: &Job, title: &str, position: Option<u32>) -> JobView {
        JobView {
            id: job.id,
            kind: job.kind(),
            lane: job.lane(),
            project_id: job.project_id,
            project_title: title.to_string(),
            scene_index: job.scene_index,
            status: job.status,
            phase: job.phase.clone(),
            attempt: job.tries,
            started_at: (job.status == JobStatus::Running)
                .then_some(job.started_at)
                .flatten(),
            position: (job.status == JobStatus::Queued)
                .then_some(position)
                .flatten(),
            not_before: (job.status == JobStatus::Queued && job.not_before > 0)
                .then_some(job.not_before),
            finished_at: job
                .status
                .is_terminal()
                .then_some(job.finished_at)
                .flatten(),
            error: job.error.clone(),
        }
    }
}

impl Engine {
    /// The project titles by id.
    pub fn project_titles(&self) -> Result<HashMap<Uuid, String>> {
        Ok(self
            .store()
            .projects()?
            .into_iter()
            .map(|p| (p.id, p.title))
            .collect())
    }

    /// Every lane with its running jobs (oldest first) and its first queued ones, in order.
    pub fn activity(&self) -> Result<Activity> {
        let titles = self.project_titles()?;
        let title = |id: &Uuid| titles.get(id).map_or("", String::as_str).to_string();
        let mut running: HashMap<Lane, Vec<JobView>> = HashMap::new();
        let mut ended: Vec<Job> = Vec::new();
        for j in self.jobs()? {
            if j.status.is_terminal() && j.finished_at.is_some() {
                ended.push(j);
                continue;
            }
            if j.status == JobStatus::Running {
                running.entry(j.lane()).or_default().push(JobView::of(
                    &j,
                    &title(&j.project_id),
                    None,
                ));
            }
        }
        let mut lanes = Vec::new();
        for lane in Lane::ALL {
            let order = self.queue_order(lane)?;
            let mut queued = Vec::new();
            for (i, id) in order.iter().take(QUEUED_LISTED).enumerate() {
                if let Some(j) = self.job(*id)? {
                    queued.push(JobView::of(&j, &title(&j.project_id), Some(i as u32 + 1)));
                }
            }
            let mut run = running.remove(&lane).unwrap_or_default();
            run.sort_by_key(|j| j.started_at);
            lanes.push(LaneView {
                lane,
                concurrency: self.config().concurrency(lane) as u32,
                in_use: lane != Lane::Upload || self.sync_target().is_some(),
                running: run,
                queued,
                queued_total: order.len() as u32,
            });
        }
        ended.sort_by_key(|j| std::cmp::Reverse(j.finished_at));
        let recent = ended
            .iter()
            .take(RECENT_LISTED)
            .map(|j| JobView::of(j, &title(&j.project_id), None))
            .collect();
        Ok(Activity {
            paused: self.globally_paused()?,
            lanes,
            recent,
        })
    }
}
