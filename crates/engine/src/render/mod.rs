//! The story video: a RenderVideo job in the render lane composes every frame in Rust (Ken
//! Burns, crossfades, captions) and pipes them to ffmpeg (H.264 yuv420p, +faststart, AAC when
//! there is audio). The MP4 is written under a temp name and adopted into the content-addressed
//! store only when complete; it joins the sync outbox like the images.

pub mod captions;
pub mod ffmpeg;
pub mod frames;
pub mod motion;
pub mod resample;
pub mod timeline;
pub mod yuv;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::config::RenderConfig;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::model::{
    now_ms, Job, JobKind, JobStatus, Lane, Project, RenderSpec, Scene, UserError, VideoInfo,
};
use crate::queue::JobError;
use crate::queue::Queue;
use ffmpeg::{AudioPlan, Encode, Ffmpeg};
use timeline::Timeline;

/// What `request_render` did.
#[derive(Debug, Clone)]
pub enum RenderRequest {
    /// The video is up to date (and copied to the output, if one was asked for).
    UpToDate(VideoInfo),
    Queued(Job),
}

const AUDIO_EXTS: &[&str] = &["mp3", "m4a", "aac", "wav", "ogg", "opus", "flac"];

/// The narration file of scene `index` in `dir`, if there is one.
fn scene_narration(dir: &Path, index: u32) -> Option<PathBuf> {
    AUDIO_EXTS
        .iter()
        .map(|e| dir.join(format!("scene-{index:03}.{e}")))
        .find(|p| p.is_file())
}

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
    fn render_fingerprint(&self, p: &Project, scenes: &[Scene], spec: &RenderSpec) -> String {
        let mut h = blake3::Hasher::new();
        let cfg = &self.config().render;
        h.update(
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{:?}",
                p.aspect.label(),
                spec.fps,
                spec.captions,
                spec.music_volume,
                cfg.crossfade_ms,
                cfg.preset,
                cfg.crf,
                cfg.x264_params,
                cfg.words_per_second
            )
            .as_bytes(),
        );
        for s in scenes {
            let img = s.image.as_ref().map_or("", |i| i.hash.as_str());
            h.update(format!("|{}|{img}|{}|{:?}", s.index, s.text, s.duration_s).as_bytes());
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
            return Err(Error::Input(format!(
                "'{}' cannot be rendered yet: {} of {} scenes have no image (scenes {}). `storyreel work` (or `storyreel make`) makes them first.",
                p.title,
                missing.len(),
                scenes.len(),
                short_list(&missing)
            )));
        }
        let fingerprint = self.render_fingerprint(&p, &scenes, &spec);
        if let Some(v) = p.video.as_ref().filter(|v| v.fingerprint == fingerprint) {
            if self.assets().verify(&v.hash, "mp4")? {
                return Ok(RenderRequest::UpToDate(v.clone()));
            }
        }
        let mut job = Job::new(
            JobKind::RenderVideo,
            p.id,
            None,
            self.store().next_seq()?,
            0,
        );
        job.render = Some(Box::new(spec.clone()));
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
            .filter(|j| j.kind == JobKind::RenderVideo && j.project_id == p.id)
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
            s.iter()
                .all(|s| s.status == JobStatus::Succeeded && s.image.is_some())
        });
        if complete {
            if let Err(err) = self.request_render(&p, spec).await {
                tracing::warn!(%err, "could not queue the video again");
            }
        }
    }

    /// Copies a stored video to `out` under a temp name, then renames it: never a half file
    /// under the final name.
    /// Writes the project's current video to `out` (a temporary name, then a rename), once:
    /// later renders never touch it. A file already there is replaced only if it is a video
    /// StoryReel made (its bytes are in the data folder) or when `overwrite` is set.
    pub fn save_video(&self, project: &Project, out: &Path, overwrite: bool) -> Result<()> {
        let p = self
            .store()
            .project(project.id)?
            .unwrap_or_else(|| project.clone());
        let Some(v) = p.video else {
            return Err(Error::NotFound(format!("'{}' has no video yet.", p.title)));
        };
        if out.exists() && !overwrite && !self.made_here(out) {
            return Err(Error::Input(format!(
                "{} already exists and is not a video StoryReel made, so it was left as it is; choose another name, or move that file away.",
                out.display()
            )));
        }
        self.copy_out(&v.hash, out)
    }

    /// Whether the file at `path` is one of the videos in the data folder.
    fn made_here(&self, path: &Path) -> bool {
        std::fs::read(path).is_ok_and(|b| {
            self.assets()
                .path(&crate::imaging::hash(&b), "mp4")
                .is_ok_and(|p| p.is_file())
        })
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

    /// Runs a RenderVideo job.
    pub(crate) async fn render_video(&self, job: &Job) -> std::result::Result<Job, JobError> {
        let terminal = |code: &str, msg: String| JobError {
            user: UserError::new(code, msg),
            retryable: false,
        };
        let spec = job
            .render
            .as_deref()
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
                    "Scene {} has no image, so the video cannot be made; `storyreel work` makes it first.",
                    s.index
                ),
            ));
        }
        let ff = Ffmpeg::find(self.config().render.ffmpeg.as_deref())
            .map_err(|e| terminal("no_ffmpeg", e.to_string()))?;
        let plan = self
            .render_plan(&p, &scenes, &spec, &ff)
            .map_err(|e| terminal(e.code(), e.to_string()))?;
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
            let (cancel, done, tmp, cpu) =
                (cancel.clone(), done.clone(), tmp.clone(), self.clone());
            let encode_cfg = self.config().render.clone();
            tokio::task::spawn_blocking(move || {
                render_blocking(&cpu, &ff, &plan, &encode_cfg, &tmp, &cancel, &done)
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
                return Err(e);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(JobError::from(Error::Image(format!(
                    "the render stopped: {e}"
                ))));
            }
        };
        let (hash, bytes) = self.assets().adopt(&tmp, "mp4")?;
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
        match r {
            Ok(j) => {
                if upload.is_some() {
                    self.wake(Lane::Upload);
                }
                Ok(j)
            }
            Err(Error::Stale(_)) => Err(terminal("stale", "stale".into())),
            Err(e) => Err(e.into()),
        }
    }

    fn render_plan(
        &self,
        p: &Project,
        scenes: &[Scene],
        spec: &RenderSpec,
        ff: &Ffmpeg,
    ) -> Result<Plan> {
        let cfg = &self.config().render;
        let mut audio = AudioPlan::default();
        let mut durations: Vec<f32> = scenes
            .iter()
            .map(|s| {
                s.duration_s
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| d.clamp(0.5, 60.0))
                    .unwrap_or_else(|| timeline::reading_duration(&s.text, cfg.words_per_second))
            })
            .collect();
        let xfade = cfg.crossfade_ms as f32 / 1000.0;
        if let Some(dir) = &spec.narration_dir {
            if !dir.is_dir() {
                return Err(Error::Input(format!(
                    "The narration folder {} does not exist.",
                    dir.display()
                )));
            }
            for (i, s) in scenes.iter().enumerate() {
                if let Some(f) = scene_narration(dir, s.index) {
                    let len = ff.audio_seconds(&f, &format!("narration of scene {}", s.index))?;
                    durations[i] = durations[i].max(len + 0.4 + xfade);
                }
            }
        }
        let mut tl = Timeline::new(durations, xfade, spec.fps);
        if let Some(n) = &spec.narration {
            let len = ff.audio_seconds(n, "narration")?;
            tl = tl.fit_to(len + 0.5);
            audio.narration = Some(n.clone());
        }
        if let Some(dir) = &spec.narration_dir {
            for (i, s) in scenes.iter().enumerate() {
                if let Some(f) = scene_narration(dir, s.index) {
                    audio.scene_narration.push((tl.starts[i] + 0.2, f));
                }
            }
        }
        if let Some(m) = &spec.music {
            ff.audio_seconds(m, "music")?;
            audio.music = Some((m.clone(), spec.music_volume));
        }
        Ok(Plan {
            project: p.id,
            frame: p.aspect.frame(),
            scenes: scenes
                .iter()
                .map(|s| {
                    let img = s.image.as_ref();
                    PlanScene {
                        index: s.index,
                        hash: img.map(|i| i.hash.clone()).unwrap_or_default(),
                        ext: img.map(|i| i.ext.clone()).unwrap_or_default(),
                        // A title card shows its text already.
                        caption: (spec.captions && !img.is_some_and(|i| i.placeholder))
                            .then(|| s.text.clone()),
                    }
                })
                .collect(),
            timeline: tl,
            audio,
        })
    }
}

