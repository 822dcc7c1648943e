//! The app's one engine: opened at start (config from `config.toml`, keys from the keychain),
//! its workers running in the background, its events bridged to the UI; reopened when the
//! settings change. If it cannot open (the CLI holds the folder, a damaged folder), the app
//! still starts and every command answers with the sentence that says why.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use storyreel_engine::config::KNOWN_PROVIDERS;
use storyreel_engine::{Engine, EngineOptions, Workers};
use tokio::sync::RwLock;

use crate::bridge::{self, AppEvent, Sink};
use crate::error::{ApiError, ApiResult};
use crate::keychain::{KeychainSecrets, SharedKeys};
use crate::prefs::{load_config, Prefs};

/// What the shell asks of the desktop: a file dialog, the file manager, notifications. The app
/// uses the real ones; tests use a recorder.
pub trait Desktop: Send + Sync {
    /// The story file the person picked, or None when they cancelled.
    fn pick_story_file(&self) -> Option<PathBuf>;
    /// Shows a folder in the file manager.
    fn reveal(&self, path: &std::path::Path) -> ApiResult<()>;
    /// Shows a file selected in its folder in the file manager.
    fn reveal_file(&self, path: &std::path::Path) -> ApiResult<()>;
    /// Opens a file in the program the desktop uses for it (a video player for a video).
    fn open_file(&self, path: &std::path::Path) -> ApiResult<()>;
    /// Where the person chose to save a file, or None when they cancelled.
    /// A path to save to, asked in a dialog opening in `dir` (when it still exists).
    fn pick_save_path(&self, title: &str, suggested: &str, dir: Option<&Path>) -> Option<PathBuf>;
    fn notify(&self, title: &str, body: &str);
    /// A folder the person chose, or None when they cancelled (or there is no dialog).
    fn pick_folder(&self, _title: &str) -> Option<PathBuf> {
        None
    }
}

/// No desktop (until the window exists): nothing to pick, nowhere to show.
pub struct NoDesktop;

impl Desktop for NoDesktop {
    fn pick_story_file(&self) -> Option<PathBuf> {
        None
    }
    fn reveal(&self, _: &std::path::Path) -> ApiResult<()> {
        Err(ApiError::new(
            crate::error::ErrorCode::Engine,
            "There is no file manager to show the folder in.",
        ))
    }
    fn reveal_file(&self, path: &std::path::Path) -> ApiResult<()> {
        self.reveal(path)
    }
    fn open_file(&self, _: &std::path::Path) -> ApiResult<()> {
        Err(ApiError::new(
            crate::error::ErrorCode::Engine,
            "There is no program to open the file with.",
        ))
    }
    fn pick_save_path(&self, _: &str, _: &str, _: Option<&Path>) -> Option<PathBuf> {
        None
    }
    fn notify(&self, _: &str, _: &str) {}
}

/// Where things are, and what to run. Tests point everything at temp folders.
#[derive(Clone)]
pub struct AppOptions {
    pub config_file: PathBuf,
    pub prefs_file: PathBuf,
    /// Overrides the preferences' data folder (STORYREEL_DATA_DIR).
    pub data_dir: Option<PathBuf>,
    pub keys: SharedKeys,
    /// Run the queue's workers (off in IPC tests that check queued states).
    pub workers: bool,
}

impl AppOptions {
    /// The platform's folders, with STORYREEL_DATA_DIR and STORYREEL_CONFIG honoured.
    pub fn from_env(keys: SharedKeys) -> ApiResult<AppOptions> {
        let config_file = std::env::var_os("STORYREEL_CONFIG")
            .map(PathBuf::from)
            .or_else(storyreel_engine::config::default_config_file)
            .ok_or_else(|| {
                ApiError::new(
                    crate::error::ErrorCode::Config,
                    "This system has no home folder for StoryReel's settings; set STORYREEL_CONFIG.",
                )
            })?;
        let prefs_file = config_file.with_file_name("app.json");
        Ok(AppOptions {
            config_file,
            prefs_file,
            data_dir: std::env::var_os("STORYREEL_DATA_DIR").map(PathBuf::from),
            keys,
            workers: true,
        })
    }
}

