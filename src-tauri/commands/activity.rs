//! The Activity screen: lanes, global pause, cancel one job.

use tauri::State;
use uuid::Uuid;

use crate::dto::Activity;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[tauri::command]
pub async fn activity(state: State<'_, AppState>) -> ApiResult<Activity> {
    Ok(state.engine().await?.activity()?)
}

/// Pauses (or resumes) every lane; running jobs finish. Returns the new state.
#[tauri::command]
pub async fn set_global_paused(state: State<'_, AppState>, paused: bool) -> ApiResult<bool> {
    let e = state.engine().await?;
    e.set_paused(None, paused).await?;
    Ok(e.globally_paused()?)
}

/// Cancels a job; false when it had already finished.
#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, id: String) -> ApiResult<bool> {
    let id = Uuid::parse_str(id.trim())
        .map_err(|_| ApiError::input(format!("`{id}` is not a job id.")))?;
    let e = state.engine().await?;
    if e.job(id)?.is_none() {
        return Err(ApiError::not_found("That job no longer exists."));
    }
    Ok(e.cancel_job(id).await?)
}