pub(crate) fn short_list(v: &[u32]) -> String {
    let mut s: Vec<String> = v.iter().take(10).map(|i| i.to_string()).collect();
    if v.len() > 10 {
        s.push(format!("and {} more", v.len() - 10));
    }
    s.join(", ")
}

struct PlanScene {
    index: u32,
    hash: String,
    ext: String,
    caption: Option<String>,
}

struct Plan {
    project: uuid::Uuid,
    frame: crate::model::Frame,
    scenes: Vec<PlanScene>,
    timeline: Timeline,
    audio: AudioPlan,
}

struct Encoded {
    total_s: f32,
    audio: bool,
}

/// Composes every frame and feeds ffmpeg; stops (and removes nothing: the caller does) when
/// `cancel` is set. Runs on a blocking thread.
fn render_blocking(
    engine: &Engine,
    ff: &Ffmpeg,
    plan: &Plan,
    cfg: &RenderConfig,
    tmp: &Path,
    cancel: &AtomicBool,
    done: &AtomicU64,
) -> std::result::Result<Encoded, JobError> {
    use std::io::{Read, Write};
    let (w, h) = (plan.frame.width, plan.frame.height);
    let total_s = plan.timeline.frames as f32 / plan.timeline.fps as f32;
    let mut child = ff
        .command(&Encode {
            width: w,
            height: h,
            fps: plan.timeline.fps,
            preset: &cfg.preset,
            crf: cfg.crf,
            x264_params: &cfg.x264_params,
            total_s,
            audio: &plan.audio,
            out: tmp,
        })
        .spawn()
        .map_err(|e| JobError::from(Error::io(format!("Cannot start {}", ff.bin.display()), e)))?;
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 * 1024).read_to_string(&mut s);
        }
        s
    });
    let stdin = child.stdin.take();
    let failure = std::thread::scope(|scope| {
        // Composing and writing overlap: the writer feeds ffmpeg one frame while the next is
        // composed; three buffers go round between them.
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<yuv::Yuv>(2);
        let (empty_tx, empty_rx) = std::sync::mpsc::channel::<yuv::Yuv>();
        for _ in 0..3 {
            let _ = empty_tx.send(yuv::Yuv::new(w, h));
        }
        scope.spawn(move || {
            let Some(mut pipe) = stdin else { return };
            for frame in full_rx {
                if let Err(e) = pipe.write_all(frame.as_bytes()) {
                    // ffmpeg stopped: its message says why
                    tracing::debug!(error = %e, "the encoder stopped reading frames");
                    return;
                }
                done.fetch_add(1, Ordering::Relaxed);
                // The composer may be done already; the frames still queued get written.
                let _ = empty_tx.send(frame);
            }
            // Dropping the pipe here tells ffmpeg the frames are all there.
        });
        let failure = compose_all(engine, plan, cancel, &empty_rx, &full_tx);
        drop(full_tx);
        if failure.is_some() {
            let _ = child.kill(); // before the writer is waited for
        }
        failure
    });
    let status = child.wait();
    let err = err_reader.join().unwrap_or_default();
    if let Some(f) = failure {
        return Err(f);
    }
    let written = done.load(Ordering::Relaxed);
    match status {
        Ok(s) if s.success() && written == plan.timeline.frames => Ok(Encoded {
            total_s,
            audio: !plan.audio.is_empty(),
        }),
        status => {
            let why = match (err.lines().last(), status) {
                (Some(line), _) => line.trim().to_string(),
                (None, Ok(s)) if !s.success() => format!("it stopped ({s}) without a message"),
                (None, Err(e)) => format!("it could not be waited for ({e})"),
                (None, Ok(_)) => format!(
                    "it took {written} of the {} frames and stopped without a message",
                    plan.timeline.frames
                ),
            };
            Err(JobError {
                user: UserError::new(
                    "encoder",
                    format!("ffmpeg could not encode the video: {why}"),
                ),
                retryable: false,
            })
        }
    }
}

