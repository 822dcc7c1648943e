//! The creator's own picture or video clip as a scene's visual, and how it fits the frame.
//! Kept on the scene's [`super::ImageInfo`] (`own`): the picture (or the clip's first frame at
//! its in point) is the scene's image as for any provider, so thumbnails, sync and export treat
//! it the same; the clip itself is a second content-addressed file.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The `provider` of an image that is the person's own picture or clip.
pub const OWN_MEDIA: &str = "own";

/// How a picture fills the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Fills the frame, cropped around the focus point.
    #[default]
    Cover,
    /// Shown whole, over a blurred copy of itself filling the frame.
    Contain,
}

/// What a clip shorter than its scene does once it has played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ClipEnd {
    /// Its last frame stays on screen.
    #[default]
    Hold,
    /// It plays again from its in point.
    Loop,
}

/// The person's choices for their own media: all of them can be changed later.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MediaLook {
    pub fit: Fit,
    /// The point kept in view when the picture is cropped: 0..1 from the left and the top.
    pub focus_x: f32,
    pub focus_y: f32,
    /// A clip's in and out points (s into the clip); ignored for a picture.
    pub clip_in: f32,
    /// None: to the clip's end.
    pub clip_out: Option<f32>,
    /// The clip's own sound under the narration, 0 (muted) to 1 (as recorded).
    pub volume: f32,
    pub end: ClipEnd,
}

impl Default for MediaLook {
    fn default() -> Self {
        MediaLook {
            fit: Fit::Cover,
            focus_x: 0.5,
            focus_y: 0.5,
            clip_in: 0.0,
            clip_out: None,
            volume: 0.0,
            end: ClipEnd::Hold,
        }
    }
}

impl MediaLook {
    /// Every number brought into range: focus inside the picture, the in and out points inside
    /// a clip of `seconds` (at least a tenth of a second apart), the volume 0..1. Numbers that
    /// are not numbers take the default.
    pub fn clamped(mut self, seconds: f32) -> MediaLook {
        let finite = |v: f32, d: f32| if v.is_finite() { v } else { d };
        let seconds = finite(seconds, 0.0).max(0.0);
        self.focus_x = finite(self.focus_x, 0.5).clamp(0.0, 1.0);
        self.focus_y = finite(self.focus_y, 0.5).clamp(0.0, 1.0);
        self.volume = finite(self.volume, 0.0).clamp(0.0, 1.0);
        self.clip_in = finite(self.clip_in, 0.0).clamp(0.0, (seconds - 0.1).max(0.0));
        self.clip_out = self
            .clip_out
            .filter(|o| o.is_finite())
            .map(|o| o.clamp(self.clip_in + 0.1, seconds.max(self.clip_in + 0.1)))
            .filter(|o| *o < seconds - 0.001);
        self
    }
}

/// A video clip of the person's, in the asset store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClipFile {
    pub hash: String,
    pub ext: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Its whole length (s).
    pub seconds: f32,
    /// Its picture's size as shown (rotation applied).
    pub width: u32,
    pub height: u32,
    pub fps: f32,
    /// Whether it has sound of its own.
    pub audio: bool,
    /// Its upload to the storage target, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "string | null")]
    pub upload: Option<Uuid>,
}

/// The person's own media on a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct OwnMedia {
    /// The file's name as the person knows it.
    pub name: String,
    pub look: MediaLook,
    /// The clip, for a video; none for a picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<ClipFile>,
}

impl OwnMedia {
    /// The part of the clip that plays (s): in point and length.
    pub fn span(&self) -> Option<(f32, f32)> {
        let c = self.clip.as_ref()?;
        let out = self.look.clip_out.unwrap_or(c.seconds);
        Some((self.look.clip_in, (out - self.look.clip_in).max(0.1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_outside_are_brought_into_range() {
        let l = MediaLook {
            focus_x: f32::NAN,
            focus_y: 7.0,
            clip_in: 50.0,
            clip_out: Some(-3.0),
            volume: f32::INFINITY,
            ..MediaLook::default()
        }
        .clamped(10.0);
        assert_eq!((l.focus_x, l.focus_y), (0.5, 1.0));
        assert!((l.clip_in - 9.9).abs() < 1e-4, "{}", l.clip_in);
        // An out point at (or past) the end means "to the end".
        assert_eq!(l.clip_out, None);
        assert_eq!(l.volume, 0.0);
        let l = MediaLook {
            clip_in: 2.0,
            clip_out: Some(5.0),
            ..MediaLook::default()
        }
        .clamped(10.0);
        assert_eq!((l.clip_in, l.clip_out), (2.0, Some(5.0)));
        let m = OwnMedia {
            name: "a.mp4".into(),
            look: l,
            clip: Some(ClipFile {
                hash: String::new(),
                ext: "mp4".into(),
                bytes: 1,
                seconds: 10.0,
                width: 2,
                height: 2,
                fps: 30.0,
                audio: false,
                upload: None,
            }),
        };
        assert_eq!(m.span(), Some((2.0, 3.0)));
    }
}
