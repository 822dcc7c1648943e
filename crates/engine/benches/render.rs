//! Render speed against ffmpeg's one-liner `zoompan` slideshow (x264 preset veryfast), on the
//! same 10 scene images (1080x1920), for a 30-second video with motion. Ours is timed twice:
//! with the default encoder settings, and at the one-liner's own preset (veryfast, crf 20, no
//! extra options), so the gain from composing and the gain from the encoder settings show apart.
//!
//! `cargo bench -p storyreel-engine --bench render` (needs ffmpeg; `BENCH_ROUNDS=N`, default 3).
//! `BENCH_CAPTIONS=1` times the same video with and without a caption over every scene instead.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::config::RenderConfig;
use storyreel_engine::model::Project;
use storyreel_engine::render::RenderRequest;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

/// The render alone: no narration (the voice has its own bench).
fn config(render: RenderConfig) -> Config {
    let mut c = Config {
        render,
        ..Config::default()
    };
    c.voice.enabled = false;
    c
}

/// Renders `p` once with `render` settings (the last video forgotten first); time and size.
fn ours(
    rt: &tokio::runtime::Runtime,
    data: &Path,
    p: &Project,
    render: RenderConfig,
) -> (Duration, u64) {
    let e = Engine::open(EngineOptions::new(data.to_path_buf(), config(render))).expect("engine");
    rt.block_on(async {
        e.store()
            .transact(|tx| {
                let mut pr = tx.project(p.id)?.expect("project");
                pr.video = None;
                tx.put_project(&pr)
            })
            .expect("reset");
        let spec = e.config().render.spec();
        let t0 = Instant::now();
        let job = match e.request_render(p, spec).await.expect("request") {
            RenderRequest::Queued(j) => j,
            RenderRequest::UpToDate(_) => panic!("the video was forgotten, yet up to date"),
        };
        let w = e.start();
        loop {
            let j = e.store().job(job.id).expect("job").expect("job");
            if j.status.is_terminal() {
                assert!(j.error.is_none(), "{:?}", j.error);
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let took = t0.elapsed();
        w.shutdown().await;
        let pr = e.store().project(p.id).expect("project").expect("project");
        (took, pr.video.map_or(0, |v| v.bytes))
    })
}

fn zoompan(images: &Path, out: &Path) -> (Duration, u64) {
    let t0 = Instant::now();
    let st = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-framerate", "1", "-i"])
        .arg(images.join("scene-%03d.jpg"))
        .args([
            "-vf",
            "zoompan=z='min(zoom+0.0015,1.5)':d=90:s=1080x1920:fps=30,format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
        ])
        .arg(out)
        .status()
        .expect("ffmpeg runs");
    assert!(st.success());
    let took = t0.elapsed();
    (took, std::fs::metadata(out).map_or(0, |m| m.len()))
}

/// The cost of captions (`BENCH_CAPTIONS=1`): the same video with and without a caption over
/// every scene. Title cards carry their text and get none, so for this run the scenes' pictures
/// count as provider pictures.
fn captions(rt: &tokio::runtime::Runtime, data: &Path, p: &Project) {
    let (mut plain, mut captioned) = (Vec::new(), Vec::new());
    for round in 0..rounds() {
        set_placeholder(data, p, true);
        plain.push(ours(rt, data, p, RenderConfig::default()));
        set_placeholder(data, p, false);
        captioned.push(ours(rt, data, p, RenderConfig::default()));
        println!(
            "round {}: no captions {:.2} s, captions {:.2} s",
            round + 1,
            plain[round].0.as_secs_f64(),
            captioned[round].0.as_secs_f64()
        );
    }
    let ((a, _), (b, _)) = (median(plain), median(captioned));
    println!(
        "median: no captions {a:.2} s, a caption over every scene {b:.2} s (+{:.1} %)",
        (b / a - 1.0) * 100.0
    );
}

fn set_placeholder(data: &Path, p: &Project, placeholder: bool) {
    let e =
        Engine::open(EngineOptions::new(data.to_path_buf(), Config::default())).expect("engine");
    for mut s in e.store().scenes_of(p.id).expect("scenes") {
        if let Some(img) = s.image.as_mut() {
            img.placeholder = placeholder;
        }
        e.store().transact(|tx| tx.put_scene(&s)).expect("scene");
    }
}

fn median(mut v: Vec<(Duration, u64)>) -> (f64, f64) {
    v.sort();
    let (d, b) = v[v.len() / 2];
    (d.as_secs_f64(), b as f64 / 1e6)
}

fn main() {
    if Command::new("ffmpeg").arg("-version").output().is_err() {
        eprintln!("skipped: ffmpeg is not installed (apt-get install ffmpeg)");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let work = tempfile::tempdir().expect("temp");
    let data = work.path().join("data");
    // Ten scenes of 3.45 s with 0.5 s crossfades: 34.5 - 9 x 0.5 = 30 s.
    let script: Vec<String> = (1..=10)
        .map(|i| {
            format!(
                r#"{{"text": "Scene {i}: the ferry crosses the bay while the light changes over the water.", "duration_s": 3.45}}"#
            )
        })
        .collect();
    let script = format!("[{}]", script.join(","));
    let images = work.path().join("images");
    let p = {
        let e = Engine::open(EngineOptions::new(data.clone(), Config::default())).expect("engine");
        let p = rt.block_on(async {
            let p = e
                .import(script.as_bytes(), "bay.json", ImportOptions::default())
                .await
                .expect("import")
                .project;
            let w = e.start();
            while !e.is_idle().expect("idle") {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            w.shutdown().await;
            p
        });
        e.export(&p, &images).expect("export");
        p
    };
    if std::env::var_os("BENCH_CAPTIONS").is_some() {
        captions(&rt, &data, &p);
        return;
    }
    let veryfast = RenderConfig {
        preset: "veryfast".into(),
        crf: 20,
        x264_params: String::new(),
        ..RenderConfig::default()
    };
    let (mut fast, mut same, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds() {
        fast.push(ours(&rt, &data, &p, RenderConfig::default()));
        same.push(ours(&rt, &data, &p, veryfast.clone()));
        theirs.push(zoompan(&images, &work.path().join("zoompan.mp4")));
        println!(
            "round {}: storyreel {:.2} s, storyreel at veryfast {:.2} s, zoompan {:.2} s",
            round + 1,
            fast[round].0.as_secs_f64(),
            same[round].0.as_secs_f64(),
            theirs[round].0.as_secs_f64()
        );
    }
    let n = fast.len();
    let ((f, fmb), (s, smb), (z, zmb)) = (median(fast), median(same), median(theirs));
    println!("30 s of 1080x1920 video from 10 scenes, median of {n}:");
    println!(
        "  storyreel (default: ultrafast + {}, crf 25): {f:.2} s, real-time factor {:.2}x, {fmb:.1} MB; {:.2}x faster than zoompan",
        storyreel_engine::config::render::DEFAULT_X264_PARAMS,
        30.0 / f,
        z / f
    );
    println!(
        "  storyreel at veryfast, crf 20:               {s:.2} s, real-time factor {:.2}x, {smb:.1} MB; {:.2}x faster than zoompan",
        30.0 / s,
        z / s
    );
    println!(
        "  zoompan one-liner (veryfast, crf 23):        {z:.2} s, real-time factor {:.2}x, {zmb:.1} MB",
        30.0 / z
    );
}
