//! Import: a story file, or scenes edited in the app, become one project with one scene and one
//! queued generate job per scene, in one transaction.

use std::path::Path;

use crate::engine::{Engine, ImportOptions, ImportOutcome};
use crate::error::{Error, Result};
use crate::model::{
    now_ms, Job, JobPayload, JobStatus, Lane, Narration, Project, Scene, SCHEMA_VERSION,
};
use crate::queue::Queue;
use crate::story::{self, ParsedStory, SceneDraft};
use crate::style::Style;

impl Engine {
    /// Imports a story file's bytes (`name` is its file name: it picks the format and is the
    /// title of last resort). Flushed before it returns. The same story with the same options
    /// again returns the existing project (unless `force_new`).
    pub async fn import(
        &self,
        bytes: &[u8],
        name: &str,
        opts: ImportOptions,
    ) -> Result<ImportOutcome> {
        let parsed = story::parse(bytes, name, &self.config().story)?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(bytes);
        self.import_parsed(parsed, Some(name), hasher, opts).await
    }

    /// Imports scenes as they were edited (in the app's preview): the same checks as a story
    /// file's scenes, without turning them back into text. Scenes without text are left out.
    pub async fn import_scenes(
        &self,
        title: Option<String>,
        drafts: Vec<SceneDraft>,
        opts: ImportOptions,
    ) -> Result<ImportOutcome> {
        let mut parsed = story::from_drafts(title, drafts, &self.config().story)?;
        if let Some(why) = opts.cast.problem() {
            return Err(Error::Input(why));
        }
        parsed.cast = opts.cast.clone();
        parsed.references = opts.references.clone();
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"scenes\0");
        if !parsed.cast.is_empty() {
            hasher.update(
                serde_json::to_string(&parsed.cast)
                    .unwrap_or_default()
                    .as_bytes(),
            );
            for r in &parsed.references {
                hasher.update(format!("\0{:?}\0{}", r.who, r.file).as_bytes());
            }
        }
        for d in &parsed.scenes {
            for field in [
                d.title.as_deref(),
                Some(d.text.as_str()),
                d.prompt.as_deref(),
                d.negative_prompt.as_deref(),
            ] {
                hasher.update(field.unwrap_or("\u{1}").as_bytes());
                hasher.update(b"\0");
            }
            hasher.update(&d.duration_s.unwrap_or(0.0).to_le_bytes());
        }
        self.import_parsed(parsed, None, hasher, opts).await
    }

    /// The import itself; `hasher` has seen the story's content and adds the options. `name`
    /// is the story file's, if it came from one.
    async fn import_parsed(
        &self,
        parsed: ParsedStory,
        name: Option<&str>,
        mut hasher: blake3::Hasher,
        opts: ImportOptions,
    ) -> Result<ImportOutcome> {
        let style_name = opts
            .style
            .clone()
            .unwrap_or_else(|| self.config().generation.style.clone());
        let style = Style::by_name(&style_name).ok_or_else(|| {
            Error::Input(format!(
                "Unknown style `{style_name}`. Choose one of: {}.",
                Style::names().join(", ")
            ))
        })?;
        let stem = Path::new(name.unwrap_or_default())
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "Untitled".into());
        let title = match &opts.title {
            Some(t) => crate::verbs::edit::checked_title(t)?.to_string(),
            None => crate::verbs::edit::fitted_title(
                &[parsed.title.clone().unwrap_or_default(), stem]
                    .into_iter()
                    .find(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| "Untitled".into()),
            ),
        };
        let story_hash = hasher.clone().finalize().to_hex().to_string();
        hasher.update(format!("\0{}\0{}\0{}", opts.aspect.label(), style.name, title).as_bytes());
        let all_text: String = parsed
            .scenes
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let voice = self.voice_choice(&opts, &all_text)?;
        if let Some(v) = &voice {
            // A silent project keeps the hash it had before narration existed.
            hasher.update(
                format!(
                    "\0voice:{}:{}",
                    v.voice.as_deref().unwrap_or(""),
                    if v.language_chosen {
                        v.language.as_str()
                    } else {
                        ""
                    }
                )
                .as_bytes(),
            );
        }
        let media = self.story_media(&parsed, &opts).await?;
        for (i, m) in media.iter().enumerate() {
            if let Some(m) = m {
                let clip = m.own.clip.as_ref().map_or("", |c| c.hash.as_str());
                hasher.update(
                    format!("\0media:{}:{}:{clip}:{:?}", i + 1, m.image.hash, m.own.look)
                        .as_bytes(),
                );
            }
        }
        let cast = self
            .story_cast(
                parsed.cast.clone(),
                &parsed.references,
                opts.story_dir.as_deref(),
            )
            .await;
        for r in cast
            .characters
            .iter()
            .filter_map(|c| c.reference.as_ref())
            .chain(cast.look.reference.as_ref())
        {
            hasher.update(format!("\0reference:{}", r.hash).as_bytes());
        }
        let source_hash = hasher.finalize().to_hex().to_string();

        if !opts.force_new {
            if let Some(id) = self.store().project_by_source(&source_hash)? {
                if let Some(project) = self.store().project(id)? {
                    return Ok(ImportOutcome {
                        project,
                        created: false,
                    });
                }
            }
        }

        let now = now_ms();
        let project = Project {
            v: SCHEMA_VERSION,
            id: crate::model::new_id(),
            title,
            aspect: opts.aspect,
            style: style.name.to_string(),
            paused: false,
            scene_count: parsed.scenes.len() as u32,
            source_name: name.map(str::to_string),
            source_hash: source_hash.clone(),
            story_hash: Some(story_hash),
            made_new: opts.force_new,
            created_at: now,
            updated_at: now,
            render: None,
            video: None,
            render_job: None,
            voice: voice.clone(),
            cast,
        };
        let mut rows = Vec::with_capacity(parsed.scenes.len());
        let mut own = Vec::new();
        for (i, d) in parsed.scenes.iter().enumerate() {
            let index = i as u32 + 1;
            if let Some(m) = media.get(i).and_then(|m| m.as_ref()) {
                let (job, uploads) = self.plan_media(project.id, index, m)?;
                own.push((index, m, job, uploads));
            }
            let job = Job::new(
                JobPayload::GenerateScene,
                project.id,
                Some(index),
                self.store().next_seq()?,
                0,
            );
            let narrate = match &voice {
                Some(_) => Some(Job::new(
                    JobPayload::NarrateScene,
                    project.id,
                    Some(index),
                    self.store().next_seq()?,
                    0,
                )),
                None => None,
            };
            let scene = Scene {
                v: SCHEMA_VERSION,
                project_id: project.id,
                index,
                title: d.title.clone(),
                text: d.text.clone(),
                prompt: d
                    .prompt
                    .clone()
                    .unwrap_or_else(|| style.prompt_for(&d.text)),
                negative_prompt: d.negative_prompt.clone(),
                duration_s: d.duration_s,
                line: d.line,
                status: JobStatus::Queued,
                job_id: job.id,
                attempts: 0,
                claims: 0,
                image: None,
                error: None,
                updated_at: now,
                sync: None,
                narration: narrate.as_ref().map(Narration::queued),
                choice: Default::default(),
            };
            rows.push((scene, job, narrate));
        }
        let target = self.sync_target().cloned();
        self.store().transact(|tx| {
            tx.put_project(&project)?;
            tx.put_source(&source_hash, project.id)?;
            for (scene, job, narrate) in &rows {
                tx.put_scene(scene)?;
                // A scene showing the person's own media needs no picture made.
                if !own.iter().any(|(i, ..)| *i == scene.index) {
                    Queue::put_job(tx, None, job)?;
                }
                if let Some(n) = narrate {
                    Queue::put_job(tx, None, n)?;
                }
            }
            for (index, m, job, uploads) in &own {
                if let Some(s) = tx.scene(project.id, *index)? {
                    crate::media::put_media(tx, s, m, job, uploads, target.as_ref())?;
                }
            }
            Ok(())
        })?;
        self.store().flush().await?;
        if own.iter().any(|(.., u)| !u.is_empty()) {
            self.wake(Lane::Upload);
        }
        self.store()
            .note_project_count(self.store().project_count())?;
        self.emit_project(project.id);
        self.wake(Lane::Generate);
        self.wake(Lane::Narrate);
        Ok(ImportOutcome {
            project,
            created: true,
        })
    }

    /// Each scene's own picture or clip, as the story links it or the media folder holds it,
    /// read and kept. A file that cannot be used stops the import with a sentence naming the
    /// scene; nothing is recorded.
    async fn story_media(
        &self,
        parsed: &ParsedStory,
        opts: &ImportOptions,
    ) -> Result<Vec<Option<crate::media::PreparedMedia>>> {
        if let Some(dir) = &opts.media_dir {
            if !dir.is_dir() {
                return Err(Error::Input(format!(
                    "The media folder {} does not exist.",
                    dir.display()
                )));
            }
        }
        let mut out = Vec::with_capacity(parsed.scenes.len());
        for (i, d) in parsed.scenes.iter().enumerate() {
            let index = i as u32 + 1;
            let linked = match &d.media {
                Some(m) if m.file.contains("://") => {
                    return Err(Error::Input(format!(
                        "Scene {index} links to {}, a web address; StoryReel shows files on this computer. Download it and link the file instead.",
                        m.file
                    )))
                }
                Some(m) => {
                    let p = std::path::PathBuf::from(&m.file);
                    let file = match (&opts.story_dir, p.is_absolute()) {
                        (_, true) => p,
                        (Some(dir), false) => dir.join(p),
                        (None, false) => {
                            return Err(Error::Input(format!(
                                "Scene {index} links to {}, but the story's folder is not known, so the link cannot be followed; give the file's full path in the link.",
                                m.file
                            )))
                        }
                    };
                    Some((file, m.look))
                }
                None => None,
            };
            let from_dir = || {
                opts.media_dir
                    .as_deref()
                    .and_then(|dir| crate::media::scene_media(dir, index))
                    .map(|f| (f, crate::model::MediaLook::default()))
            };
            let Some((file, look)) = linked.or_else(from_dir) else {
                out.push(None);
                continue;
            };
            let name = crate::media::name_of(&file);
            let prepared = self
                .prepare_media(&file, &name, look)
                .await
                .map_err(|e| match e {
                    Error::Input(m) => Error::Input(format!("Scene {index}: {m}")),
                    other => other,
                })?;
            out.push(Some(prepared));
        }
        Ok(out)
    }
}
