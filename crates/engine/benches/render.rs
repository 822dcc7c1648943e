//! Render speed against ffmpeg's one-liner `zoompan` slideshow, on the same 10 scene images
//! (1080x1920), for a 30-second video with motion, both at x264 preset veryfast.
//!
//! `cargo bench -p storyreel-engine --bench render` (needs ffmpeg).

use std::process::Command;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::render::RenderRequest;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

const ROUNDS: usize = 3;

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
    // Ten scenes of 3.45 s with 0.5 s crossfades: 34.5 - 9 x 0.5 = 30 s.
    let script: Vec<String> = (1..=10)
        .map(|i| {
            format!(
                r#"{{"text": "Scene {i}: the ferry crosses the bay while the light changes over the water.", "duration_s": 3.45}}"#
            )
        })
        .collect();
    let script = format!("[{}]", script.join(","));
    let e = Engine::open(EngineOptions::new(
        work.path().join("data"),
        Config::default(),
    ))
    .expect("engine");
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
    let images = work.path().join("images");
    e.export(&p, &images).expect("export");

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for round in 0..ROUNDS {
        let t = rt.block_on(async {
            // Forget the last video, so each round renders (rather than finding it up to date).
            e.store()
                .transact(|tx| {
                    let mut pr = tx.project(p.id)?.expect("project");
                    pr.video = None;
                    tx.put_project(&pr)
                })
                .expect("reset");
            let spec = e.config().render.spec();
            let t0 = Instant::now();
            let job = match e.request_render(&p, spec).await.expect("request") {
                RenderRequest::Queued(j) => j,
                RenderRequest::UpToDate(_) => return Duration::ZERO,
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
            took
        });
        if t > Duration::ZERO {
            ours.push(t);
        }
        let out = work.path().join(format!("zoompan-{round}.mp4"));
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
            .arg(&out)
            .status()
            .expect("ffmpeg runs");
        assert!(st.success());
        theirs.push(t0.elapsed());
        println!(
            "round {}: storyreel {:.2} s, zoompan {:.2} s",
            round + 1,
            ours.last().map_or(0.0, |d| d.as_secs_f64()),
            theirs[round].as_secs_f64()
        );
    }
    ours.sort();
    theirs.sort();
    let (o, z) = (ours[ours.len() / 2], theirs[ROUNDS / 2]);
    println!(
        "30 s video, 10 scenes 1080x1920, veryfast: storyreel {:.2} s (real-time factor {:.2}x), zoompan one-liner {:.2} s ({:.2}x); storyreel is {:.2}x faster (median of {})",
        o.as_secs_f64(),
        30.0 / o.as_secs_f64(),
        z.as_secs_f64(),
        30.0 / z.as_secs_f64(),
        z.as_secs_f64() / o.as_secs_f64(),
        ours.len()
    );
}
