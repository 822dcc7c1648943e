//! Editing a story's cast and look, and a scene's own cast choices (its seed, characters linked
//! or unlinked by hand). A change remakes exactly the scenes whose picture it changes: those
//! whose characters, look or seed would be asked for differently. [`Engine::cast_change`] says
//! which before anything changes, so a front end can say how many pictures will be made again;
//! the person's own pictures and clips stay. Each change can be undone.

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{
    now_ms, Cast, Job, JobPayload, JobStatus, Lane, Project, Scene, SceneChoice, MAX_SEED,
};
use crate::queue::Queue;
use crate::store::abort;

/// Which scenes a change of the cast touches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CastChange {
    /// Scenes that get a new picture (1-based).
    pub remade: Vec<u32>,
    /// Scenes the change touches that show the person's own picture or clip, which stays.
    pub kept_own: Vec<u32>,
    /// Scenes narrated again: a character with quoted lines in them has another voice now.
    pub revoiced: Vec<u32>,
}

impl CastChange {
    /// The change in words: "3 pictures are made again (scenes 1, 2 and 4)."
    pub fn sentence(&self) -> String {
        let list = |v: &[u32]| {
            let s: Vec<String> = v.iter().map(u32::to_string).collect();
            let refs: Vec<&str> = s.iter().map(String::as_str).collect();
            crate::providers::and_list(&refs)
        };
        let mut out = match self.remade.len() {
            0 => "No picture changes.".to_string(),
            1 => format!("1 picture is made again (scene {}).", self.remade[0]),
            n => format!(
                "{n} pictures are made again (scenes {}).",
                list(&self.remade)
            ),
        };
        if !self.revoiced.is_empty() {
            let n = self.revoiced.len();
            out.push_str(&format!(
                " {n} {} narrated again (scene{} {}).",
                if n == 1 { "scene is" } else { "scenes are" },
                if n == 1 { "" } else { "s" },
                list(&self.revoiced)
            ));
        }
        if !self.kept_own.is_empty() {
            out.push_str(&format!(
                " Your own {} in scene{} {} stay{}.",
                if self.kept_own.len() == 1 {
                    "file"
                } else {
                    "files"
                },
                if self.kept_own.len() == 1 { "" } else { "s" },
                list(&self.kept_own),
                if self.kept_own.len() == 1 { "s" } else { "" }
            ));
        }
        out
    }
}

fn own(s: &Scene) -> bool {
    s.status == JobStatus::Succeeded && s.image.as_ref().is_some_and(|i| i.own.is_some())
}

/// The scenes whose picture `after` asks for differently from `before`.
fn touched(
    project: &Project,
    before: &Cast,
    after: &Cast,
    scenes: &[(Scene, SceneChoice)],
) -> CastChange {
    let mut change = CastChange::default();
    for (s, new_choice) in scenes {
        let words = s.cast_words();
        let old = before.scene_part(project.id, &words, &s.choice);
        let new = after.scene_part(project.id, &words, new_choice);
        if old != new {
            if own(s) {
                change.kept_own.push(s.index);
            } else {
                change.remade.push(s.index);
            }
        }
        let speaks = |name: &str| {
            crate::voices::dialogue::lines(&s.text, &[name])
                .iter()
                .any(|l| l.speaker.is_some())
        };
        let recorded = s
            .narration
            .as_ref()
            .and_then(|n| n.speech.as_ref())
            .is_some_and(|sp| sp.is_recording());
        if project.voice.is_some()
            && !recorded
            && new_voices(before, after).iter().any(|n| speaks(n))
        {
            change.revoiced.push(s.index);
        }
    }
    change
}

/// The names of characters whose voice differs between `before` and `after` (added, removed,
/// renamed or given another voice), among those with a voice in either.
fn new_voices(before: &Cast, after: &Cast) -> Vec<String> {
    let voice = |c: &Cast, name: &str| c.character(name).and_then(|x| x.voice.clone());
    before
        .characters
        .iter()
        .chain(&after.characters)
        .filter(|c| voice(before, &c.name) != voice(after, &c.name))
        .map(|c| c.name.clone())
        .collect()
}

impl Engine {
    /// Checks `cast` for `project`: a sentence for what is wrong, else the cast as kept.
    fn checked_cast(&self, mut cast: Cast) -> Result<Cast> {
        for c in &mut cast.characters {
            c.name = c.name.trim().to_string();
            c.description = c.description.trim().to_string();
        }
        cast.look.words = cast.look.words.trim().to_string();
        cast.look.palette = cast
            .look
            .palette
            .iter()
            .map(|c| c.trim().to_string())
            .collect();
        if let Some(why) = cast.problem() {
            return Err(Error::Input(why));
        }
        // A reference picture must be one this data folder keeps (made by `prepare_reference`).
        let refs = cast
            .characters
            .iter()
            .filter_map(|c| c.reference.as_ref().map(|r| (c.name.as_str(), r)))
            .chain(cast.look.reference.as_ref().map(|r| ("the look", r)));
        for (who, r) in refs {
            let kept = r.ext == "png"
                && self
                    .assets()
                    .path(&r.hash, &r.ext)
                    .is_ok_and(|p| p.is_file());
            if !kept {
                return Err(Error::Input(format!(
                    "The reference picture of {who} is not in the data folder; choose the picture again."
                )));
            }
        }
        Ok(cast)
    }

