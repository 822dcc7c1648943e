//! The app itself, and the whole state the UI fetches on start (and after a `reset`).

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::dto::{
    connectivity, providers, sync_view, Activity, Connectivity, ProjectCard, ProviderView, SyncView,
};
use crate::error::ApiResult;
use crate::state::AppState;

/// What the UI shows in its About box and uses to check it talks to the right backend.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub engine_version: String,
    pub data_dir: String,
    /// Where the window's player asks for videos: the address of the app's own video server,
    /// followed by the video's path (URL-encoded). Null where videos cannot play in the window.
    pub media_base: Option<String>,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        name: "StoryReel".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        engine_version: storyreel_engine::VERSION.into(),
        data_dir: state
            .data_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
        media_base: state.media().map(|m| m.base()),
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Snapshot {
    pub projects: Vec<ProjectCard>,
    pub activity: Activity,
    pub sync: SyncView,
    pub providers: Vec<ProviderView>,
    pub connectivity: Connectivity,
    /// The style presets New story offers.
    pub styles: Vec<String>,
    /// Start-up notices (a provider skipped for want of a key...).
    pub notices: Vec<String>,
}

/// Every project's card, oldest first.
pub(crate) fn cards(engine: &storyreel_engine::Engine) -> ApiResult<Vec<ProjectCard>> {
    Ok(engine.project_cards()?)
}

#[tauri::command]
pub async fn snapshot(state: State<'_, AppState>) -> ApiResult<Snapshot> {
    let e = state.engine().await?;
    let sync = sync_view(&e)?;
    let providers = providers(&e);
    Ok(Snapshot {
        projects: cards(&e)?,
        activity: e.activity()?,
        connectivity: connectivity(&sync.health, &providers),
        sync,
        providers,
        styles: storyreel_engine::style::Style::names()
            .into_iter()
            .map(String::from)
            .collect(),
        notices: state.notices(),
    })
}
