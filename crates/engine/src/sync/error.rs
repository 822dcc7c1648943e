//! How a sync failure is told: what it means for the upload and the target, and the sentence.

use crate::model::UserError;

/// What a failure means for the upload and for the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Offline, the storage down or slow, throttling: wait and retry, without limit.
    Transient,
    /// The target itself is wrong (credentials, missing bucket): every upload would fail the
    /// same way, so none is tried until the user acts.
    Target,
    /// This one object cannot be stored (refused as a bad request): it waits for the user.
    Object,
}

#[derive(Debug, Clone)]
pub struct SyncError {
    pub trouble: Trouble,
    pub user: UserError,
}

impl SyncError {
    pub fn new(trouble: Trouble, code: &str, message: impl Into<String>) -> SyncError {
        SyncError {
            trouble,
            user: UserError::new(code, message),
        }
    }
}

/// At most 200 characters of `s`.
pub(crate) fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(199).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Why a storage target could not be set up (a missing credential, an unusable address), found
/// before any request is sent: a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

impl std::ops::Deref for SetupError {
    type Target = str;
    /// The sentence itself.
    fn deref(&self) -> &str {
        &self.0
    }
}
