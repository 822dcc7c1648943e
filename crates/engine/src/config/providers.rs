//! `[providers.NAME]`: each image provider's settings, and their defaults.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[providers.NAME]` sections. Every key is optional; `ProviderConfig::resolve` fills in the
/// provider's own defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProvidersConfig {
    pub openai: ProviderSettings,
    pub fal: ProviderSettings,
    pub stability: ProviderSettings,
    pub automatic1111: ProviderSettings,
    pub comfyui: ProviderSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderSettings {
    pub enabled: Option<bool>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    /// The environment variable that holds the API key (the app keeps keys in the OS keychain).
    pub api_key_env: Option<String>,
    pub timeout_s: Option<u64>,
    /// Fal and ComfyUI: how long to wait for a queued generation.
    pub poll_timeout_s: Option<u64>,
    pub poll_interval_ms: Option<u64>,
    /// OpenAI: `quality`.
    pub quality: Option<String>,
    /// Automatic1111 / ComfyUI sampling.
    pub steps: Option<u32>,
    pub cfg_scale: Option<f32>,
    pub sampler: Option<String>,
    /// ComfyUI: a workflow file in API format (default: a built-in txt2img workflow).
    pub workflow: Option<PathBuf>,
    /// ComfyUI: the checkpoint for the built-in workflow.
    pub checkpoint: Option<String>,
    /// Fal: the model asked when a scene has reference pictures (default: FLUX Kontext, its
    /// `/multi` form for several pictures).
    pub reference_model: Option<String>,
    /// ComfyUI: the workflow used for a scene with reference pictures (with a `{{reference}}`
    /// or `{{style_reference}}` slot in a LoadImage node, such as an IP-Adapter workflow).
    pub reference_workflow: Option<PathBuf>,
}

/// A provider's settings with its defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    pub name: &'static str,
    /// The config section that holds these settings (`providers.openai`, `voice.openai`).
    pub section: &'static str,
    pub enabled: bool,
    pub base_url: String,
    pub model: String,
    pub api_key_env: Option<String>,
    pub timeout: Duration,
    pub poll_timeout: Duration,
    pub poll_interval: Duration,
    pub quality: Option<String>,
    pub steps: u32,
    pub cfg_scale: f32,
    pub sampler: Option<String>,
    pub workflow: Option<PathBuf>,
    pub checkpoint: Option<String>,
    pub reference_model: Option<String>,
    pub reference_workflow: Option<PathBuf>,
}

impl ProvidersConfig {
    pub fn settings(&self, name: &str) -> Option<&ProviderSettings> {
        match name {
            "openai" => Some(&self.openai),
            "fal" => Some(&self.fal),
            "stability" => Some(&self.stability),
            "automatic1111" => Some(&self.automatic1111),
            "comfyui" => Some(&self.comfyui),
            _ => None,
        }
    }

    /// The provider's settings with its defaults; None for names that take no settings.
    pub fn resolve(&self, name: &str) -> Option<ProviderConfig> {
        let s = self.settings(name)?;
        let (name, base, model, key): (&'static str, &str, &str, Option<&str>) = match name {
            "openai" => (
                "openai",
                "https://api.openai.com/v1",
                "gpt-image-1",
                Some("OPENAI_API_KEY"),
            ),
            "fal" => (
                "fal",
                "https://queue.fal.run",
                "fal-ai/flux/schnell",
                Some("FAL_KEY"),
            ),
            "stability" => (
                "stability",
                "https://api.stability.ai",
                "core",
                Some("STABILITY_API_KEY"),
            ),
            "automatic1111" => ("automatic1111", "http://127.0.0.1:7860", "", None),
            _ => ("comfyui", "http://127.0.0.1:8188", "", None),
        };
        let section = match name {
            "openai" => "providers.openai",
            "fal" => "providers.fal",
            "stability" => "providers.stability",
            "automatic1111" => "providers.automatic1111",
            _ => "providers.comfyui",
        };
        Some(ProviderConfig {
            name,
            section,
            enabled: s.enabled.unwrap_or(true),
            base_url: s
                .base_url
                .clone()
                .unwrap_or_else(|| base.to_string())
                .trim_end_matches('/')
                .to_string(),
            model: s.model.clone().unwrap_or_else(|| model.to_string()),
            api_key_env: s.api_key_env.clone().or(key.map(str::to_string)),
            timeout: Duration::from_secs(s.timeout_s.unwrap_or(60)),
            poll_timeout: Duration::from_secs(s.poll_timeout_s.unwrap_or(300)),
            poll_interval: Duration::from_millis(s.poll_interval_ms.unwrap_or(1000)),
            quality: s.quality.clone(),
            steps: s.steps.unwrap_or(25),
            cfg_scale: s.cfg_scale.unwrap_or(7.0),
            sampler: s.sampler.clone(),
            workflow: s.workflow.clone(),
            checkpoint: s.checkpoint.clone(),
            reference_model: s.reference_model.clone(),
            reference_workflow: s.reference_workflow.clone(),
        })
    }
}

/// Provider names this build knows.
pub const KNOWN_PROVIDERS: &[&str] = &[
    "openai",
    "fal",
    "stability",
    "automatic1111",
    "comfyui",
    "titlecard",
];
