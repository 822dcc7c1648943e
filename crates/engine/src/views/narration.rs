//! A scene's narration as the front ends show it: where it stands, who spoke it (and whether a
//! fallback voice did, and why), its length, its audio file and its word times.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engine::Engine;
use crate::model::{JobStatus, Scene, UserError, WordMark};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NarrationView {
    pub status: JobStatus,
    /// The voice that spoke it (`espeak-ng`, `elevenlabs`, `openai`, `piper`, `silence`).
    pub provider: Option<String>,
    /// The provider's voice (`en-us`, a voice id, `alloy`).
    pub voice: Option<String>,
    pub language: Option<String>,
    pub seconds: f32,
    /// Spoken by a voice further down the chain than the first (it can be narrated again).
    pub fallback: bool,
    /// Why the voices before it did not speak.
    pub fallback_reasons: Vec<UserError>,
    /// Why voices asked before it were passed over (none installed for the scene's language).
    pub passed_reasons: Vec<UserError>,
    /// The last failed try's reason, while it is retried or after it failed.
    pub error: Option<UserError>,
    /// Absolute path of the audio (a WAV file), once there is one.
    pub audio: Option<String>,
    /// Each word's time in the scene's audio (s); estimated when `estimated`.
    pub words: Vec<WordMark>,
    pub estimated: bool,
    pub attempts: u32,
}

impl Engine {
    /// A scene's narration view; none for a project without a voice.
    pub fn narration_view(&self, s: &Scene) -> Option<NarrationView> {
        let n = s.narration.as_ref()?;
        let sp = n.speech.as_ref();
        Some(NarrationView {
            status: n.status,
            provider: sp.map(|s| s.provider.clone()),
            voice: sp.map(|s| s.voice.clone()),
            language: sp.map(|s| s.language.clone()),
            seconds: sp.map_or(0.0, |s| s.seconds),
            fallback: sp.is_some_and(|s| s.is_fallback()),
            fallback_reasons: sp.map(|s| s.fallback.clone()).unwrap_or_default(),
            passed_reasons: sp.map(|s| s.passed.clone()).unwrap_or_default(),
            error: n.error.clone(),
            audio: sp
                .and_then(|s| s.audio.as_ref())
                .and_then(|a| self.assets().path(&a.hash, &a.ext).ok())
                .filter(|p| p.is_file())
                .map(|p| p.display().to_string()),
            words: sp.map(|s| s.words.clone()).unwrap_or_default(),
            estimated: sp.is_none_or(|s| s.estimated),
            attempts: n.attempts,
        })
    }
}
