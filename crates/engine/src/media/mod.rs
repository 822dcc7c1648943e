//! The creator's own pictures and clips as scenes' visuals: reading and checking a file
//! (`probe`, `picture`, `clip`), keeping it content-addressed, and what the front ends can ask
//! of the engine about it (`scene`: set, change how it fits and plays, give it up for a
//! provider's picture, a strip of a clip's frames).

pub mod clip;
pub mod picture;
pub mod probe;
pub mod reference;
mod scene;

pub(crate) use scene::{name_of, put_media};
pub use scene::{PreparedMedia, StripFrame};

use std::path::{Path, PathBuf};

/// The extensions looked for in a media folder, pictures first.
const FOLDER_EXTS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "heic", "heif", "avif", "tif", "tiff", "bmp", "gif", "mp4",
    "mov", "m4v", "mkv", "webm", "avi", "mts", "3gp", "ogv",
];

/// Scene `index`'s file in a media folder (`scene-001.jpg`, `scene-002.mp4`, …; the
/// extension in any case), if there is one.
pub fn scene_media(dir: &Path, index: u32) -> Option<PathBuf> {
    let stem = format!("scene-{index:03}");
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Vec<(usize, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let name = p.file_stem()?.to_str()?;
            let ext = p.extension()?.to_str()?.to_ascii_lowercase();
            let rank = FOLDER_EXTS.iter().position(|x| *x == ext)?;
            (name == stem && p.is_file()).then_some((rank, p))
        })
        .collect();
    found.sort();
    found.into_iter().next().map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_media_folder_is_read_by_scene_number() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "scene-001.JPG",
            "scene-002.mp4",
            "scene-003.txt",
            "scene-010.png",
        ] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("scene-004.png")).unwrap();
        let name = |i| scene_media(dir.path(), i).map(|p| p.file_name().unwrap().to_owned());
        assert_eq!(name(1).unwrap(), "scene-001.JPG");
        assert_eq!(name(2).unwrap(), "scene-002.mp4");
        assert_eq!(name(3), None);
        assert_eq!(name(4), None);
        assert_eq!(name(10).unwrap(), "scene-010.png");
    }
}
