//! The compose loop: frames drawn from the plan on worker threads, in order, into ffmpeg.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::ffmpeg::{Encode, Ffmpeg};
use super::plan::Plan;
use super::{captions, frames, karaoke, motion, yuv};
use crate::config::RenderConfig;
use crate::error::{Error, Result};

/// Why a render did not make its video.
#[derive(Debug)]
pub(crate) enum RenderError {
    /// It was asked to stop (a lost lease, a shutdown): it is made again later.
    Stopped,
    /// ffmpeg refused the frames or the sound: why, in its words.
    Encoder(String),
    /// Anything else: a picture missing, a full disk, a program that could not start.
    Failed(Error),
}

pub(crate) struct Encoded {
    pub(crate) total_s: f32,
    pub(crate) audio: bool,
}

/// Composes every frame and feeds ffmpeg; stops (and removes nothing: the caller does) when
/// `cancel` is set. Runs on a blocking thread.
pub(crate) fn render_blocking(
    ff: &Ffmpeg,
    plan: &Plan,
    cfg: &RenderConfig,
    tmp: &Path,
    cancel: &AtomicBool,
    done: &AtomicU64,
) -> std::result::Result<Encoded, RenderError> {
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
        .map_err(|e| {
            RenderError::Failed(Error::io(format!("Cannot start {}", ff.bin.display()), e))
        })?;
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
        let failure = compose_all(plan, cancel, &empty_rx, &full_tx);
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
        _ if err.contains("No space left on device")
            || tmp
                .parent()
                .and_then(crate::disk::free_bytes)
                .is_some_and(|b| b < 2 * 1024 * 1024) =>
        {
            // The disk filled while the video was written: the full-disk halt, not a failure
            // of the render (it is handed back and made once there is room).
            let dir = tmp.parent().unwrap_or(tmp);
            Err(RenderError::Failed(crate::disk::disk_full(dir)))
        }
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
            Err(RenderError::Encoder(why))
        }
    }
}

/// Composes every frame of `plan` into buffers taken from `empty` and hands them to `full`,
/// loading each scene when it first shows. Returns why it stopped early, if it did (a writer
/// that stopped is not a failure here: ffmpeg's own message says why).
fn compose_all(
    plan: &Plan,
    cancel: &AtomicBool,
    empty: &std::sync::mpsc::Receiver<yuv::Yuv>,
    full: &std::sync::mpsc::SyncSender<yuv::Yuv>,
) -> Option<RenderError> {
    let mut composer = frames::Composer::new(plan.frame.width, plan.frame.height);
    let mut cache: Vec<(usize, frames::Source)> = Vec::new();
    for f in 0..plan.timeline.frames {
        if cancel.load(Ordering::Relaxed) {
            return Some(RenderError::Stopped);
        }
        let at = plan.timeline.at(f);
        let wanted = [Some(at.a), at.b.map(|b| b.0)];
        cache.retain(|(i, _)| *i >= at.a);
        for i in wanted.into_iter().flatten() {
            if !cache.iter().any(|(c, _)| *c == i) {
                match load_source(plan, i) {
                    Ok(s) => cache.push((i, s)),
                    Err(e) => return Some(RenderError::Failed(e)),
                }
            }
        }
        // Each clip on screen moves on to this frame (counted from its scene's start).
        for (i, src) in cache.iter_mut() {
            if src.clip.is_some() {
                let start = plan.timeline.starts.get(*i).copied().unwrap_or(0.0);
                let n = ((at.t - start).max(0.0) * plan.timeline.fps as f32).round() as u64;
                src.seek_clip(n);
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

fn load_source(plan: &Plan, i: usize) -> Result<frames::Source> {
    let s = &plan.scenes[i];
    // A title card is drawn for the scene's place now, whatever place it was made for.
    if let Some(req) = &s.card {
        let rgb = crate::providers::titlecard::render(req, plan.font.as_deref());
        return finish_source(plan, i, yuv::Yuv::from_rgb(&rgb), None);
    }
    let path = s.picture.as_ref().ok_or_else(|| {
        Error::Input(format!(
            "Scene {} has no picture, so the video cannot be made; make its picture first.",
            s.index
        ))
    })?;
    let bytes = std::fs::read(path).map_err(|e| {
        Error::io(
            format!(
                "The image of scene {} is missing ({}); the data folder's check finds every missing image",
                s.index,
                path.display()
            ),
            e,
        )
    })?;
    let decoded = crate::imaging::decode_limited(&bytes)?;
    let rgb = match &s.look {
        // The person's own picture, fitted as they chose.
        Some(look) => crate::media::picture::fit(&decoded.into_rgb8(), plan.frame, look),
        None => crate::imaging::cover(&decoded, plan.frame),
    };
    let clip = s.clip.clone().map(|c| {
        super::clip_frames::ClipReader::new(&plan.ffmpeg, c, plan.frame, plan.timeline.fps)
    });
    finish_source(plan, i, yuv::Yuv::from_rgb(&rgb), clip)
}

/// Scene `i`'s source around its picture: its move (none for a clip), its caption, and a
/// narrated title card's words.
fn finish_source(
    plan: &Plan,
    i: usize,
    image: yuv::Yuv,
    clip: Option<super::clip_frames::ClipReader>,
) -> Result<frames::Source> {
    let s = &plan.scenes[i];
    let card = match (s.card.as_ref().filter(|_| s.card_words), plan.words.get(i)) {
        (Some(req), Some(Some(words))) => super::card_words::CardWords::new(
            req,
            plan.font.as_deref(),
            words,
            &image,
            plan.look.highlight,
        ),
        _ => None,
    };
    Ok(frames::Source {
        card,
        image,
        motion: match (&clip, &s.card) {
            (Some(_), _) => motion::Motion::none(),
            // A title card's words are on the picture: a centred move that keeps them inside
            // the safe area all through it.
            (None, Some(_)) => motion::Motion::for_card(plan.project, s.index),
            (None, None) => motion::Motion::for_scene(plan.project, s.index),
        },
        clip,
        caption: match (&s.caption, plan.words.get(i)) {
            (None, _) => None,
            (Some(_), Some(Some(words))) => {
                karaoke::SceneCaption::narrated(words, plan.frame, plan.font.as_deref(), plan.look)
            }
            (Some(text), _) => {
                captions::Caption::new(text, plan.frame, plan.font.as_deref(), plan.look)
                    .map(karaoke::SceneCaption::Whole)
            }
        },
    })
}
