//! What the front ends ask of the engine about a scene's own media: make a file the scene's
//! visual, change how it fits and plays, give it up for a provider's picture, and a strip of a
//! clip's frames. The file is read and kept before anything is recorded: a file refused leaves
//! the scene as it was.

use std::path::Path;

use serde::Serialize;
use uuid::Uuid;

use super::clip::{self, MAX_CLIP_BYTES, MAX_CLIP_SECONDS};
use super::picture::{self, MAX_PICTURE_BYTES};
use super::probe::{probe, Probed};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::imaging;
use crate::model::{
    now_ms, Asset, ClipFile, ImageInfo, Job, JobPayload, JobStatus, Lane, MediaLook, OwnMedia,
    Scene, OWN_MEDIA, SCHEMA_VERSION,
};
use crate::queue::Queue;
use crate::render::ffmpeg::Ffmpeg;
use crate::store::Tx;

/// A file read, checked and kept in the asset store, not yet any scene's.
#[derive(Debug, Clone)]
pub struct PreparedMedia {
    pub image: Asset,
    pub thumb: Asset,
    pub own: OwnMedia,
}

/// One frame of a clip's strip: its time (s) and a small JPEG.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct StripFrame {
    pub at: f32,
    pub width: u32,
    pub height: u32,
    /// The JPEG's bytes, base64.
    pub jpeg: String,
}

fn gb(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / (1024.0 * 1024.0 * 1024.0))
}

/// The name a person knows `file` by.
pub(crate) fn name_of(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string())
}

impl Engine {
    /// Reads, checks and keeps `file` as a scene's visual (on a blocking thread: a clip is
    /// copied whole). `name` is what the person calls it.
    pub async fn prepare_media(
        &self,
        file: &Path,
        name: &str,
        look: MediaLook,
    ) -> Result<PreparedMedia> {
        let e = self.clone();
        let (file, name) = (file.to_path_buf(), name.to_string());
        tokio::task::spawn_blocking(move || e.prepare_media_blocking(&file, &name, look))
            .await
            .map_err(|e| Error::Image(format!("reading the file stopped: {e}")))?
    }

    fn prepare_media_blocking(
        &self,
        file: &Path,
        name: &str,
        look: MediaLook,
    ) -> Result<PreparedMedia> {
        let meta = std::fs::metadata(file).map_err(|_| {
            Error::Input(format!(
                "{name} does not exist (was it moved or renamed?). Choose the file again."
            ))
        })?;
        if meta.is_dir() {
            return Err(Error::Input(format!(
                "{name} is a folder; choose a picture or a video clip in it."
            )));
        }
        if meta.len() == 0 {
            return Err(Error::Input(format!(
                "{name} is empty; choose another file."
            )));
        }
        if meta.len() > MAX_CLIP_BYTES {
            return Err(Error::Input(format!(
                "{name} is {}; a clip may be at most {}. Trim it, or export it at a lower quality, and use that.",
                gb(meta.len()),
                gb(MAX_CLIP_BYTES)
            )));
        }
        let ff = Ffmpeg::find(self.config().render.ffmpeg.as_deref())?;
        let mut head = [0u8; 64];
        let n = std::fs::File::open(file)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .map_err(|e| Error::io(format!("Cannot read {name}"), e))?;
        let still = image::guess_format(&head[..n]).is_ok();
        let probed = if still {
            None
        } else {
            Some(probe(&ff, file, name)?)
        };
        match probed {
            None | Some(Probed::Picture { .. }) => {
                if meta.len() > MAX_PICTURE_BYTES {
                    return Err(Error::Input(format!(
                        "{name} is {} MB; a picture may be at most {} MB. Save a smaller copy and use that.",
                        meta.len() / (1024 * 1024),
                        MAX_PICTURE_BYTES / (1024 * 1024)
                    )));
                }
                if let Some(Probed::Picture { width, height }) = probed {
                    if width > imaging::MAX_SIDE || height > imaging::MAX_SIDE {
                        return Err(picture::too_many_pixels(name, width, height));
                    }
                }
                let bytes =
                    std::fs::read(file).map_err(|e| Error::io(format!("Cannot read {name}"), e))?;
                let rgb = picture::load(&ff, file, &bytes, name)?;
                let look = look.clamped(0.0);
                self.keep_picture(&rgb, name, look, None)
            }
            Some(Probed::Clip(c)) => {
                if c.seconds > MAX_CLIP_SECONDS {
                    return Err(Error::Input(format!(
                        "{name} lasts {:.0} minutes; a clip may last at most {:.0}. Cut the part you want, and use that.",
                        c.seconds / 60.0,
                        MAX_CLIP_SECONDS / 60.0
                    )));
                }
                let look = look.clamped(c.seconds);
                let poster = clip::poster(&ff, file, name, c.seconds, look.clip_in)?;
                let ext = clip::clip_ext(name);
                let (hash, bytes) = clip::store(self.assets(), file, ext, name)?;
                let clip = ClipFile {
                    hash,
                    ext: ext.into(),
                    bytes,
                    seconds: c.seconds,
                    width: c.width,
                    height: c.height,
                    fps: c.fps,
                    audio: c.audio,
                    upload: None,
                };
                self.keep_picture(&poster, name, look, Some(clip))
            }
            Some(Probed::SoundOnly) => Err(Error::Input(format!(
                "{name} holds sound but no picture; choose a photo or a video."
            ))),
        }
    }

