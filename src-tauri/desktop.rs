//! The real desktop: the native file dialog, the file manager, system notifications.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_notification::NotificationExt;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::Desktop;

pub struct RealDesktop<R: Runtime> {
    pub app: AppHandle<R>,
}

impl<R: Runtime> Desktop for RealDesktop<R> {
    fn pick_story_file(&self) -> Option<PathBuf> {
        self.app
            .dialog()
            .file()
            .set_title("Open a story")
            .add_filter("Stories", &["txt", "md", "markdown", "json"])
            .blocking_pick_file()
            .and_then(|f| f.into_path().ok())
    }

    fn reveal(&self, path: &Path) -> ApiResult<()> {
        tauri_plugin_opener::open_path(path, None::<&str>)
            .map_err(|e| opener_error("show the folder", path, &e))
    }

    fn reveal_file(&self, path: &Path) -> ApiResult<()> {
        tauri_plugin_opener::reveal_item_in_dir(path)
            .map_err(|e| opener_error("show the file", path, &e))
    }

    fn open_file(&self, path: &Path) -> ApiResult<()> {
        tauri_plugin_opener::open_path(path, None::<&str>)
            .map_err(|e| opener_error("open the file", path, &e))
    }

    fn pick_save_path(&self, title: &str, suggested: &str, dir: Option<&Path>) -> Option<PathBuf> {
        let mut dialog = self.app.dialog().file();
        if let Some(dir) = dir.filter(|d| d.is_dir()) {
            dialog = dialog.set_directory(dir);
        }
        dialog
            .set_title(title)
            .set_file_name(suggested)
            .add_filter("MP4 video", &["mp4"])
            .blocking_save_file()
            .and_then(|f| f.into_path().ok())
    }

    fn pick_folder(&self, title: &str) -> Option<PathBuf> {
        self.app
            .dialog()
            .file()
            .set_title(title)
            .blocking_pick_folder()
            .and_then(|f| f.into_path().ok())
    }

    fn notify(&self, title: &str, body: &str) {
        if let Err(e) = self
            .app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
        {
            tracing::debug!(%e, "notification not shown");
        }
    }
}

/// A sentence for a desktop that could not open or show a file. The opener's own words are kept
/// only when they say something to a person (not an exit status of the system's opener).
pub fn opener_error(what: &str, path: &Path, e: &dyn std::fmt::Display) -> ApiError {
    let why = e.to_string();
    let why = if why.contains("ExitStatus") || why.contains("exit status") || why.is_empty() {
        "no program on this desktop is set up to do it".to_string()
    } else {
        why
    };
    ApiError::new(
        ErrorCode::Io,
        format!(
            "Cannot {what} {}: {why}. The file is there; open it from your file manager.",
            path.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exit_status_is_never_shown() {
        let e = std::io::Error::other("ExitStatus(unix_wait_status(512))");
        let msg = opener_error("show the folder", Path::new("/v/story"), &e).message;
        assert!(!msg.contains("ExitStatus"), "{msg}");
        assert!(msg.contains("no program on this desktop"), "{msg}");
        assert!(msg.contains("/v/story"), "{msg}");
        let e = std::io::Error::other("permission denied");
        let msg = opener_error("open the file", Path::new("/v/a.mp4"), &e).message;
        assert!(msg.contains("permission denied"), "{msg}");
    }
}
