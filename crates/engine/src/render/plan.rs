//! A render's plan: each scene's picture, duration, caption and narration, and the audio. The
//! render lane gathers it from the project (`lanes/render_plan.rs`) before any frame is drawn;
//! the render reads nothing else.

use std::path::{Path, PathBuf};

use super::ffmpeg::{AudioPlan, Ffmpeg};
use super::timeline::Timeline;
use crate::model::WordMark;

const AUDIO_EXTS: &[&str] = &["mp3", "m4a", "aac", "wav", "ogg", "opus", "flac"];

/// The narration file of scene `index` in `dir`, if there is one.
pub(crate) fn scene_narration(dir: &Path, index: u32) -> Option<PathBuf> {
    AUDIO_EXTS
        .iter()
        .map(|e| dir.join(format!("scene-{index:03}.{e}")))
        .find(|p| p.is_file())
}

pub(crate) struct PlanScene {
    pub(crate) index: u32,
    /// The picture's file (none for a title card, drawn from `card`).
    pub(crate) picture: Option<PathBuf>,
    pub(crate) caption: Option<String>,
    /// A title card's description at the scene's place now: the card is drawn from it when
    /// the video is made (so its number and the count follow every edit), and its words are
    /// found on it (see `card_words`).
    pub(crate) card: Option<crate::providers::ImageRequest>,
    /// Captions are on: a narrated title card lights its spoken word.
    pub(crate) card_words: bool,
    /// The person's own picture's fit (none for a provider's picture, made to the frame).
    pub(crate) look: Option<crate::model::MediaLook>,
    /// The person's own clip, played in place of the still picture.
    pub(crate) clip: Option<super::clip_frames::ClipPlan>,
}

pub(crate) struct Plan {
    pub(crate) project: uuid::Uuid,
    /// The ffmpeg that decodes the person's clips.
    pub(crate) ffmpeg: Ffmpeg,
    pub(crate) frame: crate::model::Frame,
    pub(crate) scenes: Vec<PlanScene>,
    pub(crate) timeline: Timeline,
    pub(crate) audio: AudioPlan,
    /// The creator's own font for the captions, if set.
    pub(crate) font: Option<PathBuf>,
    /// When each scene starts in the video (the middle of the crossfade into it).
    pub(crate) scene_starts: Vec<f32>,
    /// Each scene's words at their times in the video, where a voice timed them.
    pub(crate) words: Vec<Option<Vec<WordMark>>>,
    /// How captions look.
    pub(crate) look: crate::config::render::CaptionLook,
}

/// When scene `i` starts in the video: the middle of the crossfade into it.
pub(crate) fn scene_start(tl: &Timeline, i: usize) -> f32 {
    let at = tl.starts.get(i).copied().unwrap_or(0.0);
    if i == 0 {
        at
    } else {
        at + tl.crossfade / 2.0
    }
}
