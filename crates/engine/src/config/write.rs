//! `[write]`: writing a story from an idea through an OpenAI-compatible chat endpoint. Nothing
//! is sent anywhere this section does not name: by default only the usual local servers on this
//! machine are asked (Ollama, llama.cpp's server, LM Studio).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::BadSetting;

/// The local servers `local` stands for, in the order they are asked.
pub const LOCAL_ENDPOINTS: &[(&str, &str)] = &[
    ("Ollama", "http://127.0.0.1:11434/v1"),
    ("llama.cpp's server", "http://127.0.0.1:8080/v1"),
    ("LM Studio", "http://127.0.0.1:1234/v1"),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteConfig {
    /// The chat endpoints to ask, in order: base URLs (ending in `/v1`), or `local` for the
    /// usual local servers. A cloud endpoint is asked only when it is named here.
    pub endpoints: Vec<String>,
    /// The model to ask for (default: the first model the endpoint lists).
    pub model: Option<String>,
    /// The environment variable holding the key for an endpoint that needs one (the app keeps
    /// it in the keychain instead).
    pub api_key_env: Option<String>,
    /// How many scenes a story has when the idea does not say.
    pub scenes: u32,
    /// The longest one whole answer may take (s).
    pub timeout_s: u64,
    /// The longest the endpoint may stay silent in the middle of an answer (s).
    pub idle_s: u64,
    /// How many times a story is asked for before StoryReel gives up.
    pub tries: u32,
}

impl Default for WriteConfig {
    fn default() -> Self {
        WriteConfig {
            endpoints: vec!["local".into()],
            model: None,
            api_key_env: Some("STORYREEL_WRITE_API_KEY".into()),
            scenes: 6,
            timeout_s: 600,
            idle_s: 90,
            tries: 3,
        }
    }
}

/// One endpoint to ask: a name for people and its base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub label: String,
    pub base_url: String,
}

impl WriteConfig {
    /// The endpoints in the order they are asked, `local` expanded.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        let mut out: Vec<Endpoint> = Vec::new();
        for e in &self.endpoints {
            if e == "local" {
                for (label, url) in LOCAL_ENDPOINTS {
                    out.push(Endpoint {
                        label: (*label).to_string(),
                        base_url: (*url).to_string(),
                    });
                }
            } else {
                let base_url = e.trim_end_matches('/').to_string();
                let label = reqwest::Url::parse(&base_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_else(|| base_url.clone());
                out.push(Endpoint { label, base_url });
            }
        }
        out.dedup_by(|a, b| a.base_url == b.base_url);
        out
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_s)
    }

    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_s)
    }

    pub fn check(&self) -> Result<(), BadSetting> {
        for e in &self.endpoints {
            if e != "local" && !(e.starts_with("http://") || e.starts_with("https://")) {
                return Err(BadSetting(format!(
                    "[write] endpoints names `{e}`; give a base URL starting with http:// or https:// (such as http://127.0.0.1:11434/v1), or `local` for the local servers."
                )));
            }
            if e != "local" && reqwest::Url::parse(e).is_err() {
                return Err(BadSetting(format!(
                    "[write] endpoints names `{e}`, which is not a URL."
                )));
            }
        }
        for (key, v, lo, hi) in [
            ("scenes", u64::from(self.scenes), 1, 60),
            ("timeout_s", self.timeout_s, 1, 86_400),
            ("idle_s", self.idle_s, 1, 3_600),
            ("tries", u64::from(self.tries), 1, 10),
        ] {
            if !(lo..=hi).contains(&v) {
                return Err(BadSetting(format!(
                    "[write] {key} is {v}; it must be from {lo} to {hi}."
                )));
            }
        }
        if self.model.as_deref().is_some_and(|m| m.trim().is_empty()) {
            return Err(BadSetting(
                "[write] model is empty; name a model, or leave the key out to use the endpoint's first one.".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_expands_and_urls_are_checked() {
        let c = WriteConfig::default();
        assert_eq!(c.endpoints().len(), LOCAL_ENDPOINTS.len());
        let c = WriteConfig {
            endpoints: vec!["http://127.0.0.1:9/v1/".into(), "local".into()],
            ..Default::default()
        };
        let e = c.endpoints();
        assert_eq!(e[0].base_url, "http://127.0.0.1:9/v1");
        assert_eq!(e.len(), 4);
        let bad = WriteConfig {
            endpoints: vec!["ollama".into()],
            ..Default::default()
        };
        assert!(bad.check().unwrap_err().0.contains("http://"));
        let bad = WriteConfig {
            tries: 0,
            ..Default::default()
        };
        assert!(bad.check().unwrap_err().0.contains("[write] tries"));
    }
}
