//! Narration from the facade: a new project's voice and language, changing them afterwards,
//! narrating scenes again (those a fallback voice spoke, or chosen ones), and whether a
//! project's narration is ready for its video.

use uuid::Uuid;

use crate::engine::{Engine, ImportOptions, VoiceOption};
use crate::error::{Error, Result};
use crate::language;
use crate::model::{now_ms, Job, JobPayload, JobStatus, Lane, Narration, Scene, VoiceChoice};
use crate::queue::Queue;
use crate::store::abort;

/// Which scenes to narrate again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoice {
    /// Scenes a fallback voice spoke (or silence stood in for), and failed ones.
    Fallbacks,
    /// These scenes (1-based).
    Scenes(Vec<u32>),
    /// Every scene.
    All,
}

impl Engine {
    /// A new project's voice: none when narration is off; else the voice asked for and the
    /// language chosen, configured or detected from `text`.
    pub(crate) fn voice_choice(
        &self,
        opts: &ImportOptions,
        text: &str,
    ) -> Result<Option<VoiceChoice>> {
        let cfg = &self.config().voice;
        let voice = match &opts.voice {
            VoiceOption::Off => return Ok(None),
            VoiceOption::Default if !cfg.enabled => return Ok(None),
            VoiceOption::Default => None,
            VoiceOption::Named(n) => {
                let n = n.trim().to_ascii_lowercase();
                let n = if n == "espeak" { "espeak-ng".into() } else { n };
                if !crate::config::KNOWN_VOICES.contains(&n.as_str()) {
                    return Err(Error::Input(format!(
                        "There is no voice called `{n}`; choose one of {}.",
                        crate::config::KNOWN_VOICES.join(", ")
                    )));
                }
                Some(n)
            }
        };
        self.choice_of(voice, opts.language.clone(), text).map(Some)
    }

    /// A voice choice (`voice`: tried first; none: the configured chain) in `language`, else
    /// the configured one, else the one told from `text`.
    fn choice_of(
        &self,
        voice: Option<String>,
        language: Option<String>,
        text: &str,
    ) -> Result<VoiceChoice> {
        let cfg = &self.config().voice;
        let chosen = language.or_else(|| (cfg.language != "auto").then(|| cfg.language.clone()));
        let (lang, language_chosen) = match chosen {
            Some(code) => (
                language::by_code(&code).ok_or_else(|| {
                    Error::Input(format!(
                        "`{code}` is not a language StoryReel narrates; use a code such as en, fr, de, es, ja."
                    ))
                })?,
                true,
            ),
            None => (
                language::detect(text).unwrap_or_else(language::english),
                false,
            ),
        };
        Ok(VoiceChoice {
            voice,
            language: lang.code.to_string(),
            language_chosen,
        })
    }

    /// Changes how a project is narrated (`None`: no voice) and narrates every scene again
    /// (but those with the person's own recording).
    pub async fn set_project_voice(
        &self,
        project: Uuid,
        choice: Option<VoiceChoice>,
    ) -> Result<usize> {
        if let Some(c) = &choice {
            if language::by_code(&c.language).is_none() {
                return Err(Error::Input(format!(
                    "`{}` is not a language StoryReel narrates; use a code such as en, fr, de, es, ja.",
                    c.language
                )));
            }
        }
        let scenes = self.store().scenes_of(project)?;
        if self.store().project(project)?.is_none() {
            return Err(Error::NotFound("The project no longer exists.".into()));
        }
        self.remember(
            project,
            if choice.is_some() {
                "Change the voice"
            } else {
                "Turn the voice off"
            },
        )?;
        let n = self
            .queue_narrations(project, Some(&choice), &scenes, |s| !has_recording(s))
            .await?;
        self.emit_project(project);
        // The voice turned off changes the video with nothing to wait for.
        self.rerender_if_wanted(project).await;
        Ok(n)
    }