struct Running {
    engine: Engine,
    workers: Option<Workers>,
    bridge: tokio::task::JoinHandle<()>,
    /// Answers the CLI's commands on this folder (dropped before the engine closes).
    _control: Option<storyreel_engine::control::ControlServer>,
}

enum Slot {
    Running(Running),
    Failed(ApiError),
    Stopped,
}

pub struct AppState {
    pub opts: AppOptions,
    slot: RwLock<Slot>,
    sink: Mutex<Option<Sink>>,
    desktop: Mutex<Arc<dyn Desktop>>,
    /// Start-up notices of the current engine (keychain trouble, providers skipped).
    notices: Mutex<Vec<String>>,
    /// Told the data folder each time an engine opens one (the webview's asset scope).
    on_open: Mutex<Option<OnOpen>>,
    /// Serves videos to the window's player (absent in tests on the mock runtime).
    media: std::sync::OnceLock<crate::media::MediaServer>,
}

/// What the window does when an engine opens a data folder.
pub type OnOpen = Arc<dyn Fn(&std::path::Path) + Send + Sync>;

/// How long a restart waits for the old engine's last user (a provider test, a render task,
/// a command under way) to let go of the data folder.
const RELEASE_WAIT: Duration = Duration::from_secs(30);

impl AppState {
    pub fn new(opts: AppOptions) -> AppState {
        AppState {
            opts,
            slot: RwLock::new(Slot::Stopped),
            sink: Mutex::new(None),
            desktop: Mutex::new(Arc::new(NoDesktop)),
            notices: Mutex::new(Vec::new()),
            on_open: Mutex::new(None),
            media: std::sync::OnceLock::new(),
        }
    }

    /// Gives the app its video server (once, at start).
    pub fn set_media(&self, m: crate::media::MediaServer) {
        let _ = self.media.set(m);
    }

    pub fn media(&self) -> Option<&crate::media::MediaServer> {
        self.media.get()
    }

    /// Sets what happens each time an engine opens a data folder (and does it now for the
    /// current one, if any).
    pub fn set_on_open(&self, f: OnOpen) {
        if let Ok(dir) = self.data_dir() {
            f(&dir);
        }
        if let Ok(mut o) = self.on_open.lock() {
            *o = Some(f);
        }
    }

    pub fn set_sink(&self, sink: Sink) {
        if let Ok(mut s) = self.sink.lock() {
            *s = Some(sink);
        }
    }

    pub fn set_desktop(&self, d: Arc<dyn Desktop>) {
        if let Ok(mut s) = self.desktop.lock() {
            *s = d;
        }
    }

    pub fn desktop(&self) -> Arc<dyn Desktop> {
        self.desktop
            .lock()
            .map(|d| d.clone())
            .unwrap_or_else(|_| Arc::new(NoDesktop))
    }

    pub(crate) fn sink(&self) -> Sink {
        self.sink
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .unwrap_or_else(|| Arc::new(|_| {}))
    }

    pub fn emit(&self, e: AppEvent) {
        (self.sink())(e)
    }

    pub fn prefs(&self) -> Prefs {
        Prefs::load(&self.opts.prefs_file)
    }

    /// The data folder in use: the override, the preference, or the platform's default.
    pub fn data_dir(&self) -> ApiResult<PathBuf> {
        self.opts
            .data_dir
            .clone()
            .or(self.prefs().data_dir)
            .or_else(storyreel_engine::config::default_data_dir)
            .ok_or_else(|| {
                ApiError::new(
                    crate::error::ErrorCode::Config,
                    "This system has no home folder for StoryReel's data; choose a data folder in Settings.",
                )
            })
    }

