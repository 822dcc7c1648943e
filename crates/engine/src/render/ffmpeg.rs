//! The encoder: `ffmpeg` (libx264) reads raw YUV 4:2:0 frames (BT.709) on stdin and writes H.264 yuv420p with
//! +faststart, mixing narration and music into AAC when given. Found as configured, else beside
//! the program (a sidecar the desktop bundle carries), else on PATH; a missing one is a sentence
//! naming how to install it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Ffmpeg {
    pub bin: PathBuf,
    pub probe: Option<PathBuf>,
}

/// The only protocols ffmpeg may open for a person's file: a playlist or a reference file
/// disguised as audio cannot make it fetch URLs or other files' data over the network.
pub const PROTOCOLS: &str = "file,pipe";

/// The mark every video StoryReel makes carries in its metadata (the `comment` tag), so a
/// StoryReel video is known as one wherever it was made.
pub const VIDEO_MARK: &str = "Made with StoryReel";

/// How long reading a person's file may take (ffprobe, or decoding an hour of sound).
const READ_LIMIT: Duration = Duration::from_secs(120);

/// Runs `cmd` to its end and collects its output, killing it after `limit`.
pub(crate) fn output_within(mut cmd: Command, limit: Duration) -> std::io::Result<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("it took longer than {} s", limit.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// An ffmpeg shipped beside the running program (the desktop bundle's sidecar).
fn beside_program(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [name.to_string(), format!("{name}.exe")]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub fn missing_message(configured: Option<&Path>) -> String {
    match configured {
        Some(p) => format!(
            "ffmpeg was not found at {} ([render] ffmpeg in the config). Fix the path, or remove it to use the ffmpeg on PATH.",
            p.display()
        ),
        None => "ffmpeg is needed to encode the video and is not installed: `sudo apt-get install ffmpeg` (Debian, Ubuntu), `brew install ffmpeg` (macOS), `winget install ffmpeg` (Windows), or set [render] ffmpeg = \"/path/to/ffmpeg\" in the config.".into(),
    }
}

impl Ffmpeg {
    pub fn find(configured: Option<&Path>) -> Result<Ffmpeg> {
        let bin = match configured {
            Some(p) if p.is_file() => p.to_path_buf(),
            Some(p) => return Err(Error::Input(missing_message(Some(p)))),
            None => beside_program("ffmpeg")
                .or_else(|| on_path("ffmpeg"))
                .ok_or_else(|| Error::Input(missing_message(None)))?,
        };
        let probe = bin
            .parent()
            .map(|d| d.join("ffprobe"))
            .filter(|p| p.is_file())
            .or_else(|| on_path("ffprobe"));
        Ok(Ffmpeg { bin, probe })
    }

    /// An audio file's sound as mono 16-bit samples at 24 kHz, at most `max_s` seconds of it;
    /// a file ffmpeg cannot read as audio is a sentence naming it.
    pub fn decode_audio(
        &self,
        file: &Path,
        what: &str,
        max_s: f32,
    ) -> Result<crate::voices::timing::Pcm> {
        const RATE: u32 = 24_000;
        // The length first: it names a file that is no audio in ffprobe's words.
        self.audio_seconds(file, what)?;
        let mut cmd = Command::new(&self.bin);
        cmd.args([
            "-v",
            "error",
            "-nostdin",
            "-protocol_whitelist",
            PROTOCOLS,
            "-i",
        ])
        .arg(file)
        .args(["-vn", "-ac", "1", "-ar", &RATE.to_string()])
        .args(["-t", &format!("{:.3}", max_s.clamp(0.1, 3600.0))])
        .args(["-f", "s16le", "-"]);
        let out = output_within(cmd, READ_LIMIT).map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                Error::Input(format!(
                    "Cannot use {} as the {what}: ffmpeg did not finish reading it within {} s. Give an ordinary audio file (mp3, m4a, wav, ogg, flac).",
                    file.display(),
                    READ_LIMIT.as_secs()
                ))
            } else {
                Error::io(format!("Cannot start {}", self.bin.display()), e)
            }
        })?;
        let pcm = crate::voices::timing::Pcm::from_le_bytes(RATE, &out.stdout)
            .filter(|p| out.status.success() && !p.samples.is_empty());
        pcm.ok_or_else(|| {
            Error::Input(format!(
                "Cannot use {} as the {what}: ffmpeg cannot read its sound. Give an audio file (mp3, m4a, wav, ogg, flac).",
                file.display()
            ))
        })
    }

    /// An audio file's length in seconds; an unreadable file is a sentence naming it.
    pub fn audio_seconds(&self, file: &Path, what: &str) -> Result<f32> {
        let unreadable = |why: &str| {
            Error::Input(format!(
                "Cannot use {} as the {what}: {why}. Give an audio file (mp3, m4a, wav, ogg, flac).",
                file.display()
            ))
        };
        if !file.is_file() {
            return Err(unreadable("there is no such file"));
        }
        let Some(probe) = &self.probe else {
            return Err(unreadable(
                "ffprobe (part of ffmpeg) is not installed to read it",
            ));
        };
        let mut cmd = Command::new(probe);
        cmd.args(["-v", "error", "-protocol_whitelist", PROTOCOLS])
            .args(["-select_streams", "a:0", "-show_entries"])
            .args([
                "stream=duration:format=duration",
                "-of",
                "default=nw=1:nk=1",
            ])
            .arg(file);
        let out = output_within(cmd, READ_LIMIT).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut => unreadable(&format!(
                "ffmpeg could not read it within {} s",
                READ_LIMIT.as_secs()
            )),
            _ => unreadable(&e.to_string()),
        })?;
        let text = String::from_utf8_lossy(&out.stdout);
        let secs = text
            .lines()
            .filter_map(|l| l.trim().parse::<f32>().ok())
            .find(|d| d.is_finite() && *d > 0.0);
        match (out.status.success(), secs) {
            (true, Some(d)) => Ok(d),
            _ => {
                let err = String::from_utf8_lossy(&out.stderr);
                let first = err.lines().next().unwrap_or("it holds no audio").trim();
                let why = first.rsplit(": ").next().unwrap_or(first);
                // ffprobe's own words ("Could not seek to 1029.") as part of our sentence.
                let why = why.trim_end_matches('.');
                let why = if why.is_empty() {
                    "it holds no audio"
                } else {
                    why
                };
                Err(unreadable(&format!(
                    "ffmpeg cannot read it as audio ({why})"
                )))
            }
        }
    }
}

