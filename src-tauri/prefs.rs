//! Where the app keeps its own things: the engine config (`config.toml`, shared with the CLI)
//! and the app's preferences (`app.json`: data folder, theme, where keys come from).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use storyreel_engine::config::Config;

use crate::dto::Theme;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// A data folder other than the platform's default.
    pub data_dir: Option<PathBuf>,
    pub theme: Theme,
    /// Keys read from an environment variable instead of the keychain: keychain account →
    /// the variable's name (never its value).
    pub key_env: std::collections::BTreeMap<String, String>,
    /// The folder a video was last saved to: the save dialog opens there next time.
    pub save_dir: Option<PathBuf>,
}

impl Prefs {
    /// Reads the preferences; a missing or unreadable file gives the defaults (and a warning).
    pub fn load(path: &Path) -> Prefs {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(file = %path.display(), %e, "app preferences unreadable; using defaults");
                Prefs::default()
            }),
            Err(_) => Prefs::default(),
        }
    }
    pub fn save(&self, path: &Path) -> ApiResult<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| {
            ApiError::new(
                crate::error::ErrorCode::Io,
                format!("Cannot write the preferences: {e}."),
            )
        })?;
        write_atomic(path, &bytes)
    }
}

/// Writes a file by a temp file and a rename, so a crash never leaves half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> ApiResult<()> {
    let fail = |e: std::io::Error| {
        ApiError::new(
            crate::error::ErrorCode::Io,
            format!(
                "Cannot write {}: {e}. Check that the folder is writable.",
                path.display()
            ),
        )
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    // A temporary name of its own, synced before the rename: a crash or a second writer
    // never leaves half a file, and a power cut never an empty one.
    storyreel_engine::assets::place_file(path, |tmp| std::fs::write(tmp, bytes)).map_err(fail)
}

/// The engine config: the file when it exists, the embedded defaults otherwise.
pub fn load_config(path: &Path) -> ApiResult<Config> {
    if path.is_file() {
        Config::load(path).map_err(ApiError::from)
    } else {
        Ok(Config::default())
    }
}

pub fn save_config(path: &Path, cfg: &Config) -> ApiResult<()> {
    let text = toml::to_string_pretty(cfg).map_err(|e| {
        ApiError::new(
            crate::error::ErrorCode::Config,
            format!("Cannot write the settings: {e}."),
        )
    })?;
    let text = format!(
        "# StoryReel settings (written by the app; the CLI reads them too).\n# API keys and storage credentials are in the system keychain, never here.\n\n{text}"
    );
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_are_saved_whole_whatever_lies_beside_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.json");
        // What a crashed or concurrent save of the past could leave under a fixed name.
        std::fs::create_dir(dir.path().join("app.tmp")).unwrap();
        let prefs = Prefs {
            theme: Theme::Dark,
            ..Default::default()
        };
        prefs.save(&path).expect("saved despite the leftover");
        assert_eq!(Prefs::load(&path), prefs);
        // Saves from two threads at once each leave a whole file.
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (p, path) = (prefs.clone(), path.clone());
                std::thread::spawn(move || p.save(&path))
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        assert_eq!(Prefs::load(&path), prefs);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".part"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    #[test]
    fn config_round_trips_through_the_file_and_prefs_default_when_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c/config.toml");
        assert_eq!(load_config(&file).unwrap(), Config::default());
        let mut cfg = Config::default();
        cfg.generation.providers = vec!["openai".into(), "titlecard".into()];
        cfg.sync.target = Some("file:///tmp/x".into());
        save_config(&file, &cfg).unwrap();
        assert_eq!(load_config(&file).unwrap(), cfg);
        std::fs::write(&file, "[nope]\nx = 1\n").unwrap();
        assert_eq!(load_config(&file).unwrap_err().code, "config");

        let prefs = dir.path().join("app.json");
        std::fs::write(&prefs, "{garbage").unwrap();
        assert_eq!(Prefs::load(&prefs), Prefs::default());
        let p = Prefs {
            data_dir: Some("/x".into()),
            theme: Theme::Dark,
            key_env: [("provider:openai".to_string(), "MY_KEY".to_string())].into(),
            save_dir: Some("/videos".into()),
        };
        p.save(&prefs).unwrap();
        assert_eq!(Prefs::load(&prefs), p);
    }
}
