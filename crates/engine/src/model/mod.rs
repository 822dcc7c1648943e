//! The records StoryReel keeps: projects, scenes, jobs and assets. Every record is serde JSON
//! with a schema version `v`, and carries its whole state (events send these as snapshots).

mod cast;
mod job;
mod media;
mod narration;
mod provider;
pub use cast::{
    named_at, names as cast_names, Cast, Character, Look, Reference, SceneChoice, ScenePart,
    MAX_CHARACTERS, MAX_COLOURS, MAX_DESCRIPTION_CHARS, MAX_LOOK_CHARS, MAX_NAME_CHARS, MAX_SEED,
    REFERENCE_SIDE,
};
pub use job::{Job, JobKind, JobPayload, JobStatus, MissingPayload, UploadSpec};
pub use media::{ClipEnd, ClipFile, Fit, MediaLook, OwnMedia, OWN_MEDIA};
pub use narration::{text_hash, AudioFile, Narration, Speech, SpokenLine, VoiceChoice, WordMark};
pub use provider::{BreakerState, ProviderStats};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The version of the records written by this build.
pub const SCHEMA_VERSION: u32 = 1;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A short, distinctive form of an id: its last 8 hex digits. (uuid v7 ids begin with the
/// time, so their first digits are shared by everything made in the same minute.)
pub fn short_id(id: &Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_string()
}

/// A new time-ordered id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The four lanes of the queue; each has its own concurrency.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Generate,
    Upload,
    Render,
    Narrate,
}

impl Lane {
    pub const ALL: [Lane; 4] = [Lane::Generate, Lane::Upload, Lane::Render, Lane::Narrate];
    pub fn as_u8(self) -> u8 {
        match self {
            Lane::Generate => 0,
            Lane::Upload => 1,
            Lane::Render => 2,
            Lane::Narrate => 3,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Lane::Generate => "generate",
            Lane::Upload => "upload",
            Lane::Render => "render",
            Lane::Narrate => "narrate",
        }
    }
}

/// The picture format of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ts_rs::TS)]
pub enum Aspect {
    #[default]
    #[serde(rename = "9:16")]
    Portrait,
    #[serde(rename = "16:9")]
    Landscape,
    #[serde(rename = "1:1")]
    Square,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
}

impl Aspect {
    pub fn frame(self) -> Frame {
        match self {
            Aspect::Portrait => Frame {
                width: 1080,
                height: 1920,
            },
            Aspect::Landscape => Frame {
                width: 1920,
                height: 1080,
            },
            Aspect::Square => Frame {
                width: 1080,
                height: 1080,
            },
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Aspect::Portrait => "9:16",
            Aspect::Landscape => "16:9",
            Aspect::Square => "1:1",
        }
    }
    pub fn parse(s: &str) -> Option<Aspect> {
        match s.trim() {
            "9:16" | "portrait" | "vertical" => Some(Aspect::Portrait),
            "16:9" | "landscape" | "horizontal" => Some(Aspect::Landscape),
            "1:1" | "square" => Some(Aspect::Square),
            _ => None,
        }
    }
}

/// An error kept on a job or scene, for a person to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct UserError {
    pub code: String,
    pub message: String,
}

impl UserError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        UserError {
            code: code.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub v: u32,
    pub id: Uuid,
    pub title: String,
    pub aspect: Aspect,
    pub style: String,
    pub paused: bool,
    pub scene_count: u32,
    pub source_name: Option<String>,
    /// blake3 of the story bytes and the import options: importing the same story again finds this project.
    pub source_hash: String,
    /// blake3 of the story alone (its bytes, or its scenes), without the options: tells "the
    /// story changed" apart from "made again with other options". None before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_hash: Option<String>,
    /// Made as a new project on purpose, beside others from the same story: a later import
    /// never replaces it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub made_new: bool,
    pub created_at: u64,
    pub updated_at: u64,
    /// The options of the last video asked for (a changed scene renders it again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render: Option<RenderSpec>,
    /// The last video rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoInfo>,
    /// The latest RenderVideo job asked for (so finding it needs no scan of every job).
    /// Projects from before this field have none: `Engine::latest_render_job` then scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_job: Option<Uuid>,
    /// How its scenes are narrated; none: silent (made without a voice, or before narration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<VoiceChoice>,
    /// The characters who come back scene after scene, and the look every picture shares.
    #[serde(default, skip_serializing_if = "Cast::is_empty")]
    pub cast: Cast,
}

/// How a project's video is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderSpec {
    pub fps: u32,
    pub captions: bool,
    /// Narration for the whole story; the video's length follows it.
    pub narration: Option<std::path::PathBuf>,
    /// A folder of per-scene narration: scene-001.mp3 (or .m4a, .wav, .ogg, .flac)...
    pub narration_dir: Option<std::path::PathBuf>,
    pub music: Option<std::path::PathBuf>,
    pub music_volume: f32,
}

