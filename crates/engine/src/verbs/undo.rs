//! A project's undo history: before each edit a person makes (words, order, scenes added or
//! deleted, the look, the voice, the cast, a recording, their own picture or clip, a picture made again),
//! the project and its scenes are kept as they were; Undo puts them back. Everything a scene
//! points to is content-addressed and stays in the data folder, so putting a record back brings
//! its picture, clip and narration back with it. Work the edit started (a picture or narration
//! being made for it) is cancelled; work that was under way before it and was stopped by it is
//! queued again. The history is kept in the database, up to [`KEEP`] steps a project and
//! [`BUDGET`] bytes (a story of hundreds of narrated scenes keeps fewer steps).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{
    now_ms, Job, JobPayload, JobStatus, Lane, Narration, Project, Scene, SCHEMA_VERSION,
};
use crate::queue::Queue;
use crate::store::{abort, Tx, TxResult};

/// How many steps back a project keeps.
pub const KEEP: usize = 50;

/// The most room a project's history takes in the database; the newest step is always kept.
pub const BUDGET: usize = 32 * 1024 * 1024;

/// The project and its scenes before one edit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UndoStep {
    pub v: u32,
    /// What the edit did, as the Undo button says it ("Delete scene 3").
    pub label: String,
    pub project: Project,
    pub scenes: Vec<Scene>,
    pub at: u64,
}

fn prefix(project: Uuid) -> String {
    format!("undo/{}/", project.simple())
}

fn key(project: Uuid, seq: u64) -> String {
    format!("{}{seq:020}", prefix(project))
}

impl Engine {
    /// Keeps the project as it is now, before an edit called `label`. Older steps beyond
    /// [`KEEP`] go.
    pub(crate) fn remember(&self, project: Uuid, label: &str) -> Result<()> {
        let Some(p) = self.store().project(project)? else {
            return Ok(());
        };
        let step = UndoStep {
            v: SCHEMA_VERSION,
            label: label.to_string(),
            scenes: self.store().scenes_of(project)?,
            project: p,
            at: now_ms(),
        };
        let seq = self.store().next_seq()?;
        let old = self.store().meta_sizes(&prefix(project))?;
        let size = serde_json::to_vec(&step).map_or(0, |b| b.len());
        // The oldest steps go while there are too many or they take too much room.
        let (mut count, mut total) = (
            old.len() + 1,
            size + old.iter().map(|(_, n)| n).sum::<usize>(),
        );
        let mut drop = 0;
        for (_, n) in &old {
            if count <= KEEP && total <= BUDGET {
                break;
            }
            drop += 1;
            count -= 1;
            total -= n;
        }
        self.store().transact(|tx| {
            for (k, _) in old.iter().take(drop) {
                tx.remove_meta(k)?;
            }
            tx.put_meta(&key(project, seq), &step)
        })?;
        Ok(())
    }

    /// What Undo would undo for the project, if anything.
    pub fn undo_label(&self, project: Uuid) -> Result<Option<String>> {
        Ok(self
            .store()
            .meta_scan::<UndoStep>(&prefix(project))?
            .pop()
            .map(|(_, s)| s.label))
    }

    /// Forgets a project's history (the project is deleted).
    pub(crate) fn forget_history(&self, project: Uuid) -> Result<()> {
        let keys: Vec<String> = self
            .store()
            .meta_scan::<serde::de::IgnoredAny>(&prefix(project))?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        self.store().transact(|tx| {
            for k in &keys {
                tx.remove_meta(k)?;
            }
            Ok(())
        })
    }

