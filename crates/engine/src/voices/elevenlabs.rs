//! ElevenLabs, with the time of every character.
//!
//! Wire format (elevenlabs.io/docs/api-reference/text-to-speech/convert-with-timestamps):
//! `POST {base_url}/v1/text-to-speech/{voice_id}/with-timestamps?output_format=pcm_22050`,
//! header `xi-api-key: KEY`, JSON `{text, model_id, language_code?}`. The answer is JSON
//! `{audio_base64, alignment: {characters, character_start_times_seconds,
//! character_end_times_seconds}}`: the audio (here raw 16-bit little-endian mono samples at
//! 22050 Hz) and, for each character of the text sent, when it is spoken. Errors are JSON
//! `{"detail": {"status", "message"}}`; an account out of credit answers 401 with the status
//! `quota_exceeded`. Voices: `GET {base_url}/v1/voices` → `{voices: [{voice_id, name}]}`.

use async_trait::async_trait;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::timing::{estimate, from_marks, Pcm};
use super::{check_audio, Availability, SpeechRequest, Spoken, Voice, VoiceInfo};
use crate::remote::http::ProviderHttp;
use crate::remote::ProviderError;

const RATE: u32 = 22_050;

pub struct ElevenLabs {
    pub http: ProviderHttp,
    pub voice_id: String,
}

#[derive(Deserialize)]
struct Answer {
    audio_base64: String,
    #[serde(default)]
    alignment: Option<Alignment>,
}

#[derive(Deserialize)]
struct Alignment {
    characters: Vec<String>,
    character_start_times_seconds: Vec<f64>,
}

#[derive(Deserialize)]
struct Voices {
    voices: Vec<VoiceRow>,
}

#[derive(Deserialize)]
struct VoiceRow {
    voice_id: String,
    #[serde(default)]
    name: String,
}

#[async_trait]
impl Voice for ElevenLabs {
    fn name(&self) -> &str {
        "elevenlabs"
    }

    async fn speak(&self, req: &SpeechRequest) -> Result<Spoken, ProviderError> {
        let h = &self.http;
        let key = h.key()?;
        let text = req.text();
        let id: String = percent_encoding::utf8_percent_encode(
            &self.voice_id,
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        let mut body = json!({ "text": text, "model_id": h.cfg.model });
        if h.cfg.model.contains("turbo") || h.cfg.model.contains("flash") {
            body["language_code"] = json!(req.language.code);
        }
        let resp = h
            .client
            .post(h.url(&format!(
                "/v1/text-to-speech/{id}/with-timestamps?output_format=pcm_22050"
            )))
            .header("xi-api-key", key.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        let answer: Answer = h.json(resp).await?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(answer.audio_base64.trim())
            .map_err(|_| {
                ProviderError::transient(
                    "bad_audio",
                    format!("{} sent audio StoryReel cannot read (not base64).", h.label),
                )
            })?;
        let pcm = check_audio(h.label, Pcm::from_le_bytes(RATE, &bytes), req.words.len())?;
        let total = pcm.seconds();
        // Each character's start, when the alignment is of the text sent.
        let marks: Option<Vec<(usize, f32)>> = answer.alignment.and_then(|a| {
            let sent = text.chars().count();
            (a.characters.len() == sent && a.character_start_times_seconds.len() == sent).then(
                || {
                    a.character_start_times_seconds
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (i, *t as f32))
                        .collect()
                },
            )
        });
        let (words, estimated) = match marks {
            Some(m) => (from_marks(&req.words, &m, total), false),
            None => {
                let (from, to) = pcm.voiced_span();
                (estimate(&req.words, from, to), true)
            }
        };
        Ok(Spoken {
            words,
            pcm: Some(pcm),
            estimated,
            provider: "elevenlabs".into(),
            voice: self.voice_id.clone(),
            fallback: Vec::new(),
            passed: Vec::new(),
        })
    }

    async fn availability(&self) -> Availability {
        let h = &self.http;
        let Ok(key) = h.key() else {
            return Availability::not(format!(
                "{} needs an API key ({})",
                h.label,
                h.cfg.api_key_env.as_deref().unwrap_or("Settings")
            ));
        };
        let resp = h
            .client
            .get(h.url("/v1/voices"))
            .header("xi-api-key", key.expose())
            .send()
            .await
            .map_err(|e| h.transport(e));
        let listed: Result<Voices, ProviderError> = match resp {
            Ok(r) => h.json(r).await,
            Err(e) => Err(e),
        };
        match listed {
            Ok(v) => Availability::ready(
                v.voices
                    .into_iter()
                    .take(500)
                    .map(|v| VoiceInfo {
                        id: v.voice_id,
                        name: v.name,
                        language: "any".into(),
                    })
                    .collect(),
            ),
            Err(e) => Availability::not(e.message),
        }
    }
}
