//! Content-addressed files under the data folder: `assets/<2 hex>/<hash>.<ext>`.
//! Paths are built only from a hex hash and a known extension, so nothing is written elsewhere.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::imaging;

#[derive(Debug, Clone)]
pub struct AssetStore {
    root: PathBuf,
}

const EXTS: &[&str] = &["jpg", "png", "webp", "mp4", "srt", "vtt", "wav"];

/// The file extensions a clip is kept under (ffmpeg reads any of them by their content).
pub const CLIP_EXTS: &[&str] = &[
    "mp4", "mov", "m4v", "mkv", "webm", "avi", "mts", "3gp", "ogv", "clip",
];

impl AssetStore {
    pub fn open(data_dir: &Path) -> Result<AssetStore> {
        let root = data_dir.join("assets");
        std::fs::create_dir_all(&root)
            .map_err(|e| Error::io(format!("Cannot create {}", root.display()), e))?;
        let store = AssetStore { root };
        store.remove_temp_files();
        Ok(store)
    }

    /// The asset folder of a data folder that cannot be written: read as it is.
    pub fn open_existing(data_dir: &Path) -> AssetStore {
        AssetStore {
            root: data_dir.join("assets"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file for `hash.ext` lives (whether or not it exists).
    pub fn path(&self, hash: &str, ext: &str) -> Result<PathBuf> {
        let known = EXTS.contains(&ext) || CLIP_EXTS.contains(&ext);
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || !known {
            return Err(Error::Input(format!("not an asset name: {hash}.{ext}")));
        }
        Ok(self.root.join(&hash[..2]).join(format!("{hash}.{ext}")))
    }

    /// Stores `bytes` durably (written, fsynced, renamed into place) and returns its hash.
    /// Storing the same bytes again is a no-op.
    pub fn put(&self, bytes: &[u8], ext: &str) -> Result<String> {
        let hash = imaging::hash(bytes);
        let path = self.path(&hash, ext)?;
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
            return Ok(hash);
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("Cannot create {}", dir.display()), e))?;
        let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::now_v7()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(
                format!(
                    "Cannot save an image in {} (is the disk full?)",
                    dir.display()
                ),
                e,
            )
        })?;
        Ok(hash)
    }

    /// A folder for files being written (temp names, removed at the next open if left over).
    pub fn scratch(&self) -> Result<PathBuf> {
        let dir = self.root.join("scratch");
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("Cannot create {}", dir.display()), e))?;
        Ok(dir)
    }

    /// A temp path in the scratch folder (`.tmp-...`).
    pub fn temp_path(&self, ext: &str) -> Result<PathBuf> {
        Ok(self
            .scratch()?
            .join(format!(".tmp-{}.{ext}", uuid::Uuid::now_v7())))
    }

    /// Moves a finished file (written elsewhere under the asset folder) into the store under its
    /// hash, durably. Returns its hash and size.
    pub fn adopt(&self, tmp: &Path, ext: &str) -> Result<(String, u64)> {
        let ctx = |e: std::io::Error| Error::io(format!("Cannot store {}", tmp.display()), e);
        let mut hasher = blake3::Hasher::new();
        let mut f = std::fs::File::open(tmp).map_err(ctx)?;
        let bytes = std::io::copy(&mut f, &mut hasher).map_err(ctx)?;
        f.sync_all().map_err(ctx)?;
        let hash = hasher.finalize().to_hex().to_string();
        let path = self.path(&hash, ext)?;
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(ctx)?;
        std::fs::rename(tmp, &path).map_err(ctx)?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(ctx)?;
        Ok((hash, bytes))
    }

    /// Checks that the file exists and still has this content.
    pub fn verify(&self, hash: &str, ext: &str) -> Result<bool> {
        let path = self.path(hash, ext)?;
        match std::fs::read(&path) {
            Ok(bytes) => Ok(imaging::hash(&bytes) == hash),
            Err(_) => Ok(false),
        }
    }

    fn remove_temp_files(&self) {
        let Ok(dirs) = std::fs::read_dir(&self.root) else {
            return;
        };
        for d in dirs.flatten() {
            let Ok(files) = std::fs::read_dir(d.path()) else {
                continue;
            };
            for f in files.flatten() {
                if f.file_name().to_string_lossy().starts_with(".tmp-") {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
    }
}

/// Puts a file at `dest` (outside the data folder) without ever leaving half of it there:
/// `fill` writes a temporary name beside it (`.{name}.{pid}.part`), which is made durable and
/// then renamed over `dest`. On any error the temporary file is removed and `dest` is as it was.
pub fn place_file(
    dest: &Path,
    fill: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // A name of its own for each call (two writes of the same file never share one).
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dest.with_file_name(format!(".{name}.{}-{n}.part", std::process::id()));
    let done = fill(&tmp)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, dest));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let a = AssetStore::open(dir.path()).unwrap();
        let h1 = a.put(b"hello", "jpg").unwrap();
        let h2 = a.put(b"hello", "jpg").unwrap();
        assert_eq!(h1, h2);
        let p = a.path(&h1, "jpg").unwrap();
        assert!(p.starts_with(dir.path().join("assets")));
        assert_eq!(std::fs::read(&p).unwrap(), b"hello");
        assert!(a.verify(&h1, "jpg").unwrap());
        std::fs::write(&p, b"tampered").unwrap();
        assert!(!a.verify(&h1, "jpg").unwrap());
    }

    #[test]
    fn paths_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        let a = AssetStore::open(dir.path()).unwrap();
        assert!(a.path("../../etc/passwd", "jpg").is_err());
        assert!(a.path(&"a".repeat(64), "sh").is_err());
    }
}
