//! The Settings screen: the provider chain, each provider, the storage target, lanes, folders,
//! theme. Keys are write-only: the UI only learns whether one is saved.

use serde::{Deserialize, Serialize};
use storyreel_engine::config::Config;
use ts_rs::TS;

use crate::error::{ApiError, ApiResult};
use crate::keychain::{provider_account, KeyStore, STORAGE_ACCESS, STORAGE_SECRET};

/// The remote providers a person can configure (the title card needs nothing).
pub const REMOTE_PROVIDERS: &[&str] = &["openai", "fal", "stability", "automatic1111", "comfyui"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProviderSetting {
    pub name: String,
    pub label: String,
    pub enabled: bool,
    pub model: String,
    pub base_url: String,
    pub needs_key: bool,
    pub key_set: bool,
    /// The environment variable the key is read from, when the person chose one over the
    /// system keychain.
    pub key_env: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StorageSettings {
    /// "" means local only.
    pub target: String,
    pub endpoint: String,
    pub region: String,
    pub create_bucket: bool,
    pub public_url_base: String,
    pub access_key_set: bool,
    pub secret_key_set: bool,
    /// The environment variables the credentials are read from instead of the keychain.
    pub access_key_env: Option<String>,
    pub secret_key_env: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Concurrency {
    pub generate: u32,
    pub upload: u32,
    pub render: u32,
    /// Scenes narrated at once (settings saved before narration had none: the default).
    #[serde(default = "default_narrate")]
    pub narrate: u32,
}

fn default_narrate() -> u32 {
    storyreel_engine::config::QueueConfig::default().narrate_concurrency as u32
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Settings {
    /// Provider names in the order they are tried; the title card always ends the chain.
    pub chain: Vec<String>,
    pub providers: Vec<ProviderSetting>,
    pub storage: StorageSettings,
    pub concurrency: Concurrency,
    /// The creator's own font for title cards and captions (a full path), or "" for the
    /// built-in one.
    pub font: String,
    pub data_dir: String,
    pub theme: Theme,
    pub config_file: String,
    pub narration: super::narration_settings::NarrationSettings,
    pub captions: super::narration_settings::CaptionSettings,
    pub writer: super::writer_settings::WriterSettings,
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct ProviderInput {
    pub name: String,
    pub enabled: bool,
    pub model: String,
    pub base_url: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct StorageInput {
    pub target: String,
    pub endpoint: String,
    pub region: String,
    pub create_bucket: bool,
    pub public_url_base: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct SettingsInput {
    pub chain: Vec<String>,
    pub providers: Vec<ProviderInput>,
    pub storage: StorageInput,
    pub concurrency: Concurrency,
    #[serde(default)]
    pub font: String,
    pub data_dir: String,
    pub theme: Theme,
    #[serde(default)]
    pub narration: super::narration_settings::NarrationSettings,
    #[serde(default)]
    pub captions: super::narration_settings::CaptionSettings,
    /// None: the story writer's settings stay as they are.
    #[serde(default)]
    pub writer: Option<super::writer_settings::WriterInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
}

fn has_key(keys: &dyn KeyStore, account: &str) -> bool {
    keys.get(account).ok().flatten().is_some()
}

pub fn settings_view(
    cfg: &Config,
    keys: &dyn KeyStore,
    data_dir: &str,
    theme: Theme,
    config_file: &str,
) -> Settings {
    let providers = REMOTE_PROVIDERS
        .iter()
        .filter_map(|n| cfg.providers.resolve(n))
        .map(|r| ProviderSetting {
            name: r.name.into(),
            label: storyreel_engine::providers::build::label(r.name).into(),
            // On means in the chain: a provider the chain does not name is not called, even
            // though its section is not switched off.
            enabled: r.enabled && cfg.generation.providers.iter().any(|n| n == r.name),
            model: r.model,
            base_url: r.base_url,
            needs_key: r.api_key_env.is_some(),
            key_set: has_key(keys, &provider_account(r.name)),
            key_env: None,
        })
        .collect();
    let s = &cfg.sync;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    Settings {
        chain: cfg
            .generation
            .providers
            .iter()
            .filter(|n| n.as_str() != "titlecard")
            .cloned()
            .collect(),
        providers,
        storage: StorageSettings {
            target: text(&s.target),
            endpoint: text(&s.endpoint),
            region: text(&s.region),
            create_bucket: s.create_bucket,
            public_url_base: text(&s.public_url_base),
            access_key_set: has_key(keys, STORAGE_ACCESS),
            secret_key_set: has_key(keys, STORAGE_SECRET),
            access_key_env: None,
            secret_key_env: None,
        },
        concurrency: Concurrency {
            generate: cfg.generation.concurrency as u32,
            upload: cfg.queue.upload_concurrency as u32,
            render: cfg.queue.render_concurrency as u32,
            narrate: cfg.queue.narrate_concurrency as u32,
        },
        font: cfg
            .render
            .font
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        data_dir: data_dir.into(),
        theme,
        config_file: config_file.into(),
        narration: super::narration_settings::narration_view(cfg),
        captions: super::narration_settings::caption_view(cfg),
        writer: super::writer_settings::writer_view(cfg, keys),
    }
}

fn opt(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// A font file the person chose: a full path to a file StoryReel can set text in.
fn font_file(path: &str) -> ApiResult<std::path::PathBuf> {
    let p = std::path::PathBuf::from(path);
    if !p.is_absolute() {
        return Err(ApiError::input(format!(
            "The font must be given as a full path (it is `{path}`)."
        )));
    }
    storyreel_engine::typeset::check_font_file(&p).map_err(|why| {
        ApiError::input(format!(
            "The font {path} cannot be used: {why}. Choose a .ttf, .otf or .ttc file, or leave the field empty for the built-in font."
        ))
    })?;
    Ok(p)
}

/// The config with the person's settings applied, validated as the engine would.
pub fn apply(cfg: &Config, input: &SettingsInput) -> ApiResult<Config> {
    let mut c = cfg.clone();
    let mut chain = Vec::new();
    for name in &input.chain {
        let name = name.trim();
        if name == "titlecard" {
            continue;
        }
        if !REMOTE_PROVIDERS.contains(&name) {
            return Err(ApiError::input(format!(
                "`{name}` is not a provider StoryReel knows ({}).",
                REMOTE_PROVIDERS.join(", ")
            )));
        }
        if chain.iter().any(|n| n == name) {
            return Err(ApiError::input(format!(
                "{name} is in the chain twice; keep one."
            )));
        }
        chain.push(name.to_string());
    }
    chain.push("titlecard".into());
    c.generation.providers = chain;
    for p in &input.providers {
        let defaults = c.providers.resolve(&p.name).ok_or_else(|| {
            ApiError::input(format!("`{}` is not a provider StoryReel knows.", p.name))
        })?;
        let base = opt(&p.base_url);
        if let Some(b) = &base {
            if !(b.starts_with("http://") || b.starts_with("https://")) {
                return Err(ApiError::input(format!(
                    "The base URL of {} must start with http:// or https:// (it is `{b}`).",
                    defaults.name
                )));
            }
        }
        let s = match p.name.as_str() {
            "openai" => &mut c.providers.openai,
            "fal" => &mut c.providers.fal,
            "stability" => &mut c.providers.stability,
            "automatic1111" => &mut c.providers.automatic1111,
            _ => &mut c.providers.comfyui,
        };
        // Turning a provider on clears a switch-off written in its section; turning it off
        // only takes it out of the chain, so its section stays as it was.
        if p.enabled && s.enabled == Some(false) {
            s.enabled = None;
        }
        s.model = opt(&p.model).filter(|m| *m != defaults.model || s.model.is_some());
        s.base_url = base.filter(|b| *b != defaults.base_url || s.base_url.is_some());
    }
    let st = &input.storage;
    c.sync.target = opt(&st.target);
    c.sync.endpoint = opt(&st.endpoint);
    c.sync.region = opt(&st.region);
    c.sync.create_bucket = st.create_bucket;
    c.sync.public_url_base = opt(&st.public_url_base);
    let lanes = &input.concurrency;
    for (name, n, max) in [
        ("generate", lanes.generate, 16),
        ("upload", lanes.upload, 32),
        ("render", lanes.render, 4),
        ("narrate", lanes.narrate, 16),
    ] {
        if n == 0 || n > max {
            return Err(ApiError::input(format!(
                "The {name} lane runs 1 to {max} jobs at once (not {n})."
            )));
        }
    }
    c.generation.concurrency = lanes.generate as usize;
    c.queue.upload_concurrency = lanes.upload as usize;
    c.queue.render_concurrency = lanes.render as usize;
    c.queue.narrate_concurrency = lanes.narrate as usize;
    c.render.font = match opt(&input.font) {
        None => None,
        Some(f) => Some(font_file(&f)?),
    };
    super::narration_settings::apply_narration(&mut c, &input.narration, &input.captions)?;
    if let Some(w) = &input.writer {
        super::writer_settings::apply_writer(&mut c, w)?;
    }
    c.validate("the settings")
        .map_err(|e| ApiError::new(crate::error::ErrorCode::Config, e.to_string()))?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keychain::MemoryKeys;

    fn input(cfg: &Config) -> SettingsInput {
        let v = settings_view(cfg, &MemoryKeys::default(), "/d", Theme::System, "/c");
        SettingsInput {
            chain: v.chain,
            providers: v
                .providers
                .iter()
                .map(|p| ProviderInput {
                    name: p.name.clone(),
                    enabled: p.enabled,
                    model: p.model.clone(),
                    base_url: p.base_url.clone(),
                })
                .collect(),
            storage: StorageInput {
                target: v.storage.target,
                endpoint: v.storage.endpoint,
                region: v.storage.region,
                create_bucket: v.storage.create_bucket,
                public_url_base: v.storage.public_url_base,
            },
            concurrency: v.concurrency,
            font: v.font,
            data_dir: v.data_dir,
            theme: v.theme,
            narration: v.narration,
            captions: v.captions,
            writer: None,
        }
    }

    /// What the UI sends: the chain is the switched-on providers, in the order shown.
    fn as_the_ui_sends(cfg: &Config) -> SettingsInput {
        let mut i = input(cfg);
        let v = settings_view(cfg, &MemoryKeys::default(), "/d", Theme::System, "/c");
        i.chain = v
            .providers
            .iter()
            .filter(|p| p.enabled)
            .map(|p| p.name.clone())
            .collect();
        i
    }

    #[test]
    fn the_switches_show_the_real_chain_and_saving_keeps_it() {
        let cfg = Config::default();
        let v = settings_view(&cfg, &MemoryKeys::default(), "/d", Theme::System, "/c");
        assert!(
            v.providers.iter().all(|p| !p.enabled),
            "the default chain is title cards only"
        );
        let mut i = as_the_ui_sends(&cfg);
        i.theme = Theme::Dark;
        assert_eq!(
            apply(&cfg, &i).unwrap(),
            cfg,
            "saving the theme changes nothing else"
        );

        let mut two = Config::default();
        two.generation.providers = vec!["fal".into(), "openai".into(), "titlecard".into()];
        let v = settings_view(&two, &MemoryKeys::default(), "/d", Theme::System, "/c");
        let on: Vec<&str> = v
            .providers
            .iter()
            .filter(|p| p.enabled)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            on,
            ["openai", "fal"],
            "REMOTE_PROVIDERS order; the UI sorts by the chain"
        );
        let mut i = as_the_ui_sends(&two);
        i.chain = vec!["fal".into(), "openai".into()];
        assert_eq!(apply(&two, &i).unwrap(), two);

        // Turning one on adds it to the chain; its section is not rewritten.
        let mut i = as_the_ui_sends(&cfg);
        i.chain = vec!["automatic1111".into()];
        i.providers
            .iter_mut()
            .filter(|p| p.name == "automatic1111")
            .for_each(|p| p.enabled = true);
        let c = apply(&cfg, &i).unwrap();
        assert_eq!(c.generation.providers, ["automatic1111", "titlecard"]);
        assert_eq!(c.providers, cfg.providers);
    }

    #[test]
    fn unchanged_settings_leave_the_config_as_it_was() {
        let cfg = Config::default();
        assert_eq!(apply(&cfg, &input(&cfg)).unwrap(), cfg);
    }

    #[test]
    fn chain_order_models_and_storage_are_applied_and_checked() {
        let cfg = Config::default();
        let mut i = input(&cfg);
        i.chain = vec!["fal".into(), "openai".into()];
        i.providers[0].model = "dall-e-3".into();
        i.storage.target = "file:///tmp/out".into();
        i.concurrency.generate = 5;
        let c = apply(&cfg, &i).unwrap();
        assert_eq!(c.generation.providers, ["fal", "openai", "titlecard"]);
        assert_eq!(c.providers.openai.model.as_deref(), Some("dall-e-3"));
        assert_eq!(c.sync.target.as_deref(), Some("file:///tmp/out"));
        assert_eq!(c.generation.concurrency, 5);

        let mut bad = input(&cfg);
        bad.chain = vec!["midjourney".into()];
        assert!(apply(&cfg, &bad)
            .unwrap_err()
            .message
            .contains("midjourney"));
        let mut bad = input(&cfg);
        bad.concurrency.upload = 0;
        assert!(apply(&cfg, &bad).is_err());
        let mut bad = input(&cfg);
        bad.providers[1].base_url = "ftp://x".into();
        assert!(apply(&cfg, &bad).unwrap_err().message.contains("http"));
        let mut bad = input(&cfg);
        bad.storage.target = "ftp://nowhere".into();
        assert_eq!(apply(&cfg, &bad).unwrap_err().code, "config");
    }

    #[test]
    fn a_font_is_a_full_path_to_a_font_file() {
        let cfg = Config::default();
        let dir = tempfile::tempdir().unwrap();
        let font = dir.path().join("Mine.ttf");
        std::fs::write(&font, dejavu::sans::regular()).unwrap();
        let mut i = input(&cfg);
        i.font = font.display().to_string();
        let c = apply(&cfg, &i).unwrap();
        assert_eq!(c.render.font.as_deref(), Some(font.as_path()));
        let v = settings_view(&c, &MemoryKeys::default(), "/d", Theme::System, "/c");
        assert_eq!(v.font, font.display().to_string());

        i.font = "Mine.ttf".into();
        assert!(apply(&cfg, &i).unwrap_err().message.contains("full path"));
        let text = dir.path().join("notes.ttf");
        std::fs::write(&text, "not a font").unwrap();
        i.font = text.display().to_string();
        let e = apply(&cfg, &i).unwrap_err();
        assert_eq!(e.code, "input");
        assert!(e.message.contains("not a font file"), "{}", e.message);
        i.font = String::new();
        assert_eq!(apply(&cfg, &i).unwrap().render.font, None);
    }
}
