//! One scene: edit its prompt, regenerate, retry, cancel.

use storyreel_engine::model::{JobStatus, Project, Scene};
use storyreel_engine::{Engine, RetryFilter};
use tauri::State;

use super::projects::project;
use crate::dto::SceneView;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Scene `index` of a project; a missing one is a sentence.
fn scene(e: &Engine, p: &Project, index: u32) -> ApiResult<Scene> {
    e.scene(p.id, index)?
        .ok_or_else(|| ApiError::not_found(format!("{} has no scene {index}.", p.title)))
}

fn view(e: &Engine, p: &Project, index: u32) -> ApiResult<SceneView> {
    Ok(e.scene_view_of(&scene(e, p, index)?)?)
}

#[tauri::command]
pub async fn update_scene_prompt(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
    prompt: String,
) -> ApiResult<SceneView> {
    let (e, p) = project(&state, &project_id).await?;
    e.set_scene_prompt(&p, index, &prompt).await?;
    view(&e, &p, index)
}

async fn again(
    state: &AppState,
    project_id: &str,
    index: u32,
    only_failed: bool,
) -> ApiResult<SceneView> {
    let (e, p) = project(state, project_id).await?;
    let s = scene(&e, &p, index)?;
    if only_failed && !matches!(s.status, JobStatus::Failed | JobStatus::Cancelled) {
        return Err(ApiError::input(format!(
            "Scene {index} has not failed (it is {}); use Regenerate for a new picture.",
            s.status.name()
        )));
    }
    if matches!(s.status, JobStatus::Queued | JobStatus::Running) {
        return Err(ApiError::input(format!(
            "Scene {index} is already {}; it gets its picture soon.",
            if s.status == JobStatus::Queued {
                "queued"
            } else {
                "being generated"
            }
        )));
    }
    let filter = RetryFilter {
        scene: Some(index),
        ..Default::default()
    };
    e.retry(&p, filter).await?;
    view(&e, &p, index)
}

/// A new picture for a finished scene (placeholder or not): it goes to the front of the queue.
#[tauri::command]
pub async fn regenerate_scene(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
) -> ApiResult<SceneView> {
    again(&state, &project_id, index, false).await
}

/// Another try for a failed or cancelled scene.
#[tauri::command]
pub async fn retry_scene(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
) -> ApiResult<SceneView> {
    again(&state, &project_id, index, true).await
}

#[tauri::command]
pub async fn cancel_scene(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
) -> ApiResult<SceneView> {
    let (e, p) = project(&state, &project_id).await?;
    let s = scene(&e, &p, index)?;
    e.cancel_job(s.job_id).await?;
    view(&e, &p, index)
}

/// Narrates a scene again (a later voice spoke it, or the person wants another take); every
/// paused voice may be tried at once.
#[tauri::command]
pub async fn revoice_scene(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
) -> ApiResult<SceneView> {
    let (e, p) = project(&state, &project_id).await?;
    scene(&e, &p, index)?;
    e.revoice(
        p.id,
        storyreel_engine::verbs::narration::Revoice::Scenes(vec![index]),
    )
    .await?;
    view(&e, &p, index)
}
