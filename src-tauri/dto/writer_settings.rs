//! Settings → Story writer: the chat endpoints asked for a story from an idea (`[write]`), the
//! model, and whether a key is kept for them (in the keychain, account `write`).

use serde::{Deserialize, Serialize};
use storyreel_engine::Config;
use ts_rs::TS;

use crate::error::{ApiError, ApiResult};
use crate::keychain::{provider_account, KeyStore};

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct WriterSettings {
    /// The endpoints in the order they are asked, one per line: base URLs, or `local` for the
    /// model servers on this computer.
    pub endpoints: String,
    /// The model ("": the endpoint's first).
    pub model: String,
    pub key_set: bool,
    /// The environment variable the key is read from instead of the keychain, if any.
    pub key_env: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
pub struct WriterInput {
    pub endpoints: String,
    pub model: String,
}

/// The settings as the config and the keychain have them (`key_env` is filled in by the
/// command, which knows the preferences).
pub fn writer_view(cfg: &Config, keys: &dyn KeyStore) -> WriterSettings {
    WriterSettings {
        endpoints: cfg.write.endpoints.join("\n"),
        model: cfg.write.model.clone().unwrap_or_default(),
        key_set: keys
            .get(&provider_account("write"))
            .ok()
            .flatten()
            .is_some(),
        key_env: None,
    }
}

/// Puts the window's story-writer settings into the config, checked as the config file's are.
pub fn apply_writer(c: &mut Config, w: &WriterInput) -> ApiResult<()> {
    let endpoints: Vec<String> = w
        .endpoints
        .split(['\n', ','])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect();
    c.write.endpoints = if endpoints.is_empty() {
        vec!["local".into()]
    } else {
        endpoints
    };
    let model = w.model.trim();
    c.write.model = (!model.is_empty()).then(|| model.to_string());
    c.write
        .check()
        .map_err(|e| ApiError::input(e.0.replace("[write] endpoints", "Story writer")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_endpoints_and_bad_ones_are_said() {
        let mut c = Config::default();
        apply_writer(
            &mut c,
            &WriterInput {
                endpoints: " http://127.0.0.1:9/v1 \n\nlocal".into(),
                model: " llama3.2 ".into(),
            },
        )
        .unwrap();
        assert_eq!(c.write.endpoints, ["http://127.0.0.1:9/v1", "local"]);
        assert_eq!(c.write.model.as_deref(), Some("llama3.2"));
        apply_writer(&mut c, &WriterInput::default()).unwrap();
        assert_eq!(c.write.endpoints, ["local"]);
        assert_eq!(c.write.model, None);
        let e = apply_writer(
            &mut c,
            &WriterInput {
                endpoints: "ollama".into(),
                model: String::new(),
            },
        )
        .unwrap_err();
        assert!(e.message.contains("http://"), "{e:?}");
    }
}