    /// Narrates a project with the voice named (`auto`: the configured chain; `off`: none)
    /// from now on, its language told from its scenes as at import; returns how many scenes
    /// were queued to narrate.
    pub async fn choose_voice(&self, p: &crate::model::Project, voice: &str) -> Result<usize> {
        let voice = match voice.trim() {
            "off" | "none" => VoiceOption::Off,
            "auto" | "default" => VoiceOption::Default,
            n => VoiceOption::Named(n.to_string()),
        };
        let scenes = self.store().scenes_of(p.id)?;
        let text: String = scenes
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        let language = p.voice.as_ref().map(|v| v.language.clone());
        let opts = ImportOptions {
            voice,
            language,
            ..Default::default()
        };
        // Asked for by a person: `auto` is the configured chain even where new stories are
        // made without a voice.
        let choice = match self.voice_choice(&opts, &text)? {
            None if opts.voice == VoiceOption::Default => {
                Some(self.choice_of(None, opts.language.clone(), &text)?)
            }
            c => c,
        };
        self.set_project_voice(p.id, choice).await
    }

    /// Narrates scenes of a project again; returns how many were queued.
    pub async fn revoice(&self, project: Uuid, which: Revoice) -> Result<usize> {
        let p = self
            .store()
            .project(project)?
            .ok_or_else(|| Error::NotFound("The project no longer exists.".into()))?;
        if p.voice.is_none() {
            return Err(Error::Input(format!(
                "'{}' is made without a voice; choose a voice for it first.",
                p.title
            )));
        }
        let scenes = self.store().scenes_of(project)?;
        if let Revoice::Scenes(list) = &which {
            if let Some(bad) = list.iter().find(|i| !scenes.iter().any(|s| s.index == **i)) {
                return Err(Error::Input(format!(
                    "'{}' has no scene {bad}; it has scenes 1 to {}.",
                    p.title,
                    scenes.len()
                )));
            }
        }
        self.remember(
            project,
            &match &which {
                Revoice::Scenes(list) if list.len() == 1 => {
                    format!("Narrate scene {} again", list[0])
                }
                _ => "Narrate again".to_string(),
            },
        )?;
        // Asked for again by a person: every paused voice may be tried at once.
        self.inner.voices.allow_probes();
        self.queue_narrations(project, None, &scenes, |s| match &which {
            // The person's own recordings stay unless a scene is named.
            Revoice::All => !has_recording(s),
            Revoice::Scenes(list) => list.contains(&s.index),
            Revoice::Fallbacks => {
                !has_recording(s)
                    && s.narration.as_ref().is_none_or(|n| {
                        matches!(n.status, JobStatus::Failed | JobStatus::Cancelled)
                            || n.speech.as_ref().is_some_and(|sp| sp.is_fallback())
                    })
            }
        })
        .await
    }

    /// Queues a new narration job for each scene `pick` chooses (cancelling one still
    /// waiting or running), in one transaction. With `voice`, the project's voice is set to it
    /// in the same transaction; the project is read inside it, so a change that landed
    /// meanwhile (a render, a pause, a rename) is kept. Without a voice no job is queued and
    /// the scenes' narration is cleared.
    pub(crate) async fn queue_narrations(
        &self,
        project: Uuid,
        voice: Option<&Option<VoiceChoice>>,
        scenes: &[Scene],
        pick: impl Fn(&Scene) -> bool,
    ) -> Result<usize> {
        let mut jobs: Vec<(u32, Job)> = Vec::new();
        for s in scenes.iter().filter(|s| pick(s)) {
            let job = Job::new(
                JobPayload::NarrateScene,
                project,
                Some(s.index),
                self.store().next_seq()?,
                1,
            );
            jobs.push((s.index, job));
        }
        let count = self.store().transact(|tx| {
            let Some(mut p) = tx.project(project)? else {
                return abort(Error::NotFound("The project no longer exists.".into()));
            };
            if let Some(v) = voice {
                p.voice = v.clone();
                p.updated_at = now_ms();
                tx.put_project(&p)?;
            }
            let voiced = p.voice.is_some();
            let mut count = 0;
            for (index, job) in &jobs {
                let Some(mut s) = tx.scene(project, *index)? else {
                    continue;
                };
                if let Some(old) = s.narration.as_ref().map(|n| n.job_id) {
                    Queue::cancel_in(tx, old, now_ms())?;
                }
                // Re-read: the cancel updated the scene's mirror.
                s = tx.scene(project, *index)?.unwrap_or(s);
                s.narration = voiced.then(|| Narration {
                    // The speech so far stays until the new one replaces it.
                    speech: s.narration.as_ref().and_then(|n| n.speech.clone()),
                    ..Narration::queued(job)
                });
                tx.put_scene(&s)?;
                if voiced {
                    Queue::put_job(tx, None, job)?;
                    count += 1;
                }
            }
            Ok(count)
        })?;
        self.store().flush().await?;
        self.wake(Lane::Narrate);
        Ok(count)
    }
}

