//! `[story]`, `[generation]` and `[breaker]`: what a story may hold and how its pictures are made.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoryConfig {
    /// Most scenes one story may have.
    pub max_scenes: usize,
    /// Most characters one scene may have.
    pub max_scene_chars: usize,
}

impl Default for StoryConfig {
    fn default() -> Self {
        StoryConfig {
            max_scenes: 500,
            max_scene_chars: 4000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    #[default]
    Jpeg,
    Png,
}

impl ImageFormat {
    pub fn ext(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationConfig {
    /// The provider chain, tried in order; `titlecard` is always added at the end.
    pub providers: Vec<String>,
    /// How many scenes are generated at once.
    pub concurrency: usize,
    /// The style preset for new projects.
    pub style: String,
    pub format: ImageFormat,
    pub jpeg_quality: u8,
    /// Tries per provider per job for transient errors (timeouts, 429, 5xx).
    pub max_tries: u32,
    /// First retry delay; doubles per try, with full jitter (a Retry-After from the provider wins).
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// The most time one provider may take for one scene, retries and waits included.
    pub provider_budget_s: u64,
    /// Largest image a provider may send or link to.
    pub download_max_mb: u64,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        GenerationConfig {
            providers: vec!["titlecard".into()],
            concurrency: 3,
            style: "cinematic".into(),
            format: ImageFormat::Jpeg,
            jpeg_quality: 90,
            max_tries: 3,
            retry_base_ms: 1000,
            retry_max_ms: 20_000,
            provider_budget_s: 600,
            download_max_mb: 30,
        }
    }
}

/// One circuit breaker per provider: `failures` consecutive failed calls open it for `open_s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    pub failures: u32,
    pub open_s: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failures: 5,
            open_s: 60,
        }
    }
}
