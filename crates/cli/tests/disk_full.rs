//! A full disk: `make` stops with one sentence instead of spinning, `list` and `doctor` never
//! call a full disk damage, and once space is back `make` finishes every scene. Runs on a
//! small tmpfs, so it needs root (CI runs as root); elsewhere it says why it did not run.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Sandbox;
use storyreel_testkit::tmpfs::{is_root, Tmpfs};

#[test]
fn a_full_disk_stops_make_with_a_sentence_and_recovers() {
    if !is_root() {
        eprintln!("not run: mounting a small tmpfs needs root");
        return;
    }
    let sb = Sandbox::new();
    let Some(fs) = Tmpfs::mount(&sb.path("small"), "3m") else {
        panic!("running as root, but a tmpfs could not be mounted");
    };
    let data = fs.0.join("data");
    let story: String = (1..=40)
        .map(|i| format!("Scene {i}: the tide rises over the causeway, slowly.\n\n"))
        .collect();
    let path = sb.write("story.md", &story);
    let run = |args: &[&str]| {
        let t0 = Instant::now();
        let child = sb
            .cmd()
            .env("STORYREEL_DATA_DIR", &data)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id().to_string();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(child.wait_with_output()));
        let Ok(out) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = Command::new("kill").args(["-9", &pid]).status();
            panic!("{args:?} never ended on a full disk");
        };
        let out = out.unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), said, t0.elapsed())
    };
    let (code, err, took) = run(&["make", path.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert!(
        err.contains("is full") && err.contains("free space"),
        "{err}"
    );
    assert!(
        !err.contains("damaged") && !err.contains("panicked"),
        "{err}"
    );
    assert!(
        err.matches("is full").count() == 1,
        "said once, not every second: {err}"
    );
    // Reading works on a full disk (through a copy of the database).
    for cmd in [&["list"][..], &["status"][..]] {
        let (code, said, _) = run(cmd);
        assert_eq!(code, Some(0), "{cmd:?}: {said}");
        assert!(said.contains("story"), "{cmd:?} shows the project: {said}");
        assert!(
            said.contains("disk holding the data folder is full"),
            "{said}"
        );
    }
    let (code, err, _) = run(&["doctor"]);
    let all = err.to_lowercase();
    assert_ne!(code, Some(0), "doctor: {err}");
    assert!(all.contains("is full"), "doctor: {err}");
    assert!(
        !all.contains("damaged") && !all.contains("move the folder aside"),
        "doctor must not call a full disk damage: {err}"
    );
    // Space is back: the same command finishes every scene.
    fs.resize("64m");
    let (code, err, _) = run(&["make", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let out = sb
        .cmd()
        .env("STORYREEL_DATA_DIR", &data)
        .args(["status", "--json"])
        .output()
        .unwrap();
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["projects"][0]["counts"]["succeeded"], 40, "{st}");
}

/// The disk fills while the video is written: the full-disk sentence and exit 2 (not
/// ffmpeg's own words and exit 1); reading still works; with room again the video is made.
#[test]
fn a_disk_that_fills_during_the_render_is_said_as_a_full_disk() {
    if !is_root() {
        eprintln!("not run: mounting a small tmpfs needs root");
        return;
    }
    let sb = Sandbox::new();
    let Some(fs) = Tmpfs::mount(&sb.path("small"), "48m") else {
        panic!("running as root, but a tmpfs could not be mounted");
    };
    let data = fs.0.join("data");
    let story: String = (1..=16)
        .map(|i| format!("Scene {i}: the tide rises over the causeway, slowly, {i} times.\n\n"))
        .collect();
    let path = sb.write("tide.md", &story);
    let run = |args: &[&str]| {
        let out = sb
            .cmd()
            .env("STORYREEL_DATA_DIR", &data)
            .args(args)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), said)
    };
    let (code, said) = run(&["make", path.to_str().unwrap(), "--no-voice"]);
    assert_eq!(code, Some(0), "{said}");
    // Leave 3 MB: more than the engine's own floor, less than the video.
    let free = storyreel_engine::store::free_bytes(&fs.0).unwrap();
    let filler = fs.0.join("filler");
    std::fs::write(&filler, vec![7u8; (free - 3 * 1024 * 1024) as usize]).unwrap();
    let (code, said) = run(&["render", "tide", "--fps", "30"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("is full"), "{said}");
    assert!(
        !said.contains("No space left on device"),
        "ffmpeg's own words: {said}"
    );
    for cmd in [&["list"][..], &["status", "tide"][..]] {
        let (code, said) = run(cmd);
        assert_eq!(code, Some(0), "{cmd:?} on a full disk: {said}");
    }
    std::fs::remove_file(&filler).unwrap();
    let (code, said) = run(&["render", "tide", "--fps", "30"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("Video:"), "{said}");
}
