//! A batch on its way: each story imported (or continued, when it was imported before), its
//! scenes made by the engine's workers with everyone else's, then its video rendered and
//! written into the batch's folder. A story that cannot be read, a scene that fails or a video
//! that cannot be written is that story's row; the rest go on. Everything a story has made is
//! kept in the data folder, so a batch that is stopped and started again continues.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::list::BatchStory;
use crate::engine::{Engine, ImportOptions, VoiceOption};
use crate::error::{Error, Result};
use crate::model::{Aspect, JobStatus, Project, RenderSpec};
use crate::queue::RetryFilter;
use crate::render::RenderRequest;

/// Where one story of the batch stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemState {
    /// Its scenes are being made.
    Making(Project),
    /// Its video is being rendered by this job.
    Rendering(Project, Uuid),
    /// Its video is made (and written to this file, when the batch has a folder).
    Made(Project, Option<PathBuf>),
    /// It, or the whole queue, is paused.
    Paused(Project),
    /// It was not made: why, and the project when there is one.
    Failed(Option<Project>, String),
}

pub struct BatchItem {
    pub story: BatchStory,
    pub state: ItemState,
    /// A project made by this batch (not continued from before).
    pub created: bool,
}

/// One row of the closing table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BatchRow {
    /// The story's file name.
    pub story: String,
    pub title: Option<String>,
    pub project: Option<String>,
    pub scenes: u32,
    /// The voices that narrated it ("espeak-ng", "piper, espeak-ng"), or "none".
    pub voice: String,
    /// Where its video is.
    pub video: Option<String>,
    /// `made`, `making`, `rendering`, `paused` or `failed`.
    pub state: String,
    /// What went wrong.
    pub problem: Option<String>,
}

pub struct Batch {
    pub items: Vec<BatchItem>,
    out_dir: Option<PathBuf>,
    spec: RenderSpec,
    force: bool,
}

/// What every story of the batch shares (a manifest's own options win).
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    pub import: ImportOptions,
    /// The folder the videos go into (made when missing); none: they stay in the data folder.
    pub out_dir: Option<PathBuf>,
    pub spec: Option<RenderSpec>,
    /// Replace a file at a video's place even when StoryReel did not make it.
    pub force: bool,
}

impl Engine {
    /// Imports each story of a batch (one that was imported before is continued, its failed
    /// scenes queued again); a story that cannot be used becomes a failed row at once.
    pub async fn start_batch(&self, stories: Vec<BatchStory>, opts: BatchOptions) -> Result<Batch> {
        if let Some(dir) = &opts.out_dir {
            if dir.exists() && !dir.is_dir() {
                return Err(Error::Input(format!(
                    "{} is a file; the videos of a batch go into a folder. Give a folder's name.",
                    dir.display()
                )));
            }
            std::fs::create_dir_all(dir).map_err(|e| Error::Io {
                context: format!("Cannot make the folder {}", dir.display()),
                source: e,
            })?;
        }
        let spec = opts
            .spec
            .clone()
            .unwrap_or_else(|| self.config().render.spec());
        let mut items = Vec::with_capacity(stories.len());
        for story in stories {
            let (state, created) = match self.batch_import(&story, &opts).await {
                Ok((p, created)) => (ItemState::Making(p), created),
                Err(e) => (ItemState::Failed(None, e.to_string()), false),
            };
            items.push(BatchItem {
                story,
                state,
                created,
            });
        }
        Ok(Batch {
            items,
            out_dir: opts.out_dir,
            spec,
            force: opts.force,
        })
    }

