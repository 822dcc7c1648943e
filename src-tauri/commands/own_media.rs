//! A scene's own picture or clip: a file dropped or chosen in the window arrives in pieces
//! (a clip can be gigabytes: never whole in memory), is read and kept by the engine, and its
//! fit, focus, in and out points, sound and end are changed afterwards; "Make a picture
//! instead" gives it up for a provider's picture; a clip's strip of frames to choose by.

use std::io::Write;

use storyreel_engine::media::StripFrame;
use storyreel_engine::model::MediaLook;
use tauri::State;

use super::projects::project;
use crate::dto::SceneView;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// The largest piece of a file the window sends at once.
const MAX_PIECE: usize = 16 * 1024 * 1024;

/// The request's header `name`, as text (names are sent URI-encoded).
fn header(req: &tauri::ipc::Request<'_>, name: &str) -> ApiResult<String> {
    let v = req
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::input(format!(
                "The file came without its `{name}`; drop it again."
            ))
        })?;
    Ok(percent_encoding::percent_decode_str(v)
        .decode_utf8_lossy()
        .into_owned())
}

fn number(req: &tauri::ipc::Request<'_>, name: &str) -> ApiResult<u64> {
    header(req, name)?.trim().parse().map_err(|_| {
        ApiError::input(format!(
            "The file came with a wrong `{name}`; drop it again."
        ))
    })
}

fn io(what: &str, err: std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Io,
        format!("Cannot keep the file to read it ({what}: {err})."),
    )
}

/// One piece of a file for scene `x-scene` of project `x-project-id`: `x-upload` (an id the
/// window made), `x-offset` (where the piece goes; pieces come in order), `x-size` (the whole
/// file's size) and `x-file-name`. The last piece makes the file the scene's visual and
/// returns the scene; earlier ones return nothing.
#[tauri::command]
pub async fn put_media_piece(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> ApiResult<Option<SceneView>> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::input(
            "The file came without its content; drop it again.",
        ));
    };
    if bytes.len() > MAX_PIECE {
        return Err(ApiError::input(
            "The file came in pieces too large; drop it again.",
        ));
    }
    let upload = uuid::Uuid::parse_str(header(&request, "x-upload")?.trim())
        .map_err(|_| ApiError::input("The file came with a wrong `x-upload`; drop it again."))?;
    let offset = number(&request, "x-offset")?;
    let size = number(&request, "x-size")?;
    let (e, p) = project(&state, &header(&request, "x-project-id")?).await?;
    let index: u32 = number(&request, "x-scene")?
        .try_into()
        .map_err(|_| ApiError::input("The file came with a wrong scene number."))?;
    let name = header(&request, "x-file-name")?;
    // Only the file's own name: nothing of a path it may carry.
    let name = std::path::Path::new(&name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "your file".into());
    if size > storyreel_engine::media::clip::MAX_CLIP_BYTES {
        return Err(ApiError::input(format!(
            "{name} is {:.1} GB; a clip may be at most {:.0} GB. Trim it, or export it at a lower quality, and use that.",
            size as f64 / (1u64 << 30) as f64,
            storyreel_engine::media::clip::MAX_CLIP_BYTES as f64 / (1u64 << 30) as f64
        )));
    }
    // In the data folder's scratch space (cleared at every start): an app closed mid-way
    // leaves nothing behind for long.
    let tmp = e
        .assets()
        .scratch()?
        .join(format!(".tmp-upload-{}", upload.simple()));
    let have = std::fs::metadata(&tmp).map_or(0, |m| m.len());
    if offset != have {
        let _ = std::fs::remove_file(&tmp);
        return Err(ApiError::input(format!(
            "{name} did not arrive whole (a piece went missing); drop it again."
        )));
    }
    let end = offset.saturating_add(bytes.len() as u64);
    if end > size {
        let _ = std::fs::remove_file(&tmp);
        return Err(ApiError::input(format!(
            "{name} arrived longer than it is; drop it again."
        )));
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&tmp)
        .map_err(|err| io("opening", err))?;
    if let Err(err) = f.write_all(bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("writing", err));
    }
    drop(f);
    if end < size {
        return Ok(None);
    }
    let out = e.set_scene_media_as(p.id, index, &tmp, &name, None).await;
    let _ = std::fs::remove_file(&tmp);
    let scene = out?;
    Ok(Some(e.scene_view_of(&scene)?))
}

/// Changes how a scene's own picture or clip fits and plays.
#[tauri::command]
pub async fn set_media_look(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
    look: MediaLook,
) -> ApiResult<SceneView> {
    let (e, p) = project(&state, &project_id).await?;
    let scene = e.set_media_look(p.id, index, look).await?;
    Ok(e.scene_view_of(&scene)?)
}

/// Gives up a scene's own picture or clip for one from the image providers.
#[tauri::command]
pub async fn make_picture_instead(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
) -> ApiResult<SceneView> {
    let (e, p) = project(&state, &project_id).await?;
    e.make_picture_instead(p.id, index).await?;
    let scene = e
        .scene(p.id, index)?
        .ok_or_else(|| ApiError::not_found(format!("{} has no scene {index}.", p.title)))?;
    Ok(e.scene_view_of(&scene)?)
}

/// Small frames spread over a scene's clip, to set its in and out points by.
#[tauri::command]
pub async fn clip_strip(
    state: State<'_, AppState>,
    project_id: String,
    index: u32,
    count: u32,
) -> ApiResult<Vec<StripFrame>> {
    let (e, p) = project(&state, &project_id).await?;
    Ok(e.clip_strip(p.id, index, count.clamp(1, 24), 72).await?)
}
