//! Voices: each one turns a scene's text into speech with the time of every word; the chain
//! tries them in order, as it does image providers, and always ends in `silence`, which needs
//! nothing and cannot fail, so a video always renders.

pub mod build;
pub mod chain;
pub mod dialogue;
pub mod elevenlabs;
pub mod espeak;
pub mod japanese;
pub mod kokoro_model;
pub mod kokoro_phonemes;
pub mod kokoro_style;
pub mod library;
pub mod neural;
pub mod onnx;
pub(crate) mod onnx_patch;
pub mod openai;
pub mod piper;
pub mod piper_model;
pub mod resample;
pub mod silence;
pub mod timing;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::language::Language;
use crate::model::{UserError, WordMark};
use crate::remote::ProviderError;
pub use timing::Pcm;

/// What a voice needs to speak one scene.
#[derive(Debug, Clone)]
pub struct SpeechRequest {
    /// The scene's text cut into words (`timing::words`); spoken as they join.
    pub words: Vec<String>,
    pub language: &'static Language,
}

impl SpeechRequest {
    pub fn new(text: &str, language: &'static Language) -> SpeechRequest {
        SpeechRequest {
            words: timing::words(text),
            language,
        }
    }
    pub fn text(&self) -> String {
        self.words.concat()
    }
}

/// What a voice made: the audio (none for silence) and each word's time.
#[derive(Debug, Clone)]
pub struct Spoken {
    pub pcm: Option<Pcm>,
    pub words: Vec<WordMark>,
    /// The word times were estimated, not reported by the voice.
    pub estimated: bool,
    pub provider: String,
    pub voice: String,
    /// Why the voices before this one did not speak (set by the chain).
    pub fallback: Vec<UserError>,
    /// Voices before this one that had nothing for this scene (no voice installed for its
    /// language): passed over, not failed (set by the chain).
    pub passed: Vec<UserError>,
}

/// One voice a provider offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceInfo {
    pub id: String,
    pub name: String,
    pub language: String,
}

/// Whether a voice can speak now, and its voices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    pub usable: bool,
    /// Why not, as a sentence; or a note on a usable one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub voices: Vec<VoiceInfo>,
}

impl Availability {
    pub fn ready(voices: Vec<VoiceInfo>) -> Availability {
        Availability {
            usable: true,
            note: None,
            voices,
        }
    }
    pub fn not(why: impl Into<String>) -> Availability {
        let why: String = why.into();
        Availability {
            usable: false,
            note: Some(if why.ends_with('.') { why } else { why + "." }),
            voices: Vec::new(),
        }
    }
}

#[async_trait]
pub trait Voice: Send + Sync {
    fn name(&self) -> &str;
    /// The last voice, which cannot fail (silence).
    fn is_last(&self) -> bool {
        false
    }
    async fn speak(&self, req: &SpeechRequest) -> Result<Spoken, ProviderError>;
    /// Why this voice has nothing for `req` (none installed for its language), when it has
    /// not: the chain passes it over without counting a failure.
    fn passes(&self, _req: &SpeechRequest) -> Option<String> {
        None
    }
    /// Whether it can speak now (no speech is bought to find out) and the voices it has.
    async fn availability(&self) -> Availability;
}

/// A voice's name for people.
pub fn label(name: &str) -> &'static str {
    match name {
        "elevenlabs" => "ElevenLabs",
        "openai" => "OpenAI voice",
        "piper" => "Piper",
        "kokoro" => "Kokoro",
        "neural" => "Neural voice",
        "espeak-ng" => "espeak-ng",
        "own" => "your recording",
        _ => "Silence",
    }
}

/// Checks a cloud voice's audio: none, cut off, or noise rather than speech is that voice's
/// failure (the next one is tried).
pub(crate) fn check_audio(
    label: &str,
    pcm: Option<Pcm>,
    words: usize,
) -> Result<Pcm, ProviderError> {
    let bad = |why: &str| ProviderError::transient("bad_audio", format!("{label} {why}."));
    let pcm = pcm.ok_or_else(|| bad("sent audio that was cut off mid-sample"))?;
    if pcm.samples.is_empty() {
        return Err(bad("sent no audio"));
    }
    // Even a fast speaker needs a tenth of a second a word.
    if pcm.seconds() < 0.1 * words.min(50) as f32 {
        return Err(bad(&format!(
            "sent {:.2} s of audio for {words} words (cut short)",
            pcm.seconds()
        )));
    }
    if pcm.crossing_rate() > 0.35 {
        return Err(bad("sent noise instead of speech"));
    }
    if pcm.is_silent() {
        return Err(bad("sent silent audio"));
    }
    Ok(pcm)
}

/// The line a voice reads as its sample, in the language's own words where we have them.
pub(crate) fn sample_line(code: &str) -> &'static str {
    match code {
        "fr" => "Il était une fois, au bord de la mer, un phare qui veillait sur les bateaux.",
        "de" => "Es war einmal ein Leuchtturm am Meer, der über die Schiffe wachte.",
        "es" => "Había una vez, junto al mar, un faro que cuidaba de los barcos.",
        "it" => "C'era una volta, in riva al mare, un faro che vegliava sulle barche.",
        "pt" => "Era uma vez, à beira-mar, um farol que cuidava dos barcos.",
        "nl" => "Er was eens een vuurtoren aan zee die over de boten waakte.",
        "ru" => "Жил-был у моря маяк, который охранял корабли.",
        "zh" => "从前，海边有一座灯塔，守护着来往的船只。",
        "ja" => "むかしむかし、うみのそばに、ふねをまもる とうだいが ありました。",
        "ko" => "옛날 옛적에 바닷가에 배들을 지키는 등대가 있었습니다.",
        "ar" => "كان يا ما كان، منارة على شاطئ البحر تحرس السفن.",
        "hi" => "एक समय की बात है, समुद्र के किनारे एक प्रकाशस्तंभ था।",
        _ => "Once upon a time, by the sea, a lighthouse watched over the boats.",
    }
}
