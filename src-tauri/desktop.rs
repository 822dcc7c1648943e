//! The real desktop: the native file dialog, the file manager, system notifications.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_notification::NotificationExt;

use crate::error::{ApiError, ApiResult};
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
        tauri_plugin_opener::open_path(path, None::<&str>).map_err(|e| {
            ApiError::new(
                crate::error::ErrorCode::Io,
                format!(
                    "Cannot open {} in the file manager: {e}. The files are there; open the folder yourself.",
                    path.display()
                ),
            )
        })
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
