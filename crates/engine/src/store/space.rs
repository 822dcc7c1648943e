//! The data folder's disk and lock: free space (a full disk is never called damage) and the
//! lock file that keeps a second process out.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Below this much free space, a failed write is read as a full disk.
pub(super) const LOW_SPACE: u64 = 2 * 1024 * 1024;

/// Free space at which work halted by a full disk is worth starting again: well above
/// [`LOW_SPACE`], so that a few freed megabytes do not start and halt it over and over.
pub const RESUME_SPACE: u64 = 32 * 1024 * 1024;

/// The holder's socket inside the data folder (see `control`).
pub const CONTROL_SOCKET: &str = "control.sock";

/// What a StoryReel data folder holds; a folder with any of these is one (a folder whose `db`
/// was moved aside after damage still has its `assets`).
const OURS: [&str; 7] = [
    "db",
    "assets",
    "voices",
    "storyreel.lock",
    "storyreel-data",
    CONTROL_SOCKET,
    "control.pipe",
];

/// Refuses a folder that has files in it but none of a data folder's: StoryReel's own folders
/// are never made among a person's files. A missing or empty folder (hidden files aside) is fine.
pub(super) fn refuse_foreign(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        // Missing, or not a folder: creating it says what is wrong.
        return Ok(());
    };
    let mut others = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if OURS.contains(&name.as_str()) {
            return Ok(());
        }
        if !name.starts_with('.') {
            others.push(name);
        }
    }
    if others.is_empty() {
        return Ok(());
    }
    others.sort();
    let shown: Vec<_> = others.iter().take(3).map(|n| format!("`{n}`")).collect();
    Err(Error::Input(format!(
        "{} is not a StoryReel data folder: it holds other files ({}{}), and StoryReel keeps its data in a folder of its own. Choose a new or empty folder, or the one StoryReel made before.",
        dir.display(),
        shown.join(", "),
        if others.len() > 3 {
            format!(" and {} more", others.len() - 3)
        } else {
            String::new()
        }
    )))
}

/// Takes the folder's lock file, writing our pid into it, or says who holds it.
pub(super) fn lock_dir(dir: &Path) -> Result<File> {
    let path = dir.join("storyreel.lock");
    // Never through a link, and only a plain file of this user's: a lock file pointing at
    // another file would have that file cut short and our pid written into it.
    let mut f = super::own_files::open_own_file(&path)?;
    // A short command (a `status` in another terminal) holds the folder for milliseconds:
    // wait up to a second for it before saying who holds it.
    let mut tries = 0;
    let locked = loop {
        match f.try_lock() {
            Err(std::fs::TryLockError::WouldBlock) if tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => break other,
        }
    };
    match locked {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            // The holder writes its pid just after it takes the lock: give it a moment.
            let mut pid = String::new();
            for _ in 0..10 {
                pid.clear();
                let _ = f.seek(SeekFrom::Start(0));
                let _ = f.read_to_string(&mut pid);
                if !pid.trim().is_empty() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let pid = pid.trim();
            return Err(Error::Locked {
                path: dir.to_path_buf(),
                pid: if pid.is_empty() {
                    "unknown".into()
                } else {
                    pid.into()
                },
            });
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::io(format!("Cannot lock {}", path.display()), e))
        }
    }
    let _ = f.set_len(0);
    let _ = f.seek(SeekFrom::Start(0));
    let _ = write!(f, "{}", std::process::id());
    let _ = f.flush();
    Ok(f)
}

// ----- codec -----
