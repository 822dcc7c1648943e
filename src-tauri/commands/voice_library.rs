//! The voice library from the window: its voices per language (installed or not, quality,
//! size, license), install with progress (`voice_install` events), remove, and a sample of an
//! installed voice as a WAV the window plays.

use storyreel_engine::verbs::voice_sample::VoiceSample;
use storyreel_engine::voices::library::LibraryRow;
use tauri::State;

use crate::bridge::AppEvent;
use crate::error::ApiResult;
use crate::state::AppState;

/// Every voice the library offers on this machine.
#[tauri::command]
pub async fn voice_library(state: State<'_, AppState>) -> ApiResult<Vec<LibraryRow>> {
    Ok(state.engine().await?.voice_library_rows())
}

/// Installs a voice with what it needs; progress goes out as `voice_install` events.
#[tauri::command]
pub async fn install_voice(state: State<'_, AppState>, id: String) -> ApiResult<Vec<String>> {
    let e = state.engine().await?;
    let sink = state.sink();
    let got = e
        .install_voice(&id, &move |p| sink(AppEvent::VoiceInstall { progress: p }))
        .await?;
    Ok(got)
}

/// Removes an installed voice (false: it was not installed).
#[tauri::command]
pub async fn remove_voice(state: State<'_, AppState>, id: String) -> ApiResult<bool> {
    Ok(state.engine().await?.remove_voice(&id)?)
}

/// An installed library voice reading a short line in its language.
#[tauri::command]
pub async fn library_sample(state: State<'_, AppState>, id: String) -> ApiResult<VoiceSample> {
    Ok(state.engine().await?.library_sample(&id).await?)
}
