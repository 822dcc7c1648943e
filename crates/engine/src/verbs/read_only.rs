//! A data folder that cannot be written (a read-only disk, a backup, another user's folder):
//! its database is copied to a temporary folder and opened there, so reading commands (the
//! projects, their scenes, an export of the images) still work. Nothing in the folder changes;
//! the copy is removed when the engine closes.

use std::path::Path;
use std::sync::Arc;

use crate::assets::AssetStore;
use crate::engine::{Engine, EngineOptions};
use crate::error::{os_words, Error, Result};
use crate::store::Store;

/// Whether opening failed only because the folder cannot be written.
pub fn is_unwritable(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if matches!(
        source.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    ))
}

impl Engine {
    /// Opens a copy of the folder's database, for reading only; its images are read in place.
    /// Work started on this engine is lost with the copy: open it only to read.
    pub fn open_read_only(opts: EngineOptions) -> Result<Engine> {
        opts.config.validate("the configuration")?;
        let db = opts.data_dir.join("db");
        if !db.is_dir() {
            return Err(Error::NotFound(format!(
                "{} has no StoryReel database to read.",
                opts.data_dir.display()
            )));
        }
        let tmp = copy_home(&db)
            .map_err(|e| Error::io("Cannot make a temporary folder to read the data folder", e))?;
        copy_dir(&db, &tmp.path().join("db"))?;
        let store = Arc::new(Store::open(tmp.path(), false)?);
        let assets = AssetStore::open_existing(&opts.data_dir);
        Engine::assemble(opts, store, assets, Some(tmp))
    }
}

/// A temporary folder for the copy: in memory (`/dev/shm`) when there is room there, since
/// the disk of the temporary folder is often the data folder's, which may be full.
fn copy_home(db: &Path) -> std::io::Result<tempfile::TempDir> {
    let size = dir_size(db);
    let b = || {
        let mut b = tempfile::Builder::new();
        b.prefix("storyreel-read-");
        b
    };
    let shm = Path::new("/dev/shm");
    let room = crate::store::free_bytes(shm).unwrap_or(0);
    if shm.is_dir() && room > size.saturating_mul(2).saturating_add(64 * 1024 * 1024) {
        if let Ok(t) = b().tempdir_in(shm) {
            return Ok(t);
        }
    }
    b().tempdir()
}

/// The bytes of the plain files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    let cannot = |p: &Path, e: std::io::Error| {
        Error::Input(format!(
            "Cannot read {} to open the data folder for reading: {}.",
            p.display(),
            os_words(&e)
        ))
    };
    std::fs::create_dir_all(to).map_err(|e| cannot(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| cannot(from, e))? {
        let entry = entry.map_err(|e| cannot(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(|e| cannot(&src, e))?;
        if kind.is_dir() {
            copy_dir(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).map_err(|e| cannot(&src, e))?;
        }
    }
    Ok(())
}
