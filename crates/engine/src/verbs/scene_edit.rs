//! Editing a story after Generate: a scene's text, title and prompt; adding, deleting,
//! splitting, merging and reordering scenes; the project's style and frame. Only what changed is
//! made again: a title card whose words changed is redrawn, a provider's picture is kept unless
//! its prompt changed. The video then no longer matches its scenes (its fingerprint), so it
//! shows as out of date until it is rendered again.
//!
//! Every edit is one transaction over the new list of scenes. Each entry says which old scene it
//! continues (`from`), or none for a new one. Jobs follow their scenes: active generate jobs of
//! scenes that change are cancelled (a late result is dropped as stale) and new ones queued;
//! uploads still under way for a scene that moved are planned again under its new place.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{now_ms, Aspect, Job, JobPayload, JobStatus, Lane, Project, Scene, SyncState};
use crate::queue::Queue;
use crate::store::abort;
use crate::story::{MAX_PROMPT_CHARS, MAX_TITLE_CHARS};
use crate::style::Style;

/// One scene of the story as it is to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SceneEdit {
    /// The scene (by its current index) this one continues; None for a new scene.
    pub from: Option<u32>,
    pub title: Option<String>,
    pub text: String,
    /// The prompt sent to the image provider, exactly. None keeps the scene's prompt, or, where
    /// that was made from the text and the style, makes it again from the new text.
    pub prompt: Option<String>,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditOutcome {
    pub project: Project,
    /// The scenes (new indices) that get a new picture.
    pub remade: Vec<u32>,
}

/// Whether a scene's picture is made again after an edit. A finished title card is redrawn
/// when its words or prompt changed, a provider's picture only when its prompt changed. A scene
/// still waiting keeps its place unless it changed or moved (its job then follows it); a failed
/// or cancelled one stays so unless it changed (the person decided about it).
fn needs_new_picture(
    old: &Scene,
    new_title: &Option<String>,
    new_text: &str,
    new_prompt: &str,
    moved: bool,
) -> bool {
    let words = old.text != new_text || &old.title != new_title;
    let prompt = old.prompt != new_prompt;
    match (old.status, &old.image) {
        (JobStatus::Succeeded, Some(img)) if img.placeholder => words || prompt,
        (JobStatus::Succeeded, Some(_)) => prompt,
        (JobStatus::Queued | JobStatus::Running, _) => moved || words || prompt,
        _ => words || prompt,
    }
}

/// What an edit of the scenes does, as the Undo button names it.
pub(crate) fn describe(before: &[Scene], after: &[SceneEdit]) -> String {
    let kept: Vec<u32> = after.iter().filter_map(|e| e.from).collect();
    let deleted: Vec<u32> = before
        .iter()
        .map(|s| s.index)
        .filter(|i| !kept.contains(i))
        .collect();
    let added = after.iter().filter(|e| e.from.is_none()).count();
    let moved = kept.windows(2).any(|w| w[0] > w[1]);
    let changed: Vec<u32> = after
        .iter()
        .filter_map(|e| {
            let b = before.iter().find(|s| Some(s.index) == e.from)?;
            (b.text != e.text.trim()
                || b.title.as_deref().unwrap_or("") != e.title.as_deref().unwrap_or("").trim()
                || e.prompt.as_deref().is_some_and(|p| p.trim() != b.prompt))
            .then_some(b.index)
        })
        .collect();
    match (deleted.as_slice(), added, moved, changed.as_slice()) {
        ([one], 0, false, []) => format!("Delete scene {one}"),
        ([], 1, false, []) => "Add a scene".to_string(),
        ([], 0, true, []) => "Move a scene".to_string(),
        ([], 0, false, [one]) => format!("Edit scene {one}"),
        ([_], 1, false, []) | ([], 1, false, [_]) => "Split a scene".to_string(),
        ([_], 0, false, [_]) => "Merge two scenes".to_string(),
        _ => "Edit the scenes".to_string(),
    }
}

impl Engine {
    /// Replaces a project's scenes by `scenes` (see the module's words). Refused, with nothing
    /// changed, when a scene has no text, a field is too long, a `from` is unknown or used twice,
    /// or there would be more scenes than the story limit.
    pub async fn edit_scenes(
        &self,
        project: &Project,
        scenes: Vec<SceneEdit>,
    ) -> Result<EditOutcome> {
        let before = self.store().scenes_of(project.id)?;
        let label = describe(&before, &scenes);
        self.restructure(project, scenes, None, None, &label).await
    }

