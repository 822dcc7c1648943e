//! A job's failed attempt as the queue records it: what the user reads, and whether another
//! try may help.

use crate::error::{is_no_space, Error, ErrorCode};
use crate::model::{Job, JobKind, UserError};

/// A job's failure: what the user reads, and whether another try may help.
#[derive(Debug)]
pub struct JobError {
    pub user: UserError,
    pub retryable: bool,
}

impl JobError {
    /// A panic inside a job's work: a failed attempt like any other, never a dead worker.
    pub(crate) fn panicked(job: &Job, panic: &(dyn std::any::Any + Send)) -> JobError {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(job = %job.id, panic = %what, "a job hit an internal error");
        let scene = job.scene_index.unwrap_or(0);
        let (doing, then) = match job.kind() {
            JobKind::GenerateScene => (
                format!("making the picture of scene {scene}"),
                "the scene will be retried",
            ),
            JobKind::UploadAsset => (
                format!("uploading the image of scene {scene}"),
                "the upload will be retried",
            ),
            JobKind::RenderVideo => ("rendering the video".into(), "the render will be retried"),
            JobKind::NarrateScene => (
                format!("narrating scene {scene}"),
                "the narration will be retried",
            ),
        };
        JobError {
            user: UserError::new(
                "internal",
                format!("StoryReel hit an internal error while {doing}; {then}."),
            ),
            retryable: true,
        }
    }
}

impl JobError {
    /// True when the attempt stopped because the disk holding the data folder is full. Such an
    /// attempt is no failure of the job: the engine halts and hands the job back uncounted, so a
    /// long spell without room never uses up a scene's attempts.
    pub(crate) fn is_disk_full(&self) -> bool {
        self.user.code == ErrorCode::DiskFull.as_str()
    }
}

impl From<Error> for JobError {
    fn from(e: Error) -> Self {
        let no_space = matches!(&e, Error::Io { source, .. } if is_no_space(source));
        let code = if no_space {
            ErrorCode::DiskFull
        } else {
            e.code()
        };
        let retryable = matches!(e, Error::Io { .. } | Error::Db(_) | Error::DiskFull { .. });
        JobError {
            user: UserError::new(code.as_str(), e.to_string()),
            retryable,
        }
    }
}