    /// Undoes the project's latest edit; returns what was undone, or None when there is
    /// nothing to undo.
    pub async fn undo(&self, project: Uuid) -> Result<Option<String>> {
        let Some((k, step)) = self.store().meta_scan::<UndoStep>(&prefix(project))?.pop() else {
            return Ok(None);
        };
        // Sequence numbers for the jobs that may be needed, taken outside the transaction.
        let n = step.scenes.len() * 2 + 2;
        let seqs = (0..n)
            .map(|_| self.store().next_seq())
            .collect::<Result<Vec<_>>>()?;
        let queued = self.store().transact(|tx| {
            let Some(mut p) = tx.project(project)? else {
                return abort(Error::NotFound("The project no longer exists.".into()));
            };
            let mut seqs = seqs.iter().copied();
            let mut next = || seqs.next().unwrap_or(0);
            let now = now_ms();
            let kept: std::collections::HashSet<Uuid> = step
                .scenes
                .iter()
                .flat_map(|s| {
                    std::iter::once(s.job_id).chain(s.narration.as_ref().map(|n| n.job_id))
                })
                .collect();
            // The scenes as they are: work started for them that the step does not know stops.
            let count = p.scene_count.max(step.scenes.len() as u32);
            let mut now_by_job = std::collections::HashMap::new();
            for index in 1..=count {
                let Some(s) = tx.scene(project, index)? else {
                    continue;
                };
                now_by_job.insert(s.job_id, s.clone());
                if let Some(n) = &s.narration {
                    now_by_job.insert(n.job_id, s.clone());
                }
                for id in std::iter::once(s.job_id).chain(s.narration.as_ref().map(|n| n.job_id)) {
                    if !kept.contains(&id) {
                        Queue::cancel_in(tx, id, now)?;
                    }
                }
                if index as usize > step.scenes.len() {
                    tx.remove_scene(project, index)?;
                }
            }
            let mut queued = Vec::new();
            for s in &step.scenes {
                let mut s = s.clone();
                // Work that was under way then and has finished since keeps its result.
                if let Some(cur) = now_by_job.get(&s.job_id).filter(|c| {
                    !s.status.is_terminal() && c.job_id == s.job_id && c.status.is_terminal()
                }) {
                    s.status = cur.status;
                    s.image = cur.image.clone();
                    s.error = cur.error.clone();
                    s.attempts = cur.attempts;
                    s.sync = cur.sync.clone();
                }
                let narration_job = s.narration.as_ref().map(|n| n.job_id);
                if let (Some(id), Some(cur)) = (
                    narration_job,
                    narration_job.and_then(|id| now_by_job.get(&id)),
                ) {
                    let finished = cur
                        .narration
                        .as_ref()
                        .filter(|n| n.job_id == id && n.status.is_terminal());
                    if let (Some(n), Some(f)) = (s.narration.as_mut(), finished) {
                        if !n.status.is_terminal() {
                            *n = f.clone();
                        }
                    }
                }
                restore_picture(tx, &mut s, next(), &mut queued)?;
                restore_narration(tx, &mut s, next(), &mut queued)?;
                s.updated_at = now;
                tx.put_scene(&s)?;
            }
            // What the person edits comes back; what the engine made since (the video, the
            // render asked for) stays: the video shows as out of date if it no longer matches.
            p.title = step.project.title.clone();
            p.style = step.project.style.clone();
            p.aspect = step.project.aspect;
            p.voice = step.project.voice.clone();
            p.cast = step.project.cast.clone();
            p.scene_count = step.scenes.len() as u32;
            p.updated_at = now;
            tx.put_project(&p)?;
            tx.remove_meta(&k)?;
            Ok(queued)
        })?;
        self.store().flush().await?;
        for j in &queued {
            self.emit_job(j);
        }
        self.emit_project(project);
        self.wake(Lane::Generate);
        self.wake(Lane::Narrate);
        self.rerender_if_wanted(project).await;
        Ok(Some(step.label))
    }
}

/// A job of `payload` for scene `s` with sequence number `seq`, recorded as finished
/// (`done`) or queued.
fn job_for(
    tx: &Tx,
    payload: JobPayload,
    s: &Scene,
    seq: u64,
    done: bool,
    queued: &mut Vec<Job>,
) -> TxResult<Job> {
    let mut job = Job::new(payload, s.project_id, Some(s.index), seq, 0);
    if done {
        job.status = JobStatus::Succeeded;
        job.finished_at = Some(job.updated_at);
        job.phase = Some("as it was".into());
    }
    Queue::put_job(tx, None, &job)?;
    if !done {
        queued.push(job.clone());
    }
    Ok(job)
}

/// Whether job `id` still stands for a scene's work recorded as `status` (finished with it,
/// or still to run); if so, a finished job is moved to the scene's place `index` now (an edit
/// may have moved the scene).
fn still_stands(tx: &Tx, id: Uuid, status: JobStatus, index: u32) -> TxResult<bool> {
    let job = tx.job(id)?;
    let fits = job.as_ref().is_some_and(|j| match status {
        JobStatus::Succeeded => j.status == JobStatus::Succeeded,
        JobStatus::Queued | JobStatus::Running => !j.status.is_terminal(),
        _ => true,
    });
    if let Some(mut j) =
        job.filter(|j| fits && j.scene_index != Some(index) && j.status.is_terminal())
    {
        j.scene_index = Some(index);
        tx.put_job_record(&j)?;
    }
    Ok(fits)
}

/// The scene's picture as it was: kept where its job still stands for it; a finished picture
/// whose job an edit replaced gets a finished job again; a picture that was still to be made
/// is queued again.
fn restore_picture(tx: &Tx, s: &mut Scene, seq: u64, queued: &mut Vec<Job>) -> TxResult<()> {
    if still_stands(tx, s.job_id, s.status, s.index)? {
        return Ok(());
    }
    match s.status {
        JobStatus::Succeeded if s.image.is_some() => {
            s.job_id = job_for(tx, JobPayload::GenerateScene, s, seq, true, queued)?.id;
        }
        JobStatus::Failed | JobStatus::Cancelled => {}
        _ => {
            s.job_id = job_for(tx, JobPayload::GenerateScene, s, seq, false, queued)?.id;
            s.status = JobStatus::Queued;
            s.image = None;
        }
    }
    Ok(())
}

/// The scene's narration as it was, by the same rule as its picture.
fn restore_narration(tx: &Tx, s: &mut Scene, seq: u64, queued: &mut Vec<Job>) -> TxResult<()> {
    let Some(n) = s.narration.clone() else {
        return Ok(());
    };
    if still_stands(tx, n.job_id, n.status, s.index)? {
        return Ok(());
    }
    let spoken = n.status == JobStatus::Succeeded && n.speech.is_some();
    if matches!(n.status, JobStatus::Failed | JobStatus::Cancelled) {
        return Ok(());
    }
    let job = job_for(tx, JobPayload::NarrateScene, s, seq, spoken, queued)?;
    s.narration = Some(if spoken {
        Narration {
            job_id: job.id,
            ..n
        }
    } else {
        Narration::queued(&job)
    });
    Ok(())
}
