//! `[voice]`: narration. The voices to try in order (silence is always the last), the story's
//! language, the pause after each scene's narration, retries, and each voice's settings in
//! `[voice.espeak]`, `[voice.elevenlabs]`, `[voice.openai]`, `[voice.piper]` and
//! `[voice.neural]`.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::providers::ProviderConfig;
use super::BadSetting;

/// Voice names this build knows, in the order `storyreel voices` lists them.
pub const KNOWN_VOICES: &[&str] = &[
    "elevenlabs",
    "openai",
    "neural",
    "piper",
    "espeak-ng",
    "silence",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConfig {
    /// Narrate new stories (a story can still be made without a voice).
    pub enabled: bool,
    /// The voices to try, in order; `silence` is added at the end when missing.
    pub voices: Vec<String>,
    /// The story's language: `auto` (detected from the text) or a code such as `en`, `fr`.
    pub language: String,
    /// The pause after a scene's narration before the next scene (ms).
    pub beat_ms: u64,
    pub max_tries: u32,
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// The most time one voice may take for one scene, retries included.
    pub budget_s: u64,
    pub espeak: EspeakSettings,
    pub elevenlabs: CloudVoiceSettings,
    pub openai: CloudVoiceSettings,
    pub piper: PiperSettings,
    pub neural: NeuralSettings,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            enabled: true,
            voices: vec!["neural".into(), "espeak-ng".into()],
            language: "auto".into(),
            beat_ms: 400,
            max_tries: 3,
            retry_base_ms: 1000,
            retry_max_ms: 20_000,
            budget_s: 120,
            espeak: EspeakSettings::default(),
            elevenlabs: CloudVoiceSettings::default(),
            openai: CloudVoiceSettings::default(),
            piper: PiperSettings::default(),
            neural: NeuralSettings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EspeakSettings {
    /// An espeak-ng voice such as `en-us` or `fr+f3`; empty: the story's language.
    pub voice: String,
    /// Speaking rate in words a minute (80–450).
    pub rate_wpm: u32,
}

impl Default for EspeakSettings {
    fn default() -> Self {
        EspeakSettings {
            voice: String::new(),
            rate_wpm: 160,
        }
    }
}

/// ElevenLabs and OpenAI (or a server speaking OpenAI's format).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudVoiceSettings {
    pub enabled: Option<bool>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    /// ElevenLabs: the voice id; OpenAI: the voice's name (`alloy`, `nova`, …).
    pub voice: Option<String>,
    pub api_key_env: Option<String>,
    pub timeout_s: Option<u64>,
    /// OpenAI: 0.25–4.
    pub speed: Option<f32>,
    /// OpenAI (`gpt-4o-mini-tts`): how to speak, in words.
    pub instructions: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PiperSettings {
    /// The `piper` program (default: the one on PATH).
    pub program: PathBuf,
    /// The voice model (`en_US-lessac-medium.onnx`, with its `.onnx.json` beside it).
    pub model: Option<PathBuf>,
    pub timeout_s: u64,
    /// Where ONNX Runtime is (the library, or the folder holding it): the model is then run
    /// inside StoryReel, loaded once, with no program started per scene. Default: beside the
    /// program, or where the system's loader finds it; without it, the `program` speaks.
    pub onnxruntime: Option<PathBuf>,
}

impl Default for PiperSettings {
    fn default() -> Self {
        PiperSettings {
            program: PathBuf::from("piper"),
            model: None,
            timeout_s: 120,
            onnxruntime: None,
        }
    }
}

/// `[voice.neural]`: the voices installed from the voice library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeuralSettings {
    /// Library voices to prefer, in order (`kokoro-af_heart`); each speaks the scenes of its
    /// own language. Empty: the best installed voice of each scene's language.
    pub voices: Vec<String>,
    /// Speaking speed (0.5–2).
    pub speed: f32,
    pub timeout_s: u64,
    /// Where ONNX Runtime is (the library, or its folder); default: the voice library's, beside
    /// the program, or where the system's loader finds it.
    pub onnxruntime: Option<PathBuf>,
    /// Where voices are downloaded from instead of the package registries: an address serving
    /// each registry file by its name (a company mirror).
    pub mirror: Option<String>,
}

impl Default for NeuralSettings {
    fn default() -> Self {
        NeuralSettings {
            voices: Vec::new(),
            speed: 1.0,
            timeout_s: 300,
            onnxruntime: None,
            mirror: None,
        }
    }
}

impl VoiceConfig {
    /// The chain as used: the configured voices, then silence.
    pub fn chain(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .voices
            .iter()
            .filter(|v| v.as_str() != "silence")
            .cloned()
            .collect();
        v.push("silence".into());
        v
    }

    pub fn beat(&self) -> Duration {
        Duration::from_millis(self.beat_ms)
    }

    /// A cloud voice's settings with its defaults filled in (as an HTTP provider's).
    pub fn cloud(&self, name: &str) -> Option<(ProviderConfig, String)> {
        let (s, section, base, model, voice, key): (_, &'static str, _, _, _, _) = match name {
            "elevenlabs" => (
                &self.elevenlabs,
                "voice.elevenlabs",
                "https://api.elevenlabs.io",
                "eleven_multilingual_v2",
                // "Rachel", one of ElevenLabs' default voices.
                "21m00Tcm4TlvDq8ikWAM",
                "ELEVENLABS_API_KEY",
            ),
            "openai" => (
                &self.openai,
                "voice.openai",
                "https://api.openai.com/v1",
                "gpt-4o-mini-tts",
                "alloy",
                "OPENAI_API_KEY",
            ),
            _ => return None,
        };
        let cfg = ProviderConfig {
            name: if name == "openai" {
                "openai"
            } else {
                "elevenlabs"
            },
            section,
            enabled: s.enabled.unwrap_or(true),
            base_url: s
                .base_url
                .clone()
                .unwrap_or_else(|| base.to_string())
                .trim_end_matches('/')
                .to_string(),
            model: s.model.clone().unwrap_or_else(|| model.to_string()),
            api_key_env: s.api_key_env.clone().or(Some(key.to_string())),
            timeout: Duration::from_secs(s.timeout_s.unwrap_or(60)),
            poll_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            quality: None,
            steps: 0,
            cfg_scale: 0.0,
            sampler: None,
            workflow: None,
            checkpoint: None,
            reference_model: None,
            reference_workflow: None,
        };
        Some((cfg, s.voice.clone().unwrap_or_else(|| voice.to_string())))
    }

    /// Names, ranges and addresses, each wrong one as a sentence naming its key.
    pub fn check(&self) -> Result<(), BadSetting> {
        let bad = |m: String| Err(BadSetting(m));
        for (i, v) in self.voices.iter().enumerate() {
            if !KNOWN_VOICES.contains(&v.as_str()) {
                return bad(format!(
                    "[voice] voices names `{v}`, which this StoryReel does not know (known: {}).",
                    KNOWN_VOICES.join(", ")
                ));
            }
            if self.voices[..i].contains(v) {
                return bad(format!(
                    "[voice] voices names `{v}` twice; each voice is tried once, so keep one."
                ));
            }
        }
        if self.language != "auto" && crate::language::by_code(&self.language).is_none() {
            return bad(format!(
                "[voice] language `{}` is not one StoryReel knows; use `auto` or a code such as en, fr, de, es, ja.",
                self.language
            ));
        }
        let ranges: [(&str, u64, u64, u64); 8] = [
            ("[voice] beat_ms", self.beat_ms, 0, 5000),
            ("[voice] max_tries", self.max_tries.into(), 1, 10),
            ("[voice] retry_base_ms", self.retry_base_ms, 1, 600_000),
            ("[voice] retry_max_ms", self.retry_max_ms, 1, 3_600_000),
            ("[voice] budget_s", self.budget_s, 1, 3600),
            (
                "[voice.espeak] rate_wpm",
                self.espeak.rate_wpm.into(),
                80,
                450,
            ),
            ("[voice.piper] timeout_s", self.piper.timeout_s, 1, 3600),
            (
                "[voice.elevenlabs] timeout_s",
                self.elevenlabs.timeout_s.unwrap_or(60),
                1,
                3600,
            ),
        ];
        if let Some((k, v, lo, hi)) = ranges
            .into_iter()
            .chain([(
                "[voice.openai] timeout_s",
                self.openai.timeout_s.unwrap_or(60),
                1,
                3600,
            )])
            .find(|(_, v, lo, hi)| !(*lo..=*hi).contains(v))
        {
            return bad(format!("{k} is {v}; it must be between {lo} and {hi}."));
        }
        if !(self.neural.speed.is_finite() && (0.5..=2.0).contains(&self.neural.speed)) {
            return bad(format!(
                "[voice.neural] speed is {}; it must be between 0.5 and 2.",
                self.neural.speed
            ));
        }
        if !(1..=3600).contains(&self.neural.timeout_s) {
            return bad(format!(
                "[voice.neural] timeout_s is {}; it must be between 1 and 3600.",
                self.neural.timeout_s
            ));
        }
        if let Some(m) = &self.neural.mirror {
            if !(m.starts_with("http://") || m.starts_with("https://")) {
                return bad("[voice.neural] mirror must start with http:// or https://.".into());
            }
        }
        if let Some(s) = self.openai.speed {
            if !(s.is_finite() && (0.25..=4.0).contains(&s)) {
                return bad(format!(
                    "[voice.openai] speed is {s}; it must be between 0.25 and 4."
                ));
            }
        }
        for name in ["elevenlabs", "openai"] {
            if let Some((c, _)) = self.cloud(name) {
                if !(c.base_url.starts_with("http://") || c.base_url.starts_with("https://")) {
                    return bad(format!(
                        "[{}] base_url must start with http:// or https://.",
                        c.section
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_ends_every_chain_and_bad_values_are_named() {
        let mut v = VoiceConfig::default();
        assert_eq!(v.chain(), ["neural", "espeak-ng", "silence"]);
        assert!(v.check().is_ok());
        v.voices = vec!["silence".into(), "openai".into()];
        assert_eq!(v.chain(), ["openai", "silence"]);
        v.voices = vec!["coqui".into()];
        assert!(v.check().unwrap_err().contains("`coqui`"));
        v.voices = vec![];
        v.espeak.rate_wpm = 20;
        assert!(v.check().unwrap_err().contains("rate_wpm is 20"));
        v.espeak.rate_wpm = 160;
        v.openai.speed = Some(f32::NAN);
        assert!(v.check().unwrap_err().contains("speed"));
        v.openai.speed = None;
        v.neural.speed = 3.0;
        assert!(v.check().unwrap_err().contains("[voice.neural] speed"));
        v.neural.speed = 1.0;
        v.language = "klingon".into();
        assert!(v.check().unwrap_err().contains("language"));
    }
}
