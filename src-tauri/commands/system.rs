//! Commands that tell the UI about the app itself.

use serde::Serialize;

/// What the UI shows in its About box and uses to check it talks to the right backend.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub engine_version: String,
}

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        name: "StoryReel".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        engine_version: storyreel_engine::VERSION.into(),
    }
}
