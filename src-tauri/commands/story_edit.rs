//! Editing a story after Generate: its scenes as a whole (text, title, prompt; add, delete,
//! split, merge, reorder) and its look (style, frame). Only what changed is made again.

use storyreel_engine::model::Aspect;
use storyreel_engine::verbs::scene_edit::SceneEdit;
use tauri::State;

use super::projects::project;
use crate::dto::ProjectDetail;
use crate::error::ApiResult;
use crate::state::AppState;

/// Replaces the project's scenes by `scenes` (each says which scene it continues); answers
/// with the project as it is now.
#[tauri::command]
pub async fn edit_scenes(
    state: State<'_, AppState>,
    project_id: String,
    scenes: Vec<SceneEdit>,
) -> ApiResult<ProjectDetail> {
    let (e, p) = project(&state, &project_id).await?;
    let out = e.edit_scenes(&p, scenes).await?;
    Ok(e.project_detail(&out.project)?)
}

/// Changes the project's style and/or frame; every scene gets a new picture.
#[tauri::command]
pub async fn set_project_look(
    state: State<'_, AppState>,
    id: String,
    style: Option<String>,
    aspect: Option<Aspect>,
) -> ApiResult<ProjectDetail> {
    let (e, p) = project(&state, &id).await?;
    let out = e.set_project_look(&p, style.as_deref(), aspect).await?;
    Ok(e.project_detail(&out.project)?)
}

/// Undoes the project's latest edit (the project's card says which); the project as it is then.
#[tauri::command]
pub async fn undo_edit(state: State<'_, AppState>, id: String) -> ApiResult<ProjectDetail> {
    let (e, p) = project(&state, &id).await?;
    if e.undo(p.id).await?.is_none() {
        return Err(crate::error::ApiError::input(format!(
            "There is nothing to undo in '{}'.",
            p.title
        )));
    }
    let p = crate::dto::project_record(&e, p.id)?;
    Ok(e.project_detail(&p)?)
}
