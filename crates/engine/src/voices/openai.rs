//! OpenAI's speech endpoint, and any server that speaks its format.
//!
//! Wire format (platform.openai.com/docs/api-reference/audio/createSpeech):
//! `POST {base_url}/audio/speech`, `Authorization: Bearer KEY`, JSON `{model, input, voice,
//! response_format, speed, instructions}`; `model` is `gpt-4o-mini-tts` or `tts-1`, `input` at
//! most 4096 characters, `speed` 0.25–4, `instructions` only for `gpt-4o-mini-tts`. With
//! `response_format: "pcm"` the answer's body is raw 16-bit little-endian mono samples at
//! 24 kHz, no header. Errors are JSON `{"error": {"message", "type", "code"}}`. The answer
//! carries no word times: they are estimated over the voiced part of the audio.

use async_trait::async_trait;
use serde_json::json;

use super::timing::{estimate, Pcm};
use super::{check_audio, Availability, SpeechRequest, Spoken, Voice};
use crate::remote::http::ProviderHttp;
use crate::remote::ProviderError;

const RATE: u32 = 24_000;
const MAX_INPUT: usize = 4096;
/// Ten minutes of 24 kHz audio.
const MAX_BYTES: u64 = 24_000 * 2 * 600;

pub struct OpenAiVoice {
    pub http: ProviderHttp,
    pub voice: String,
    pub speed: Option<f32>,
    pub instructions: Option<String>,
}

#[async_trait]
impl Voice for OpenAiVoice {
    fn name(&self) -> &str {
        "openai"
    }

    async fn speak(&self, req: &SpeechRequest) -> Result<Spoken, ProviderError> {
        let h = &self.http;
        let key = h.key()?;
        let input = req.text();
        if input.chars().count() > MAX_INPUT {
            return Err(ProviderError::terminal(
                "too_long",
                format!(
                    "{} reads at most {MAX_INPUT} characters at once and this scene has {}; split the scene.",
                    h.label,
                    input.chars().count()
                ),
            ));
        }
        let mut body = json!({
            "model": h.cfg.model,
            "input": input,
            "voice": self.voice,
            "response_format": "pcm",
        });
        if let Some(s) = self.speed {
            body["speed"] = json!(s.clamp(0.25, 4.0));
        }
        if let Some(i) = self.instructions.as_ref().filter(|i| !i.trim().is_empty()) {
            if h.cfg.model.starts_with("gpt-4o") {
                body["instructions"] = json!(i);
            }
        }
        let resp = h
            .client
            .post(h.url("/audio/speech"))
            .bearer_auth(key.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        let resp = h.check(resp).await?;
        let ctype = crate::remote::http::content_type(&resp);
        if ctype.starts_with("text/") || ctype.contains("json") {
            return Err(ProviderError::transient(
                "bad_response",
                format!(
                    "{} answered with {} instead of audio (a proxy or an outage?).",
                    h.label,
                    if ctype.contains("html") {
                        "a web page"
                    } else {
                        "text"
                    }
                ),
            ));
        }
        let bytes = h.read_limited(resp, MAX_BYTES).await?;
        let pcm = check_audio(h.label, Pcm::from_le_bytes(RATE, &bytes), req.words.len())?;
        let (from, to) = pcm.voiced_span();
        Ok(Spoken {
            words: estimate(&req.words, from, to),
            pcm: Some(pcm),
            estimated: true,
            provider: "openai".into(),
            voice: self.voice.clone(),
            fallback: Vec::new(),
            passed: Vec::new(),
        })
    }

    async fn availability(&self) -> Availability {
        if self.http.key.is_none() {
            return Availability::not(format!(
                "{} needs an API key ({})",
                self.http.label,
                self.http.cfg.api_key_env.as_deref().unwrap_or("Settings")
            ));
        }
        let names = [
            "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer",
            "verse",
        ];
        Availability::ready(
            names
                .iter()
                .map(|n| super::VoiceInfo {
                    id: n.to_string(),
                    name: n.to_string(),
                    language: "any".into(),
                })
                .collect(),
        )
    }
}
