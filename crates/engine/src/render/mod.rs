//! The story video: from a plan (pictures, timings, narration, captions, settings) to an MP4.
//! Every frame is composed in Rust (Ken Burns, crossfades, captions) and piped to ffmpeg (H.264
//! yuv420p, +faststart, AAC when there is audio). This layer knows nothing of the engine, the
//! store or the queue: the render lane gathers the plan from the engine and hands it over, and
//! the engine's video verbs (asking for a render, saving the video) are the `video` module.

pub mod captions;
pub mod card_words;
pub mod clip_frames;
pub(crate) mod compose;
pub mod ffmpeg;
pub mod frames;
pub mod karaoke;
pub mod motion;
pub(crate) mod plan;
pub mod resample;
pub mod timeline;
pub mod yuv;

use crate::model::{Job, VideoInfo};

/// What `request_render` did.
#[derive(Debug, Clone)]
pub enum RenderRequest {
    /// The video is up to date (and copied to the output, if one was asked for).
    UpToDate(VideoInfo),
    Queued(Job),
}

pub(crate) fn short_list(v: &[u32]) -> String {
    let mut s: Vec<String> = v.iter().take(10).map(|i| i.to_string()).collect();
    if v.len() > 10 {
        s.push(format!("and {} more", v.len() - 10));
    }
    s.join(", ")
}