/// Composes every frame of `plan` into buffers taken from `empty` and hands them to `full`,
/// loading each scene when it first shows. Returns why it stopped early, if it did (a writer
/// that stopped is not a failure here: ffmpeg's own message says why).
fn compose_all(
    engine: &Engine,
    plan: &Plan,
    cancel: &AtomicBool,
    empty: &std::sync::mpsc::Receiver<yuv::Yuv>,
    full: &std::sync::mpsc::SyncSender<yuv::Yuv>,
) -> Option<JobError> {
    let mut composer = frames::Composer::new(plan.frame.width, plan.frame.height);
    let mut cache: Vec<(usize, frames::Source)> = Vec::new();
    for f in 0..plan.timeline.frames {
        if cancel.load(Ordering::Relaxed) {
            return Some(JobError {
                user: UserError::new("stopped", "The render was stopped."),
                retryable: true,
            });
        }
        let at = plan.timeline.at(f);
        let wanted = [Some(at.a), at.b.map(|b| b.0)];
        cache.retain(|(i, _)| *i >= at.a);
        for i in wanted.into_iter().flatten() {
            if !cache.iter().any(|(c, _)| *c == i) {
                match load_source(engine, plan, i) {
                    Ok(s) => cache.push((i, s)),
                    Err(e) => return Some(JobError::from(e)),
                }
            }
        }
        let find = |i: usize| cache.iter().find(|(c, _)| *c == i).map(|(_, s)| s);
        let (Some(a), b) = (find(at.a), at.b.and_then(|b| find(b.0))) else {
            return None;
        };
        let Ok(mut frame) = empty.recv() else {
            tracing::debug!(frame = f, "the frame writer stopped");
            return None;
        };
        composer.compose(at, a, b, &mut frame);
        if full.send(frame).is_err() {
            tracing::debug!(frame = f, "the frame writer stopped");
            return None;
        }
    }
    None
}

fn load_source(engine: &Engine, plan: &Plan, i: usize) -> Result<frames::Source> {
    let s = &plan.scenes[i];
    let path = engine.assets().path(&s.hash, &s.ext)?;
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::io(
            format!(
                "The image of scene {} is missing ({}); `storyreel doctor` checks the data folder",
                s.index,
                path.display()
            ),
            e,
        )
    })?;
    let rgb = crate::imaging::cover(&crate::imaging::decode_limited(&bytes)?, plan.frame);
    Ok(frames::Source {
        image: yuv::Yuv::from_rgb(&rgb),
        motion: motion::Motion::for_scene(plan.project, s.index),
        caption: s
            .caption
            .as_deref()
            .and_then(|t| captions::Caption::new(t, plan.frame)),
    })
}
