//! `Engine`: the one facade the app and the CLI use.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use uuid::Uuid;

use crate::assets::AssetStore;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::{Event, EventBus};
use crate::model::{now_ms, Job, Lane, Project, ProjectProgress, Scene};
use crate::providers::chain::ProviderChain;
use crate::queue::Queue;
use crate::secrets::{NoSecrets, SecretSource};
use crate::store::Store;

/// Knobs for tests of crash safety; never set in normal use.
#[derive(Debug, Clone, Default)]
pub struct DebugKnobs {
    /// Sleep this long inside every generate step (to widen the window for a kill).
    pub step_delay: Option<Duration>,
    /// Append "job-id attempt" to this file when a generate step starts.
    pub start_log: Option<PathBuf>,
    /// Sleep this long before each upload request (to widen the window for a kill).
    pub upload_delay: Option<Duration>,
    /// Append "job-id attempt" to this file when an upload starts.
    pub upload_log: Option<PathBuf>,
    /// Panic inside the generate step of this attempt (to prove a panic fails only the attempt).
    pub panic_on_attempt: Option<u32>,
}

#[derive(Clone)]
pub struct EngineOptions {
    pub data_dir: PathBuf,
    pub config: Config,
    /// false only for the crash test's control run: changes are then not flushed.
    pub durable: bool,
    pub debug: DebugKnobs,
    /// Where provider keys come from (environment for the CLI, keychain for the app).
    pub secrets: Arc<dyn SecretSource>,
}

impl std::fmt::Debug for EngineOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineOptions")
            .field("data_dir", &self.data_dir)
            .field("durable", &self.durable)
            .finish()
    }
}

impl EngineOptions {
    /// Options with no keys: only keyless providers run.
    pub fn new(data_dir: impl Into<PathBuf>, config: Config) -> Self {
        EngineOptions {
            data_dir: data_dir.into(),
            config,
            durable: true,
            debug: DebugKnobs::default(),
            secrets: Arc::new(NoSecrets),
        }
    }
}

/// How a story is imported.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub title: Option<String>,
    pub aspect: crate::model::Aspect,
    pub style: Option<String>,
    /// Make a new project even if the same story was imported before.
    pub force_new: bool,
    pub voice: VoiceOption,
    /// The story's language (`en`, `fr`…); none: `[voice] language`, or detected.
    pub language: Option<String>,
    /// A folder of the person's own pictures and clips, one per scene (`scene-001.jpg`,
    /// `scene-002.mp4`, …): those scenes show them and need no image provider.
    pub media_dir: Option<std::path::PathBuf>,
    /// The story file's folder: pictures and clips the story links to are found from it.
    pub story_dir: Option<std::path::PathBuf>,
    /// For scenes edited before import (the app's preview): the cast the story gave, and the
    /// reference pictures it names.
    pub cast: crate::model::Cast,
    pub references: Vec<crate::story::RefFile>,
}

/// Whether and how a new project is narrated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum VoiceOption {
    /// As `[voice] enabled` says, with the configured chain.
    #[default]
    Default,
    /// No narration.
    Off,
    /// This voice first (`espeak-ng`, `elevenlabs`, …), then the rest of the chain.
    Named(String),
}

#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub project: Project,
    /// false when the same story (with the same options) was already a project: it is reused.
    pub created: bool,
}

/// In-process activity, to tell "idle" apart from "between two jobs".
#[derive(Default)]
pub(crate) struct Activity {
    pub busy: AtomicUsize,
    pub epoch: AtomicU64,
}

pub(crate) struct Inner {
    pub store: Arc<Store>,
    pub queue: Queue,
    pub config: Config,
    pub assets: AssetStore,
    pub events: EventBus,
    pub chain: ProviderChain,
    pub voices: crate::voices::chain::VoiceChain,
    pub debug: DebugKnobs,
    pub activity: Activity,
    /// Jobs stopped by a shutdown, handed back to the queue together once the workers ended.
    pub handback: std::sync::Mutex<Vec<(Uuid, u32)>>,
    /// Set when the disk holding the data folder filled up: no new job starts in this process.
    pub halted: std::sync::atomic::AtomicBool,
    pub wake: [Notify; 4],
    pub recovered: usize,
    /// One-line notices from start-up (a provider skipped for want of a key...).
    pub notices: Vec<String>,
    /// Bounds the picture work (decode, resize, encode) to the number of CPUs.
    pub cpu: Arc<tokio::sync::Semaphore>,
    pub secrets: Arc<dyn SecretSource>,
    pub sync: crate::sync::SyncSetup,
    /// A read-only folder's database, copied to be read (see `read_only`).
    pub _snapshot: Option<tempfile::TempDir>,
}

