//! The neural voice from the command line: `make` with a Piper voice run inside StoryReel says
//! who spoke, and a kill -9 while scenes are being narrated by it loses nothing: started again,
//! every scene is narrated once and every WAV is whole.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{whole_wavs, Sandbox};
use storyreel_testkit::voice::need_joe;

/// A config whose chain is the joe voice (inside StoryReel: no Piper program), then espeak-ng.
fn config(sb: &Sandbox, model: &Path, runtime: &Path) -> String {
    let file = sb.write(
        "neural.toml",
        &format!(
            "[voice]\nvoices = [\"piper\", \"espeak-ng\"]\n[voice.piper]\nmodel = {:?}\nonnxruntime = {:?}\nprogram = \"/nonexistent/piper\"\n",
            model.display().to_string(),
            runtime.display().to_string()
        ),
    );
    file.display().to_string()
}

#[test]
fn a_kill_during_neural_narration_loses_nothing() {
    let Some((model, runtime)) = need_joe() else {
        return;
    };
    let sb = Sandbox::new();
    let cfg = config(&sb, &model, &runtime);
    let story: String = (1..=8)
        .map(|i| format!("Scene {i}: the ferry crosses the bay while gull number {i} follows.\n\n"))
        .collect();
    let file = sb.write("ferry.txt", &story);
    let mut child = sb
        .cmd()
        .args(["--config", &cfg, "make", file.to_str().unwrap()])
        .env("STORYREEL_DEBUG_STEP_DELAY_MS", "700")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let done = std::fs::read_dir(sb.data().join("assets"))
            .map(|_| whole_wavs(&sb.data().join("assets")))
            .unwrap_or(0);
        if done >= 2 || t0.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let v = sb.status_json();
    let before: Vec<String> = v["projects"][0]["scenes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["narration"]["status"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        before.iter().any(|s| s != "succeeded"),
        "killed too late: {before:?}"
    );
    sb.run(&["--config", &cfg, "make", file.to_str().unwrap()])
        .expect(
            0,
            &[
                "Continuing",
                "Narration (en): 8 scenes by piper (en_US-joe-medium)",
            ],
        );
    let v = sb.status_json();
    for s in v["projects"][0]["scenes"].as_array().unwrap() {
        let n = &s["narration"];
        assert_eq!(n["status"], "succeeded", "{n}");
        assert_eq!(n["provider"], "piper");
        assert_eq!(n["estimated"], false, "the model's own word times: {n}");
        assert!(
            n["attempts"].as_u64().unwrap() <= 1,
            "narrated more than once: {n}"
        );
    }
    assert_eq!(whole_wavs(&sb.data().join("assets")), 8);
}