    /// Stores a picture (or a clip's poster) and its thumbnail.
    fn keep_picture(
        &self,
        rgb: &image::RgbImage,
        name: &str,
        look: MediaLook,
        clip: Option<ClipFile>,
    ) -> Result<PreparedMedia> {
        let jpeg = imaging::encode(rgb, crate::config::ImageFormat::Jpeg, 92)?;
        let thumb = imaging::thumbnail(rgb)?;
        let now = now_ms();
        let asset = |b: &[u8], w: u32, h: u32| -> Result<Asset> {
            Ok(Asset {
                v: SCHEMA_VERSION,
                hash: self.assets().put(b, "jpg")?,
                ext: "jpg".into(),
                bytes: b.len() as u64,
                width: w,
                height: h,
                created_at: now,
            })
        };
        let (tw, th) = imaging::thumb_size(rgb.width(), rgb.height());
        Ok(PreparedMedia {
            image: asset(&jpeg, rgb.width(), rgb.height())?,
            thumb: asset(&thumb, tw, th)?,
            own: OwnMedia {
                name: name.to_string(),
                look,
                clip,
            },
        })
    }

    /// Makes `file` scene `index`'s visual in place of its picture (a picture still being made
    /// is cancelled). `look` none keeps the fit the scene's own media had, else the defaults.
    pub async fn set_scene_media(
        &self,
        project: Uuid,
        index: u32,
        file: &Path,
        look: Option<MediaLook>,
    ) -> Result<Scene> {
        self.set_scene_media_as(project, index, file, &name_of(file), look)
            .await
    }

    /// [`Engine::set_scene_media`] for a file the person knows as `name` (a copy the app
    /// received, under a name of its own).
    pub async fn set_scene_media_as(
        &self,
        project: Uuid,
        index: u32,
        file: &Path,
        name: &str,
        look: Option<MediaLook>,
    ) -> Result<Scene> {
        let scene = self.scene_or_error(project, index)?;
        let look = look
            .or_else(|| scene.image.as_ref().and_then(|i| Some(i.own()?.look)))
            .unwrap_or_default();
        let prepared = self.prepare_media(file, name, look).await?;
        self.adopt_media(project, index, prepared).await
    }

    fn scene_or_error(&self, project: Uuid, index: u32) -> Result<Scene> {
        let p = self
            .store()
            .project(project)?
            .ok_or_else(|| Error::NotFound("The project no longer exists.".into()))?;
        self.store()
            .scene(project, index)?
            .ok_or_else(|| Error::NotFound(format!("'{}' has no scene {index} any more.", p.title)))
    }