#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.inner.store)
            .finish()
    }
}

/// A handle that does not keep the engine open: says whether any clone still does (a front
/// end waits for the last one before it opens the same data folder again).
#[derive(Clone)]
pub struct EngineHandle(std::sync::Weak<Inner>);

impl EngineHandle {
    /// True while some clone of the engine (a running task, a command) still holds the folder.
    pub fn is_open(&self) -> bool {
        self.0.strong_count() > 0
    }

    /// The engine, while some clone still holds it open (a long task holds it only while it
    /// works, so that the folder can be closed between its steps).
    pub fn engine(&self) -> Option<Engine> {
        self.0.upgrade().map(|inner| Engine { inner })
    }
}

impl Engine {
    /// A handle that tells when the last clone of this engine is gone.
    pub fn handle(&self) -> EngineHandle {
        EngineHandle(Arc::downgrade(&self.inner))
    }

    /// Opens the data folder, and re-queues every job a previous process left running.
    pub fn open(opts: EngineOptions) -> Result<Engine> {
        opts.config.validate("the configuration")?;
        let store = Arc::new(Store::open(&opts.data_dir, opts.durable)?);
        let assets = AssetStore::open(&opts.data_dir)?;
        Engine::assemble(opts, store, assets, None)
    }

    /// The engine over an opened store and asset folder (`snapshot`: the temporary copy of a
    /// folder opened for reading only, removed with the engine).
    pub(crate) fn assemble(
        opts: EngineOptions,
        store: Arc<Store>,
        assets: AssetStore,
        snapshot: Option<tempfile::TempDir>,
    ) -> Result<Engine> {
        let queue = Queue::new(store.clone(), opts.config.queue.clone());
        let recovered = queue.recover()?;
        store.flush_blocking()?;
        if !recovered.is_empty() {
            tracing::info!(
                count = recovered.len(),
                "re-queued jobs left running by a previous run"
            );
        }
        let events = EventBus::default();
        let book = stats_book(store.clone(), events.clone());
        let (chain, mut notices) =
            crate::providers::build::chain(&opts.config, opts.secrets.as_ref(), &book);
        let (voices, voice_notices) =
            crate::voices::build::chain(&opts.config, opts.secrets.as_ref(), store.dir(), &book);
        notices.extend(voice_notices);
        for n in &notices {
            tracing::info!("{n}");
        }
        let sync = crate::sync::SyncSetup::new(
            &opts.config,
            opts.secrets.as_ref(),
            Engine::last_sync_health(&store),
        );
        if let Some(Err(why)) = &sync.target {
            notices.push(format!("uploads wait: {why}"));
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                store,
                queue,
                config: opts.config,
                assets,
                events,
                chain,
                voices,
                debug: opts.debug,
                activity: Activity::default(),
                halted: Default::default(),
                handback: Default::default(),
                wake: [Notify::new(), Notify::new(), Notify::new(), Notify::new()],
                recovered: recovered.len(),
                notices,
                cpu: Arc::new(tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, |n| n.get()),
                )),
                secrets: opts.secrets,
                sync,
                _snapshot: snapshot,
            }),
        })
    }

    /// The record store. The front ends read through the facade (`reads`, `views`); the store
    /// is public only to the engine's own tests and benches (feature `internals`).
    #[cfg(feature = "internals")]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
    #[cfg(not(feature = "internals"))]
    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }
    /// The job queue; public only with the feature `internals`, as the store.
    #[cfg(feature = "internals")]
    pub fn queue(&self) -> &Queue {
        &self.inner.queue
    }
    #[cfg(not(feature = "internals"))]
    pub(crate) fn queue(&self) -> &Queue {
        &self.inner.queue
    }
    pub fn config(&self) -> &Config {
        &self.inner.config
    }
    pub fn assets(&self) -> &AssetStore {
        &self.inner.assets
    }
    pub fn data_dir(&self) -> &Path {
        self.inner.store.dir()
    }
    /// How many jobs were re-queued at open because a previous process died while running them.
    pub fn recovered_at_open(&self) -> usize {
        self.inner.recovered
    }
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }
    pub fn provider_names(&self) -> Vec<String> {
        self.inner.chain.names()
    }
    /// Start-up notices for a person (e.g. a provider skipped because its key is missing).
    pub fn notices(&self) -> &[String] {
        &self.inner.notices
    }
    pub fn chain(&self) -> &ProviderChain {
        &self.inner.chain
    }
    /// Every known provider: in the chain or not, key present, breaker, calls and failures.
    pub fn providers_report(&self) -> Vec<crate::providers::build::ProviderRow> {
        let store = self.store();
        crate::providers::build::report(
            self.config(),
            self.inner.secrets.as_ref(),
            &|n| store.provider_stats(n),
            &self.inner.chain,
        )
    }

    /// Finds a project by id, unique id prefix, or title (exact, then case-insensitive).
    pub fn find_project(&self, query: &str) -> Result<Project> {
        let q = query.trim();
        let projects = self.store().projects()?;
        if let Ok(id) = Uuid::parse_str(q) {
            if let Some(p) = projects.iter().find(|p| p.id == id) {
                return Ok(p.clone());
            }
        }
        // A unique prefix or suffix of the id (the suffix is what `short_id` shows).
        let by_id: Vec<_> = if q.len() >= 4 {
            let q = q.to_ascii_lowercase();
            projects
                .iter()
                .filter(|p| {
                    let (full, simple) = (p.id.to_string(), p.id.simple().to_string());
                    full.starts_with(&q)
                        || full.ends_with(&q)
                        || simple.starts_with(&q)
                        || simple.ends_with(&q)
                })
                .collect()
        } else {
            Vec::new()
        };
        let pick = |found: Vec<&Project>, how: &str| -> Option<Result<Project>> {
            match found.len() {
                0 => None,
                1 => Some(Ok(found[0].clone())),
                n => Some(Err(Error::Input(format!(
                    "`{q}` matches {n} projects by {how}: {}. Use more of the id.",
                    found
                        .iter()
                        .map(|p| format!("{} ({})", p.id, p.title))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))),
            }
        };
        if let Some(r) = pick(by_id, "id") {
            return r;
        }
        if let Some(r) = pick(projects.iter().filter(|p| p.title == q).collect(), "title") {
            return r;
        }
        if let Some(r) = pick(
            projects
                .iter()
                .filter(|p| p.title.eq_ignore_ascii_case(q))
                .collect(),
            "title",
        ) {
            return r;
        }
        Err(Error::NotFound(format!("No project matches `{q}`.")))
    }

    /// A project's progress, from its scenes.
    pub fn progress(&self, project: &Project) -> Result<ProjectProgress> {
        let fresh = self.store().project(project.id)?;
        let project = fresh.as_ref().unwrap_or(project);
        let scenes = self.store().scenes_of(project.id)?;
        self.progress_of(project, &scenes)
    }

    /// A project's progress from its record and scenes as the caller has just read them.
    pub fn progress_of(&self, project: &Project, scenes: &[Scene]) -> Result<ProjectProgress> {
        let mut counts = crate::model::Counts::default();
        let mut placeholders = 0;
        for s in scenes {
            counts.add(s.status);
            if s.image.as_ref().is_some_and(|i| i.placeholder) {
                placeholders += 1;
            }
        }
        let paused = project.paused || self.store().globally_paused()?;
        let narrating = scenes.iter().filter(|s| !s.narration_settled()).count() as u32;
        let mut status = ProjectProgress::derive_status(&counts, paused);
        if narrating > 0 && matches!(status, "done" | "failed" | "cancelled") {
            status = if paused { "paused" } else { "running" };
        }
        Ok(ProjectProgress {
            project_id: project.id,
            title: project.title.clone(),
            status: status.to_string(),
            narrating,
            paused,
            total: scenes.len() as u32,
            counts,
            placeholders,
        })
    }

    pub(crate) fn wake(&self, lane: Lane) {
        self.inner.wake[lane.as_u8() as usize].notify_waiters();
    }

    pub(crate) fn emit_project(&self, id: Uuid) {
        if !self.inner.events.wanted() {
            return;
        }
        if let Ok(Some(p)) = self.store().project(id) {
            if let Ok(progress) = self.progress(&p) {
                self.inner.events.send(Event::Project { progress });
            }
        }
    }

    /// Sends the snapshots that follow a job change: the job, its scene, its project.
    pub(crate) fn emit_job(&self, job: &Job) {
        if !self.inner.events.wanted() {
            return;
        }
        self.inner.events.send(Event::Job { job: job.clone() });
        if let Some(index) = job.scene_index {
            if let Ok(Some(scene)) = self.store().scene(job.project_id, index) {
                self.inner.events.send(Event::Scene {
                    scene: Box::new(scene),
                });
            }
        }
        self.emit_project(job.project_id);
    }

    /// Why this process stopped starting jobs (the disk holding the data folder is full), if it
    /// did. The workers stop claiming; the front end says so and stops instead of spinning.
    pub fn halted(&self) -> Option<Error> {
        self.inner
            .halted
            .load(Ordering::SeqCst)
            .then(|| crate::store::disk_full(self.data_dir()))
    }

    /// True when this engine halted on a full disk and the disk has room again: the front end
    /// reopens the data folder (sled keeps a write error once it met one) and the work goes on.
    pub fn space_is_back(&self) -> bool {
        self.inner.halted.load(Ordering::SeqCst)
            && self
                .free_space()
                .is_some_and(|free| free >= crate::store::RESUME_SPACE)
    }

    /// Free bytes where StoryReel writes: the least of the database's disk and the pictures'
    /// (the same disk, unless the `assets` folder is a mount of its own).
    fn free_space(&self) -> Option<u64> {
        let db = crate::store::free_bytes(self.data_dir())?;
        Some(crate::store::free_bytes(self.assets().root()).map_or(db, |a| a.min(db)))
    }

    /// Notes a storage error: a full disk halts the workers, said once, never as damage.
    pub(crate) fn storage_failed(&self, err: &Error) {
        if matches!(err, Error::DiskFull { .. }) && !self.inner.halted.swap(true, Ordering::SeqCst)
        {
            // Said once, by the front end (the notice, or the command's closing error).
            tracing::info!("{err}");
            self.emit(Event::Notice {
                level: crate::events::NoticeLevel::Warning,
                message: err.to_string(),
            });
        }
    }

    pub(crate) fn emit(&self, e: Event) {
        self.inner.events.send(e);
    }

    /// True when no worker of this process is busy and no job is ready to run (jobs waiting
    /// out a backoff do not count).
    pub fn is_idle(&self) -> Result<bool> {
        let a = &self.inner.activity;
        let e1 = a.epoch.load(Ordering::SeqCst);
        if a.busy.load(Ordering::SeqCst) > 0 {
            return Ok(false);
        }
        let now = now_ms();
        for lane in Lane::ALL {
            if lane == Lane::Upload && self.upload_lane_holds(now) {
                continue;
            }
            if self.queue().has_ready(lane, now)? {
                return Ok(false);
            }
        }
        Ok(a.busy.load(Ordering::SeqCst) == 0 && a.epoch.load(Ordering::SeqCst) == e1)
    }
}

/// Where the chains' statistics are kept: read from the store when a chain is built (a breaker
/// stays open across a restart), and each change written back and sent as an event.
fn stats_book(store: Arc<Store>, events: EventBus) -> crate::remote::retry::StatsBook {
    let read = store.clone();
    crate::remote::retry::StatsBook {
        known: Arc::new(move |name: &str| read.provider_stats(name)),
        sink: Arc::new(move |s: &crate::model::ProviderStats| {
            store.put_provider_stats(s);
            events.send(crate::events::Event::Provider { stats: s.clone() });
        }),
    }
}
