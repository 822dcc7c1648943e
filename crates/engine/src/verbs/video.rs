//! The engine's video verbs: asking for a render (or finding the video up to date), whether a
//! video is current, the one re-render rule, and saving the video out. The frames themselves
//! are made by `render/` from a plan the render lane gathers.

use std::path::Path;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{now_ms, Job, JobKind, JobPayload, JobStatus, Lane, Project, RenderSpec, Scene};
use crate::queue::Queue;
use crate::render::plan::scene_narration;
use crate::render::{short_list, RenderRequest};

/// A file's identity for the fingerprint (path, size, modification time).
fn file_id(p: &Path) -> String {
    let m = std::fs::metadata(p).ok();
    format!(
        "{}:{}:{:?}",
        p.display(),
        m.as_ref().map_or(0, |m| m.len()),
        m.and_then(|m| m.modified().ok())
    )
}

impl Engine {
    pub(crate) fn render_fingerprint(
        &self,
        p: &Project,
        scenes: &[Scene],
        spec: &RenderSpec,
    ) -> String {
        let mut h = blake3::Hasher::new();
        let cfg = &self.config().render;
        h.update(
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{:?}",
                p.aspect.label(),
                spec.fps,
                spec.captions,
                spec.music_volume,
                cfg.crossfade_ms,
                cfg.preset,
                cfg.crf,
                cfg.x264_params,
                cfg.words_per_second,
                cfg.caption_look()
            )
            .as_bytes(),
        );
        for s in scenes {
            let img = s.image.as_ref().map_or("", |i| i.hash.as_str());
            h.update(format!("|{}|{img}|{}|{:?}", s.index, s.text, s.duration_s).as_bytes());
            // The person's own media: how it fits and plays, and the clip itself.
            if let Some(own) = s.image.as_ref().and_then(|i| i.own()) {
                let clip = own.clip.as_ref().map_or("", |c| c.hash.as_str());
                h.update(format!("|own:{clip}:{:?}", own.look).as_bytes());
            }
            // A silent scene hashes as before narration existed.
            if let Some(sp) = s.narration.as_ref().and_then(|n| n.speech.as_ref()) {
                let audio = sp.audio.as_ref().map_or("", |a| a.hash.as_str());
                h.update(
                    format!(
                        "|voice:{}:{audio}:{}",
                        sp.provider,
                        self.config().voice.beat_ms
                    )
                    .as_bytes(),
                );
            }
        }
        for f in [&spec.narration, &spec.music].into_iter().flatten() {
            h.update(file_id(f).as_bytes());
        }
        if let Some(dir) = &spec.narration_dir {
            for s in scenes {
                if let Some(f) = scene_narration(dir, s.index) {
                    h.update(file_id(&f).as_bytes());
                }
            }
        }
        h.finalize().to_hex().to_string()
    }

    /// Asks for the project's video: up to date already, or a RenderVideo job queued (an
    /// unfinished render of the project is replaced). Errors say which scenes lack an image.
    pub async fn request_render(
        &self,
        project: &Project,
        spec: RenderSpec,
    ) -> Result<RenderRequest> {
        let p = self
            .store()
            .project(project.id)?
            .unwrap_or_else(|| project.clone());
        let gone = self.requeue_missing_images(&p)?;
        if !gone.is_empty() {
            return Err(Error::Input(format!(
                "The image files of scenes {} of '{}' are missing from the data folder; those scenes are queued to be made again. Render once they are done.",
                short_list(&gone),
                p.title
            )));
        }
        let scenes = self.store().scenes_of(p.id)?;
        let missing: Vec<u32> = scenes
            .iter()
            .filter(|s| s.image.is_none() || s.status != JobStatus::Succeeded)
            .map(|s| s.index)
            .collect();
        if !missing.is_empty() {
            return Err(Error::NotReady(format!(
                "'{}' cannot be rendered yet: {} of {} scenes have no image (scenes {}). Make their pictures first.",
                p.title,
                missing.len(),
                scenes.len(),
                short_list(&missing)
            )));
        }
        let speaking: Vec<u32> = scenes
            .iter()
            .filter(|s| !s.narration_settled())
            .map(|s| s.index)
            .collect();
        if !speaking.is_empty() {
            return Err(Error::NotReady(format!(
                "'{}' cannot be rendered yet: {} of {} scenes are still being narrated (scenes {}).",
                p.title,
                speaking.len(),
                scenes.len(),
                short_list(&speaking)
            )));
        }
        let fingerprint = self.render_fingerprint(&p, &scenes, &spec);
        // A video from before subtitles were made is made again, with them.
        if let Some(v) = p
            .video
            .as_ref()
            .filter(|v| v.fingerprint == fingerprint && v.subtitles.is_some())
        {
            if self.assets().verify(&v.hash, "mp4")? {
                return Ok(RenderRequest::UpToDate(v.clone()));
            }
        }
        // The same video asked for again while it is still being made (a batch or a command
        // run again after a stop) is that job, not a new one.
        if let Some(j) = self.latest_render_job(&p)?.filter(|j| {
            !j.status.is_terminal()
                && matches!(&j.payload, JobPayload::RenderVideo(s) if **s == spec)
        }) {
            self.wake(Lane::Render);
            return Ok(RenderRequest::Queued(j));
        }
        let job = Job::new(
            JobPayload::RenderVideo(Box::new(spec.clone())),
            p.id,
            None,
            self.store().next_seq()?,
            0,
        );
        // Each render replaces the one before, so only the latest can still be unfinished.
        let old: Vec<Job> = self
            .latest_render_job(&p)?
            .into_iter()
            .filter(|j| !j.status.is_terminal())
            .collect();
        self.store().transact(|tx| {
            for o in &old {
                Queue::cancel_in(tx, o.id, now_ms())?;
            }
            if let Some(mut pr) = tx.project(p.id)? {
                pr.render = Some(spec.clone());
                pr.render_job = Some(job.id);
                tx.put_project(&pr)?;
            }
            Queue::put_job(tx, None, &job)
        })?;
        self.store().flush().await?;
        self.wake(Lane::Render);
        Ok(RenderRequest::Queued(job))
    }

    /// The project's latest RenderVideo job, if one was ever asked for.
    pub fn latest_render_job(&self, p: &Project) -> Result<Option<Job>> {
        if let Some(id) = p.render_job {
            return self.store().job(id);
        }
        if p.render.is_none() {
            // No video was ever asked for (every render request records its settings).
            return Ok(None);
        }
        // A project from before `render_job` was recorded.
        Ok(self
            .store()
            .all_jobs()?
            .into_iter()
            .filter(|j| j.kind() == JobKind::RenderVideo && j.project_id == p.id)
            .max_by_key(|j| (j.created_at, j.seq)))
    }

    /// True when the project's video matches its scenes and render settings as they are now.
    pub fn video_is_current(&self, p: &Project, scenes: &[Scene]) -> bool {
        let spec = p
            .render
            .clone()
            .unwrap_or_else(|| self.config().render.spec());
        p.video
            .as_ref()
            .is_some_and(|v| v.fingerprint == self.render_fingerprint(p, scenes, &spec))
    }

    /// After a scene changed: if a video was asked for and every scene has an image, render
    /// it again (a no-op when it is up to date).
    pub(crate) async fn rerender_if_wanted(&self, project: uuid::Uuid) {
        let Ok(Some(p)) = self.store().project(project) else {
            return;
        };
        let Some(spec) = p.render.clone() else {
            return;
        };
        let complete = self.store().scenes_of(p.id).is_ok_and(|s| {
            s.iter().all(|s| {
                s.status == JobStatus::Succeeded && s.image.is_some() && s.narration_settled()
            })
        });
        // A render still waiting in the queue reads the scenes when it starts, so it will
        // show this change; replacing it would only cancel a job someone may be following.
        let waiting = self.latest_render_job(&p).is_ok_and(|j| {
            j.is_some_and(|j| j.status == JobStatus::Queued && j.render_spec() == Some(&spec))
        });
        if complete && !waiting {
            if let Err(err) = self.request_render(&p, spec).await {
                tracing::warn!(%err, "could not queue the video again");
            }
        }
    }

    /// Writes the project's current video to `out` (a temporary name, then a rename), once:
    /// later renders never touch it. A file already there is replaced only if it is a video
    /// StoryReel made (its bytes are in the data folder) or when `overwrite` is set. Its
    /// subtitles go beside it (`.srt`, `.vtt`) under the same rule.
    pub fn save_video(&self, project: &Project, out: &Path, overwrite: bool) -> Result<()> {
        let p = self
            .store()
            .project(project.id)?
            .unwrap_or_else(|| project.clone());
        let Some(v) = p.video else {
            return Err(Error::NotFound(format!("'{}' has no video yet.", p.title)));
        };
        self.may_write_video(out, overwrite)?;
        if let Some(files) = &v.subtitles {
            // `story.mp4` → `story.srt`, `story.vtt`; refused like the video before any write.
            self.save_subtitles(files, out, overwrite)?;
        }
        self.copy_out(&v.hash, out)
    }

    /// Whether a video may be written at `out`: nothing is there, or a video StoryReel made
    /// (in this data folder or another: each carries StoryReel's mark), or `overwrite` is set.
    /// A folder there is never replaced. Asked before any work, and again when writing.
    pub fn may_write_video(&self, out: &Path, overwrite: bool) -> Result<()> {
        let Ok(meta) = std::fs::symlink_metadata(out) else {
            return Ok(());
        };
        if meta.is_dir() {
            return Err(Error::Input(format!(
                "{} is a folder; give the video a file name in it, such as {}.",
                out.display(),
                out.join("story.mp4").display()
            )));
        }
        if overwrite || self.made_here_as(out, "mp4") || self.is_storyreel_video(out) {
            return Ok(());
        }
        Err(Error::Input(format!(
            "{} already exists and is not a video StoryReel made, so it was left as it is; choose another name, or move that file away.",
            out.display()
        )))
    }

    /// Whether `path` is an MP4 that carries StoryReel's mark in its metadata.
    pub fn is_storyreel_video(&self, path: &Path) -> bool {
        crate::render::ffmpeg::Ffmpeg::find(self.config().render.ffmpeg.as_deref())
            .is_ok_and(|ff| ff.is_storyreel_video(path))
    }

    fn copy_out(&self, hash: &str, out: &Path) -> Result<()> {
        let src = self.assets().path(hash, "mp4")?;
        crate::assets::place_file(out, |tmp| std::fs::copy(&src, tmp).map(|_| ())).map_err(|e| {
            Error::Input(format!(
                "Cannot write the video to {} ({e}); check the folder exists and is writable.",
                out.display()
            ))
        })
    }
}
