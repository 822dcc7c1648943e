//! `[render]`: frame rate, captions, the encoder's settings and the reading pace.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::BadSetting;

use crate::model::RenderSpec;

/// `[render]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderConfig {
    pub fps: u32,
    pub captions: bool,
    pub crossfade_ms: u64,
    /// The ffmpeg binary (default: the one on PATH).
    pub ffmpeg: Option<PathBuf>,
    /// x264 preset, quality, and options over the preset (`key=value:key=value`). The
    /// default is ultrafast with B-frames, CABAC, 8x8 transforms and deblocking put back: at
    /// crf 25 it is within 0.0001 SSIM of veryfast at crf 20, three times faster, in a file 1.6x larger
    /// (BENCHMARKS.md). `preset = "veryfast"`, `crf = 20`, `x264_params = ""` gives the smaller
    /// file.
    pub preset: String,
    pub crf: u8,
    pub x264_params: String,
    pub music_volume: f32,
    /// Reading pace for scenes without a duration.
    pub words_per_second: f32,
    /// A font of the creator's own (TrueType, OpenType or a collection) for title cards and
    /// captions. Writing systems it lacks fall back to the fonts installed on the system.
    pub font: Option<PathBuf>,
    /// Captions: their size (1 = the default, 0.5–2), text colour, the colour of the word
    /// being spoken, and where they sit (`bottom`, `middle` or `top`, inside the safe area).
    pub caption_size: f32,
    pub caption_color: String,
    pub caption_highlight: String,
    pub caption_position: String,
}

/// How captions look, read from `[render]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaptionLook {
    pub scale: f32,
    pub color: [u8; 3],
    pub highlight: [u8; 3],
    pub position: CaptionPosition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptionPosition {
    Top,
    Middle,
    Bottom,
}

impl Default for CaptionLook {
    fn default() -> Self {
        CaptionLook {
            scale: 1.0,
            color: [255, 255, 255],
            highlight: [255, 216, 77],
            position: CaptionPosition::Bottom,
        }
    }
}

/// `#rrggbb` (or `rrggbb`) as a colour.
fn colour(s: &str) -> Option<[u8; 3]> {
    let h = s.trim().trim_start_matches('#');
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let at = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([at(0)?, at(2)?, at(4)?])
}

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            fps: 30,
            captions: true,
            crossfade_ms: 500,
            ffmpeg: None,
            preset: "ultrafast".into(),
            crf: 25,
            x264_params: DEFAULT_X264_PARAMS.into(),
            music_volume: 0.2,
            words_per_second: 2.5,
            font: None,
            caption_size: 1.0,
            caption_color: "#ffffff".into(),
            caption_highlight: "#ffd84d".into(),
            caption_position: "bottom".into(),
        }
    }
}

pub const DEFAULT_X264_PARAMS: &str = "bframes=3:cabac=1:8x8dct=1:deblock=1";

/// Whether `p` reads as x264 options: `key=value` pairs joined by `:`.
fn x264_params_ok(p: &str) -> bool {
    p.is_empty()
        || p.split(':').all(|kv| {
            let mut it = kv.splitn(2, '=');
            let key = it.next().unwrap_or("");
            let val = it.next();
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && val.is_some_and(|v| {
                    !v.is_empty()
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || ",.-_/".contains(c))
                })
        })
}

/// Whether `path` is a font file: read its first bytes (the full check, that every table
/// reads, happens where the font is used; a font that fails there falls back to the embedded).
fn check_font_file(path: &std::path::Path) -> std::result::Result<(), BadSetting> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    if let Err(e) = read {
        return Err(BadSetting(format!(
            "[render] font {} cannot be read ({e}); give the full path of a .ttf, .otf or .ttc file, or remove the setting to use the built-in font.",
            path.display()
        )));
    }
    const FONT_TAGS: [[u8; 4]; 4] = [[0, 1, 0, 0], *b"OTTO", *b"true", *b"ttcf"];
    if !FONT_TAGS.contains(&head) {
        return Err(BadSetting(format!(
            "[render] font {} is not a font file StoryReel can use (TrueType .ttf, OpenType .otf or a .ttc collection).",
            path.display()
        )));
    }
    Ok(())
}

