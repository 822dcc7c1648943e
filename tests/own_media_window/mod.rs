//! What the own-media window tests share: a photo and a clip made by ffmpeg, files dropped on
//! the page as a person's drag would bring them, and reading the rendered video back.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::window::Driver;

pub const STORY: &str =
    "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nThe town wakes as it docks.";

pub fn ffmpeg(args: &[&str]) {
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ffmpeg {args:?}");
}

/// A photo: red above, blue below.
pub fn photo(dir: &Path) -> Vec<u8> {
    let p = dir.join("a-photo.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=0xdc1414:s=600x450",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x1414dc:s=600x450",
        "-filter_complex",
        "[0:v][1:v]vstack",
        "-frames:v",
        "1",
        p.to_str().unwrap(),
    ]);
    std::fs::read(p).unwrap()
}

/// A 3 s clip: green for 1.5 s, then yellow, with a 440 Hz tone.
pub fn clip(dir: &Path) -> Vec<u8> {
    let p = dir.join("b-clip.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=0x00c000:s=640x360:r=25:d=1.5",
        "-f",
        "lavfi",
        "-i",
        "color=c=0xe0e000:s=640x360:r=25:d=1.5",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:d=3",
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1:a=0[v]",
        "-map",
        "[v]",
        "-map",
        "2:a",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        p.to_str().unwrap(),
    ]);
    std::fs::read(p).unwrap()
}

/// The mean colour of the video's frame at `t` seconds.
pub fn colour_at(video: &Path, t: f32) -> [u8; 3] {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", &format!("{t:.2}"), "-i"])
        .arg(video)
        .args([
            "-frames:v",
            "1",
            "-vf",
            "scale=1:1:flags=area",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.stdout.len(),
        3,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    [out.stdout[0], out.stdout[1], out.stdout[2]]
}

/// The loudness (dB) of 440 Hz in the video's sound from `from` for `len` seconds.
pub fn tone_db(video: &Path, from: f32, len: f32) -> f32 {
    let out = Command::new("ffmpeg")
        .args([
            "-v",
            "info",
            "-ss",
            &format!("{from:.2}"),
            "-t",
            &format!("{len:.2}"),
            "-i",
        ])
        .arg(video)
        .args([
            "-af",
            "bandpass=f=440:width_type=h:w=30,volumedetect",
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .find_map(|l| l.split("mean_volume: ").nth(1))
        .and_then(|v| v.trim_end_matches(" dB").trim().parse().ok())
        .unwrap_or(-99.0)
}

pub fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(sub.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if f.path().extension().is_some_and(|e| e == ext) {
                out.push(f.path());
            }
        }
    }
    out
}

pub fn drop_files(d: &Driver, target: &str, files: &[(&str, &str, Vec<u8>)]) {
    use base64::Engine as _;
    let list: Vec<_> = files
        .iter()
        .map(|(name, kind, bytes)| {
            json!([
                name,
                kind,
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ])
        })
        .collect();
    d.script(
        "const dt = new DataTransfer(); \
         for (const [name, type, b64] of arguments[1]) { \
           dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, {type})); } \
         const el = document.querySelector(arguments[0]); \
         el.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true})); \
         el.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); return true",
        json!([target, list]),
    );
}

pub fn own_badges(d: &Driver) -> Vec<String> {
    d.script(
        // The grid draws the rows in view: bring the scenes into view first.
        "const screen = document.querySelector('[data-testid=screen-project]'); if (screen) screen.scrollTop = screen.scrollHeight; \
         return Array.from(document.querySelectorAll('[data-testid=scene-card]')).map(c => { \
           const b = c.querySelector('[data-testid=scene-provider]'); return b ? (b.dataset.own || b.textContent.trim()) : ''; })",
        json!([]),
    )
    .as_array()
    .map(|a| a.iter().map(|v| v.as_str().unwrap_or("").to_string()).collect())
    .unwrap_or_default()
}
