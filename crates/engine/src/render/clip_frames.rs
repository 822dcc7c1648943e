//! A clip's frames for the render: ffmpeg decodes the clip from its in point at the video's
//! frame rate (so it plays at its own speed, whatever its own rate, fixed or variable), scaled
//! and cropped to the frame (or whole over a blurred fill), upright, as raw YUV 4:2:0 in the
//! render's own colours. A clip that ends before its scene holds its last frame, or starts
//! again from its in point when it loops.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

use super::ffmpeg::{Ffmpeg, PROTOCOLS};
use super::yuv::Yuv;
use crate::model::{ClipEnd, Fit, Frame, MediaLook};

/// What to play: the file, its in point and length (s), and how it fits.
#[derive(Debug, Clone)]
pub struct ClipPlan {
    pub file: PathBuf,
    pub start: f32,
    pub span: f32,
    pub look: MediaLook,
}

/// A running decode of one clip, read frame by frame.
pub struct ClipReader {
    ff: Ffmpeg,
    plan: ClipPlan,
    frame: Frame,
    fps: u32,
    child: Option<(Child, ChildStdout)>,
    /// Frames handed out so far.
    pub shown: u64,
    ended: bool,
}

/// The filter that makes every frame `w`×`h` as the look says, in BT.709 limited range.
pub fn filter(look: &MediaLook, w: u32, h: u32, fps: u32) -> String {
    let colours = "out_color_matrix=bt709:out_range=tv";
    let fit = match look.fit {
        // Cropped to the frame's shape first, then scaled: scaling only what is kept costs a
        // third of scaling a landscape clip up to cover a portrait frame and cropping after.
        Fit::Cover => format!(
            "crop=w='min(iw,ih*{w}/{h})':h='min(ih,iw*{h}/{w})':x='(iw-ow)*{fx:.4}':y='(ih-oh)*{fy:.4}'",
            fx = look.focus_x.clamp(0.0, 1.0),
            fy = look.focus_y.clamp(0.0, 1.0)
        ),
        Fit::Contain => {
            let (sw, sh) = ((w / 40).max(2), (h / 40).max(2));
            format!(
                "split[a][b];[a]scale={sw}:{sh}:force_original_aspect_ratio=increase,crop={sw}:{sh},scale={w}:{h},format=rgb24,colorchannelmixer=rr=0.6:gg=0.6:bb=0.6[bg];[b]scale={w}:{h}:force_original_aspect_ratio=decrease[fg];[bg][fg]overlay=(W-w)/2:(H-h)/2"
            )
        }
    };
    format!("fps={fps},{fit},scale={w}:{h}:{colours},format=yuv420p,setsar=1")
}

impl ClipReader {
    pub fn new(ff: &Ffmpeg, plan: ClipPlan, frame: Frame, fps: u32) -> ClipReader {
        ClipReader {
            ff: ff.clone(),
            plan,
            frame,
            fps: fps.clamp(1, 120),
            child: None,
            shown: 0,
            ended: false,
        }
    }

    fn spawn(&self) -> Option<(Child, ChildStdout)> {
        let (w, h) = (self.frame.width & !1, self.frame.height & !1);
        let mut cmd = Command::new(&self.ff.bin);
        cmd.args(["-v", "error", "-nostdin", "-protocol_whitelist", PROTOCOLS])
            .args(["-ss", &format!("{:.3}", self.plan.start.max(0.0))])
            .args(["-t", &format!("{:.3}", self.plan.span.max(0.1))])
            .arg("-i")
            .arg(&self.plan.file)
            .args(["-an", "-sn", "-filter_complex"])
            .arg(filter(&self.plan.look, w, h, self.fps))
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().ok()?;
        let out = child.stdout.take()?;
        Some((child, out))
    }

    /// Reads the clip's next frame into `into` (the frame's size). False when the clip has no
    /// more (`into` keeps the last one): at its end when it holds, or when it cannot be read.
    pub fn next(&mut self, into: &mut Yuv) -> bool {
        if self.ended {
            return false;
        }
        for restart in [false, true] {
            if self.child.is_none() {
                self.child = self.spawn();
            }
            let Some((_, out)) = self.child.as_mut() else {
                break;
            };
            if out.read_exact(into.as_bytes_mut()).is_ok() {
                self.shown += 1;
                return true;
            }
            self.stop();
            // A loop starts again once; a clip that gives nothing even then is over.
            if restart || self.plan.look.end != ClipEnd::Loop || self.shown == 0 {
                break;
            }
        }
        self.ended = true;
        false
    }

    fn stop(&mut self) {
        if let Some((mut child, _)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ClipReader {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_crops_around_the_focus_and_keeps_the_render_colours() {
        let look = MediaLook {
            focus_x: 0.25,
            ..MediaLook::default()
        };
        let f = filter(&look, 1080, 1920, 30);
        assert!(f.starts_with("fps=30,"), "{f}");
        assert!(
            f.contains("crop=w='min(iw,ih*1080/1920)':h='min(ih,iw*1920/1080)':x='(iw-ow)*0.2500':y='(ih-oh)*0.5000'"),
            "{f}"
        );
        assert!(f.contains("out_color_matrix=bt709:out_range=tv"), "{f}");
        let whole = filter(
            &MediaLook {
                fit: Fit::Contain,
                ..MediaLook::default()
            },
            1080,
            1920,
            30,
        );
        assert!(whole.contains("overlay=(W-w)/2:(H-h)/2"), "{whole}");
    }
}
