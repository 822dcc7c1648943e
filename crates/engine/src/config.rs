//! The TOML configuration and where StoryReel keeps its data.
//!
//! Every section and key is optional; unknown keys are an error that names the key and the file.
//! Secrets never live here: a provider names the environment variable that holds its key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Lane;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub story: StoryConfig,
    pub generation: GenerationConfig,
    pub queue: QueueConfig,
}

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
}

impl Default for GenerationConfig {
    fn default() -> Self {
        GenerationConfig {
            providers: vec!["titlecard".into()],
            concurrency: 3,
            style: "cinematic".into(),
            format: ImageFormat::Jpeg,
            jpeg_quality: 90,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Tries per job before it fails (errors and expired leases count; restarts do not).
    pub max_attempts: u32,
    /// Times a job may be interrupted by the app stopping before it is failed as a suspect.
    pub max_interrupts: u32,
    /// How long a running job may go without a heartbeat before it is re-queued.
    pub lease_s: u64,
    pub heartbeat_s: u64,
    /// First retry delay; doubles per failure, with full jitter.
    pub backoff_base_ms: u64,
    pub backoff_max_s: u64,
    /// Finished jobs older than this are pruned.
    pub prune_after_days: u64,
    pub upload_concurrency: usize,
    pub render_concurrency: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            max_attempts: 3,
            max_interrupts: 20,
            lease_s: 300,
            heartbeat_s: 15,
            backoff_base_ms: 2000,
            backoff_max_s: 600,
            prune_after_days: 30,
            upload_concurrency: 4,
            render_concurrency: 1,
        }
    }
}

impl QueueConfig {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_s)
    }
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.heartbeat_s)
    }
}

/// Provider names this build knows.
pub const KNOWN_PROVIDERS: &[&str] = &["titlecard"];

impl Config {
    /// Reads a TOML file. Errors name the file, the line and the key.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!(
                "Cannot read the config file {}: {e}. Check the path given by --config or STORYREEL_CONFIG.",
                path.display()
            ))
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            Error::Config(format!(
                "The config file {origin} is not valid: {}",
                e.to_string().trim_end()
            ))
        })?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    pub fn validate(&self, origin: &str) -> Result<()> {
        let bad = |msg: String| Err(Error::Config(format!("The config file {origin}: {msg}")));
        for p in &self.generation.providers {
            if !KNOWN_PROVIDERS.contains(&p.as_str()) {
                return bad(format!(
                    "[generation] providers names `{p}`, which this StoryReel does not know (known: {}).",
                    KNOWN_PROVIDERS.join(", ")
                ));
            }
        }
        if !(1..=64).contains(&self.generation.concurrency) {
            return bad("[generation] concurrency must be between 1 and 64.".into());
        }
        if !(1..=100).contains(&self.generation.jpeg_quality) {
            return bad("[generation] jpeg_quality must be between 1 and 100.".into());
        }
        if crate::providers::titlecard::Style::by_name(&self.generation.style).is_none() {
            return bad(format!(
                "[generation] style `{}` is unknown (known: {}).",
                self.generation.style,
                crate::providers::titlecard::Style::names().join(", ")
            ));
        }
        let q = &self.queue;
        if q.max_attempts == 0 || q.max_attempts > 100 {
            return bad("[queue] max_attempts must be between 1 and 100.".into());
        }
        if q.heartbeat_s == 0 || q.lease_s < q.heartbeat_s.saturating_mul(2) {
            return bad(
                "[queue] lease_s must be at least twice heartbeat_s, and heartbeat_s at least 1."
                    .into(),
            );
        }
        if q.backoff_base_ms == 0 || q.backoff_max_s == 0 {
            return bad("[queue] backoff_base_ms and backoff_max_s must be above 0.".into());
        }
        if !(1..=64).contains(&q.upload_concurrency) || !(1..=8).contains(&q.render_concurrency) {
            return bad(
                "[queue] upload_concurrency must be 1 to 64 and render_concurrency 1 to 8.".into(),
            );
        }
        if self.story.max_scenes == 0 || self.story.max_scene_chars == 0 {
            return bad("[story] max_scenes and max_scene_chars must be above 0.".into());
        }
        Ok(())
    }

    pub fn concurrency(&self, lane: Lane) -> usize {
        match lane {
            Lane::Generate => self.generation.concurrency,
            Lane::Upload => self.queue.upload_concurrency,
            Lane::Render => self.queue.render_concurrency,
        }
    }
}

/// The platform's data folder for StoryReel (shared by the app and the CLI).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "StoryReel", "StoryReel")
        .map(|d| d.data_dir().to_path_buf())
}

/// The platform's config file location.
pub fn default_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "StoryReel", "StoryReel")
        .map(|d| d.config_dir().join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_default() {
        assert_eq!(Config::parse("", "x.toml").unwrap(), Config::default());
    }

    #[test]
    fn unknown_key_names_the_key_and_the_file() {
        let err = Config::parse("[generation]\nconcurency = 3\n", "my.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("my.toml"), "{err}");
        assert!(err.contains("concurency"), "{err}");
    }

    #[test]
    fn unknown_provider_is_named() {
        let err = Config::parse("[generation]\nproviders = [\"dalle9\"]\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("dalle9") && err.contains("titlecard"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Config::parse("[generation]\nconcurrency = 0\n", "c").is_err());
        assert!(Config::parse("[queue]\nlease_s = 10\nheartbeat_s = 10\n", "c").is_err());
        assert!(Config::parse("[generation]\nstyle = \"nope\"\n", "c").is_err());
        assert!(Config::parse("[queue]\nmax_attempts = 5\n", "c").is_ok());
    }
}