/// A rendered MP4 in the asset store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub hash: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: u64,
    pub duration_s: f32,
    pub audio: bool,
    /// What it was made from (images, texts, options): equal means up to date.
    pub fingerprint: String,
    pub created_at: u64,
    /// Where the storage target has it, once uploaded (none before, or without a target).
    #[serde(default)]
    pub url: Option<String>,
    /// Its subtitles (SRT and WebVTT), written beside it when it is saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitles: Option<SubtitleFiles>,
    /// When each scene starts in it (s): the middle of the crossfade into it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scene_starts: Vec<f32>,
}

/// A video's subtitle files, SRT and WebVTT (content-addressed assets; see `subtitles`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtitleFiles {
    pub srt: String,
    pub vtt: String,
}

/// An image that a provider made for a scene, stored content-addressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub hash: String,
    pub ext: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub thumb_hash: String,
    pub provider: String,
    pub model: Option<String>,
    pub placeholder: bool,
    pub revised_prompt: Option<String>,
    pub elapsed_ms: u64,
    pub created_at: u64,
    /// Why earlier providers in the chain did not deliver (empty when the first one did).
    #[serde(default)]
    pub fallback: Vec<UserError>,
    /// The person's own picture or clip (`provider` is then `own`): no provider replaces it
    /// unless the person asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own: Option<OwnMedia>,
    /// What the person should know about how the picture was asked for: a prompt shortened to
    /// a provider's limit, a reference picture a provider could not take.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ImageInfo {
    /// The person's own picture or clip.
    pub fn own(&self) -> Option<&OwnMedia> {
        self.own.as_ref()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub v: u32,
    pub project_id: Uuid,
    /// 1-based position in the story.
    pub index: u32,
    pub title: Option<String>,
    pub text: String,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub duration_s: Option<f32>,
    /// The line of the story file where the scene starts.
    pub line: u32,
    /// Mirrors the status of the scene's current generate job (updated in the same transaction).
    pub status: JobStatus,
    pub job_id: Uuid,
    /// The tries a person is shown (the job's `tries`: stops and restarts do not count).
    pub attempts: u32,
    /// The job's claim number (`attempt`), which fences late results.
    #[serde(default)]
    pub claims: u32,
    pub image: Option<ImageInfo>,
    pub error: Option<UserError>,
    pub updated_at: u64,
    /// Where the scene's image stands with the remote storage (None: never queued for upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncInfo>,
    /// Its narration, for a project with a voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narration: Option<Narration>,
    /// The scene's own seed and the characters linked or unlinked by hand.
    #[serde(
        default,
        rename = "cast",
        skip_serializing_if = "SceneChoice::is_empty"
    )]
    pub choice: SceneChoice,
}

impl Scene {
    /// The words that name the scene's characters: its title and its text.
    pub fn cast_words(&self) -> String {
        format!("{}\n{}", self.title.as_deref().unwrap_or(""), self.text)
    }
}

/// Where an image stands with the remote storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No storage target is configured: the image lives only here.
    Local,
    /// Queued for upload, not tried yet.
    Pending,
    Uploading,
    /// Uploaded and verified; `url` is its permanent address.
    Synced,
    /// A transient problem (offline, the storage down); retried by itself.
    Waiting,
    /// A problem the user must fix (credentials, bucket); waits for "retry".
    Failed,
}

impl SyncState {
    /// Where an upload job's file stands, why it is not synced, and when it is tried next.
    pub fn of_upload(job: &Job) -> (SyncState, Option<UserError>, Option<u64>) {
        let state = match job.status {
            JobStatus::Queued if job.error.is_some() => SyncState::Waiting,
            JobStatus::Queued => SyncState::Pending,
            JobStatus::Running => SyncState::Uploading,
            JobStatus::Succeeded => SyncState::Synced,
            JobStatus::Failed | JobStatus::Cancelled => SyncState::Failed,
        };
        let error = match job.status {
            JobStatus::Cancelled => Some(UserError::new(
                "cancelled",
                "The upload was cancelled; retrying the uploads sends it again.",
            )),
            _ => job.error.clone(),
        };
        let next =
            (job.status == JobStatus::Queued && job.not_before > 0).then_some(job.not_before);
        (state, error, next)
    }

    pub fn name(self) -> &'static str {
        match self {
            SyncState::Local => "local",
            SyncState::Pending => "pending",
            SyncState::Uploading => "uploading",
            SyncState::Synced => "synced",
            SyncState::Waiting => "waiting",
            SyncState::Failed => "failed",
        }
    }
}

/// A scene's (or a video's) upload: mirrors its UploadAsset job, in the same transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncInfo {
    pub state: SyncState,
    pub job_id: Uuid,
    /// The blake3 hash of the file this is about (a regenerated scene gets a new upload).
    pub hash: String,
    /// The target it goes to, as configured (never with credentials).
    pub target: String,
    /// The object's key in the target.
    pub key: String,
    pub url: Option<String>,
    pub attempts: u32,
    pub error: Option<UserError>,
    /// When a waiting upload is tried again (ms since epoch).
    pub next_try: Option<u64>,
    pub synced_at: Option<u64>,
    pub bytes: u64,
    /// The upload of the scene's thumbnail, when thumbnails are uploaded too: retried, kept
    /// and replaced with the image's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_job: Option<Uuid>,
}