    async fn batch_import(&self, s: &BatchStory, opts: &BatchOptions) -> Result<(Project, bool)> {
        if let Some(dir) = &opts.out_dir {
            // A file of the person's at the video's place is said before any work.
            self.may_write_video(&dir.join(&s.video_name), opts.force)?;
        }
        let (bytes, name) = crate::story::read_file(&s.file)?;
        let mut o = opts.import.clone();
        if let Some(a) = &s.aspect {
            o.aspect = Aspect::parse(a).ok_or_else(|| {
                Error::Input(format!("Unknown aspect `{a}`: use 9:16, 16:9 or 1:1."))
            })?;
        }
        o.title = s.title.clone().or(o.title);
        o.style = s.style.clone().or(o.style);
        o.language = s.language.clone().or(o.language);
        o.media_dir = s.media_dir.clone().or(o.media_dir);
        if let Some(v) = &s.voice {
            o.voice = match v.as_str() {
                "off" | "none" => VoiceOption::Off,
                v => VoiceOption::Named(v.to_string()),
            };
        }
        o.story_dir = std::path::absolute(&s.file)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let out = self.import(&bytes, &name, o).await?;
        if !out.created {
            self.retry(
                &out.project,
                RetryFilter {
                    failed: true,
                    placeholders: false,
                    scene: None,
                },
            )
            .await?;
        }
        Ok((out.project, out.created))
    }
}

impl Batch {
    /// Moves every story on as far as it can go now: a story whose scenes are all made gets its
    /// video asked for; a finished video is written out. True when nothing is left to wait for.
    pub async fn advance(&mut self, engine: &Engine) -> Result<bool> {
        let mut waiting = false;
        for i in 0..self.items.len() {
            let next = self
                .step(engine, &self.items[i].state.clone(), &self.items[i].story)
                .await?;
            if let Some(next) = next {
                self.items[i].state = next;
            }
            waiting |= matches!(
                self.items[i].state,
                ItemState::Making(_) | ItemState::Rendering(..)
            );
        }
        Ok(!waiting)
    }

    async fn step(
        &self,
        engine: &Engine,
        state: &ItemState,
        story: &BatchStory,
    ) -> Result<Option<ItemState>> {
        match state {
            ItemState::Making(p) | ItemState::Paused(p) => {
                let progress = engine.progress(p)?;
                if !progress.settled() {
                    let paused = progress.paused && progress.counts.running == 0;
                    return Ok(Some(if paused {
                        ItemState::Paused(p.clone())
                    } else {
                        ItemState::Making(p.clone())
                    }));
                }
                let c = &progress.counts;
                if c.failed > 0 || c.cancelled > 0 {
                    let why = first_failure(engine, p)?;
                    return Ok(Some(ItemState::Failed(Some(p.clone()), why)));
                }
                match engine.request_render(p, self.spec.clone()).await {
                    Ok(RenderRequest::UpToDate(_)) => Ok(Some(self.write_out(engine, p, story))),
                    Ok(RenderRequest::Queued(job)) => {
                        Ok(Some(ItemState::Rendering(p.clone(), job.id)))
                    }
                    Err(e @ Error::DiskFull { .. }) => Err(e),
                    Err(e) => Ok(Some(ItemState::Failed(Some(p.clone()), e.to_string()))),
                }
            }
            ItemState::Rendering(p, job) => {
                let Some(j) = engine.job(*job)? else {
                    return Ok(Some(ItemState::Making(p.clone())));
                };
                if !j.status.is_terminal() {
                    return Ok(None);
                }
                if j.status == JobStatus::Succeeded {
                    return Ok(Some(self.write_out(engine, p, story)));
                }
                let why = j.error.map_or_else(
                    || "its video was cancelled".to_string(),
                    |e| format!("its video was not made: {}", e.message),
                );
                Ok(Some(ItemState::Failed(Some(p.clone()), why)))
            }
            ItemState::Made(..) | ItemState::Failed(..) => Ok(None),
        }
    }

    fn write_out(&self, engine: &Engine, p: &Project, story: &BatchStory) -> ItemState {
        let Some(dir) = &self.out_dir else {
            return ItemState::Made(p.clone(), None);
        };
        let out = dir.join(&story.video_name);
        if already_there(engine, p, &out) {
            return ItemState::Made(p.clone(), Some(out));
        }
        match engine.save_video(p, &out, self.force) {
            Ok(()) => ItemState::Made(p.clone(), Some(out)),
            Err(e) => ItemState::Failed(
                Some(p.clone()),
                format!("the video is made and kept in the data folder, but {e}"),
            ),
        }
    }

    /// How many stories are finished (made or failed), of how many.
    pub fn finished(&self) -> (usize, usize) {
        let done = self
            .items
            .iter()
            .filter(|i| matches!(i.state, ItemState::Made(..) | ItemState::Failed(..)))
            .count();
        (done, self.items.len())
    }

