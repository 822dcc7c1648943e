//! One data folder, several front ends: the process that holds the folder (the app, or a
//! `work`/`make` in a terminal) answers the others' requests over a local socket in the folder,
//! so reading and steering commands work the same whether the folder is free or held.
//!
//! Every request is answered by [`handle`], which the front ends also call on a folder they
//! opened themselves: the answers are the same records either way (one read model, not two).
//! The wire is one JSON request per line, one JSON reply per line (`{"ok": …}` or
//! `{"error": {…}}`); only the same user may connect. The transport is a Unix domain socket in
//! the folder on Linux and macOS (`unix.rs`), a named pipe named after the folder on Windows
//! (`windows.rs`).

mod client;
mod handle;
mod serve;
#[cfg(unix)]
#[path = "unix.rs"]
mod transport;
#[cfg(windows)]
#[path = "windows.rs"]
mod transport;

pub use client::Client;
pub use handle::handle;
pub use serve::ControlServer;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, ErrorCode};
use crate::model::{Aspect, Project};
use crate::providers::build::ProviderRow;
use crate::verbs::status::ProjectStatus;

/// The socket's file name inside the data folder.
pub use crate::store::CONTROL_SOCKET as SOCKET_NAME;

/// The longest request line read (a story of the largest size, base64-encoded, and the rest).
pub(crate) const MAX_LINE: usize = crate::story::MAX_STORY_BYTES / 3 * 4 + 64 * 1024;

/// What one front end asks of the folder's holder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Who holds the folder.
    Hello,
    /// Projects with every scene (one project, or all).
    Status { project: Option<String> },
    /// Projects without their scenes.
    List,
    /// Pause or resume one project, or (None) the whole queue.
    Pause {
        project: Option<String>,
        paused: bool,
    },
    /// Cancel one job (by id) or a project's unfinished jobs.
    Cancel { target: String },
    /// Queue scenes of a project again.
    Retry(RetryAsk),
    /// Where every upload stands.
    SyncStatus { project: Option<String> },
    /// The image providers and their state.
    Providers,
    /// A project's cast, look and seed.
    Cast { project: String },
    /// One project's progress, by id.
    Progress { project: Uuid },
    /// The holder's own health checks (`deep`: read every stored file; `providers`: ask each
    /// image provider too).
    Doctor {
        #[serde(default)]
        deep: bool,
        #[serde(default)]
        providers: bool,
    },
    /// Whether the holder has nothing to run.
    Idle,
    /// Import a story (its bytes, base64) and queue its scenes.
    Import(ImportAsk),
    /// Copy a project's images and manifest to a folder.
    Export {
        project: String,
        dir: std::path::PathBuf,
    },
}

/// What `retry` asks for (on the wire, beside `"op": "retry"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryAsk {
    pub project: String,
    pub failed: bool,
    pub placeholders: bool,
    pub scene: Option<u32>,
    /// Narrate again (scenes a fallback voice spoke, or `scene`) instead of remaking pictures.
    #[serde(default)]
    pub voices: bool,
    /// With `voices`: the project's voice from now on (`auto`: as configured; `off`), and
    /// every scene narrated with it.
    #[serde(default)]
    pub voice: Option<String>,
}

/// What `import` (and a followed `make`) asks for (on the wire, beside `"op": "import"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportAsk {
    pub story: String,
    pub name: String,
    pub title: Option<String>,
    pub aspect: Aspect,
    pub style: Option<String>,
    pub force_new: bool,
    /// Delete the projects made before from a story of the same file name.
    #[serde(default)]
    pub replace: bool,
    /// `off` for no narration, a voice's name to try it first; none: as configured.
    #[serde(default)]
    pub voice: Option<String>,
    /// The story's language code; none: configured or detected.
    #[serde(default)]
    pub language: Option<String>,
    /// A folder of the person's own pictures and clips, one per scene.
    #[serde(default)]
    pub media_dir: Option<std::path::PathBuf>,
    /// The story file's folder, where the media it links to is found from.
    #[serde(default)]
    pub story_dir: Option<std::path::PathBuf>,
}