    /// Records prepared media as scene `index`'s visual, with a finished job standing for it
    /// and its uploads queued, in one transaction.
    pub(crate) async fn adopt_media(
        &self,
        project: Uuid,
        index: u32,
        prepared: PreparedMedia,
    ) -> Result<Scene> {
        self.remember(
            project,
            &format!("Use {} in scene {index}", prepared.own.name),
        )?;
        let (job, uploads) = self.plan_media(project, index, &prepared)?;
        let target = self.sync_target().cloned();
        let scene = self.store().transact(|tx| {
            let Some(s) = tx.scene(project, index)? else {
                return crate::store::abort(Error::NotFound(format!(
                    "The scene {index} no longer exists."
                )));
            };
            let s = put_media(tx, s, &prepared, &job, &uploads, target.as_ref())?;
            Ok(s)
        })?;
        self.store().flush().await?;
        if !uploads.is_empty() {
            self.wake(Lane::Upload);
        }
        self.emit_job(&job);
        self.emit_project(project);
        self.rerender_if_wanted(project).await;
        Ok(scene)
    }

    /// The finished job that stands for the person's media, and the uploads of its files
    /// (taking sequence numbers: outside any transaction).
    pub(crate) fn plan_media(
        &self,
        project: Uuid,
        index: u32,
        m: &PreparedMedia,
    ) -> Result<(Job, Vec<Job>)> {
        let mut job = Job::new(
            JobPayload::GenerateScene,
            project,
            Some(index),
            self.store().next_seq()?,
            1,
        );
        job.status = JobStatus::Succeeded;
        job.finished_at = Some(job.updated_at);
        job.phase = Some("your own".into());
        let mut uploads = self.plan_scene_uploads(
            project,
            index,
            (&m.image.hash, &m.image.ext, m.image.bytes),
            (&m.thumb.hash, &m.thumb.ext, m.thumb.bytes),
        )?;
        if let Some(c) = &m.own.clip {
            let name = format!("scene-{index:03}-{}.{}", &c.hash[..8], c.ext);
            uploads.extend(self.plan_file_upload(project, &name, &c.hash, &c.ext, c.bytes)?);
        }
        Ok((job, uploads))
    }

    /// Changes how scene `index`'s own picture or clip fits and plays.
    pub async fn set_media_look(
        &self,
        project: Uuid,
        index: u32,
        look: MediaLook,
    ) -> Result<Scene> {
        let scene = self.scene_or_error(project, index)?;
        let Some(own) = scene.image.as_ref().and_then(|i| i.own()) else {
            return Err(Error::Input(format!(
                "Scene {index} shows a picture made for it, not one of yours; add your own picture or clip first."
            )));
        };
        let look = look.clamped(own.clip.as_ref().map_or(0.0, |c| c.seconds));
        self.remember(
            project,
            &format!("Change how scene {index} shows {}", own.name),
        )?;
        let scene = self.store().transact(|tx| {
            let Some(mut s) = tx.scene(project, index)? else {
                return crate::store::abort(Error::NotFound(format!(
                    "The scene {index} no longer exists."
                )));
            };
            if let Some(own) = s.image.as_mut().and_then(|i| i.own.as_mut()) {
                own.look = look;
            }
            s.updated_at = now_ms();
            tx.put_scene(&s)?;
            Ok(s)
        })?;
        self.store().flush().await?;
        self.emit_project(project);
        self.rerender_if_wanted(project).await;
        Ok(scene)
    }

    /// Gives up scene `index`'s own media for a picture from the image providers: the person
    /// asked ("Make a picture instead"). The files stay in the data folder.
    pub async fn make_picture_instead(&self, project: Uuid, index: u32) -> Result<Job> {
        let scene = self.scene_or_error(project, index)?;
        if scene.image.as_ref().is_none_or(|i| i.own.is_none()) {
            return Err(Error::Input(format!(
                "Scene {index} does not show a picture or clip of yours."
            )));
        }
        self.remember(project, &format!("Make a picture for scene {index}"))?;
        let job = Job::new(
            JobPayload::GenerateScene,
            project,
            Some(index),
            self.store().next_seq()?,
            0,
        );
        self.store().transact(|tx| {
            let Some(mut s) = tx.scene(project, index)? else {
                return Ok(());
            };
            Queue::put_job(tx, None, &job)?;
            s.job_id = job.id;
            s.status = JobStatus::Queued;
            s.attempts = 0;
            s.error = None;
            s.updated_at = now_ms();
            tx.put_scene(&s)
        })?;
        self.store().flush().await?;
        self.emit_job(&job);
        self.emit_project(project);
        self.wake(Lane::Generate);
        Ok(job)
    }