    /// Whether every story's video was made.
    pub fn all_made(&self) -> bool {
        self.items
            .iter()
            .all(|i| matches!(i.state, ItemState::Made(..)))
    }

    /// The closing table, one row per story.
    pub fn rows(&self, engine: &Engine) -> Vec<BatchRow> {
        self.items.iter().map(|i| row(engine, i)).collect()
    }
}

/// Whether `out` already holds the project's video, byte for byte (a batch run again writes
/// nothing it wrote before).
fn already_there(engine: &Engine, p: &Project, out: &Path) -> bool {
    let Some(v) = engine
        .store()
        .project(p.id)
        .ok()
        .flatten()
        .and_then(|p| p.video)
    else {
        return false;
    };
    let Ok(meta) = std::fs::metadata(out) else {
        return false;
    };
    if meta.len() != v.bytes {
        return false;
    }
    let mut hasher = blake3::Hasher::new();
    std::fs::File::open(out)
        .and_then(|mut f| std::io::copy(&mut f, &mut hasher))
        .is_ok_and(|_| hasher.finalize().to_hex().as_str() == v.hash)
}

/// The first failed scene's reason, with how many failed.
fn first_failure(engine: &Engine, p: &Project) -> Result<String> {
    let status = engine.project_status(p, true)?;
    let scenes = status.scenes.unwrap_or_default();
    let failed: Vec<_> = scenes
        .iter()
        .filter(|s| matches!(s.status, JobStatus::Failed | JobStatus::Cancelled))
        .collect();
    let first = failed
        .first()
        .and_then(|s| {
            s.error
                .as_ref()
                .map(|e| format!(" (scene {}: {})", s.index, e.message))
        })
        .unwrap_or_default();
    Ok(format!(
        "{} of {} scenes {} not made{first}",
        failed.len(),
        scenes.len(),
        if failed.len() == 1 { "was" } else { "were" }
    ))
}

fn row(engine: &Engine, i: &BatchItem) -> BatchRow {
    let story = i.story.file.file_name().map_or_else(
        || i.story.file.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let (project, state, problem, video) = match &i.state {
        ItemState::Making(p) => (Some(p), "making", None, None),
        ItemState::Rendering(p, _) => (Some(p), "rendering", None, None),
        ItemState::Paused(p) => (
            Some(p),
            "paused",
            Some(
                "it is paused (or the whole queue is): resume it, and make the batch again"
                    .to_string(),
            ),
            None,
        ),
        ItemState::Made(p, out) => (Some(p), "made", None, Some(out.clone())),
        ItemState::Failed(p, why) => (p.as_ref(), "failed", Some(why.clone()), None),
    };
    let status = project.and_then(|p| engine.project_status(p, true).ok());
    let voice = status.as_ref().map_or_else(String::new, voices);
    let video = match (video, project) {
        (Some(Some(out)), _) => Some(out.display().to_string()),
        (Some(None), Some(p)) => engine
            .store()
            .project(p.id)
            .ok()
            .flatten()
            .and_then(|p| p.video)
            .and_then(|v| engine.assets().path(&v.hash, "mp4").ok())
            .map(|p| p.display().to_string()),
        _ => None,
    };
    BatchRow {
        story,
        title: project.map(|p| p.title.clone()),
        project: project.map(|p| p.id.to_string()),
        scenes: status.as_ref().map_or(0, |s| s.total),
        voice,
        video,
        state: state.into(),
        problem,
    }
}

/// The voices that narrated a project's scenes, most used first.
fn voices(s: &crate::verbs::status::ProjectStatus) -> String {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for sc in s.scenes.as_deref().unwrap_or_default() {
        let Some(v) = sc.narration.as_ref().and_then(|n| n.provider.clone()) else {
            continue;
        };
        match seen.iter_mut().find(|(name, _)| *name == v) {
            Some((_, n)) => *n += 1,
            None => seen.push((v, 1)),
        }
    }
    if seen.is_empty() {
        return "none".into();
    }
    seen.sort_by_key(|s| std::cmp::Reverse(s.1));
    seen.into_iter()
        .map(|(v, _)| v)
        .collect::<Vec<_>>()
        .join(", ")
}
