//! What the front ends read: records by id, the queues' order and the pause. The CLI and the
//! app read through these (and the views built on them), never the store or the queue.

use std::collections::HashMap;

use uuid::Uuid;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Job, Lane, Project, Scene};

impl Engine {
    /// A project's record, if it exists.
    pub fn project(&self, id: Uuid) -> Result<Option<Project>> {
        self.store().project(id)
    }

    /// Every project, oldest first.
    pub fn projects(&self) -> Result<Vec<Project>> {
        let mut projects = self.store().projects()?;
        projects.sort_by_key(|p| (p.created_at, p.id));
        Ok(projects)
    }

    /// A project's scenes, in order.
    pub fn scenes(&self, project: Uuid) -> Result<Vec<Scene>> {
        self.store().scenes_of(project)
    }

    /// Scene `index` (1-based) of a project, if it exists.
    pub fn scene(&self, project: Uuid, index: u32) -> Result<Option<Scene>> {
        self.store().scene(project, index)
    }

    /// A job's record, if it exists.
    pub fn job(&self, id: Uuid) -> Result<Option<Job>> {
        self.store().job(id)
    }

    /// Every job the database holds, finished ones included.
    pub fn jobs(&self) -> Result<Vec<Job>> {
        self.store().all_jobs()
    }

    /// The queued jobs of a lane, in the order they will run.
    pub fn queue_order(&self, lane: Lane) -> Result<Vec<Uuid>> {
        self.store().queue_order(lane)
    }

    /// Each queued job's 1-based place in its lane.
    pub fn queue_positions(&self, lane: Lane) -> Result<HashMap<Uuid, u32>> {
        self.queue().positions(lane)
    }

    /// Whether the whole queue is paused (every lane; running jobs finish).
    pub fn globally_paused(&self) -> Result<bool> {
        self.store().globally_paused()
    }
}
