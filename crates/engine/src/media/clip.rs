//! The person's own video clip: copied whole into the asset store (hashed as it is copied,
//! under a temporary name until complete, so a kill leaves nothing half-kept), its first frame
//! at the in point as the scene's picture, a check that its end can be read, and a strip of
//! frames to choose the in and out points by.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use image::RgbImage;

use crate::assets::{AssetStore, CLIP_EXTS};
use crate::error::{Error, Result};
use crate::render::ffmpeg::{output_within, Ffmpeg, PROTOCOLS};

/// The largest clip taken (a 4 GB file is refused with a sentence).
pub const MAX_CLIP_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The longest clip taken (s).
pub const MAX_CLIP_SECONDS: f32 = 30.0 * 60.0;

/// The extension a clip called `name` is kept under.
pub fn clip_ext(name: &str) -> &'static str {
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    CLIP_EXTS
        .iter()
        .find(|e| **e == ext)
        .copied()
        .unwrap_or("clip")
}

/// Copies `file` into the asset store as `ext`; returns its hash and size. Free space is
/// checked first (a clip is large); the copy is hashed as it goes, synced, then renamed into
/// place, so a kill mid-copy leaves only a temporary file the next start removes.
pub fn store(assets: &AssetStore, file: &Path, ext: &str, name: &str) -> Result<(String, u64)> {
    let ctx = |e: std::io::Error| Error::io(format!("Cannot keep {name}"), e);
    let mut src = std::fs::File::open(file).map_err(ctx)?;
    let size = src.metadata().map_err(ctx)?.len();
    let scratch = assets.scratch()?;
    if crate::store::free_bytes(&scratch).is_some_and(|free| free < size + 64 * 1024 * 1024) {
        return Err(crate::store::disk_full(&scratch));
    }
    let tmp = assets.temp_path(ext)?;
    let mut copy = || -> std::io::Result<(String, u64)> {
        let mut out = std::fs::File::create(&tmp)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut n = 0u64;
        loop {
            let got = src.read(&mut buf)?;
            if got == 0 {
                break;
            }
            hasher.update(&buf[..got]);
            out.write_all(&buf[..got])?;
            n += got as u64;
        }
        out.sync_all()?;
        Ok((hasher.finalize().to_hex().to_string(), n))
    };
    let (hash, bytes) = copy().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        if crate::store::free_bytes(&scratch).is_some_and(|b| b < 2 * 1024 * 1024) {
            crate::store::disk_full(&scratch)
        } else {
            ctx(e)
        }
    })?;
    let path = assets.path(&hash, ext)?;
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Ok((hash, bytes));
    }
    let dir = path.parent().unwrap_or(assets.root());
    let place = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(dir)?.sync_all()
    };
    place().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ctx(e)
    })?;
    Ok((hash, bytes))
}

/// One frame of `file` at `at` seconds, upright, as RGB no wider or taller than `side`.
pub fn frame_at(ff: &Ffmpeg, file: &Path, at: f32, side: u32) -> Option<RgbImage> {
    let side = side.clamp(16, 4096);
    let mut cmd = Command::new(&ff.bin);
    cmd.args(["-v", "error", "-nostdin", "-protocol_whitelist", PROTOCOLS])
        .args(["-ss", &format!("{:.3}", at.max(0.0))])
        .arg("-i")
        .arg(file)
        .args(["-frames:v", "1", "-an", "-vf"])
        .arg(format!(
            "scale=w='min({side},iw)':h='min({side},ih)':force_original_aspect_ratio=decrease"
        ))
        .args(["-f", "image2pipe", "-c:v", "png", "-"]);
    let out = output_within(cmd, Duration::from_secs(60)).ok()?;
    if !out.status.success() || out.stdout.is_empty() {
        return None;
    }
    crate::imaging::decode_limited(&out.stdout)
        .ok()
        .map(|i| i.into_rgb8())
}

/// The clip's picture at its in point, checked to be readable to its end: a clip cut short
/// (a copy that stopped, a phone that died recording) is refused with a sentence here rather
/// than found out in the video.
pub fn poster(ff: &Ffmpeg, file: &Path, name: &str, seconds: f32, at: f32) -> Result<RgbImage> {
    let damaged = || {
        Error::Input(format!(
            "{name} cannot be played: it is damaged or cut short (its pictures cannot be read to the end). Choose the whole file, or export the clip again."
        ))
    };
    let first = frame_at(ff, file, at, super::picture::STORED_SIDE).ok_or_else(damaged)?;
    frame_at(ff, file, (seconds - 0.5).max(0.0), 64).ok_or_else(damaged)?;
    Ok(first)
}

/// `count` small frames (`height` pixels high) spread over the clip, each with its time (s),
/// to choose the in and out points by. A frame that cannot be read is left out.
pub fn strip(
    ff: &Ffmpeg,
    file: &Path,
    seconds: f32,
    count: u32,
    height: u32,
) -> Vec<(f32, RgbImage)> {
    let count = count.clamp(1, 60);
    let seconds = if seconds.is_finite() {
        seconds.max(0.0)
    } else {
        0.0
    };
    (0..count)
        .filter_map(|i| {
            let t = seconds * (i as f32 + 0.5) / count as f32;
            frame_at(ff, file, t, height.clamp(16, 720) * 2).map(|f| {
                let h = height.clamp(16, 720);
                let w = ((f.width() as u64 * h as u64) / f.height().max(1) as u64).max(1) as u32;
                (t, crate::imaging::resize_cover_at(&f, w, h, (0.5, 0.5)))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_keep_a_known_extension() {
        assert_eq!(clip_ext("Holiday.MOV"), "mov");
        assert_eq!(clip_ext("a.webm"), "webm");
        assert_eq!(clip_ext("weird.xyz"), "clip");
        assert_eq!(clip_ext("noext"), "clip");
    }

    #[test]
    fn a_clip_is_stored_whole_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let assets = AssetStore::open(dir.path()).unwrap();
        let file = dir.path().join("c.mp4");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&file, &bytes).unwrap();
        let (hash, n) = store(&assets, &file, "mp4", "c.mp4").unwrap();
        assert_eq!(n, bytes.len() as u64);
        assert_eq!(hash, crate::imaging::hash(&bytes));
        assert_eq!(
            std::fs::read(assets.path(&hash, "mp4").unwrap()).unwrap(),
            bytes
        );
        // Again: the same file, nothing left over in the scratch folder.
        store(&assets, &file, "mp4", "c.mp4").unwrap();
        assert_eq!(
            std::fs::read_dir(assets.scratch().unwrap())
                .unwrap()
                .count(),
            0
        );
    }
}
