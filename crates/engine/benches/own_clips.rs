//! The creator's own clips against still pictures, side by side in one run (needs ffmpeg): a
//! 10-scene story whose scenes show 1080p clips (1920x1080, 30 fps, H.264 tagged BT.709 as
//! cameras tag HD video, 4 s each) renders
//! to its 1080x1920 MP4, against the same story showing a still picture (each clip's first
//! frame, as a JPEG) in every scene. Same scene lengths (4 s each, from the script), no voice,
//! captions on, rounds alternating; timed from the render request to the adopted video.
//!
//! `cargo bench -p storyreel-engine --bench own_clips` (`BENCH_ROUNDS=N`, default 3).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::model::Lane;
use storyreel_engine::{Engine, EngineOptions, ImportOptions, VoiceOption};

const SCENES: usize = 10;

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

fn ffmpeg(args: &[&str]) {
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg")
        .success();
    assert!(ok, "ffmpeg {args:?}");
}

/// Ten different 1080p clips and their first frames.
fn media(dir: &Path) -> (PathBuf, PathBuf) {
    let (clips, stills) = (dir.join("clips"), dir.join("stills"));
    std::fs::create_dir_all(&clips).expect("dir");
    std::fs::create_dir_all(&stills).expect("dir");
    for i in 1..=SCENES {
        let clip = clips.join(format!("scene-{i:03}.mp4"));
        let src = format!("testsrc2=s=1920x1080:r=30:d=4,hue=h={}", i * 36);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            &src,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            // Tagged as a camera tags HD video (BT.709), so no colour conversion is needed.
            "-colorspace",
            "bt709",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            clip.to_str().expect("path"),
        ]);
        let still = stills.join(format!("scene-{i:03}.jpg"));
        ffmpeg(&[
            "-i",
            clip.to_str().expect("path"),
            "-frames:v",
            "1",
            "-q:v",
            "2",
            still.to_str().expect("path"),
        ]);
    }
    (clips, stills)
}

fn script() -> String {
    let scenes: Vec<String> = (1..=SCENES)
        .map(|i| format!(r#"{{"text": "Scene {i}: the harbour at first light, boats coming in.", "duration_s": 4}}"#))
        .collect();
    format!("[{}]", scenes.join(",\n"))
}

fn all_done(e: &Engine) -> bool {
    e.store()
        .all_jobs()
        .expect("jobs")
        .iter()
        .all(|j| j.status.is_terminal())
}

async fn until_done(e: &Engine) {
    let w = e.start_lanes(&Lane::ALL);
    while !all_done(e) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    w.shutdown().await;
}

/// The story with `dir`'s media, from render request to video.
fn render(rt: &tokio::runtime::Runtime, data: PathBuf, dir: &Path) -> Duration {
    let e = Engine::open(EngineOptions::new(data, Config::default())).expect("engine");
    rt.block_on(async {
        let opts = ImportOptions {
            voice: VoiceOption::Off,
            media_dir: Some(dir.to_path_buf()),
            ..Default::default()
        };
        let p = e
            .import(script().as_bytes(), "harbour.json", opts)
            .await
            .expect("import")
            .project;
        until_done(&e).await;
        let t0 = Instant::now();
        e.request_render(&p, e.config().render.spec())
            .await
            .expect("render");
        until_done(&e).await;
        let took = t0.elapsed();
        let v = e
            .store()
            .project(p.id)
            .expect("p")
            .expect("p")
            .video
            .expect("video");
        assert!(v.duration_s > 30.0, "{} s", v.duration_s);
        took
    })
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tmp");
    let (clips, stills) = media(tmp.path());
    let (mut c, mut s) = (Vec::new(), Vec::new());
    for round in 0..rounds() {
        s.push(render(&rt, tmp.path().join(format!("s{round}")), &stills));
        c.push(render(&rt, tmp.path().join(format!("c{round}")), &clips));
        println!(
            "round {}: stills {:.2} s, clips {:.2} s",
            round + 1,
            s[round].as_secs_f64(),
            c[round].as_secs_f64()
        );
    }
    let (ms, mc) = (median(s), median(c));
    println!("| 10 scenes of still pictures | {ms:.2} s |");
    println!("| the same with 1080p clips | {mc:.2} s |");
    println!("| ratio (clips / stills) | {:.2}x | goal ≤ 1.5x |", mc / ms);
}
