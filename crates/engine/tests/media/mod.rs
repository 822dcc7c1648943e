//! What the own-media tests share: pictures and clips made in the test (the `image` crate and
//! real ffmpeg), and reading a rendered video back (a frame's colours, a tone's loudness).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use image::{Rgb, RgbImage};
use storyreel_engine::config::Config;
use storyreel_engine::model::{JobStatus, Scene, OWN_MEDIA};
use storyreel_engine::Engine;

pub const RED: [u8; 3] = [220, 20, 20];
pub const GREEN: [u8; 3] = [20, 200, 20];
pub const BLUE: [u8; 3] = [20, 20, 220];

/// Runs ffmpeg with `args` (quietly, overwriting), failing the test with its words if it fails.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(args)
        .output()
        .expect("ffmpeg runs (apt-get install ffmpeg)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs ffmpeg with the arguments of `line` (split at spaces) and writes `out`.
pub fn ff(line: &str, out: &Path) -> PathBuf {
    let mut args: Vec<&str> = line.split_whitespace().collect();
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
    out.to_path_buf()
}

/// How each test clip is encoded.
const H264: &str = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p";

/// No narration.
pub fn quiet() -> Config {
    let mut c = Config::default();
    c.voice.enabled = false;
    c
}

/// The scene's stored picture, decoded.
pub fn picture(e: &Engine, s: &Scene) -> RgbImage {
    let i = s.image.as_ref().unwrap();
    image::open(e.assets().path(&i.hash, &i.ext).unwrap())
        .unwrap()
        .to_rgb8()
}

/// The scene shows the person's own media, named `name`, made by no provider.
pub fn assert_own(s: &Scene, name: &str) {
    let i = s.image.as_ref().unwrap_or_else(|| panic!("{s:?}"));
    assert_eq!(i.provider, OWN_MEDIA, "scene {}", s.index);
    assert!(!i.placeholder, "scene {}", s.index);
    assert_eq!(i.own.as_ref().unwrap().name, name);
    assert_eq!(s.status, JobStatus::Succeeded);
}

/// The hue of each part of `img` around the given points (fractions of its width and height).
pub fn hues(img: &RgbImage, points: &[(f32, f32)]) -> Vec<Option<&'static str>> {
    points
        .iter()
        .map(|(x, y)| hue(mean(img, (x - 0.1, x + 0.1), (y - 0.1, y + 0.1))))
        .collect()
}

/// A picture marked so its way up shows: the top half green on the left and red on the right,
/// the bottom half blue.
pub fn marked(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb(match (x < w / 2, y < h / 2) {
            (true, true) => GREEN,
            (false, true) => RED,
            _ => BLUE,
        })
    })
}

pub fn png(dir: &Path, name: &str, img: &RgbImage) -> PathBuf {
    let p = dir.join(name);
    img.save(&p).unwrap();
    p
}

/// A JPEG of `img` carrying an EXIF Orientation tag (an APP1 segment put in by hand: a
/// big-endian TIFF header and one IFD entry).
pub fn exif_jpeg(dir: &Path, name: &str, img: &RgbImage, orientation: u16) -> PathBuf {
    let mut jpeg = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "a JPEG starts with SOI");
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec(); // big-endian, first IFD at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // the value's padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    let p = dir.join(name);
    std::fs::write(&p, out).unwrap();
    p
}

/// A clip of solid colours one after another (`each` seconds apiece, 320x240 at `fps`), with a
/// sine tone of `tone` Hz under it when asked.
pub fn colour_clip(
    dir: &Path,
    name: &str,
    colours: &[&str],
    each: f32,
    tone: Option<u32>,
) -> PathBuf {
    let mut line: String = colours
        .iter()
        .map(|c| format!("-f lavfi -i color=c={c}:s=320x240:r=30:d={each} "))
        .collect();
    let n = colours.len();
    if let Some(f) = tone {
        line += &format!(
            "-f lavfi -i sine=frequency={f}:duration={} ",
            each * n as f32
        );
    }
    let ins: String = (0..n).map(|i| format!("[{i}]")).collect();
    line += &format!("-filter_complex {ins}concat=n={n}:v=1:a=0[v] -map [v] {H264}");
    if tone.is_some() {
        line += &format!(" -map {n}:a -c:a aac");
    }
    ff(&line, &dir.join(name))
}

/// A variable-frame-rate clip: red for a second at 10 fps, then blue for a second at 30 fps.
pub fn vfr_clip(dir: &Path, name: &str) -> PathBuf {
    ff(
        &format!(
            "-f lavfi -i color=c=red:s=320x240:r=10:d=1 -f lavfi -i color=c=blue:s=320x240:r=30:d=1 \
             -filter_complex [0]settb=1/90000[a];[1]settb=1/90000[b];[a][b]concat=n=2:v=1:a=0[v] \
             -map [v] -fps_mode vfr {H264}"
        ),
        &dir.join(name),
    )
}

