//! Narration records: a project's voice choice, and each scene's narration (its job's state and
//! the speech it made: the audio file, the voice, and the time of every word).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Job, JobStatus, UserError};

/// How a project is narrated. A project without one (made with the voice off, or before
/// narration existed) is silent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct VoiceChoice {
    /// The voice asked for first (`espeak-ng`, `elevenlabs`, …); none: the configured chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// The story's language code (`en`, `fr`…), detected at import unless chosen.
    pub language: String,
    /// True when the language was chosen by the person rather than detected.
    #[serde(default)]
    pub language_chosen: bool,
}

/// One word of a narration and when it is spoken, in seconds from the start of the scene's
/// audio. `word` is the text as the captions cut it (with the spaces after it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WordMark {
    pub word: String,
    pub start: f32,
    pub end: f32,
}

/// What a voice made for a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Speech {
    /// The voice that spoke (`espeak-ng`, `elevenlabs`, `openai`, `piper`, `silence`, `own`
    /// for a recording of the person's).
    pub provider: String,
    /// The provider's voice (`en-us`, a voice id, `alloy`).
    pub voice: String,
    pub language: String,
    /// The audio (a content-addressed WAV); none for silence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioFile>,
    /// The audio's length (0 for silence).
    pub seconds: f32,
    pub words: Vec<WordMark>,
    /// True when the word times were estimated rather than reported by the voice.
    pub estimated: bool,
    /// Why the voices before this one did not speak (empty when the first one did).
    #[serde(default)]
    pub fallback: Vec<UserError>,
    /// Voices asked before it that had nothing for this scene (no voice installed for its
    /// language): why each was passed over. Not a fallback.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed: Vec<UserError>,
    /// blake3 of the text spoken: a scene whose text changed is narrated again.
    pub text_hash: String,
    /// The audio's upload to the storage target, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "string | null")]
    pub upload: Option<Uuid>,
    pub created_at: u64,
    /// Characters whose quoted lines were spoken in a voice of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<SpokenLine>,
}

/// A character's lines in a scene, and the voice that spoke them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SpokenLine {
    pub speaker: String,
    pub provider: String,
    pub voice: String,
}

impl Speech {
    /// Spoken by a voice further down the chain than the first.
    pub fn is_fallback(&self) -> bool {
        !self.fallback.is_empty()
    }
}

/// A content-addressed audio file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AudioFile {
    pub hash: String,
    pub ext: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A scene's narration: mirrors its NarrateScene job (in the same transaction) and keeps what
/// the last good attempt made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Narration {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<UserError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<Speech>,
    pub updated_at: u64,
}

impl Narration {
    pub fn queued(job: &Job) -> Narration {
        Narration {
            job_id: job.id,
            status: job.status,
            attempts: 0,
            error: None,
            speech: None,
            updated_at: job.updated_at,
        }
    }

    /// Follows its job's state.
    pub fn follow(&mut self, job: &Job) {
        self.status = job.status;
        self.attempts = job.tries;
        self.error = job.error.clone();
        self.updated_at = job.updated_at;
    }

    /// Finished, with speech (silence included).
    pub fn is_done(&self) -> bool {
        self.status == JobStatus::Succeeded && self.speech.is_some()
    }
}

impl super::Scene {
    /// Whether its narration is settled for a video: no voice, finished, or given up on
    /// (failed or cancelled: the scene keeps its reading pace). A waiting or running
    /// narration holds the video back.
    pub fn narration_settled(&self) -> bool {
        self.narration
            .as_ref()
            .is_none_or(|n| n.status.is_terminal())
    }
}

/// blake3 of a text to be spoken.
pub fn text_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..16].to_string()
}
