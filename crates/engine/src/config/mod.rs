//! The TOML configuration and where StoryReel keeps its data.
//!
//! Every section and key is optional; unknown keys are an error that names the key and the file.
//! Secrets never live here: a provider names the environment variable that holds its key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Lane;

mod generation;
mod providers;
mod queue;
pub mod render;
pub mod sync;
pub mod voice;
pub mod write;

pub use generation::{BreakerConfig, GenerationConfig, ImageFormat, StoryConfig};
pub use providers::{ProviderConfig, ProviderSettings, ProvidersConfig, KNOWN_PROVIDERS};
pub use queue::QueueConfig;
pub use render::RenderConfig;
pub use sync::SyncConfig;
pub use voice::{VoiceConfig, KNOWN_VOICES};
pub use write::WriteConfig;

/// A settings value StoryReel cannot use, as a sentence naming its section and key and saying
/// what would do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadSetting(pub String);

impl std::ops::Deref for BadSetting {
    type Target = str;
    /// The sentence itself.
    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub story: StoryConfig,
    pub generation: GenerationConfig,
    pub queue: QueueConfig,
    pub providers: ProvidersConfig,
    pub breaker: BreakerConfig,
    pub sync: SyncConfig,
    pub render: RenderConfig,
    pub voice: VoiceConfig,
    pub write: WriteConfig,
}

