//! Settings: read, save (the engine reopens with them), keys to the keychain, tests.

use tauri::State;

use crate::keychain::KeyStore;

use crate::dto::{apply, settings_view, Settings, SettingsInput, TestResult, REMOTE_PROVIDERS};
use crate::error::{ApiError, ApiResult};
use crate::key_sources::{check_var_name, KeySources};
use crate::keychain::{provider_account, STORAGE_ACCESS, STORAGE_SECRET};
use crate::prefs::{load_config, save_config};
use crate::state::AppState;

fn current(state: &AppState) -> ApiResult<Settings> {
    let cfg = load_config(&state.opts.config_file)?;
    let prefs = state.prefs();
    let keys = KeySources::new(state.opts.keys.as_ref(), &prefs.key_env);
    let mut view = settings_view(
        &cfg,
        &keys,
        &state.data_dir()?.display().to_string(),
        prefs.theme,
        &state.opts.config_file.display().to_string(),
    );
    for p in &mut view.providers {
        p.key_env = prefs.key_env.get(&provider_account(&p.name)).cloned();
    }
    view.storage.access_key_env = prefs.key_env.get(STORAGE_ACCESS).cloned();
    view.storage.secret_key_env = prefs.key_env.get(STORAGE_SECRET).cloned();
    view.writer.key_env = prefs.key_env.get(&provider_account("write")).cloned();
    Ok(view)
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> ApiResult<Settings> {
    current(&state)
}

#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: SettingsInput,
) -> ApiResult<Settings> {
    let old = load_config(&state.opts.config_file)?;
    let cfg = apply(&old, &settings)?;
    let mut prefs = state.prefs();
    let data_dir = settings.data_dir.trim();
    let wanted_dir = (!data_dir.is_empty()).then(|| std::path::PathBuf::from(data_dir));
    if let Some(d) = &wanted_dir {
        if !d.is_absolute() {
            return Err(ApiError::input(format!(
                "The data folder must be a full path (it is `{data_dir}`)."
            )));
        }
    }
    let dir_changed = wanted_dir.is_some() && wanted_dir != Some(state.data_dir()?);
    prefs.theme = settings.theme;
    if dir_changed {
        prefs.data_dir = wanted_dir;
    }
    prefs.save(&state.opts.prefs_file)?;
    if cfg != old {
        save_config(&state.opts.config_file, &cfg)?;
    }
    if cfg != old || dir_changed {
        state.restart().await;
    }
    current(&state)
}

/// The theme applies at once: it is a preference of this app, not a setting of the engine, so
/// it is saved on its own (nothing else changes, the engine does not reopen).
#[tauri::command]
pub async fn set_theme(state: State<'_, AppState>, theme: crate::dto::Theme) -> ApiResult<()> {
    let mut prefs = state.prefs();
    prefs.theme = theme;
    prefs.save(&state.opts.prefs_file)
}

/// A name that takes a key: a provider's, or `write` (the story writer's).
fn known(name: &str) -> ApiResult<()> {
    if REMOTE_PROVIDERS.contains(&name) || name == "write" {
        Ok(())
    } else {
        Err(ApiError::input(format!(
            "`{name}` is not a provider that takes a key ({}).",
            REMOTE_PROVIDERS.join(", ")
        )))
    }
}

/// Where one key comes from: `var` names the environment variable to read it from, None puts
/// it back in the system keychain. `key` is a provider's name, `storage_access` or
/// `storage_secret`.
#[tauri::command]
pub async fn set_key_env(
    state: State<'_, AppState>,
    key: String,
    var: Option<String>,
) -> ApiResult<Settings> {
    let account = match key.as_str() {
        "storage_access" => STORAGE_ACCESS.to_string(),
        "storage_secret" => STORAGE_SECRET.to_string(),
        name => {
            known(name)?;
            provider_account(name)
        }
    };
    let mut prefs = state.prefs();
    match var.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            prefs.key_env.insert(account, check_var_name(v)?);
        }
        None => {
            prefs.key_env.remove(&account);
        }
    }
    prefs.save(&state.opts.prefs_file)?;
    state.restart().await;
    current(&state)
}

fn store_or_delete(state: &AppState, account: &str, value: Option<&str>) -> ApiResult<()> {
    let prefs = state.prefs();
    let keys = KeySources::new(state.opts.keys.as_ref(), &prefs.key_env);
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            if v.chars().any(char::is_control) || v.len() > 8192 {
                return Err(ApiError::input(
                    "That key has line breaks or is too long; paste the key alone.",
                ));
            }
            keys.set(account, v)
        }
        None => keys.delete(account),
    }
}

/// Saves a provider's API key in the OS keychain (None or "" removes it).
#[tauri::command]
pub async fn set_provider_key(
    state: State<'_, AppState>,
    name: String,
    key: Option<String>,
) -> ApiResult<Settings> {
    known(&name)?;
    store_or_delete(&state, &provider_account(&name), key.as_deref())?;
    state.restart().await;
    current(&state)
}

/// Saves the storage credentials in the OS keychain (None leaves one as it is, "" removes it).
#[tauri::command]
pub async fn set_storage_credentials(
    state: State<'_, AppState>,
    access_key: Option<String>,
    secret_key: Option<String>,
) -> ApiResult<Settings> {
    for (account, v) in [(STORAGE_ACCESS, access_key), (STORAGE_SECRET, secret_key)] {
        if let Some(v) = v {
            store_or_delete(&state, account, Some(&v))?;
        }
    }
    state.restart().await;
    current(&state)
}

/// Checks a provider without spending a generation where its API allows.
#[tauri::command]
pub async fn test_provider(state: State<'_, AppState>, name: String) -> ApiResult<TestResult> {
    if !REMOTE_PROVIDERS.contains(&name.as_str()) {
        return Err(ApiError::input(format!(
            "`{name}` is not a provider that can be tested ({}).",
            REMOTE_PROVIDERS.join(", ")
        )));
    }
    let e = state.engine().await?;
    let Some(p) = e.chain().providers().into_iter().find(|p| p.name() == name) else {
        let why = e
            .notices()
            .iter()
            .find(|n| n.to_ascii_lowercase().contains(&name))
            .cloned()
            .unwrap_or_else(|| {
                format!("{name} is not in the provider chain: add it above, save, then test it.")
            });
        return Ok(TestResult {
            ok: false,
            message: why,
        });
    };
    Ok(match p.check().await {
        Ok(detail) => TestResult {
            ok: true,
            message: detail,
        },
        Err(err) => TestResult {
            ok: false,
            message: err.message,
        },
    })
}
