//! The Stats screen.

use tauri::State;

use crate::dto::Stats;
use crate::error::ApiResult;
use crate::state::AppState;

#[tauri::command]
pub async fn stats(state: State<'_, AppState>) -> ApiResult<Stats> {
    crate::dto::stats(&state.engine().await?)
}
