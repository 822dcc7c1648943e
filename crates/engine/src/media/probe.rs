//! What a person's file holds, in ffprobe's words: a picture, a video clip (its size as shown,
//! length, frame rate, sound), sound only, or nothing ffmpeg reads. Every number is checked
//! before it is used: a file can claim anything.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::render::ffmpeg::{output_within, Ffmpeg, PROTOCOLS};

/// How long reading a file's description may take.
const PROBE_LIMIT: Duration = Duration::from_secs(60);

/// What a file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Probed {
    /// A still picture (a format ffmpeg reads as one image).
    Picture {
        width: u32,
        height: u32,
    },
    Clip(ClipProbe),
    /// Sound, but no picture.
    SoundOnly,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClipProbe {
    /// Its size as shown (a rotation of 90° or 270° swaps the sides).
    pub width: u32,
    pub height: u32,
    pub seconds: f32,
    pub fps: f32,
    pub audio: bool,
}

#[derive(Deserialize, Default)]
struct Report {
    #[serde(default)]
    streams: Vec<Stream>,
    #[serde(default)]
    format: Format,
}

#[derive(Deserialize, Default)]
struct Format {
    #[serde(default)]
    format_name: String,
    #[serde(default)]
    duration: Option<String>,
}

#[derive(Deserialize, Default)]
struct Stream {
    #[serde(default)]
    codec_type: String,
    #[serde(default)]
    width: Option<i64>,
    #[serde(default)]
    height: Option<i64>,
    #[serde(default)]
    avg_frame_rate: Option<String>,
    #[serde(default)]
    r_frame_rate: Option<String>,
    #[serde(default)]
    duration: Option<String>,
    #[serde(default)]
    side_data_list: Vec<SideData>,
    #[serde(default)]
    disposition: Disposition,
}

#[derive(Deserialize, Default)]
struct SideData {
    #[serde(default)]
    rotation: Option<f64>,
}

#[derive(Deserialize, Default)]
struct Disposition {
    /// A cover picture inside a sound file.
    #[serde(default)]
    attached_pic: i64,
}

/// `"30000/1001"` → 29.97; anything else (0/0, text, huge) → None.
fn rate(s: Option<&str>) -> Option<f32> {
    let s = s?;
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    let (n, d) = (n.trim().parse::<f64>().ok()?, d.trim().parse::<f64>().ok()?);
    let r = n / d;
    (r.is_finite() && r > 0.5 && r <= 240.0).then_some(r as f32)
}

fn seconds(s: Option<&str>) -> Option<f32> {
    let v = s?.trim().parse::<f64>().ok()?;
    (v.is_finite() && v > 0.0).then_some(v.min(24.0 * 3600.0) as f32)
}

/// Reads ffprobe's JSON about a file into what StoryReel needs.
fn interpret(json: &[u8]) -> Option<Probed> {
    let r: Report = serde_json::from_slice(json).ok()?;
    let video = r
        .streams
        .iter()
        .find(|s| s.codec_type == "video" && s.disposition.attached_pic == 0);
    let audio = r.streams.iter().any(|s| s.codec_type == "audio");
    let Some(v) = video else {
        return audio.then_some(Probed::SoundOnly);
    };
    let side = |x: Option<i64>| x.filter(|x| (1..=1_000_000).contains(x)).map(|x| x as u32);
    let (w, h) = (side(v.width)?, side(v.height)?);
    let still_format = r.format.format_name.ends_with("_pipe")
        || r.format.format_name == "image2"
        || r.format.format_name == "gif" && seconds(r.format.duration.as_deref()).is_none();
    let length = seconds(v.duration.as_deref()).or_else(|| seconds(r.format.duration.as_deref()));
    if still_format {
        return Some(Probed::Picture {
            width: w,
            height: h,
        });
    }
    // A video of no known length outside a picture format is a raw stream ffprobe guessed at
    // (random bytes read as H.263): nothing to show.
    let length = length?;
    let turned = v
        .side_data_list
        .iter()
        .filter_map(|d| d.rotation)
        .find(|r| r.is_finite())
        .is_some_and(|r| (r.abs().round() as i64 / 90) % 2 == 1);
    let (width, height) = if turned { (h, w) } else { (w, h) };
    Some(Probed::Clip(ClipProbe {
        width,
        height,
        seconds: length,
        fps: rate(v.avg_frame_rate.as_deref())
            .or_else(|| rate(v.r_frame_rate.as_deref()))
            .unwrap_or(30.0),
        audio,
    }))
}