impl SyncInfo {
    /// Whether `job` is one of this scene's current uploads (its image's or its thumbnail's).
    pub fn owns(&self, job: Uuid) -> bool {
        self.job_id == job || self.thumb_job == Some(job)
    }

    /// Follows the upload job's status.
    pub fn follow(&mut self, job: &Job) {
        (self.state, self.error, self.next_try) = SyncState::of_upload(job);
        self.attempts = job.tries;
    }
}

/// A multipart upload that was begun and must be aborted: the abort outbox. An attempt that
/// leaves `running` any way but completing it (cancel, regenerate, delete, a failure, a
/// restart, a stale attempt) leaves its parts on the store, billed until aborted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultipartAbort {
    /// The storage target it was begun on (its name, as in `UploadSpec::target`).
    pub target: String,
    /// The object's name below the target's prefix.
    pub key: String,
    pub upload_id: String,
    pub at: u64,
}

/// A file in the content-addressed asset folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub v: u32,
    pub hash: String,
    pub ext: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub created_at: u64,
}

/// Counts of a project's scenes by status, and what that adds up to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Counts {
    pub queued: u32,
    pub running: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
}

impl Counts {
    pub fn add(&mut self, s: JobStatus) {
        match s {
            JobStatus::Queued => self.queued += 1,
            JobStatus::Running => self.running += 1,
            JobStatus::Succeeded => self.succeeded += 1,
            JobStatus::Failed => self.failed += 1,
            JobStatus::Cancelled => self.cancelled += 1,
        }
    }
    pub fn total(&self) -> u32 {
        self.queued + self.running + self.succeeded + self.failed + self.cancelled
    }
}

/// A project's progress: sent as a whole in events and shown by `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectProgress {
    pub project_id: Uuid,
    pub title: String,
    pub status: String,
    pub paused: bool,
    pub total: u32,
    pub counts: Counts,
    pub placeholders: u32,
    /// Scenes whose narration is still to come (queued or running).
    #[serde(default)]
    pub narrating: u32,
}

impl ProjectProgress {
    /// Nothing of the scenes (pictures, narration) is left to run.
    pub fn settled(&self) -> bool {
        self.counts.queued == 0 && self.counts.running == 0 && self.narrating == 0
    }

    /// `done` when every scene has an image; `failed` when nothing is left to run but some
    /// scene failed; `paused`, `running`, `queued`, or `cancelled` otherwise.
    pub fn derive_status(counts: &Counts, paused: bool) -> &'static str {
        if counts.queued == 0 && counts.running == 0 {
            if counts.failed > 0 {
                "failed"
            } else if counts.cancelled > 0 {
                "cancelled"
            } else {
                "done"
            }
        } else if paused && counts.running == 0 {
            "paused"
        } else if counts.running > 0 {
            "running"
        } else {
            "queued"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(q: u32, r: u32, s: u32, f: u32, c: u32) -> Counts {
        Counts {
            queued: q,
            running: r,
            succeeded: s,
            failed: f,
            cancelled: c,
        }
    }

    #[test]
    fn project_status_follows_its_scenes() {
        assert_eq!(
            ProjectProgress::derive_status(&counts(0, 0, 5, 0, 0), false),
            "done"
        );
        assert_eq!(
            ProjectProgress::derive_status(&counts(0, 0, 4, 1, 0), false),
            "failed"
        );
        assert_eq!(
            ProjectProgress::derive_status(&counts(0, 0, 4, 0, 1), false),
            "cancelled"
        );
        assert_eq!(
            ProjectProgress::derive_status(&counts(3, 0, 2, 0, 0), true),
            "paused"
        );
        assert_eq!(
            ProjectProgress::derive_status(&counts(3, 1, 2, 0, 0), true),
            "running"
        );
        assert_eq!(
            ProjectProgress::derive_status(&counts(3, 0, 2, 1, 0), false),
            "queued"
        );
        assert_eq!(counts(1, 2, 3, 4, 5).total(), 15);
    }

    #[test]
    fn aspects_parse_and_map_to_frames() {
        assert_eq!(Aspect::parse("16:9"), Some(Aspect::Landscape));
        assert_eq!(Aspect::parse("square"), Some(Aspect::Square));
        assert_eq!(Aspect::parse("4:3"), None);
        assert_eq!(
            Aspect::default().frame(),
            Frame {
                width: 1080,
                height: 1920
            }
        );
        let json = serde_json::to_string(&Aspect::Landscape).unwrap();
        assert_eq!(json, "\"16:9\"");
    }
}
