//! A voice heard before a story is narrated with it: a short line in the chosen language,
//! spoken by the voice asked for (or the chain, when none is), stored as a WAV the front end
//! plays. A voice that cannot speak now says why instead of playing silence.

use std::path::PathBuf;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::language;
use crate::voices::SpeechRequest;

/// What a sample is: where its WAV is, and who spoke it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct VoiceSample {
    pub path: String,
    pub provider: String,
    pub voice: String,
    /// Set when a later voice spoke because the one asked for could not (why).
    pub note: Option<String>,
}

impl Engine {
    /// `voice` (none: the chain's first) reading a line in `language` (a code or `auto`:
    /// English). A voice name StoryReel does not know, or a language it does not narrate, is
    /// a sentence; so is no voice speaking at all.
    pub async fn voice_sample(&self, voice: Option<&str>, language: &str) -> Result<VoiceSample> {
        let lang = match language.trim() {
            "" | "auto" => language::english(),
            code => language::by_code(code).ok_or_else(|| {
                Error::Input(format!(
                    "`{code}` is not a language StoryReel narrates; use a code such as en, fr, de, es, ja."
                ))
            })?,
        };
        if voice == Some("silence") {
            return Err(Error::Input(
                "Silence makes no sound to play: its scenes keep their reading pace.".into(),
            ));
        }
        if let Some(v) = voice {
            if !crate::config::KNOWN_VOICES.contains(&v) {
                return Err(Error::Input(format!(
                    "There is no voice called `{v}`; choose one of {}.",
                    crate::config::KNOWN_VOICES.join(", ")
                )));
            }
        }
        let req = SpeechRequest::new(crate::voices::sample_line(lang.code), lang);
        // Asked for by a person: a paused voice may be tried at once.
        self.inner.voices.allow_probes();
        let spoken = self
            .inner
            .voices
            .speak(&req, voice)
            .await
            .map_err(|e| Error::Input(e.to_user().message))?;
        // Why the voice asked for did not speak: it failed, or had nothing for the language.
        let why = spoken
            .fallback
            .first()
            .or(spoken.passed.first())
            .map(|f| f.message.clone());
        let Some(pcm) = spoken.pcm else {
            return Err(Error::Input(match why {
                Some(w) => format!("No voice could read the sample: {w}"),
                None => "No voice could read the sample.".into(),
            }));
        };
        let wav = pcm
            .to_wav()
            .map_err(|e| Error::Image(format!("the sample could not be written: {e}")))?;
        let hash = self.put_blocking(wav, "wav").await?;
        let path: PathBuf = self.assets().path(&hash, "wav")?;
        Ok(VoiceSample {
            path: path.display().to_string(),
            provider: spoken.provider,
            voice: spoken.voice,
            note: why.filter(|_| voice.is_some_and(|v| v != "silence")),
        })
    }
}