    /// Which scenes setting `cast` would remake, changing nothing.
    pub fn cast_change(&self, project: &Project, cast: &Cast) -> Result<CastChange> {
        let cast = self.checked_cast(cast.clone())?;
        let p = self.current(project)?;
        let scenes: Vec<(Scene, SceneChoice)> = self
            .store()
            .scenes_of(p.id)?
            .into_iter()
            .map(|s| {
                let c = s.choice.clone();
                (s, c)
            })
            .collect();
        Ok(touched(&p, &p.cast, &cast, &scenes))
    }

    /// Sets `project`'s cast and look, and remakes the pictures the change touches.
    pub async fn set_cast(&self, project: &Project, cast: Cast) -> Result<CastChange> {
        let cast = self.checked_cast(cast)?;
        self.apply_cast(project, Some(cast), None, "Change the cast")
            .await
    }

    /// Sets scene `index`'s own seed and its characters linked or unlinked by hand.
    pub async fn set_scene_cast(
        &self,
        project: &Project,
        index: u32,
        mut choice: SceneChoice,
    ) -> Result<CastChange> {
        if choice.seed.is_some_and(|s| s > MAX_SEED) {
            return Err(Error::Input(format!(
                "A seed is a whole number from 0 to {MAX_SEED}."
            )));
        }
        let p = self.current(project)?;
        for name in choice.with.iter().chain(&choice.without) {
            if p.cast.character(name).is_none() {
                return Err(Error::Input(format!(
                    "{name} is not in the cast; add them to the cast first."
                )));
            }
        }
        if let Some(n) = choice.with.iter().find(|n| {
            choice
                .without
                .iter()
                .any(|m| m.trim().eq_ignore_ascii_case(n.trim()))
        }) {
            return Err(Error::Input(format!(
                "{n} cannot be both shown and left out of scene {index}; choose one."
            )));
        }
        for list in [&mut choice.with, &mut choice.without] {
            for n in list.iter_mut() {
                if let Some(c) = p.cast.character(n) {
                    *n = c.name.clone();
                }
            }
            list.sort();
            list.dedup();
        }
        if self.store().scene(p.id, index)?.is_none() {
            return Err(Error::NotFound(format!(
                "{} has no scene {index}.",
                p.title
            )));
        }
        let label = format!("Change the cast of scene {index}");
        self.apply_cast(project, None, Some((index, choice)), &label)
            .await
    }

    fn current(&self, project: &Project) -> Result<Project> {
        self.store().project(project.id)?.ok_or_else(|| {
            Error::NotFound(format!("The story {} no longer exists.", project.title))
        })
    }

    async fn apply_cast(
        &self,
        project: &Project,
        cast: Option<Cast>,
        scene: Option<(u32, SceneChoice)>,
        label: &str,
    ) -> Result<CastChange> {
        let id = project.id;
        let title = project.title.clone();
        self.remember(id, label)?;
        let count = self.store().scenes_of(id)?.len();
        let seqs = (0..count)
            .map(|_| self.store().next_seq())
            .collect::<Result<Vec<_>>>()?;
        let now = now_ms();
        let (change, jobs) = self.store().transact(|tx| {
            let Some(mut p) = tx.project(id)? else {
                return abort(Error::NotFound(format!(
                    "The story {title} no longer exists."
                )));
            };
            let mut scenes = Vec::new();
            for n in 1..=p.scene_count {
                if let Some(s) = tx.scene(id, n)? {
                    let choice = match &scene {
                        Some((i, c)) if *i == n => c.clone(),
                        _ => s.choice.clone(),
                    };
                    scenes.push((s, choice));
                }
            }
            let after = cast.clone().unwrap_or_else(|| p.cast.clone());
            let change = touched(&p, &p.cast, &after, &scenes);
            let mut jobs = Vec::new();
            for (i, (mut s, choice)) in scenes.into_iter().enumerate() {
                let remake = change.remade.contains(&s.index);
                if !remake && s.choice == choice {
                    continue;
                }
                s.choice = choice;
                s.updated_at = now;
                if remake {
                    Queue::cancel_in(tx, s.job_id, now)?;
                    let seq = seqs.get(i).copied().unwrap_or(now);
                    let job = Job::new(JobPayload::GenerateScene, id, Some(s.index), seq, 0);
                    Queue::put_job(tx, None, &job)?;
                    s.job_id = job.id;
                    s.status = JobStatus::Queued;
                    s.attempts = 0;
                    s.error = None;
                    jobs.push(job);
                }
                tx.put_scene(&s)?;
            }
            p.cast = after;
            p.updated_at = now;
            tx.put_project(&p)?;
            Ok((change, jobs))
        })?;
        self.store().flush().await?;
        for j in &jobs {
            self.emit_job(j);
        }
        self.emit_project(id);
        if !jobs.is_empty() {
            self.wake(Lane::Generate);
        }
        if !change.revoiced.is_empty() {
            let scenes = self.store().scenes_of(id)?;
            let list = change.revoiced.clone();
            self.queue_narrations(id, None, &scenes, |s| list.contains(&s.index))
                .await?;
        }
        self.rerender_if_wanted(id).await;
        Ok(change)
    }
}
