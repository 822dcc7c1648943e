//! The render lane's job: plan the video, compose it, store it content-addressed, and record
//! it with the project (then the video's upload, when a target is set).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::engine::Engine;
use crate::error::Error;
use crate::events::Event;
use crate::model::{now_ms, Job, JobStatus, UserError, VideoInfo};
use crate::queue::JobError;
use crate::queue::Queue;
use crate::render::compose::{render_blocking, RenderError};
use crate::render::ffmpeg::Ffmpeg;

impl Engine {
    /// Runs a RenderVideo job.
    pub(crate) async fn render_video(&self, job: &Job) -> std::result::Result<Job, JobError> {
        let terminal = |code: &str, msg: String| JobError {
            user: UserError::new(code, msg),
            retryable: false,
        };
        let spec = job
            .render_spec()
            .cloned()
            .unwrap_or_else(|| self.config().render.spec());
        let p = self
            .store()
            .project(job.project_id)?
            .ok_or_else(|| terminal("not_found", "The project no longer exists.".into()))?;
        let scenes = self.store().scenes_of(p.id)?;
        if let Some(s) = scenes.iter().find(|s| s.image.is_none()) {
            return Err(terminal(
                "missing_images",
                format!(
                    "Scene {} has no image, so the video cannot be made; make its picture first.",
                    s.index
                ),
            ));
        }
        let ff = Ffmpeg::find(self.config().render.ffmpeg.as_deref())
            .map_err(|e| terminal("no_ffmpeg", e.to_string()))?;
        let plan = self
            .render_plan(&p, &scenes, &spec, &ff)
            .map_err(|e| terminal(e.code().as_str(), e.to_string()))?;
        // Every scene's text as subtitles (title cards and captions off included), timed as
        // the video shows the scenes.
        let texts: Vec<Option<String>> = scenes.iter().map(|s| Some(s.text.clone())).collect();
        let cues = crate::subtitles::for_timeline(&texts, &plan.words, &plan.timeline);
        let scene_starts = plan.scene_starts.clone();
        let fingerprint = self.render_fingerprint(&p, &scenes, &spec);
        let tmp = self.assets().temp_path("mp4")?;
        let cancel = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let total = plan.timeline.frames;
        // Dropping this future (a lost lease, shutdown) stops the encoder.
        struct StopOnDrop(Arc<AtomicBool>);
        impl Drop for StopOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let _stop = StopOnDrop(cancel.clone());
        let work = {
            let (cancel, done, tmp) = (cancel.clone(), done.clone(), tmp.clone());
            let encode_cfg = self.config().render.clone();
            tokio::task::spawn_blocking(move || {
                render_blocking(&ff, &plan, &encode_cfg, &tmp, &cancel, &done)
            })
        };
        tokio::pin!(work);
        let encoded = loop {
            tokio::select! {
                r = &mut work => break r,
                _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {
                    let still = self.store().job(job.id).ok().flatten()
                        .is_some_and(|j| j.status == JobStatus::Running && j.attempt == job.attempt);
                    if !still {
                        cancel.store(true, Ordering::SeqCst);
                    }
                    self.emit(Event::Render {
                        project_id: p.id,
                        job_id: job.id,
                        frames_done: done.load(Ordering::Relaxed),
                        frames_total: total,
                    });
                }
            }
        };
        let info = match encoded {
            Ok(Ok(info)) => info,
            Ok(Err(e)) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(job_error(e));
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(JobError::from(Error::Image(format!(
                    "the render stopped: {e}"
                ))));
            }
        };
        let (hash, bytes) = self.assets().adopt(&tmp, "mp4")?;
        let subtitles = self.store_subtitles(&cues)?;
        self.emit(Event::Render {
            project_id: p.id,
            job_id: job.id,
            frames_done: total,
            frames_total: total,
        });
        let frame = p.aspect.frame();
        let video = VideoInfo {
            hash: hash.clone(),
            bytes,
            width: frame.width,
            height: frame.height,
            fps: spec.fps,
            frames: total,
            duration_s: info.total_s,
            audio: info.audio,
            fingerprint,
            created_at: now_ms(),
            url: None,
            subtitles,
            scene_starts,
        };
        let upload = self.plan_file_upload(
            p.id,
            &format!("video-{}.mp4", &hash[..8]),
            &hash,
            "mp4",
            bytes,
        )?;
        let asset = crate::model::Asset {
            v: crate::model::SCHEMA_VERSION,
            hash: hash.clone(),
            ext: "mp4".into(),
            bytes,
            width: frame.width,
            height: frame.height,
            created_at: now_ms(),
        };
        let r = self.queue().finish(job.id, job.attempt, |tx, _| {
            if let Some(mut pr) = tx.project(p.id)? {
                pr.video = Some(video.clone());
                pr.updated_at = now_ms();
                tx.put_project(&pr)?;
            }
            tx.put_asset(&asset)?;
            if let Some(u) = &upload {
                Queue::put_job(tx, None, u)?;
            }
            Ok(())
        });
        self.committed(job, r, upload.is_some())
    }
}

/// A render's failure as its job's: a stop is tried again, ffmpeg's refusal is said in its
/// words, anything else as the engine's error (a full disk stays the full-disk halt).
fn job_error(e: RenderError) -> JobError {
    match e {
        RenderError::Stopped => JobError {
            user: UserError::new("stopped", "The render was stopped."),
            retryable: true,
        },
        RenderError::Encoder(why) => JobError {
            user: UserError::new(
                "encoder",
                format!("ffmpeg could not encode the video: {why}"),
            ),
            retryable: false,
        },
        RenderError::Failed(e) => JobError::from(e),
    }
}