    pub fn notices(&self) -> Vec<String> {
        self.notices.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// The engine, or why there is none.
    pub async fn engine(&self) -> ApiResult<Engine> {
        match &*self.slot.read().await {
            Slot::Running(r) => Ok(r.engine.clone()),
            Slot::Failed(e) => Err(e.clone()),
            Slot::Stopped => Err(ApiError::new(
                crate::error::ErrorCode::Engine,
                "StoryReel is starting or stopping; try again in a moment.",
            )),
        }
    }

    async fn open_engine(&self) -> ApiResult<Engine> {
        let config = load_config(&self.opts.config_file)?;
        let prefs = self.prefs();
        let keys = crate::key_sources::KeySources::new(self.opts.keys.as_ref(), &prefs.key_env);
        // The story writer's key ("write") is kept in the keychain beside the providers'.
        let names: Vec<&str> = KNOWN_PROVIDERS.iter().copied().chain(["write"]).collect();
        let (secrets, trouble) = KeychainSecrets::load(&keys, &names);
        let mut opts = EngineOptions::new(self.data_dir()?, config);
        opts.secrets = Arc::new(secrets);
        // The CLI (or the previous engine of this app) may still be letting go of the folder.
        let mut tries = 0;
        let engine = loop {
            // Opening waits on the folder's lock and reads the database: off the runtime.
            let o = opts.clone();
            let opened = tokio::task::spawn_blocking(move || Engine::open(o))
                .await
                .map_err(|e| {
                    ApiError::new(
                        crate::error::ErrorCode::Engine,
                        format!("Opening the data folder stopped: {e}."),
                    )
                })?;
            match opened {
                Err(storyreel_engine::Error::Locked { .. }) if tries < 3 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                r => break r?,
            }
        };
        // A keychain that cannot be read matters only when a key is wanted: a provider in the
        // chain without one, or storage credentials. Otherwise saying it at every start is noise.
        let wants_a_key = engine
            .providers_report()
            .iter()
            .any(|r| r.in_chain && r.enabled && r.key == "missing")
            || engine
                .notices()
                .iter()
                .any(|n| n.starts_with("uploads wait"));
        let mut notices: Vec<String> = trouble.filter(|_| wants_a_key).into_iter().collect();
        notices.extend(engine.notices().iter().cloned());
        if let Ok(mut n) = self.notices.lock() {
            *n = notices;
        }
        Ok(engine)
    }

    /// Opens the engine and starts its workers and the event bridge (inside a tokio runtime).
    pub async fn start(&self) {
        let mut slot = self.slot.write().await;
        *slot = match self.open_engine().await {
            Ok(engine) => {
                let hook = self.on_open.lock().ok().and_then(|o| o.clone());
                if let Some(f) = hook {
                    f(engine.data_dir());
                }
                let workers = self.opts.workers.then(|| engine.start());
                let bridge = tokio::spawn(bridge::run(engine.clone(), self.sink()));
                // The CLI's commands reach this app through the folder's socket while it runs.
                let control = engine.serve_control("the StoryReel app", self.opts.workers);
                tracing::info!(data_dir = %engine.data_dir().display(), "engine started");
                Slot::Running(Running {
                    engine,
                    workers,
                    bridge,
                    _control: control,
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "engine could not start");
                Slot::Failed(e)
            }
        };
    }

    /// Hands running jobs back to the queue and closes the data folder.
    pub async fn stop(&self) {
        let mut slot = self.slot.write().await;
        if let Slot::Running(r) = std::mem::replace(&mut *slot, Slot::Stopped) {
            if let Some(w) = r.workers {
                w.shutdown().await;
            }
            r.bridge.abort();
            let _ = r.bridge.await;
            drop(r._control);
            let handle = r.engine.handle();
            drop(r.engine);
            // Other clones (a provider test, a render task, a command under way) still hold the
            // folder's lock: the next engine can only open it once they are gone.
            let t0 = std::time::Instant::now();
            while handle.is_open() && t0.elapsed() < RELEASE_WAIT {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    /// If the engine halted on a full disk and the disk has room again, reopens it so that the
    /// work goes on, and says so. True when it did.
    pub async fn resume_if_space(&self) -> bool {
        let back = match self.engine().await {
            Ok(engine) => engine.space_is_back(),
            Err(_) => false,
        };
        if back {
            tracing::info!("the disk holding the data folder has room again; reopening it");
            self.restart().await;
            self.emit(AppEvent::Notice {
                level: storyreel_engine::events::NoticeLevel::Info,
                message:
                    "The disk holding StoryReel's data folder has room again; the work goes on."
                        .into(),
            });
        }
        back
    }

    /// Reopens the engine (new settings or keys), then tells the UI to fetch everything again.
    pub async fn restart(&self) {
        self.stop().await;
        self.start().await;
        self.emit(AppEvent::Reset);
    }
}