impl Ffmpeg {
    /// Whether `path` carries [`VIDEO_MARK`] (read by ffprobe; false when it cannot tell).
    pub fn is_storyreel_video(&self, path: &Path) -> bool {
        let Some(probe) = &self.probe else {
            return false;
        };
        let mut cmd = Command::new(probe);
        cmd.args(["-v", "error", "-protocol_whitelist", PROTOCOLS])
            .args([
                "-show_entries",
                "format_tags=comment",
                "-of",
                "default=nw=1:nk=1",
            ])
            .arg(path);
        output_within(cmd, Duration::from_secs(20)).is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == VIDEO_MARK
        })
    }
}

/// The audio of a video: narration for the whole story or per scene (placed at the scene's
/// start), and music looped under it at a volume, faded out at the end.
#[derive(Debug, Clone, Default)]
pub struct AudioPlan {
    pub narration: Option<PathBuf>,
    pub scene_narration: Vec<(f32, PathBuf)>,
    pub music: Option<(PathBuf, f32)>,
    /// The sound of the person's own clips, under the narration.
    pub clip_sound: Vec<ClipSound>,
}

/// A clip's own sound in the video: from `from` for `span` seconds of the clip, placed at `at`
/// (s into the video) for `length` seconds (looped, or ending with the clip), at `volume`.
#[derive(Debug, Clone)]
pub struct ClipSound {
    pub at: f32,
    pub file: PathBuf,
    pub from: f32,
    pub span: f32,
    pub length: f32,
    pub volume: f32,
    pub looped: bool,
}

impl AudioPlan {
    pub fn is_empty(&self) -> bool {
        self.narration.is_none()
            && self.scene_narration.is_empty()
            && self.music.is_none()
            && self.clip_sound.is_empty()
    }
}

pub struct Encode<'a> {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub preset: &'a str,
    pub crf: u8,
    pub x264_params: &'a str,
    pub total_s: f32,
    pub audio: &'a AudioPlan,
    pub out: &'a Path,
}