/// `doctor`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checks {
    pub checks: Vec<crate::verbs::doctor::Check>,
}

/// The holder of a folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub version: String,
    /// What holds it: "the app", "`storyreel work`"…
    pub front_end: String,
    /// Whether the holder works the queue (runs jobs).
    pub working: bool,
}

impl Holder {
    /// This process, holding the folder for `front_end`.
    pub fn this(front_end: &str, working: bool) -> Holder {
        Holder {
            pid: std::process::id(),
            version: crate::VERSION.to_string(),
            front_end: front_end.to_string(),
            working,
        }
    }
}

/// `status` and `list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Projects {
    /// The whole queue is paused: nothing new starts in any project.
    pub queue_paused: bool,
    pub projects: Vec<ProjectStatus>,
}

/// A project named in an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectRef {
    pub id: Uuid,
    pub title: String,
}

impl From<&Project> for ProjectRef {
    fn from(p: &Project) -> Self {
        ProjectRef {
            id: p.id,
            title: p.title.clone(),
        }
    }
}

/// `pause` and `resume`: what was changed, and both pauses as they are now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PauseAnswer {
    /// The project paused or resumed (None: the whole queue).
    pub project: Option<ProjectRef>,
    pub paused: bool,
    /// The whole queue's pause, after the change.
    pub queue_paused: bool,
    /// The project's own pause, after the change (with a project).
    pub project_paused: bool,
    /// Jobs running now (they finish; a pause only stops new ones).
    pub running: u32,
    /// Projects paused by themselves, after the change (without a project).
    pub paused_projects: Vec<ProjectRef>,
}

/// `cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelAnswer {
    /// With a job id: whether it was cancelled (false: it had finished).
    pub job: Option<bool>,
    pub project: Option<ProjectRef>,
    pub cancelled: usize,
}

/// `retry`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetryAnswer {
    pub project: ProjectRef,
    pub queued: usize,
}

/// `providers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Providers {
    pub providers: Vec<ProviderRow>,
}

/// `import`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Imported {
    pub project: Project,
    pub created: bool,
    /// Projects made before from a story of the same name (the story changed since), kept.
    pub earlier: Vec<ProjectRef>,
    /// Projects made from the same story with other options (a language, a voice, a look).
    #[serde(default)]
    pub other_options: Vec<ProjectRef>,
    /// The one earlier project a replacement would replace: the latest made from the same
    /// file, not made as a new project on purpose.
    #[serde(default)]
    pub replaceable: Option<ProjectRef>,
    /// The project deleted because a replacement was asked for (at most one).
    pub replaced: Vec<ProjectRef>,
}

/// `export`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exported {
    pub project: ProjectRef,
    pub dir: std::path::PathBuf,
    pub files: usize,
    pub missing: Vec<u32>,
}

/// `idle`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Idle {
    pub idle: bool,
}

/// An error as it crosses the socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireError {
    pub code: ErrorCode,
    /// Finer than the code where the front ends add different hints.
    pub not_ready: bool,
    pub message: String,
    pub line: Option<u32>,
}

impl From<&Error> for WireError {
    fn from(e: &Error) -> Self {
        WireError {
            code: e.code(),
            not_ready: matches!(e, Error::NotReady(_)),
            message: e.to_string(),
            line: e.line(),
        }
    }
}

impl From<WireError> for Error {
    fn from(w: WireError) -> Self {
        match w.code {
            _ if w.not_ready => Error::NotReady(w.message),
            ErrorCode::Input => Error::Input(w.message),
            ErrorCode::Story => Error::story(w.line, w.message),
            ErrorCode::Config => Error::Config(w.message),
            ErrorCode::NotFound => Error::NotFound(w.message),
            code => Error::Held {
                code,
                message: w.message,
            },
        }
    }
}

/// One reply line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reply {
    Ok(serde_json::Value),
    Error(WireError),
}

/// Encodes a story's bytes for an import request.
pub fn encode_story(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
