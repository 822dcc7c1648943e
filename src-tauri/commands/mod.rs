//! Thin IPC commands over the engine, one file per domain. Errors cross IPC as
//! `{code, message, line}` ([`crate::error::ApiError`]).

pub mod activity;
pub mod batch;
pub mod cast;
pub mod own_media;
pub mod projects;
pub mod scenes;
pub mod settings;
pub mod stats;
pub mod story_edit;
pub mod sync;
pub mod system;
pub mod video;
pub mod voice;
pub mod voice_library;
pub mod write;

use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// A project id from the UI.
pub(crate) fn project_id(id: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id.trim()).map_err(|_| {
        ApiError::input(format!(
            "`{id}` is not a project id; reopen the project from the Library."
        ))
    })
}
