//! The Sync screen: target health, waiting and failed uploads, retry all now, test.

use tauri::State;

use crate::dto::{sync_view, SyncView, TestResult};
use crate::error::ApiResult;
use crate::state::AppState;

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> ApiResult<SyncView> {
    sync_view(&state.engine().await?)
}

/// Resets the backoff of every waiting and failed upload; returns how many go again.
#[tauri::command]
pub async fn sync_retry_all(state: State<'_, AppState>) -> ApiResult<u32> {
    Ok(state.engine().await?.sync_retry_now(None).await? as u32)
}

/// Writes, reads back and removes a small object on the configured target.
#[tauri::command]
pub async fn test_storage(state: State<'_, AppState>) -> ApiResult<TestResult> {
    let e = state.engine().await?;
    Ok(match e.sync_test().await {
        Ok(message) => TestResult { ok: true, message },
        Err(u) => TestResult {
            ok: false,
            message: u.message,
        },
    })
}
