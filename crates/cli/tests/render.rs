//! `storyreel render` and `make -o` end to end: the MP4 at the output path, the exit codes of
//! bad input, and kill -9 during a render (no half file under the final name; the next run
//! finishes it).

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{duration_of, example, Sandbox};
use rand::Rng;

#[test]
fn make_with_an_output_writes_the_video() {
    let sb = Sandbox::new();
    let out = sb.path("boats.mp4");
    sb.run(&[
        "make",
        &example("paper-boats.txt"),
        "-o",
        out.to_str().unwrap(),
        "--fps",
        "12",
    ])
    .expect(0, &["Done", "Video:", "boats.mp4"]);
    assert!(duration_of(&out) > 4.0);
    // Again: up to date, not rendered twice.
    sb.run(&[
        "render",
        "paper-boats",
        "-o",
        out.to_str().unwrap(),
        "--fps",
        "12",
    ])
    .expect(0, &["up to date"]);
}

#[test]
fn bad_render_input_exits_2_with_a_sentence() {
    let sb = Sandbox::new();
    sb.run(&["import", &example("paper-boats.txt")])
        .expect(0, &[]);
    sb.run(&["render", "paper-boats"])
        .expect(2, &["no image", "storyreel work"]);
    sb.run(&["render", "paper-boats", "--music", "/no/such/song.mp3"])
        .expect(2, &["--music", "no such file"]);
    sb.run(&["render", "paper-boats", "-o", "/no/such/folder/v.mp4"])
        .expect(2, &["folder does not exist"]);
    sb.run(&["render", "no-such-project"])
        .expect(2, &["No project matches"]);
    // Without ffmpeg on PATH, the job fails with how to install it.
    sb.run(&["work", "--until-idle"]).expect(0, &[]);
    let r = common::Run::from(
        sb.cmd()
            .env("PATH", "/nonexistent")
            .args(["render", "paper-boats"])
            .output()
            .unwrap(),
    );
    r.expect(1, &["ffmpeg", "apt-get install ffmpeg"]);
}

#[test]
fn kill_minus_nine_during_a_render_leaves_no_half_file() {
    let sb = Sandbox::new();
    sb.run(&["make", &example("the-lighthouse.md")])
        .expect(0, &[]);
    let out = sb.path("lighthouse.mp4");
    let mut rng = rand::rng();
    for round in 0..3 {
        let mut child = sb
            .cmd()
            .args([
                "render",
                "The Lighthouse",
                "-o",
                out.to_str().unwrap(),
                "--fps",
                "15",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let kill_at = Duration::from_millis(rng.random_range(400..2500));
        let t0 = Instant::now();
        while t0.elapsed() < kill_at && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        if !finished {
            assert!(
                !out.exists(),
                "round {round}: a killed render left a file at the final path"
            );
        }
    }
    sb.run(&[
        "render",
        "The Lighthouse",
        "-o",
        out.to_str().unwrap(),
        "--fps",
        "15",
    ])
    .expect(0, &["lighthouse.mp4"]);
    // As long as the engine planned it (each scene its narration and a beat).
    let planned = sb.status_json()["projects"][0]["video"]["duration_s"]
        .as_f64()
        .unwrap();
    assert!(planned > 20.0, "{planned}");
    assert!(
        (duration_of(&out) - planned).abs() < 0.1,
        "{} against {planned}",
        duration_of(&out)
    );
    // The temp files of the killed renders were cleaned up when the folder was opened again.
    let scratch = sb.data().join("assets/scratch");
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let st = sb.status_json();
    assert!(st["projects"][0]["scenes"].as_array().unwrap().len() == 7);
}
