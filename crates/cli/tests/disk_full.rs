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
    for cmd in [&["list"][..], &["doctor"][..]] {
        let (code, err, _) = run(cmd);
        let all = err.to_lowercase();
        assert_ne!(code, Some(0), "{cmd:?}: {err}");
        assert!(all.contains("is full"), "{cmd:?}: {err}");
        assert!(
            !all.contains("damaged") && !all.contains("move the folder aside"),
            "{cmd:?} must not call a full disk damage: {err}"
        );
    }
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
