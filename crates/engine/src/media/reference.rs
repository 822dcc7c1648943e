//! A reference picture for a character or the look: read like the person's own picture (any
//! format the decoders or ffmpeg read, turned upright), scaled to at most
//! [`REFERENCE_SIDE`] on its longer side and kept as a PNG in the data folder, the one format
//! every provider's reference field takes.

use std::path::Path;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{Cast, Reference, REFERENCE_SIDE};
use crate::render::ffmpeg::Ffmpeg;
use crate::story::RefFile;

/// The largest file taken as a reference picture.
pub const MAX_REFERENCE_BYTES: u64 = 20 * 1024 * 1024;

/// The sentence for a reference picture of `bytes` bytes, over [`MAX_REFERENCE_BYTES`].
pub fn too_large(name: &str, bytes: u64) -> Error {
    Error::Input(format!(
        "{name} is {:.1} MB; a reference picture may be at most {} MB. Save a smaller copy (a photo app's Export or Resize does it) and use that.",
        bytes as f64 / (1024.0 * 1024.0),
        MAX_REFERENCE_BYTES / (1024 * 1024)
    ))
}

impl Engine {
    /// Reads, checks and keeps `file` (which the person calls `name`) as a reference picture.
    pub async fn prepare_reference(&self, file: &Path, name: &str) -> Result<Reference> {
        let e = self.clone();
        let (file, name) = (file.to_path_buf(), name.to_string());
        tokio::task::spawn_blocking(move || e.prepare_reference_blocking(&file, &name))
            .await
            .map_err(|e| Error::Image(format!("reading the picture stopped: {e}")))?
    }

    /// `cast` with the reference pictures the story names read and kept. A picture that cannot
    /// be used does not stop the story: the character (or the look) keeps a note saying why, and
    /// is drawn from the words until another picture is given.
    pub(crate) async fn story_cast(
        &self,
        mut cast: Cast,
        files: &[RefFile],
        story_dir: Option<&Path>,
    ) -> Cast {
        for f in files {
            let who = f.who.clone().unwrap_or_else(|| "the look".into());
            let path = std::path::PathBuf::from(&f.file);
            let found = if f.file.contains("://") {
                Err(Error::Input(format!(
                    "{} is a web address; StoryReel reads pictures on this computer. Download it and name the file instead.",
                    f.file
                )))
            } else {
                match (story_dir, path.is_absolute()) {
                    (_, true) => Ok(path),
                    (Some(dir), false) => Ok(dir.join(path)),
                    (None, false) => Err(Error::Input(format!(
                        "{} cannot be found because the story's folder is not known; give the file's full path.",
                        f.file
                    ))),
                }
            };
            let got = match found {
                Ok(p) => {
                    let name = crate::media::name_of(&p);
                    self.prepare_reference(&p, &name).await
                }
                Err(e) => Err(e),
            };
            let note = |e: &Error| {
                format!(
                    "The reference picture of {who} could not be used: {} Until another is given, the words alone describe {}.",
                    e,
                    if f.who.is_some() { "them" } else { "it" }
                )
            };
            match (&f.who, got) {
                (Some(name), got) => {
                    if let Some(c) = cast
                        .characters
                        .iter_mut()
                        .find(|c| c.name.eq_ignore_ascii_case(name))
                    {
                        match got {
                            Ok(r) => c.reference = Some(r),
                            Err(e) => c.reference_note = Some(note(&e)),
                        }
                    }
                }
                (None, Ok(r)) => cast.look.reference = Some(r),
                (None, Err(e)) => cast.look.reference_note = Some(note(&e)),
            }
        }
        cast
    }

    fn prepare_reference_blocking(&self, file: &Path, name: &str) -> Result<Reference> {
        let meta = std::fs::metadata(file).map_err(|_| {
            Error::Input(format!(
                "{name} does not exist (was it moved or renamed?). Choose the picture again."
            ))
        })?;
        if meta.is_dir() {
            return Err(Error::Input(format!(
                "{name} is a folder; choose a picture in it."
            )));
        }
        if meta.len() == 0 {
            return Err(Error::Input(format!(
                "{name} is empty; choose another picture."
            )));
        }
        if meta.len() > MAX_REFERENCE_BYTES {
            return Err(too_large(name, meta.len()));
        }
        let bytes = std::fs::read(file).map_err(|e| Error::io(format!("Cannot read {name}"), e))?;
        let ff = Ffmpeg::find(self.config().render.ffmpeg.as_deref())?;
        let still = image::guess_format(&bytes).is_ok();
        if !still {
            // Not a picture format by its first bytes: only a picture ffmpeg knows will do (a
            // clip is refused in words, not read as its first frame).
            use crate::media::probe::{probe, Probed};
            let unreadable = |e: Error| {
                match e {
                Error::Input(_) => Error::Input(format!(
                    "{name} cannot be read as a picture. Choose a photo or drawing (JPEG, PNG, WebP, HEIC, …)."
                )),
                other => other,
            }
            };
            match probe(&ff, file, name).map_err(unreadable)? {
                Probed::Picture { .. } => {}
                Probed::Clip(_) => {
                    return Err(Error::Input(format!(
                        "{name} is a video clip; a reference is a picture. Choose a photo or drawing instead."
                    )))
                }
                Probed::SoundOnly => {
                    return Err(Error::Input(format!(
                        "{name} is a sound file; a reference is a picture. Choose a photo or drawing instead."
                    )))
                }
            }
        }
        let img = crate::media::picture::load(&ff, file, &bytes, name)?;
        let img = crate::media::picture::within(img, REFERENCE_SIDE);
        let png = crate::imaging::encode(&img, crate::config::ImageFormat::Png, 90)?;
        let hash = self.assets().put(&png, "png")?;
        Ok(Reference {
            hash,
            ext: "png".into(),
            width: img.width(),
            height: img.height(),
            bytes: png.len() as u64,
            file: name.to_string(),
        })
    }
}