const PRESETS: &[&str] = &[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
];

impl RenderConfig {
    pub fn check(&self) -> std::result::Result<(), BadSetting> {
        if !(1..=60).contains(&self.fps) {
            return Err(BadSetting("[render] fps must be between 1 and 60.".into()));
        }
        if self.crf > 51 {
            return Err(BadSetting(
                "[render] crf must be between 0 and 51 (lower is better).".into(),
            ));
        }
        if !PRESETS.contains(&self.preset.as_str()) {
            return Err(BadSetting(format!(
                "[render] preset `{}` is not an x264 preset ({}).",
                self.preset,
                PRESETS.join(", ")
            )));
        }
        if !x264_params_ok(&self.x264_params) {
            return Err(BadSetting(format!(
                "[render] x264_params `{}` should be x264 options as key=value pairs joined by `:` (for example \"{DEFAULT_X264_PARAMS}\"), or \"\" for the preset alone.",
                self.x264_params
            )));
        }
        if !(0.0..=2.0).contains(&self.music_volume)
            || !(0.5..=10.0).contains(&self.words_per_second)
        {
            return Err(BadSetting(
                "[render] music_volume must be 0 to 2 and words_per_second 0.5 to 10.".into(),
            ));
        }
        if let Some(font) = &self.font {
            check_font_file(font)?;
        }
        if self.crossfade_ms > 3000 {
            return Err(BadSetting(
                "[render] crossfade_ms must be at most 3000.".into(),
            ));
        }
        if !(self.caption_size.is_finite() && (0.5..=2.0).contains(&self.caption_size)) {
            return Err(BadSetting(format!(
                "[render] caption_size is {}; it must be between 0.5 and 2 (1 is the default size).",
                self.caption_size
            )));
        }
        for (key, v) in [
            ("caption_color", &self.caption_color),
            ("caption_highlight", &self.caption_highlight),
        ] {
            if colour(v).is_none() {
                return Err(BadSetting(format!(
                    "[render] {key} `{v}` is not a colour; write it as #rrggbb, such as #ffd84d."
                )));
            }
        }
        if !["bottom", "middle", "top"].contains(&self.caption_position.as_str()) {
            return Err(BadSetting(format!(
                "[render] caption_position `{}` must be bottom, middle or top.",
                self.caption_position
            )));
        }
        Ok(())
    }

    /// How captions look (the defaults stand in for values `check` refuses).
    pub fn caption_look(&self) -> CaptionLook {
        let d = CaptionLook::default();
        CaptionLook {
            scale: if self.caption_size.is_finite() {
                self.caption_size.clamp(0.5, 2.0)
            } else {
                1.0
            },
            color: colour(&self.caption_color).unwrap_or(d.color),
            highlight: colour(&self.caption_highlight).unwrap_or(d.highlight),
            position: match self.caption_position.as_str() {
                "top" => CaptionPosition::Top,
                "middle" => CaptionPosition::Middle,
                _ => CaptionPosition::Bottom,
            },
        }
    }

    /// A spec with this config's defaults.
    pub fn spec(&self) -> RenderSpec {
        RenderSpec {
            fps: self.fps,
            captions: self.captions,
            narration: None,
            narration_dir: None,
            music: None,
            music_volume: self.music_volume,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_render_config_names_what_is_wrong() {
        assert_eq!(RenderConfig::default().check(), Ok(()));
        for good in ["", "bframes=3", "ref=2:me=hex:partitions=i8x8,i4x4"] {
            let c = RenderConfig {
                x264_params: good.into(),
                ..RenderConfig::default()
            };
            assert_eq!(c.check(), Ok(()), "{good}");
        }
        for bad in ["bframes", "=3", "a=1::b=2", "ref=2;rm -rf", "crf= 3"] {
            let c = RenderConfig {
                x264_params: bad.into(),
                ..RenderConfig::default()
            };
            let err = c.check().unwrap_err();
            assert!(err.contains("x264_params") && err.contains(bad), "{err}");
        }
        let c = RenderConfig {
            preset: "warp".into(),
            ..RenderConfig::default()
        };
        assert!(c.check().unwrap_err().contains("ultrafast, superfast"));
    }
}
