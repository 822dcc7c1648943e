//! The generate lane's job: a scene's picture through the provider chain (a title card at the
//! end of it), decoded, cropped, encoded and stored content-addressed, then recorded with the
//! scene and its upload queued.

use std::io::Write;
use std::time::Instant;

use tokio::sync::OwnedSemaphorePermit;

use crate::engine::Engine;
use crate::error::Error;
use crate::events::Event;
use crate::imaging;
use crate::model::{now_ms, Asset, ImageInfo, Job, UserError, SCHEMA_VERSION};
use crate::providers::{ImageData, ImageRequest};
use crate::queue::JobError;

impl Engine {
    /// Tells the UI what a running job is doing now.
    pub(crate) fn phase(&self, job: &Job, phase: &str) {
        if self.inner.events.wanted() {
            let mut j = job.clone();
            j.phase = Some(phase.to_string());
            self.emit(Event::Job { job: j });
        }
    }

    /// Generates a scene's image. The lane's slot bounds the provider calls; once the provider
    /// has answered, the slot goes to the next job and the picture work waits for a CPU permit.
    pub(crate) async fn generate_scene(
        &self,
        job: &Job,
        slot: OwnedSemaphorePermit,
    ) -> Result<Job, JobError> {
        let index = job
            .scene_index
            .ok_or_else(|| JobError::from(Error::Db("a scene job has no scene".into())))?;
        let scene = self.store().scene(job.project_id, index)?.ok_or_else(|| {
            JobError::from(Error::NotFound(format!("scene {index} no longer exists")))
        })?;
        let project = self.store().project(job.project_id)?.ok_or_else(|| {
            JobError::from(Error::NotFound("the project no longer exists".into()))
        })?;
        if let Some(log) = &self.inner.debug.start_log {
            // One write per line (O_APPEND), so a kill never leaves half a line.
            let line = format!("{} {}\n", job.id, job.attempt);
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
            {
                let _ = f.write_all(line.as_bytes());
            }
        }
        if let Some(d) = self.inner.debug.step_delay {
            tokio::time::sleep(d).await;
        }
        if self.inner.debug.panic_on_attempt == Some(job.attempt) {
            panic!("debug knob: a panic inside attempt {}", job.attempt);
        }
        let (cast, cast_notes) = scene_cast(self.assets(), &project, &scene);
        let req = ImageRequest {
            project_id: project.id,
            scene_index: index,
            scene_count: project.scene_count,
            title: scene.title.clone(),
            text: scene.text.clone(),
            prompt: scene.prompt.clone(),
            negative_prompt: scene.negative_prompt.clone(),
            style: project.style.clone(),
            frame: project.aspect.frame(),
            variation: job.attempt,
            cast,
        };
        self.phase(job, "generating");
        let started = Instant::now();
        let generated = self
            .inner
            .chain
            .generate(&req)
            .await
            .map_err(|e| JobError {
                retryable: e.retryable,
                user: e.to_user(),
            })?;
        // Said before the slot goes to the next job, so no one ever sees more jobs of the
        // lane generating than its concurrency.
        self.phase(job, "saving");
        drop(slot);
        let _cpu = self
            .inner
            .cpu
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| JobError::from(Error::Db("shutting down".into())))?;
        let gen_cfg = self.config().generation.clone();
        let assets = self.assets().clone();
        let frame = req.frame;
        let data = generated.data;
        // Text a title card or a caption draws: say which writing system no font covers.
        let words = format!("{} {}", req.title.as_deref().unwrap_or(""), req.text);
        let font = self.config().render.font.clone();
        let saved = tokio::task::spawn_blocking(
            move || -> Result<(Asset, Asset, Option<String>), Error> {
                let missing = crate::typeset::missing_scripts(&words, font.as_deref());
                let note = crate::typeset::scripts::missing_sentence(&missing);
                let rgb = match data {
                    ImageData::Pixels(p)
                        if p.width() == frame.width && p.height() == frame.height =>
                    {
                        p
                    }
                    ImageData::Pixels(p) => {
                        imaging::cover(&image::DynamicImage::ImageRgb8(p), frame)
                    }
                    ImageData::Encoded(bytes) => {
                        imaging::cover(&imaging::decode_limited(&bytes)?, frame)
                    }
                };
                let ext = gen_cfg.format.ext();
                let bytes = imaging::encode(&rgb, gen_cfg.format, gen_cfg.jpeg_quality)?;
                let thumb = imaging::thumbnail(&rgb)?;
                let now = now_ms();
                let asset = |b: &[u8], ext: &str, w: u32, h: u32| -> Result<Asset, Error> {
                    Ok(Asset {
                        v: SCHEMA_VERSION,
                        hash: assets.put(b, ext)?,
                        ext: ext.into(),
                        bytes: b.len() as u64,
                        width: w,
                        height: h,
                        created_at: now,
                    })
                };
                let (tw, th) = imaging::thumb_size(rgb.width(), rgb.height());
                Ok((
                    asset(&bytes, ext, rgb.width(), rgb.height())?,
                    asset(&thumb, "jpg", tw, th)?,
                    note,
                ))
            },
        )
        .await
        .map_err(|e| JobError::from(Error::Image(format!("saving the image stopped: {e}"))))??;
        let (image, thumb, font_note) = saved;
        let info = ImageInfo {
            hash: image.hash.clone(),
            ext: image.ext.clone(),
            width: image.width,
            height: image.height,
            bytes: image.bytes,
            thumb_hash: thumb.hash.clone(),
            provider: generated.provider,
            model: generated.model,
            placeholder: generated.placeholder,
            revised_prompt: generated.revised_prompt,
            elapsed_ms: started.elapsed().as_millis() as u64,
            created_at: now_ms(),
            fallback: generated.fallback,
            own: None,
            notes: cast_notes.into_iter().chain(generated.notes).collect(),
        };
        // The outbox: the image's upload is queued in the same transaction that records it.
        let uploads = self.plan_scene_uploads(
            job.project_id,
            index,
            (&image.hash, &image.ext, image.bytes),
            (&thumb.hash, &thumb.ext, thumb.bytes),
        )?;
        let target = self.sync_target().cloned();
        let done = self.queue().finish(job.id, job.attempt, |tx, _| {
            if let Some(mut s) = tx.scene(job.project_id, index)? {
                s.image = Some(info.clone());
                // Text no font covers comes first (the person can fix it at once); else a title
                // card stands in for a reason: keep it on the scene for the user.
                s.error = if let Some(note) = &font_note {
                    Some(UserError::new("font_missing", note.clone()))
                } else if info.placeholder {
                    info.fallback.last().cloned()
                } else {
                    None
                };
                match &target {
                    Some(t) => crate::sync::attach_uploads(tx, &mut s, &uploads, t)?,
                    None => tx.put_scene(&s)?,
                }
            }
            tx.put_asset(&image)?;
            tx.put_asset(&thumb)?;
            Ok(())
        });
        self.committed(job, done, !uploads.is_empty())
    }
}

