//! Builds the provider chain from the config and the keys at hand, and reports on providers.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::automatic1111::Automatic1111;
use super::chain::{ChainEntry, ProviderChain, RetryPolicy};
use super::comfyui::ComfyUi;
use super::fal::Fal;
use super::openai::OpenAi;
use super::stability::Stability;
use super::titlecard::TitleCard;
use super::{ImageProvider, ProviderError};
use crate::config::{Config, ProviderConfig, KNOWN_PROVIDERS};
use crate::model::{BreakerState, ProviderStats};
use crate::remote::breaker::Breaker;
use crate::remote::http::ProviderHttp;
use crate::remote::retry::StatsBook;
use crate::secrets::SecretSource;

/// A provider's name for people.
pub fn label(name: &str) -> &'static str {
    match name {
        "openai" => "OpenAI",
        "fal" => "Fal.ai",
        "stability" => "Stability AI",
        "automatic1111" => "Automatic1111",
        "comfyui" => "ComfyUI",
        _ => "Title card",
    }
}

/// Builds one remote provider; None for names this build cannot make yet.
fn remote(
    cfg: ProviderConfig,
    key: Option<crate::secrets::Secret>,
    max_bytes: u64,
) -> Result<Option<Arc<dyn ImageProvider>>, ProviderError> {
    let label = label(cfg.name);
    let name = cfg.name;
    let http = ProviderHttp::new(cfg, label, key, max_bytes)?;
    Ok(match name {
        "openai" => Some(Arc::new(OpenAi::new(http))),
        "automatic1111" => Some(Arc::new(Automatic1111::new(http))),
        "fal" => Some(Arc::new(Fal::new(http))),
        "stability" => Some(Arc::new(Stability::new(http))),
        "comfyui" => Some(Arc::new(ComfyUi::new(http))),
        _ => None,
    })
}

/// The chain for `config`, and one-line notices about providers that were left out.
pub fn chain(
    config: &Config,
    secrets: &dyn SecretSource,
    book: &StatsBook,
) -> (ProviderChain, Vec<String>) {
    let mut notices = Vec::new();
    let mut entries = Vec::new();
    let g = &config.generation;
    for name in &g.providers {
        if name == "titlecard" {
            continue;
        }
        let Some(cfg) = config.providers.resolve(name) else {
            continue;
        };
        let l = label(name);
        if !cfg.enabled {
            notices.push(format!(
                "{l} is turned off in [providers.{name}]; skipping it."
            ));
            continue;
        }
        let key = secrets.get(name, cfg.api_key_env.as_deref());
        if let (Some(env), None) = (&cfg.api_key_env, &key) {
            notices.push(format!(
                "{l} has no API key (set {env}); skipping it, scenes use the next provider."
            ));
            continue;
        }
        match remote(cfg, key, g.download_max_mb * 1024 * 1024) {
            Ok(Some(p)) => {
                let breaker = Breaker::new(
                    config.breaker.failures,
                    Duration::from_secs(config.breaker.open_s),
                );
                entries.push(ChainEntry::new(p, breaker, (book.known)(name)));
            }
            Ok(None) => notices.push(format!(
                "{l} is not available in this version of StoryReel; skipping it."
            )),
            Err(e) => notices.push(format!("{l}: {}; skipping it.", e.message)),
        }
    }
    entries.push(ChainEntry::new(
        Arc::new(TitleCard {
            font: config.render.font.clone(),
        }),
        Breaker::new(u32::MAX, Duration::ZERO),
        (book.known)("titlecard"),
    ));
    let policy = RetryPolicy::from_settings(
        g.max_tries,
        g.retry_base_ms,
        g.retry_max_ms,
        g.provider_budget_s,
    );
    (
        ProviderChain::from_entries(entries, policy, Some(book.sink.clone())),
        notices,
    )
}

/// One row of `storyreel providers`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ProviderRow {
    pub name: String,
    pub label: String,
    pub in_chain: bool,
    pub enabled: bool,
    /// "present", "missing" or "not needed".
    pub key: String,
    pub breaker: BreakerState,
    pub calls: u64,
    pub failures: u64,
    pub avg_ms: Option<u64>,
    pub last_error: Option<crate::model::UserError>,
    pub model: Option<String>,
    pub base_url: Option<String>,
}

/// Every known provider: configured or not, with its key state, breaker and statistics.
pub fn report(
    config: &Config,
    secrets: &dyn SecretSource,
    known: &dyn Fn(&str) -> Option<ProviderStats>,
    chain: &ProviderChain,
) -> Vec<ProviderRow> {
    let live = chain.stats();
    KNOWN_PROVIDERS
        .iter()
        .map(|name| {
            let cfg = config.providers.resolve(name);
            let stats = live
                .iter()
                .find(|s| s.name == *name)
                .cloned()
                .or_else(|| known(name))
                .unwrap_or_default();
            let key = match &cfg {
                None => "not needed".to_string(),
                Some(c) if c.api_key_env.is_none() => "not needed".to_string(),
                Some(c) => if secrets.get(name, c.api_key_env.as_deref()).is_some() {
                    "present"
                } else {
                    "missing"
                }
                .to_string(),
            };
            let successes = stats.calls - stats.failures;
            ProviderRow {
                name: name.to_string(),
                label: label(name).to_string(),
                in_chain: *name == "titlecard"
                    || config.generation.providers.iter().any(|p| p == name),
                enabled: cfg.as_ref().is_none_or(|c| c.enabled),
                key,
                breaker: stats.breaker.unwrap_or(BreakerState::Closed),
                calls: stats.calls,
                failures: stats.failures,
                avg_ms: (successes > 0).then(|| stats.ok_ms / successes),
                last_error: stats.last_error,
                model: cfg
                    .as_ref()
                    .map(|c| c.model.clone())
                    .filter(|m| !m.is_empty()),
                base_url: cfg.map(|c| crate::redact::scrub(&c.base_url, &[])),
            }
        })
        .collect()
}