/// Whether a scene is narrated by the person's own recording.
fn has_recording(s: &Scene) -> bool {
    s.narration
        .as_ref()
        .and_then(|n| n.speech.as_ref())
        .is_some_and(|sp| sp.is_recording())
}

impl Engine {
    /// After the scenes were edited: a scene whose text changed, a new one, or one whose
    /// narration was still to come at its old place is narrated again; a finished narration
    /// of a scene that only moved goes with it.
    pub(crate) async fn follow_edits(&self, project: Uuid) -> Result<usize> {
        let Some(p) = self.store().project(project)? else {
            return Ok(0);
        };
        let scenes = self.store().scenes_of(project)?;
        let mut again = Vec::new();
        let mut moved = Vec::new();
        let mut respread = Vec::new();
        for s in &scenes {
            let Some(n) = &s.narration else {
                again.push(s.index);
                continue;
            };
            let job = self.store().job(n.job_id)?;
            let same_text = n
                .speech
                .as_ref()
                .is_some_and(|sp| sp.text_hash == crate::model::text_hash(&s.text));
            let here = job.as_ref().is_some_and(|j| j.scene_index == Some(s.index));
            if has_recording(s) {
                // The person's recording stays with its scene; new words are spread over it.
                if let Some(j) = job.filter(|_| !here) {
                    moved.push((j, s.index));
                }
                if !same_text {
                    respread.push(s.index);
                }
                continue;
            }
            match job {
                Some(j) if j.status.is_terminal() && same_text => {
                    if !here {
                        moved.push((j, s.index));
                    }
                }
                // Not started yet: it reads the text as it is when it starts.
                Some(j) if j.status == JobStatus::Queued && here => {}
                _ => again.push(s.index),
            }
        }
        if !moved.is_empty() {
            self.store().transact(|tx| {
                for (j, index) in &moved {
                    let mut j = j.clone();
                    j.scene_index = Some(*index);
                    tx.put_job_record(&j)?;
                }
                Ok(())
            })?;
        }
        if !respread.is_empty() {
            self.store().transact(|tx| {
                for index in &respread {
                    let Some(mut s) = tx.scene(project, *index)? else {
                        continue;
                    };
                    let text = s.text.clone();
                    if let Some(sp) = s.narration.as_mut().and_then(|n| n.speech.as_mut()) {
                        let span = match (sp.words.first(), sp.words.last()) {
                            (Some(a), Some(b)) => (a.start, b.end),
                            _ => (0.0, sp.seconds),
                        };
                        sp.words = crate::verbs::recording::spread(&text, span);
                        sp.text_hash = crate::model::text_hash(&text);
                    }
                    tx.put_scene(&s)?;
                }
                Ok(())
            })?;
        }
        if again.is_empty() || p.voice.is_none() {
            self.store().flush().await?;
            return Ok(0);
        }
        self.queue_narrations(project, None, &scenes, |s| again.contains(&s.index))
            .await
    }
}

impl Engine {
    /// Every known voice: in the chain or not, usable now or why not, its voices, and its
    /// calls, failures and breaker in this data folder.
    pub async fn voices_report(&self) -> Vec<crate::voices::build::VoiceRow> {
        let store = self.inner.store.clone();
        let dir = store.dir().to_path_buf();
        crate::voices::build::report(
            self.config(),
            self.inner.secrets.as_ref(),
            Some(&dir),
            &move |n| store.provider_stats(n),
        )
        .await
    }
}
