//! The Cast panel: a story's characters and look, each change said first ("3 pictures are made
//! again") and then made; a reference picture dropped or chosen in the window arrives whole (a
//! reference is at most 20 MB) and is read and kept by the engine; a scene's own seed and the
//! characters linked or unlinked by hand.

use storyreel_engine::media::reference::{too_large, MAX_REFERENCE_BYTES};
use storyreel_engine::model::{Cast, Reference, SceneChoice};
use storyreel_engine::verbs::cast::CastView;
use storyreel_engine::verbs::cast_edit::CastChange;
use tauri::State;

use super::projects::project;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

#[tauri::command]
pub async fn get_cast(state: State<'_, AppState>, id: String) -> ApiResult<CastView> {
    let (e, p) = project(&state, &id).await?;
    Ok(e.cast_of(&p)?)
}

/// Which scenes saving `cast` would remake; nothing changes.
#[tauri::command]
pub async fn cast_change(
    state: State<'_, AppState>,
    id: String,
    cast: Cast,
) -> ApiResult<CastChange> {
    let (e, p) = project(&state, &id).await?;
    Ok(e.cast_change(&p, &cast)?)
}

#[tauri::command]
pub async fn set_cast(state: State<'_, AppState>, id: String, cast: Cast) -> ApiResult<CastView> {
    let (e, p) = project(&state, &id).await?;
    e.set_cast(&p, cast).await?;
    let fresh = e.project(p.id)?.unwrap_or(p);
    Ok(e.cast_of(&fresh)?)
}

#[tauri::command]
pub async fn set_scene_cast(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
    choice: SceneChoice,
) -> ApiResult<CastView> {
    let (e, p) = project(&state, &project_id).await?;
    e.set_scene_cast(&p, index, choice).await?;
    let fresh = e.project(p.id)?.unwrap_or(p);
    Ok(e.cast_of(&fresh)?)
}

/// A reference picture, its bytes as the body and `x-file-name` its name: read, checked and
/// kept; the cast takes it when the person saves.
#[tauri::command]
pub async fn put_reference(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> ApiResult<Reference> {
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    // Only the file's own name: nothing of a path it may carry.
    let name = std::path::Path::new(&name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "picture".into());
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::input(format!(
            "{name} came without its picture; choose it again."
        )));
    };
    if bytes.len() as u64 > MAX_REFERENCE_BYTES {
        return Err(too_large(&name, bytes.len() as u64).into());
    }
    let e = state.engine().await?;
    let keep = |err: std::io::Error| {
        ApiError::new(
            ErrorCode::Io,
            format!("Cannot keep {name} to read it: {err}."),
        )
    };
    let dir = tempfile::tempdir().map_err(keep)?;
    let file = dir.path().join(&name);
    std::fs::write(&file, bytes).map_err(keep)?;
    Ok(e.prepare_reference(&file, &name).await?)
}