impl Config {
    /// Reads a TOML file. Errors name the file, the line and the key.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!(
                "Cannot read the config file {}: {e}. Check that the file is there and readable.",
                path.display()
            ))
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        // The error names the line and the key but never quotes the line: it may hold a pasted secret.
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text.get(..s.start).unwrap_or(text).matches('\n').count() + 1);
            let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
            Error::Config(format!(
                "The config file {origin} is not valid{at}: {}",
                e.message().trim_end()
            ))
        })?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    pub fn validate(&self, origin: &str) -> Result<()> {
        let bad = |msg: String| Err(Error::Config(format!("The config file {origin}: {msg}")));
        let chain = &self.generation.providers;
        if chain.is_empty() {
            return bad(
                "[generation] providers is empty: name the providers to try in order, such as [\"openai\", \"titlecard\"], or [\"titlecard\"] for title cards only.".into(),
            );
        }
        for (i, p) in chain.iter().enumerate() {
            if !KNOWN_PROVIDERS.contains(&p.as_str()) {
                return bad(format!(
                    "[generation] providers names `{p}`, which this StoryReel does not know (known: {}).",
                    KNOWN_PROVIDERS.join(", ")
                ));
            }
            if chain[..i].contains(p) {
                return bad(format!(
                    "[generation] providers names `{p}` twice; each provider is tried once, so keep one."
                ));
            }
        }
        // The chain as written is the chain used: the title card never fails, so nothing after
        // it would ever be asked.
        if let Some(i) = chain.iter().position(|p| p == "titlecard") {
            if let Some(after) = chain.get(i + 1) {
                return bad(format!(
                    "[generation] providers puts `titlecard` before `{after}`; a title card never fails, so `{after}` would never be asked. Move `titlecard` to the end (or leave it out: it is always tried last)."
                ));
            }
        }
        for name in KNOWN_PROVIDERS {
            let Some(p) = self.providers.resolve(name) else {
                continue;
            };
            if !(p.base_url.starts_with("http://") || p.base_url.starts_with("https://")) {
                return bad(format!(
                    "[providers.{name}] base_url must start with http:// or https://."
                ));
            }
        }
        if let Some(msg) = self.out_of_range() {
            return bad(msg);
        }
        if crate::style::Style::by_name(&self.generation.style).is_none() {
            return bad(format!(
                "[generation] style `{}` is unknown (known: {}).",
                self.generation.style,
                crate::style::Style::names().join(", ")
            ));
        }
        let q = &self.queue;
        if q.lease_s < q.heartbeat_s.saturating_mul(2) {
            return bad("[queue] lease_s must be at least twice heartbeat_s.".into());
        }
        if let Err(BadSetting(msg)) = self.sync.check() {
            return bad(msg);
        }
        if let Err(BadSetting(msg)) = self.render.check() {
            return bad(msg);
        }
        if let Err(BadSetting(msg)) = self.voice.check() {
            return bad(msg);
        }
        if let Err(BadSetting(msg)) = self.write.check() {
            return bad(msg);
        }
        Ok(())
    }

    /// The first number outside its documented range, as a sentence. Every number is checked
    /// here, so that arithmetic on it (timers, leases, byte counts) can never overflow.
    fn out_of_range(&self) -> Option<String> {
        let (g, q, b, st) = (&self.generation, &self.queue, &self.breaker, &self.story);
        let mut checks: Vec<(String, u64, u64, u64)> = vec![
            ("[story] max_scenes".into(), st.max_scenes as u64, 1, 10_000),
            (
                "[story] max_scene_chars".into(),
                st.max_scene_chars as u64,
                1,
                100_000,
            ),
            (
                "[generation] concurrency".into(),
                g.concurrency as u64,
                1,
                64,
            ),
            (
                "[generation] jpeg_quality".into(),
                g.jpeg_quality.into(),
                1,
                100,
            ),
            ("[generation] max_tries".into(), g.max_tries.into(), 1, 10),
            (
                "[generation] retry_base_ms".into(),
                g.retry_base_ms,
                1,
                600_000,
            ),
            (
                "[generation] retry_max_ms".into(),
                g.retry_max_ms,
                1,
                3_600_000,
            ),
            (
                "[generation] provider_budget_s".into(),
                g.provider_budget_s,
                1,
                86_400,
            ),
            (
                "[generation] download_max_mb".into(),
                g.download_max_mb,
                1,
                1024,
            ),
            ("[breaker] failures".into(), b.failures.into(), 1, 1000),
            ("[breaker] open_s".into(), b.open_s, 1, 86_400),
            ("[queue] max_attempts".into(), q.max_attempts.into(), 1, 100),
            (
                "[queue] max_interrupts".into(),
                q.max_interrupts.into(),
                1,
                10_000,
            ),
            ("[queue] lease_s".into(), q.lease_s, 2, 86_400),
            ("[queue] heartbeat_s".into(), q.heartbeat_s, 1, 3600),
            (
                "[queue] backoff_base_ms".into(),
                q.backoff_base_ms,
                1,
                3_600_000,
            ),
            ("[queue] backoff_max_s".into(), q.backoff_max_s, 1, 86_400),
            (
                "[queue] prune_after_days".into(),
                q.prune_after_days,
                0,
                36_500,
            ),
            (
                "[queue] upload_concurrency".into(),
                q.upload_concurrency as u64,
                1,
                64,
            ),
            (
                "[queue] narrate_concurrency".into(),
                q.narrate_concurrency as u64,
                1,
                16,
            ),
            (
                "[queue] render_concurrency".into(),
                q.render_concurrency as u64,
                1,
                8,
            ),
            ("[sync] timeout_s".into(), self.sync.timeout_s, 1, 3600),
            (
                "[sync] connect_timeout_s".into(),
                self.sync.connect_timeout_s,
                1,
                600,
            ),
        ];
        for name in KNOWN_PROVIDERS {
            let Some(s) = self.providers.settings(name) else {
                continue;
            };
            let opt = |v: Option<u64>| v.unwrap_or(1);
            checks.extend([
                (
                    format!("[providers.{name}] timeout_s"),
                    opt(s.timeout_s),
                    1,
                    3600,
                ),
                (
                    format!("[providers.{name}] poll_timeout_s"),
                    opt(s.poll_timeout_s),
                    1,
                    86_400,
                ),
                (
                    format!("[providers.{name}] poll_interval_ms"),
                    opt(s.poll_interval_ms),
                    1,
                    600_000,
                ),
                (
                    format!("[providers.{name}] steps"),
                    opt(s.steps.map(u64::from)),
                    1,
                    500,
                ),
            ]);
            if let Some(c) = s.cfg_scale {
                if !(c.is_finite() && (0.0..=100.0).contains(&c)) {
                    return Some(format!(
                        "[providers.{name}] cfg_scale is {c}; it must be between 0 and 100."
                    ));
                }
            }
        }
        checks.into_iter().find_map(|(key, v, lo, hi)| {
            (!(lo..=hi).contains(&v))
                .then(|| format!("{key} is {v}; it must be between {lo} and {hi}."))
        })
    }

    pub fn concurrency(&self, lane: Lane) -> usize {
        match lane {
            Lane::Generate => self.generation.concurrency,
            Lane::Upload => self
                .sync
                .concurrency
                .unwrap_or(self.queue.upload_concurrency),
            Lane::Render => self.queue.render_concurrency,
            Lane::Narrate => self.queue.narrate_concurrency,
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
    use std::time::Duration;

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
    fn provider_sections_get_their_defaults() {
        let c = Config::parse(
            "[providers.openai]\nbase_url = \"http://127.0.0.1:9/v1/\"\ntimeout_s = 5\n",
            "c",
        )
        .unwrap();
        let o = c.providers.resolve("openai").unwrap();
        assert_eq!(o.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(
            (o.model.as_str(), o.api_key_env.as_deref()),
            ("gpt-image-1", Some("OPENAI_API_KEY"))
        );
        assert_eq!(o.timeout, Duration::from_secs(5));
        let f = c.providers.resolve("fal").unwrap();
        assert_eq!(f.api_key_env.as_deref(), Some("FAL_KEY"));
        assert!(c.providers.resolve("titlecard").is_none());
        assert!(Config::parse("[providers.openai]\nbase_url = \"ftp://x\"\n", "c").is_err());
        let e = Config::parse("[providers.openai]\napi_key = \"sk-secret\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("api_key") && e.contains("c.toml"), "{e}");
        assert!(!e.contains("sk-secret"), "a secret must not be echoed: {e}");
    }

    #[test]
    fn unknown_provider_is_named() {
        for (toml, words) in [
            ("[generation]\nproviders = []\n", "is empty"),
            (
                "[generation]\nproviders = [\"openai\", \"openai\"]\n",
                "`openai` twice",
            ),
            (
                "[generation]\nproviders = [\"titlecard\", \"openai\"]\n",
                "`titlecard` before `openai`",
            ),
        ] {
            let err = Config::parse(toml, "c.toml").unwrap_err().to_string();
            assert!(err.contains(words) && err.contains("c.toml"), "{err}");
        }
        assert!(Config::parse("[generation]\nproviders = [\"openai\"]\n", "c").is_ok());
        assert!(Config::parse("[generation]\nproviders = [\"fal\", \"titlecard\"]\n", "c").is_ok());
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

    #[test]
    fn every_number_has_a_range() {
        for (text, key) in [
            (
                "[generation]\nprovider_budget_s = 18446744073709551615\n",
                "provider_budget_s",
            ),
            ("[breaker]\nopen_s = 18446744073709551615\n", "open_s"),
            ("[queue]\nlease_s = 18446744073709551615\n", "lease_s"),
            (
                "[queue]\nbackoff_max_s = 18446744073709551615\n",
                "backoff_max_s",
            ),
            (
                "[providers.fal]\npoll_timeout_s = 18446744073709551615\n",
                "poll_timeout_s",
            ),
            ("[providers.openai]\ntimeout_s = 0\n", "timeout_s"),
            ("[providers.comfyui]\ncfg_scale = nan\n", "cfg_scale"),
            ("[story]\nmax_scenes = 0\n", "max_scenes"),
            ("[sync]\ntimeout_s = 99999999\n", "timeout_s"),
        ] {
            let e = Config::parse(text, "c.toml").unwrap_err().to_string();
            assert!(
                e.contains(key) && e.contains("must be between"),
                "{text}: {e}"
            );
        }
        assert!(Config::parse("[queue]\nprune_after_days = 0\n", "c").is_ok());
    }

    #[test]
    fn sync_section_parses_and_is_checked() {
        let c = Config::parse(
            "[sync]\ntarget = \"s3://my-bucket/storyreel\"\nendpoint = \"http://127.0.0.1:9000\"\nregion = \"us-east-1\"\naccess_key_env = \"AWS_ACCESS_KEY_ID\"\nsecret_key_env = \"AWS_SECRET_ACCESS_KEY\"\ncreate_bucket = false\nconcurrency = 6\npublic_url_base = \"https://cdn.example.com/storyreel\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.concurrency(Lane::Upload), 6);
        assert!(c.sync.enabled());
        assert_eq!(Config::default().concurrency(Lane::Upload), 4);
        let e = Config::parse("[sync]\ntarget = \"bucket-without-scheme\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml") && e.contains("s3://"), "{e}");
        let e = Config::parse(
            "[sync]\ntarget = \"s3://b\"\nsecret_key = \"x\"\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("secret_key") && !e.contains("\"x\""), "{e}");
    }
}
