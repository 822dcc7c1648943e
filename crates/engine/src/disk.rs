//! The disk under a folder: its free space, and the error a full disk is (never called damage).
//! Below everything that writes files: the store, the render, the voice library.

use std::path::Path;

use crate::error::Error;

/// Free bytes on the file system holding `dir` (None where that cannot be asked).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(dir).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

pub fn disk_full(dir: &Path) -> Error {
    Error::DiskFull {
        path: dir.to_path_buf(),
        free_mb: free_bytes(dir).unwrap_or(0) / (1024 * 1024),
    }
}