    /// `count` frames spread over scene `index`'s clip, `height` pixels high, to choose its in
    /// and out points by.
    pub async fn clip_strip(
        &self,
        project: Uuid,
        index: u32,
        count: u32,
        height: u32,
    ) -> Result<Vec<StripFrame>> {
        use base64::Engine as _;
        let scene = self.scene_or_error(project, index)?;
        let Some(c) = scene.image.as_ref().and_then(|i| i.own()?.clip.clone()) else {
            return Err(Error::Input(format!("Scene {index} has no clip of yours.")));
        };
        let file = self.assets().path(&c.hash, &c.ext)?;
        let ff = Ffmpeg::find(self.config().render.ffmpeg.as_deref())?;
        tokio::task::spawn_blocking(move || {
            clip::strip(&ff, &file, c.seconds, count, height)
                .into_iter()
                .filter_map(|(at, img)| {
                    let jpeg = imaging::encode(&img, crate::config::ImageFormat::Jpeg, 75).ok()?;
                    Some(StripFrame {
                        at,
                        width: img.width(),
                        height: img.height(),
                        jpeg: base64::engine::general_purpose::STANDARD.encode(jpeg),
                    })
                })
                .collect()
        })
        .await
        .map_err(|e| Error::Image(format!("reading the clip stopped: {e}")))
    }
}

/// In a transaction: scene `s` shows the prepared media; its picture job still to run is
/// cancelled, `job` stands for the media, and the uploads are queued.
pub(crate) fn put_media(
    tx: &Tx,
    mut s: Scene,
    m: &PreparedMedia,
    job: &Job,
    uploads: &[Job],
    target: Option<&crate::config::sync::TargetSpec>,
) -> crate::store::TxResult<Scene> {
    let now = now_ms();
    Queue::cancel_in(tx, s.job_id, now)?;
    s = tx.scene(s.project_id, s.index)?.unwrap_or(s);
    let mut own = m.own.clone();
    // The clip's upload is the last one planned, when there is a target.
    if let (Some(c), Some(u)) = (own.clip.as_mut(), uploads.last()) {
        if u.upload().is_some_and(|spec| spec.hash == c.hash) {
            c.upload = Some(u.id);
        }
    }
    s.image = Some(ImageInfo {
        hash: m.image.hash.clone(),
        ext: m.image.ext.clone(),
        width: m.image.width,
        height: m.image.height,
        bytes: m.image.bytes,
        thumb_hash: m.thumb.hash.clone(),
        provider: OWN_MEDIA.into(),
        model: None,
        placeholder: false,
        revised_prompt: None,
        elapsed_ms: 0,
        created_at: now,
        fallback: Vec::new(),
        own: Some(own),
        notes: Vec::new(),
    });
    s.status = JobStatus::Succeeded;
    s.job_id = job.id;
    s.attempts = 0;
    s.error = None;
    s.updated_at = now;
    Queue::put_job(tx, None, job)?;
    tx.put_asset(&m.image)?;
    tx.put_asset(&m.thumb)?;
    if let Some(c) = &m.own.clip {
        tx.put_asset(&Asset {
            v: SCHEMA_VERSION,
            hash: c.hash.clone(),
            ext: c.ext.clone(),
            bytes: c.bytes,
            width: c.width,
            height: c.height,
            created_at: now,
        })?;
    }
    // The scene's own uploads (image, thumbnail) go on the scene; the clip's by itself.
    let (scene_jobs, clip_jobs): (Vec<Job>, Vec<Job>) = uploads
        .iter()
        .cloned()
        .partition(|u| u.scene_index.is_some());
    match target {
        Some(t) if !scene_jobs.is_empty() => {
            crate::sync::attach_uploads(tx, &mut s, &scene_jobs, t)?
        }
        _ => tx.put_scene(&s)?,
    }
    for u in &clip_jobs {
        Queue::put_job(tx, None, u)?;
    }
    Ok(s)
}
