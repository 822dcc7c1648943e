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
    pub error: Option<UserError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LaneView {
    pub lane: Lane,
    pub concurrency: u32,
    pub running: Vec<JobView>,
    pub queued: Vec<JobView>,
    pub queued_total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Activity {
    pub paused: bool,
    pub lanes: Vec<LaneView>,
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
            attempt: job.attempt,
            started_at: (job.status == JobStatus::Running)
                .then_some(job.started_at)
                .flatten(),
            position: (job.status == JobStatus::Queued)
                .then_some(position)
                .flatten(),
            not_before: (job.status == JobStatus::Queued && job.not_before > 0)
                .then_some(job.not_before),
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
        for j in self.jobs()? {
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
                running: run,
                queued,
                queued_total: order.len() as u32,
            });
        }
        Ok(Activity {
            paused: self.globally_paused()?,
            lanes,
        })
    }
}