/// What `file` holds, or a sentence saying it is neither a picture nor a clip. `name` is the
/// file's name as the person knows it.
pub fn probe(ff: &Ffmpeg, file: &Path, name: &str) -> Result<Probed> {
    let not_media = || {
        Error::Input(format!(
            "{name} is not a picture or a video clip StoryReel can read. Choose a photo (JPEG, PNG, WebP, …) or a video (MP4, MOV, WebM, …)."
        ))
    };
    let Some(bin) = &ff.probe else {
        return Err(Error::Input(format!(
            "{name} cannot be read: ffprobe (part of ffmpeg) is not installed."
        )));
    };
    let mut cmd = Command::new(bin);
    cmd.args(["-v", "error", "-protocol_whitelist", PROTOCOLS])
        .args(["-show_entries"])
        .args([
            "format=format_name,duration:stream=codec_type,width,height,avg_frame_rate,r_frame_rate,duration:stream_side_data=rotation:stream_disposition=attached_pic",
            "-of",
            "json",
        ])
        .arg(file);
    let out = output_within(cmd, PROBE_LIMIT).map_err(|e| match e.kind() {
        std::io::ErrorKind::TimedOut => Error::Input(format!(
            "{name} could not be read within {} s; it may be damaged. Choose another file.",
            PROBE_LIMIT.as_secs()
        )),
        _ => Error::io(format!("Cannot start {}", bin.display()), e),
    })?;
    if !out.status.success() {
        return Err(not_media());
    }
    match interpret(&out.stdout) {
        Some(Probed::SoundOnly) => Err(Error::Input(format!(
            "{name} holds sound but no picture. To narrate a scene with it, use it as the scene's recording; to show something, choose a photo or a video."
        ))),
        Some(p) => Ok(p),
        None => Err(not_media()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_pictures_and_nonsense_are_told_apart() {
        let clip = br#"{"streams":[{"codec_type":"video","width":320,"height":240,"avg_frame_rate":"30000/1001","duration":"2.5","side_data_list":[{"rotation":-90}]},{"codec_type":"audio"}],"format":{"format_name":"mov,mp4","duration":"2.5"}}"#;
        let Some(Probed::Clip(c)) = interpret(clip) else {
            panic!("a clip")
        };
        assert_eq!((c.width, c.height, c.audio), (240, 320, true));
        assert!((c.fps - 29.97).abs() < 0.01 && (c.seconds - 2.5).abs() < 1e-6);
        let png = br#"{"streams":[{"codec_type":"video","width":64,"height":48,"avg_frame_rate":"25/1"}],"format":{"format_name":"png_pipe"}}"#;
        assert_eq!(
            interpret(png),
            Some(Probed::Picture {
                width: 64,
                height: 48
            })
        );
        let song = br#"{"streams":[{"codec_type":"audio"},{"codec_type":"video","width":500,"height":500,"disposition":{"attached_pic":1}}],"format":{"format_name":"mp3","duration":"200"}}"#;
        assert_eq!(interpret(song), Some(Probed::SoundOnly));
        for bad in [
            &b"not json"[..],
            br#"{"streams":[{"codec_type":"video","width":-4,"height":99999999999}]}"#,
            br#"{"streams":[{"codec_type":"video","width":"x"}]}"#,
            br#"{"streams":[]}"#,
        ] {
            assert_eq!(interpret(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        // Absurd rates and lengths fall back to sane ones.
        let odd = br#"{"streams":[{"codec_type":"video","width":10,"height":10,"avg_frame_rate":"1/0","r_frame_rate":"9e99/1","duration":"1e30"}],"format":{"format_name":"matroska"}}"#;
        let Some(Probed::Clip(c)) = interpret(odd) else {
            panic!("a clip")
        };
        assert_eq!(c.fps, 30.0);
        assert_eq!(c.seconds, 24.0 * 3600.0);
    }
}
