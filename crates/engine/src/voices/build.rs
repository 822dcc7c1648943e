//! Builds the voice chain from the config and the keys at hand, and reports on voices.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::chain::{stats_name, VoiceChain, VoiceEntry};
use super::elevenlabs::ElevenLabs;
use super::espeak::Espeak;
use super::library::Library;
use super::neural::Neural;
use super::openai::OpenAiVoice;
use super::piper::Piper;
use super::{label, Availability, Voice};
use crate::config::{Config, KNOWN_VOICES};
use crate::model::{BreakerState, ProviderStats};
use crate::remote::breaker::Breaker;
use crate::remote::http::ProviderHttp;
use crate::remote::retry::{Health, RetryPolicy, StatsBook};
use crate::secrets::SecretSource;

/// One voice as configured, whether or not it is in the chain; a notice when it cannot be
/// built (no key, an address that is not one).
fn build_one(
    name: &str,
    config: &Config,
    secrets: &dyn SecretSource,
    data_dir: Option<&Path>,
) -> Result<Arc<dyn Voice>, String> {
    let v = &config.voice;
    match name {
        "espeak-ng" => Ok(Arc::new(Espeak {
            voice: v.espeak.voice.clone(),
            rate_wpm: v.espeak.rate_wpm,
        })),
        "piper" => Ok(Arc::new(Piper {
            program: v.piper.program.clone(),
            model: v.piper.model.clone(),
            timeout: Duration::from_secs(v.piper.timeout_s),
            onnxruntime: v.piper.onnxruntime.clone(),
        })),
        "neural" => {
            let Some(dir) = data_dir else {
                return Err("The neural voices live in a data folder, and there is none.".into());
            };
            let n = &v.neural;
            Ok(Arc::new(Neural {
                library: Arc::new(Library::new(dir).with_mirror(n.mirror.clone())),
                prefer: n.voices.clone(),
                speed: n.speed,
                timeout: Duration::from_secs(n.timeout_s),
                onnxruntime: n.onnxruntime.clone(),
            }))
        }
        "elevenlabs" | "openai" => {
            let Some((cfg, voice)) = v.cloud(name) else {
                return Err(format!("{} has no settings.", label(name)));
            };
            let l = label(name);
            if !cfg.enabled {
                return Err(format!("{l} is turned off in [{}].", cfg.section));
            }
            let key = secrets.get(name, cfg.api_key_env.as_deref());
            let http =
                ProviderHttp::new(cfg, l, key, 0).map_err(|e| format!("{l}: {}", e.message))?;
            Ok(if name == "elevenlabs" {
                Arc::new(ElevenLabs {
                    http,
                    voice_id: voice,
                })
            } else {
                Arc::new(OpenAiVoice {
                    http,
                    voice,
                    speed: v.openai.speed,
                    instructions: v.openai.instructions.clone(),
                })
            })
        }
        _ => Ok(Arc::new(super::silence::Silence)),
    }
}

/// The chain for `config`, and one-line notices about voices that were left out.
/// `data_dir`: where installed voices are found.
pub fn chain(
    config: &Config,
    secrets: &dyn SecretSource,
    data_dir: &Path,
    book: &StatsBook,
) -> (VoiceChain, Vec<String>) {
    let v = &config.voice;
    let mut notices = Vec::new();
    let mut entries = Vec::new();
    let mut extras = Vec::new();
    let in_chain = v.chain();
    for name in KNOWN_VOICES.iter().filter(|n| **n != "silence") {
        let at = in_chain.iter().position(|c| c == name);
        match build_one(name, config, secrets, Some(data_dir)) {
            Ok(voice) => {
                let breaker = Breaker::new(
                    config.breaker.failures,
                    Duration::from_secs(config.breaker.open_s),
                );
                let key = stats_name(name);
                let entry = VoiceEntry {
                    voice,
                    health: Health::new(&key, breaker, (book.known)(&key)),
                };
                match at {
                    Some(at) => entries.push((at, entry)),
                    None => extras.push(entry),
                }
            }
            Err(notice) if at.is_some() => {
                notices.push(format!("{notice} Skipping it; scenes use the next voice."))
            }
            Err(_) => {}
        }
    }
    entries.sort_by_key(|(at, _)| *at);
    let entries: Vec<VoiceEntry> = entries.into_iter().map(|(_, e)| e).collect();
    let policy =
        RetryPolicy::from_settings(v.max_tries, v.retry_base_ms, v.retry_max_ms, v.budget_s);
    (
        VoiceChain::with_extras(entries, extras, policy, Some(book.sink.clone())),
        notices,
    )
}

/// One row of `storyreel voices`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoiceRow {
    pub name: String,
    pub label: String,
    pub in_chain: bool,
    /// Its place in the chain (1 = asked first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    pub usable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub voices: Vec<super::VoiceInfo>,
    pub breaker: BreakerState,
    pub calls: u64,
    pub failures: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<crate::model::UserError>,
}

/// Every known voice: in the chain or not, usable now or why not, with its voices; `stats`
/// gives a voice's calls, failures and breaker where a data folder keeps them.
pub async fn report(
    config: &Config,
    secrets: &dyn SecretSource,
    data_dir: Option<&Path>,
    stats: &(dyn Fn(&str) -> Option<ProviderStats> + Sync),
) -> Vec<VoiceRow> {
    let chain = config.voice.chain();
    let mut rows = Vec::new();
    for name in KNOWN_VOICES {
        let availability = match build_one(name, config, secrets, data_dir) {
            Ok(v) => v.availability().await,
            Err(why) => Availability::not(why),
        };
        let stats = stats(&stats_name(name)).unwrap_or_default();
        let position = chain.iter().position(|c| c == name).map(|p| p + 1);
        rows.push(VoiceRow {
            name: name.to_string(),
            label: label(name).to_string(),
            in_chain: position.is_some(),
            position,
            usable: availability.usable,
            note: availability.note,
            voices: availability.voices,
            breaker: stats.breaker.unwrap_or(BreakerState::Closed),
            calls: stats.calls,
            failures: stats.failures,
            last_error: stats.last_error,
        });
    }
    rows
}