impl Ffmpeg {
    /// The encoder command: raw yuv420p frames on stdin, the MP4 at `e.out`.
    pub fn command(&self, e: &Encode) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p"])
            .args(["-s", &format!("{}x{}", e.width, e.height)])
            .args(["-r", &e.fps.to_string(), "-i", "pipe:0"]);
        // Each file input may open files only (a playlist disguised as audio fetches nothing).
        let file_input = ["-protocol_whitelist", PROTOCOLS, "-i"];
        let total = format!("{:.3}", e.total_s);
        let mut inputs = Vec::new();
        let mut next = 1;
        if let Some(n) = &e.audio.narration {
            c.args(file_input).arg(n);
            inputs.push(format!("[{next}:a]aresample=48000,apad[a{next}]"));
            next += 1;
        }
        for (start, file) in &e.audio.scene_narration {
            c.args(file_input).arg(file);
            let ms = (start * 1000.0).round() as u64;
            inputs.push(format!(
                "[{next}:a]aresample=48000,adelay={ms}:all=1,apad[a{next}]"
            ));
            next += 1;
        }
        for cs in &e.audio.clip_sound {
            let span = cs.span.clamp(0.1, 3600.0);
            c.args(["-ss", &format!("{:.3}", cs.from.clamp(0.0, 86_400.0))])
                .args(["-t", &format!("{span:.3}")])
                .args(file_input)
                .arg(&cs.file);
            let ms = (cs.at.clamp(0.0, 86_400.0) * 1000.0).round() as u64;
            let len = cs.length.clamp(0.1, 3600.0);
            // A looped clip's sound repeats its span; it fades in and out over a tenth of a
            // second and a third, so a cut never clicks. A held clip's sound ends with its
            // span (its last frame stays, silent), so it fades out there.
            let (looped, heard) = if cs.looped {
                (
                    // Each repeat fades in and out over 30 ms, so the seam never clicks.
                    format!(
                        ",afade=t=in:d=0.03,afade=t=out:st={:.3}:d=0.03,aloop=loop=-1:size={},asetpts=N/SR/TB",
                        (span - 0.03).max(0.0),
                        (span * 48_000.0) as u64
                    ),
                    len,
                )
            } else {
                (String::new(), len.min(span))
            };
            inputs.push(format!(
                "[{next}:a]aresample=48000,asetpts=N/SR/TB{looped},atrim=0:{len:.3},volume={:.3},afade=t=in:d=0.1,afade=t=out:st={:.3}:d=0.3,adelay={ms}:all=1,apad[a{next}]",
                cs.volume.clamp(0.0, 1.0),
                (heard - 0.3).max(0.0)
            ));
            next += 1;
        }
        if let Some((music, volume)) = &e.audio.music {
            c.args(["-stream_loop", "-1"]).args(file_input).arg(music);
            let fade = (e.total_s - 2.0).max(0.0);
            inputs.push(format!(
                "[{next}:a]aresample=48000,volume={volume:.3},afade=t=out:st={fade:.3}:d=2[a{next}]"
            ));
            next += 1;
        }
        if inputs.is_empty() {
            c.arg("-an");
        } else {
            let labels: String = (1..next).map(|i| format!("[a{i}]")).collect();
            let graph = format!(
                "{};{labels}amix=inputs={}:duration=longest:normalize=0,atrim=0:{total},asetpts=PTS-STARTPTS[aout]",
                inputs.join(";"),
                next - 1
            );
            c.args(["-filter_complex", &graph, "-map", "0:v", "-map", "[aout]"])
                .args(["-c:a", "aac", "-b:a", "160k"]);
        }
        c.args(["-c:v", "libx264", "-preset", e.preset]);
        if !e.x264_params.is_empty() {
            c.args(["-x264-params", e.x264_params]);
        }
        c.args(["-crf", &e.crf.to_string(), "-pix_fmt", "yuv420p"])
            .args(["-colorspace", "bt709", "-color_primaries", "bt709"])
            .args(["-color_trc", "bt709", "-color_range", "tv"])
            // No `-t`: ffmpeg would stop reading a frame or two early (B-frame delay), and the
            // video is exactly the frames written; the audio is trimmed to it in the graph.
            .args(["-metadata", &format!("comment={VIDEO_MARK}")])
            .args(["-movflags", "+faststart"])
            .args(["-f", "mp4"])
            .arg(e.out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_program_that_never_ends_is_killed_at_its_limit() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo started; sleep 30"]);
        let t0 = Instant::now();
        let err = output_within(cmd, Duration::from_millis(500)).expect_err("it never ends");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2"]);
        let out = output_within(cmd, Duration::from_secs(10)).unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }
}