/// What `scene`'s picture takes from the cast: the characters it shows with their reference
/// pictures, the look and its picture, and the seed. A reference picture missing from the data
/// folder is said on the scene, and the character is drawn from their description.
fn scene_cast(
    assets: &crate::assets::AssetStore,
    project: &crate::model::Project,
    scene: &crate::model::Scene,
) -> (crate::providers::SceneCast, Vec<String>) {
    use crate::providers::RefPicture;
    let part = project
        .cast
        .scene_part(project.id, &scene.cast_words(), &scene.choice);
    let mut notes = Vec::new();
    let mut load = |who: &str, r: &crate::model::Reference| -> Option<RefPicture> {
        let read = assets
            .path(&r.hash, &r.ext)
            .ok()
            .and_then(|p| std::fs::read(p).ok());
        if read.is_none() {
            notes.push(format!(
                "The reference picture of {who} ({}) is no longer in the data folder, so the words alone were sent; give the picture again in the cast.",
                r.file
            ));
        }
        read.map(|png| RefPicture {
            who: who.to_string(),
            png: std::sync::Arc::new(png),
        })
    };
    let mut references = Vec::new();
    for c in &part.characters {
        if let Some(r) = &c.reference {
            references.extend(load(&c.name, r));
        }
    }
    let style_reference = part
        .look_reference
        .as_ref()
        .and_then(|r| load("the look", r));
    for c in &part.characters {
        notes.extend(c.reference_note.clone());
    }
    notes.extend(project.cast.look.reference_note.clone());
    let cast = crate::providers::SceneCast {
        characters: part.characters,
        look: part.look,
        seed: Some(part.seed),
        references,
        style_reference,
        palette: project.cast.look.colours(),
    };
    (cast, notes)
}