    /// Changes a project's style and/or frame. Every scene gets a new picture; prompts made from
    /// the old style are made again from the new one (a prompt the person wrote is kept).
    pub async fn set_project_look(
        &self,
        project: &Project,
        style: Option<&str>,
        aspect: Option<Aspect>,
    ) -> Result<EditOutcome> {
        let style = match style {
            Some(name) => Some(Style::by_name(name).ok_or_else(|| {
                Error::Input(format!(
                    "Unknown style `{name}`. Choose one of: {}.",
                    Style::names().join(", ")
                ))
            })?),
            None => None,
        };
        let current = self.store().scenes_of(project.id)?;
        let keep: Vec<SceneEdit> = current
            .iter()
            .map(|s| SceneEdit {
                from: Some(s.index),
                title: s.title.clone(),
                text: s.text.clone(),
                prompt: None,
            })
            .collect();
        self.restructure(project, keep, style, aspect, "Change the look")
            .await
    }

    async fn restructure(
        &self,
        project: &Project,
        scenes: Vec<SceneEdit>,
        style: Option<&'static Style>,
        aspect: Option<Aspect>,
        label: &str,
    ) -> Result<EditOutcome> {
        let limits = &self.config().story;
        if scenes.is_empty() {
            return Err(Error::Input(
                "A story needs at least one scene: keep one, or delete the whole story instead."
                    .into(),
            ));
        }
        if scenes.len() > limits.max_scenes {
            return Err(Error::Input(format!(
                "That makes {} scenes; a story may have {}.",
                scenes.len(),
                limits.max_scenes
            )));
        }
        for (i, s) in scenes.iter().enumerate() {
            let n = i + 1;
            let chars = s.text.trim().chars().count();
            if chars == 0 {
                return Err(Error::Input(format!(
                    "Scene {n} has no text: write what it shows, or delete the scene."
                )));
            }
            if chars > limits.max_scene_chars {
                return Err(Error::Input(format!(
                    "Scene {n} has {chars} characters; keep it to {}, or split it.",
                    limits.max_scene_chars
                )));
            }
            if s.title
                .as_deref()
                .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
            {
                return Err(Error::Input(format!(
                    "The title of scene {n} is too long; keep it to {MAX_TITLE_CHARS} characters."
                )));
            }
            if s.prompt.as_deref().is_some_and(|p| p.trim().is_empty()) {
                return Err(Error::Input(format!(
                    "The prompt of scene {n} is empty: describe the picture, or leave the prompt to the story's style."
                )));
            }
            if s.prompt
                .as_deref()
                .is_some_and(|p| p.chars().count() > MAX_PROMPT_CHARS)
            {
                return Err(Error::Input(format!(
                    "The prompt of scene {n} is too long; keep it to {MAX_PROMPT_CHARS} characters."
                )));
            }
        }
        let old_style = Style::by_name(&project.style)
            .or_else(|| Style::by_name(&self.config().generation.style))
            .ok_or_else(|| {
                Error::Input(format!(
                    "The story's style `{}` is unknown. Choose one of: {}.",
                    project.style,
                    Style::names().join(", ")
                ))
            })?;
        let new_style = style.unwrap_or(old_style);
        // Checked: the edit will be made. Kept as it is now, for Undo.
        self.remember(project.id, label)?;
        let look_changed = style.is_some_and(|s| s.name != old_style.name)
            || aspect.is_some_and(|a| a != project.aspect);
        let seqs = (0..scenes.len())
            .map(|_| self.store().next_seq())
            .collect::<Result<Vec<_>>>()?;
        let (id, title) = (project.id, project.title.clone());
        let now = now_ms();
        let target = self.sync_target().cloned();
        // Uploads still to do for scenes that move are planned again (outside the transaction:
        // planning takes sequence numbers).
        let old_scenes = self.store().scenes_of(id)?;
        let mut replans = Vec::new();
        for (i, e) in scenes.iter().enumerate() {
            let new_index = i as u32 + 1;
            let Some(from) = e.from else { continue };
            let Some(old) = old_scenes.iter().find(|s| s.index == from) else {
                continue;
            };
            let unsynced = old
                .sync
                .as_ref()
                .is_some_and(|s| s.state != SyncState::Synced);
            if from != new_index && unsynced {
                if let Some(img) = &old.image {
                    let thumb = self.store().asset(&img.thumb_hash)?;
                    let (thumb_ext, thumb_bytes) =
                        thumb.map_or(("jpg".to_string(), 0), |a| (a.ext, a.bytes));
                    let jobs = self.plan_scene_uploads(
                        id,
                        new_index,
                        (&img.hash, &img.ext, img.bytes),
                        (&img.thumb_hash, &thumb_ext, thumb_bytes),
                    )?;
                    replans.push((new_index, jobs));
                }
            }
        }
        let (project, remade, jobs) = self.store().transact(|tx| {
            let Some(mut p) = tx.project(id)? else {
                return abort(Error::NotFound(format!("The story {title} no longer exists.")));
            };
            let mut old: Vec<Scene> = Vec::new();
            for n in 1..=p.scene_count.max(old_scenes.len() as u32) {
                if let Some(s) = tx.scene(id, n)? {
                    old.push(s);
                }
            }
            let mut used = std::collections::HashSet::new();
            for (i, e) in scenes.iter().enumerate() {
                if let Some(f) = e.from {
                    if !old.iter().any(|s| s.index == f) {
                        return abort(Error::Input(format!(
                            "Scene {} continues scene {f}, which this story does not have (it was changed meanwhile?). Reopen the story and edit again.",
                            i + 1
                        )));
                    }
                    if !used.insert(f) {
                        return abort(Error::Input(format!(
                            "Scene {f} is used twice; each scene can continue only once."
                        )));
                    }
                }
            }
            let mut remade = Vec::new();
            let mut queued = Vec::new();
            let mut rows = Vec::new();
            for (i, e) in scenes.iter().enumerate() {
                let index = i as u32 + 1;
                let text = e.text.trim().to_string();
                let title = e.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
                let base = e.from.and_then(|f| old.iter().find(|s| s.index == f));
                let prompt = match (&e.prompt, base) {
                    (Some(p), _) => p.trim().to_string(),
                    // A prompt made from the text and the style follows both.
                    (None, Some(b)) if b.prompt == old_style.prompt_for(&b.text) => new_style.prompt_for(&text),
                    (None, Some(b)) => b.prompt.clone(),
                    (None, None) => new_style.prompt_for(&text),
                };
                let mut scene = match base {
                    Some(b) => b.clone(),
                    None => Scene {
                        v: crate::model::SCHEMA_VERSION,
                        project_id: id,
                        index,
                        title: None,
                        text: String::new(),
                        prompt: String::new(),
                        negative_prompt: None,
                        duration_s: None,
                        line: 0,
                        status: JobStatus::Queued,
                        job_id: uuid::Uuid::nil(),
                        attempts: 0,
                        claims: 0,
                        image: None,
                        error: None,
                        updated_at: now,
                        sync: None,
                        narration: None,
                        choice: Default::default(),
                    },
                };
                // The person's own picture or clip stays whatever changes: only they replace it.
                let own = base.is_some_and(|b| {
                    b.status == JobStatus::Succeeded && b.image.as_ref().is_some_and(|i| i.own.is_some())
                });
                let remake = !own
                    && (look_changed
                        || base.is_none_or(|b| {
                            needs_new_picture(b, &title, &text, &prompt, b.index != index)
                        }));
                if let Some(b) = base {
                    if remake {
                        // Its generate job is replaced.
                        Queue::cancel_in(tx, b.job_id, now)?;
                    }
                    if !remake && b.index != index {
                        if let Some(mut j) = tx.job(b.job_id)? {
                            if j.status.is_terminal() {
                                j.scene_index = Some(index);
                                tx.put_job_record(&j)?;
                            }
                        }
                    }
                }
                scene.index = index;
                scene.title = title;
                scene.text = text;
                scene.prompt = prompt;
                scene.updated_at = now;
                if remake {
                    let job = Job::new(JobPayload::GenerateScene, id, Some(index), seqs[i], 0);
                    Queue::put_job(tx, None, &job)?;
                    scene.job_id = job.id;
                    scene.status = JobStatus::Queued;
                    scene.attempts = 0;
                    scene.error = None;
                    remade.push(index);
                    queued.push(job);
                }
                rows.push(scene);
            }
            // Scenes left out: their work stops, their records go.
            for s in &old {
                if !used.contains(&s.index) {
                    Queue::cancel_in(tx, s.job_id, now)?;
                    if let Some(n) = &s.narration {
                        Queue::cancel_in(tx, n.job_id, now)?;
                    }
                    if let Some(sync) = &s.sync {
                        for j in std::iter::once(sync.job_id).chain(sync.thumb_job) {
                            Queue::cancel_in(tx, j, now)?;
                        }
                    }
                }
                if s.index as usize > rows.len() {
                    tx.remove_scene(id, s.index)?;
                }
            }
            for mut scene in rows {
                match (replans.iter().find(|(n, _)| *n == scene.index), &target) {
                    (Some((_, jobs)), Some(t)) => {
                        crate::sync::attach_uploads(tx, &mut scene, jobs, t)?;
                    }
                    _ => tx.put_scene(&scene)?,
                }
            }
            p.scene_count = scenes.len() as u32;
            p.style = new_style.name.to_string();
            if let Some(a) = aspect {
                p.aspect = a;
            }
            p.updated_at = now;
            tx.put_project(&p)?;
            Ok((p, remade, queued))
        })?;
        self.store().flush().await?;
        // Narration follows the new texts and places.
        self.follow_edits(project.id).await?;
        for j in &jobs {
            self.emit_job(j);
        }
        self.emit_project(project.id);
        self.wake(Lane::Generate);
        if !replans.is_empty() {
            self.wake(Lane::Upload);
        }
        // One rule for the video: any edit that changes it renders it again once every scene
        // is ready (at once for a delete or a move, which make nothing new).
        self.rerender_if_wanted(project.id).await;
        Ok(EditOutcome { project, remade })
    }
}
