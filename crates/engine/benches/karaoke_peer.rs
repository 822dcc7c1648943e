//! The render with karaoke captions against the moviepy approach the popular peers use, on the
//! same scenes, side by side in one run. A 10-scene story is narrated by espeak-ng; StoryReel's
//! render job (per-frame zoom, crossfades, the spoken phrase with its word highlighted, the
//! narration mixed in) is timed; then `moviepy_peer.py` renders the same pictures, lengths,
//! phrases and narration with moviepy 2 (per-frame resize, CrossFadeIn, a TextClip per phrase,
//! libx264). Rounds alternate.
//!
//! `MOVIEPY_PYTHON=/path/to/python cargo bench -p storyreel-engine --bench karaoke_peer`
//! (a Python with `moviepy` 2; `BENCH_ROUNDS=N`, default 1: moviepy takes minutes). Needs
//! espeak-ng and ffmpeg; without moviepy it says so and times StoryReel alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use storyreel_engine::config::Config;
use storyreel_engine::model::{Lane, Project};
use storyreel_engine::render::karaoke::paginate;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1)
}

fn story() -> String {
    (1..=10)
        .map(|i| format!("Scene {i}. The ferry crosses the bay while the light changes over the water, and gulls follow.\n\n"))
        .collect()
}

async fn until_idle(e: &Engine) {
    let w = e.start_lanes(&Lane::ALL);
    while !e
        .store()
        .all_jobs()
        .expect("jobs")
        .iter()
        .all(|j| j.status.is_terminal())
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    w.shutdown().await;
}

/// A narrated project whose pictures count as a provider's (title cards get no captions).
async fn narrated(e: &Engine) -> Project {
    let p = e
        .import(story().as_bytes(), "bay.txt", ImportOptions::default())
        .await
        .expect("import")
        .project;
    until_idle(e).await;
    for mut s in e.store().scenes_of(p.id).expect("scenes") {
        if let Some(img) = s.image.as_mut() {
            img.placeholder = false;
        }
        e.store().transact(|tx| tx.put_scene(&s)).expect("scene");
    }
    p
}

/// StoryReel's render job, from request to the adopted MP4.
async fn ours(e: &Engine, p: &Project) -> Duration {
    let t0 = Instant::now();
    e.request_render(p, e.config().render.spec())
        .await
        .expect("render");
    until_idle(e).await;
    t0.elapsed()
}

/// What the peer renders: the same pictures, lengths, phrases and narration (plan.json).
fn peer_plan(e: &Engine, p: &Project, dir: &Path) -> PathBuf {
    let v = e
        .store()
        .project(p.id)
        .expect("p")
        .expect("p")
        .video
        .expect("a video");
    let xfade = e.config().render.crossfade_ms as f32 / 1000.0;
    let scenes = e.store().scenes_of(p.id).expect("scenes");
    let mut out = Vec::new();
    for (i, s) in scenes.iter().enumerate() {
        let at = v.scene_starts[i];
        let start = if i == 0 { 0.0 } else { at - xfade / 2.0 };
        let end = v
            .scene_starts
            .get(i + 1)
            .map_or(v.duration_s, |n| n + xfade / 2.0);
        let img = s.image.as_ref().expect("a picture");
        let image = format!("scene-{:03}.{}", s.index, img.ext);
        std::fs::copy(
            e.assets().path(&img.hash, &img.ext).expect("p"),
            dir.join(&image),
        )
        .expect("copy");
        let sp = s.narration.as_ref().and_then(|n| n.speech.as_ref());
        let mut audio = None;
        if let Some(a) = sp.and_then(|sp| sp.audio.as_ref()) {
            let name = format!("scene-{:03}.wav", s.index);
            std::fs::copy(
                e.assets().path(&a.hash, &a.ext).expect("p"),
                dir.join(&name),
            )
            .expect("copy");
            audio = Some(name);
        }
        let pages: Vec<_> = sp
            .map(|sp| paginate(&sp.words))
            .unwrap_or_default()
            .iter()
            .filter_map(|pg| {
                Some(json!({
                    "text": pg.iter().map(|w| w.word.as_str()).collect::<String>().trim(),
                    "start": pg.first()?.start + at,
                    "end": pg.last()?.end + at,
                }))
            })
            .collect();
        out.push(json!({"image": image, "audio": audio, "start": start,
                        "seconds": end - start, "pages": pages}));
    }
    let plan = json!({"scenes": out, "duration": v.duration_s});
    std::fs::write(dir.join("plan.json"), plan.to_string()).expect("plan");
    dir.to_path_buf()
}

fn font() -> String {
    let out = Command::new("fc-match")
        .args(["-f", "%{file}", "DejaVu Sans:bold"])
        .output();
    out.ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf".into())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let python = std::env::var("MOVIEPY_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_moviepy = Command::new(&python)
        .args(["-c", "import moviepy"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_moviepy {
        println!("{python} has no moviepy: timing StoryReel alone (set MOVIEPY_PYTHON).");
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/moviepy_peer.py");
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..rounds() {
        let e = Engine::open(EngineOptions::new(
            dir.path().join(format!("d{round}")),
            Config::default(),
        ))
        .expect("engine");
        let p = rt.block_on(narrated(&e));
        let took = rt.block_on(ours(&e, &p));
        let v = e.store().project(p.id).expect("p").expect("p").video;
        let v = v.expect("a video");
        println!(
            "round {}: StoryReel render {:.2} s for {:.1} s of video",
            round + 1,
            took.as_secs_f64(),
            v.duration_s
        );
        a.push(took.as_secs_f64());
        if has_moviepy {
            let peer = dir.path().join(format!("peer{round}"));
            std::fs::create_dir_all(&peer).expect("dir");
            peer_plan(&e, &p, &peer);
            let t0 = Instant::now();
            let ok = Command::new(&python)
                .arg(&script)
                .arg(&peer)
                .arg(font())
                .status()
                .expect("python");
            let t = t0.elapsed().as_secs_f64();
            assert!(
                ok.success() && peer.join("out.mp4").is_file(),
                "moviepy failed"
            );
            println!("round {}: moviepy render {t:.2} s", round + 1);
            b.push(t);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let (ours, peer) = (median(a), median(b));
    println!("median: StoryReel {ours:.2} s");
    if has_moviepy {
        println!(
            "median: moviepy {peer:.2} s: StoryReel is {:.1}x faster (goal: at least 10x)",
            peer / ours
        );
    }
}