/// ffmpeg's test picture (`size`, `secs` long, through `filter` when not empty), with a 440 Hz
/// tone when asked; its index at the front (faststart).
pub fn testsrc_clip(
    dir: &Path,
    name: &str,
    size: &str,
    secs: f32,
    filter: &str,
    tone: bool,
) -> PathBuf {
    let mut line = format!("-f lavfi -i testsrc2=s={size}:r=30:d={secs}{filter} ");
    if tone {
        line += &format!("-f lavfi -i sine=frequency=440:duration={secs} -c:a aac ");
    }
    ff(&(line + H264 + " -movflags +faststart"), &dir.join(name))
}

/// A phone-style clip: stored 1280x720 (red on the left, blue on the right) with rotation
/// metadata of 90°, so it shows upright as 720x1280.
pub fn rotated_clip(dir: &Path, name: &str) -> PathBuf {
    let flat = ff(
        &format!(
            "-f lavfi -i color=c=red:s=640x720:r=30:d=2 -f lavfi -i color=c=blue:s=640x720:r=30:d=2 \
             -filter_complex [0][1]hstack {H264}"
        ),
        &dir.join(format!("flat-{name}")),
    );
    let p = dir.join(name);
    let (flat, out) = (flat.to_str().unwrap(), p.to_str().unwrap());
    ffmpeg(&[
        "-i",
        flat,
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        out,
    ]);
    p
}

/// The frame of `file` at `t` seconds, scaled to `w`x`h` (ffmpeg turns it upright as a player
/// would).
pub fn frame(file: &Path, t: f64, w: u32, h: u32) -> RgbImage {
    frame_with(file, t, &format!("scale={w}:{h}"), w, h)
}

/// Frame number `n` of `file` (counted from 0) through the filter `vf`, which must make it
/// `w`x`h`.
pub fn frame_no(file: &Path, n: u64, vf: &str, w: u32, h: u32) -> RgbImage {
    frame_with(file, 0.0, &format!("select=eq(n\\,{n}),{vf}"), w, h)
}

/// The frame at `t` through the filter `vf`, which must make it `w`x`h`.
pub fn frame_with(file: &Path, t: f64, vf: &str, w: u32, h: u32) -> RgbImage {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-nostdin"]);
    if t > 0.0 {
        // (Before a still picture, even `-ss 0` makes ffmpeg give no frame.)
        cmd.args(["-ss", &format!("{t:.3}")]);
    }
    let out = cmd
        .arg("-i")
        .arg(file)
        .args([
            "-frames:v",
            "1",
            "-vf",
            vf,
            "-pix_fmt",
            "rgb24",
            "-f",
            "rawvideo",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.stdout.len(),
        (w * h * 3) as usize,
        "a frame of {} at {t}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    RgbImage::from_raw(w, h, out.stdout).unwrap()
}

/// The mean colour of a region given in fractions of the picture (x0..x1, y0..y1).
pub fn mean(img: &RgbImage, x: (f32, f32), y: (f32, f32)) -> [f64; 3] {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (x0, x1) = (
        (x.0 * w) as u32,
        ((x.1 * w) as u32).max((x.0 * w) as u32 + 1),
    );
    let (y0, y1) = (
        (y.0 * h) as u32,
        ((y.1 * h) as u32).max((y.0 * h) as u32 + 1),
    );
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for yy in y0..y1.min(img.height()) {
        for xx in x0..x1.min(img.width()) {
            let p = img.get_pixel(xx, yy).0;
            for c in 0..3 {
                sum[c] += p[c] as f64;
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

/// Which of red, green and blue `c` is plainly (one channel well above the others), if any.
pub fn hue(c: [f64; 3]) -> Option<&'static str> {
    let names = ["red", "green", "blue"];
    let (i, top) = c
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    let others = c
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, v)| *v);
    (*top > 110.0 && others.into_iter().all(|v| v < top - 80.0)).then_some(names[i])
}

/// The colour of the upper middle of `file`'s frame at `t` (where no caption is drawn).
pub fn colour_at(file: &Path, t: f64) -> Option<&'static str> {
    hue(mean(&frame(file, t, 64, 64), (0.2, 0.8), (0.1, 0.5)))
}

/// Mean absolute difference of two pictures of the same size (0..255).
pub fn diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let s: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| x.abs_diff(*y) as u64)
        .sum();
    s as f64 / a.as_raw().len() as f64
}

/// How strong `freq` Hz is in `file`'s sound from `from` to `to` s (dB, full scale 0): the
/// sound as 48 kHz mono, one Goertzel bin over the span (a pure tone at amplitude a reads
/// 20·log10(a/2)).
pub fn tone_db(file: &Path, from: f64, to: f64, freq: u32) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(file)
        .args([
            "-vn",
            "-ss",
            &format!("{from:.3}"),
            "-t",
            &format!("{:.3}", to - from),
        ])
        .args(["-ac", "1", "-ar", "48000", "-f", "s16le", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let samples: Vec<f64> = out
        .stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]) as f64 / 32768.0)
        .collect();
    assert!(
        samples.len() > 480,
        "{} has sound from {from} to {to} s",
        file.display()
    );
    let k = 2.0 * (2.0 * std::f64::consts::PI * freq as f64 / 48_000.0).cos();
    let (mut a, mut b) = (0.0, 0.0);
    for x in &samples {
        (a, b) = (x + k * a - b, a);
    }
    let power = (a * a + b * b - k * a * b).max(0.0);
    20.0 * (power.sqrt() / samples.len() as f64 + 1e-9).log10()
}
