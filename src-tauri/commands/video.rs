//! The rendered video outside the window: open it in the desktop's video player, show it in its
//! folder, save a copy under a name of the person's choosing.

use std::path::{Path, PathBuf};

use storyreel_engine::model::Project;
use storyreel_engine::Engine;
use tauri::State;

use super::projects::project;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// The file of a project's video, when there is one on disk.
fn video_file(e: &Engine, p: &Project) -> ApiResult<PathBuf> {
    let Some(v) = &p.video else {
        return Err(ApiError::not_found(
            "This story has no video yet. Render it first.",
        ));
    };
    let path = e.assets().path(&v.hash, "mp4")?;
    if !path.is_file() {
        return Err(ApiError::not_found(
            "The video file is gone from the data folder. Render the video again.",
        ));
    }
    Ok(path)
}

/// A file name for a video from the story's title: what a file system accepts everywhere,
/// at most 80 characters, `story.mp4` when nothing of the title is left.
pub fn video_file_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let words = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut name: String = words.chars().take(80).collect();
    name = name
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_string();
    if name.is_empty() {
        name = "story".into();
    }
    format!("{name}.mp4")
}

#[tauri::command]
pub async fn open_video(state: State<'_, AppState>, id: String) -> ApiResult<()> {
    let (e, p) = project(&state, &id).await?;
    let file = video_file(&e, &p)?;
    state.desktop().open_file(&file)
}

#[tauri::command]
pub async fn show_video(state: State<'_, AppState>, id: String) -> ApiResult<()> {
    let (e, p) = project(&state, &id).await?;
    let file = video_file(&e, &p)?;
    state.desktop().reveal_file(&file)
}

/// Asks where to save the video and copies it there. `None` when the person cancelled.
#[tauri::command]
pub async fn save_video_as(state: State<'_, AppState>, id: String) -> ApiResult<Option<String>> {
    let (e, p) = project(&state, &id).await?;
    let file = video_file(&e, &p)?;
    let desktop = state.desktop();
    let suggested = video_file_name(&p.title);
    let picked = tauri::async_runtime::spawn_blocking(move || {
        desktop.pick_save_path("Save the video", &suggested)
    })
    .await
    .ok()
    .flatten();
    let Some(mut dest) = picked else {
        return Ok(None);
    };
    if dest.extension().is_none() {
        dest.set_extension("mp4");
    }
    copy_video(&file, &dest)?;
    // Its subtitles go beside it (`story.srt`, `story.vtt`); a file of the person's is kept.
    e.save_subtitles_beside(&p, &dest).map_err(|why| {
        ApiError::new(
            ErrorCode::Io,
            format!(
                "The video was saved as {}, but not its subtitles: {why}",
                dest.display()
            ),
        )
    })?;
    Ok(Some(dest.display().to_string()))
}

/// Copies through a temporary file beside the destination, so a full disk or a cancelled copy
/// never leaves half a video under the chosen name (nor damages a file it was to replace).
fn copy_video(from: &Path, to: &Path) -> ApiResult<()> {
    let fail = |err: std::io::Error| {
        ApiError::new(
            ErrorCode::Io,
            format!(
                "Cannot save the video as {}: {err}. Choose another folder, or make room on the disk.",
                to.display()
            ),
        )
    };
    let dir = to
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::fs::copy(from, tmp.path()).map_err(fail)?;
    tmp.persist(to).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::video_file_name;

    #[test]
    fn names_come_from_the_title() {
        assert_eq!(video_file_name("The Ferry"), "The Ferry.mp4");
        assert_eq!(video_file_name("a/b: c?"), "a b c.mp4");
        assert_eq!(video_file_name("  ...  "), "story.mp4");
        assert_eq!(video_file_name("渡し舟\n"), "渡し舟.mp4");
        assert_eq!(video_file_name(&"x".repeat(300)).len(), 84);
    }
}
