//! The data folder's own files, opened so that nothing in the folder can turn a write of ours
//! into a write elsewhere: the folder is made private (0700), a file we write is opened without
//! following a link and must be a regular file of this user's, and a folder of another user's
//! is never written at all (it is read through a copy instead).

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use crate::error::{Error, Result};

/// Creates `dir` (and any missing parents) readable by this user alone.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

#[cfg(unix)]
/// A permission error for a folder this process must not write (it is then read through a
/// copy, as an unwritable folder is).
fn not_ours(what: &Path, why: &str) -> Error {
    Error::io(
        format!("{} {why}", what.display()),
        std::io::Error::new(ErrorKind::PermissionDenied, why.to_string()),
    )
}

/// Refuses to write a data folder that belongs to another user: its files could point
/// anywhere this user can write.
pub fn check_owned_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(dir) {
            if m.uid() != rustix::process::geteuid().as_raw() {
                return Err(not_ours(dir, "belongs to another user"));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Opens (creating it if missing) one of the folder's own files for reading and writing:
/// never through a link, and only a regular file of this user's.
pub fn open_own_file(path: &Path) -> Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        o.mode(0o600);
    }
    let link = || {
        Error::Input(format!(
            "{} is a link or not a plain file, so StoryReel does not open it: a data folder's own files are never links. Remove it and try again.",
            path.display()
        ))
    };
    #[cfg(unix)]
    let is_link = |e: &std::io::Error| {
        // ELOOP: the last part of the path is a symbolic link.
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    };
    #[cfg(not(unix))]
    let is_link = |_: &std::io::Error| false;
    let f = match o.open(path) {
        Ok(f) => f,
        Err(e) if is_link(&e) => return Err(link()),
        Err(e) => return Err(Error::io(format!("Cannot open {}", path.display()), e)),
    };
    let m = f
        .metadata()
        .map_err(|e| Error::io(format!("Cannot read {}", path.display()), e))?;
    if !m.is_file() {
        return Err(link());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if m.uid() != rustix::process::geteuid().as_raw() {
            return Err(not_ours(path, "belongs to another user"));
        }
    }
    Ok(f)
}

/// Creates `path` afresh for writing (a file or link left there is removed first, never
/// followed).
pub fn create_fresh(path: &Path) -> std::io::Result<File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}
