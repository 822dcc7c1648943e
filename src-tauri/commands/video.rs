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
    let last_dir = state.prefs().save_dir;
    let picked = tauri::async_runtime::spawn_blocking(move || {
        desktop.pick_save_path("Save the video", &suggested, last_dir.as_deref())
    })
    .await
    .ok()
    .flatten();
    let Some(picked) = picked else {
        return Ok(None);
    };
    let e2 = e.clone();
    let dest = tauri::async_runtime::spawn_blocking(move || video_destination(&e2, picked))
        .await
        .map_err(|err| {
            ApiError::new(ErrorCode::Io, format!("Saving the video stopped: {err}."))
        })??;
    let (from, to) = (file.clone(), dest.clone());
    tauri::async_runtime::spawn_blocking(move || copy_video(&from, &to))
        .await
        .map_err(|err| {
            ApiError::new(ErrorCode::Io, format!("Saving the video stopped: {err}."))
        })??;
    // The video is there: the next dialog opens in its folder, whatever becomes of the subtitles.
    remember_save_dir(&state, &dest);
    // Its subtitles go beside it (`story.srt`, `story.vtt`), each on its own: a file of the
    // person's is kept, and said.
    let (e2, p2, d2) = (e.clone(), p.clone(), dest.clone());
    let saved = tauri::async_runtime::spawn_blocking(move || e2.save_subtitles_beside(&p2, &d2))
        .await
        .map_err(|err| {
            ApiError::new(
                ErrorCode::Io,
                format!("Saving the subtitles stopped: {err}."),
            )
        })?
        .map_err(|why| {
            ApiError::new(
                ErrorCode::Io,
                format!(
                    "The video was saved as {}, but not its subtitles: {why}",
                    dest.display()
                ),
            )
        })?;
    for kept in &saved.kept {
        state.emit(crate::bridge::AppEvent::Notice {
            level: storyreel_engine::events::NoticeLevel::Info,
            message: format!(
                "The video was saved as {}; {} was left as it is (a file of yours is there), so those subtitles were not written.",
                dest.display(),
                kept.display()
            ),
        });
    }
    Ok(Some(dest.display().to_string()))
}

/// The folder a video went to, for the next save dialog; a failure to note it loses nothing.
fn remember_save_dir(state: &AppState, dest: &std::path::Path) {
    let Some(dir) = dest.parent() else { return };
    let mut prefs = state.prefs();
    if prefs.save_dir.as_deref() == Some(dir) {
        return;
    }
    prefs.save_dir = Some(dir.to_path_buf());
    if let Err(e) = prefs.save(&state.opts.prefs_file) {
        tracing::warn!(message = %e.message, "the save folder was not remembered");
    }
}

/// Where the picked name puts the video. A name with no extension gets `.mp4`: the save
/// dialog never showed that name, so it never asked about a file already there. Such a name is
/// never put over a file StoryReel did not make: the next free name (`holiday (2).mp4`) is
/// taken instead. A name the person typed whole was confirmed by the dialog. A folder is refused.
pub fn video_destination(e: &Engine, picked: PathBuf) -> ApiResult<PathBuf> {
    if picked.is_dir() {
        return Err(e.may_write_video(&picked, false).err().map_or_else(
            || {
                ApiError::new(
                    ErrorCode::Input,
                    "Choose a file name for the video, not a folder.",
                )
            },
            ApiError::from,
        ));
    }
    if picked.extension().is_some() {
        return Ok(picked);
    }
    let mut dest = picked.clone();
    dest.set_extension("mp4");
    if e.may_write_video(&dest, false).is_ok() {
        return Ok(dest);
    }
    let stem = picked
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "story".into());
    for n in 2..1000 {
        let candidate = picked.with_file_name(format!("{stem} ({n}).mp4"));
        if std::fs::symlink_metadata(&candidate).is_err() {
            return Ok(candidate);
        }
    }
    Err(ApiError::new(
        ErrorCode::Input,
        format!(
            "{} and a thousand names like it are taken; choose another name for the video.",
            dest.display()
        ),
    ))
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
