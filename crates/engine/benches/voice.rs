//! Narration's cost, side by side in one run (needs espeak-ng and ffmpeg):
//! - narrating a 40-scene story with espeak-ng (the narrate lane alone, its default
//!   concurrency), from queued to every scene's speech stored;
//! - a whole story made into a video (pictures, narration, render with karaoke captions) with
//!   the voice and without it (captions of the whole text), rounds alternating. The pictures
//!   are title cards counted as a provider's, so that both videos draw captions.
//!
//! `cargo bench -p storyreel-engine --bench voice` (`BENCH_ROUNDS=N`, default 3;
//! `BENCH_TITLE_CARDS=1` keeps the title cards as they are, offline's default).

use std::path::Path;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::model::Lane;
use storyreel_engine::{Engine, EngineOptions, ImportOptions, VoiceOption};

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

fn story(n: usize) -> String {
    (1..=n)
        .map(|i| format!("Scene {i}. The keeper climbs the tower while the storm gathers over the grey sea, step after step.\n\n"))
        .collect()
}

/// Every job of `lanes` has ended.
fn all_done(e: &Engine, lanes: &[Lane]) -> bool {
    e.store()
        .all_jobs()
        .expect("jobs")
        .iter()
        .filter(|j| lanes.contains(&j.lane()))
        .all(|j| j.status.is_terminal())
}

async fn until(e: &Engine, lanes: &[Lane]) -> Duration {
    let t0 = Instant::now();
    let w = e.start_lanes(lanes);
    while !all_done(e, lanes) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = t0.elapsed();
    w.shutdown().await;
    took
}

/// 40 scenes narrated by espeak-ng: the narrate lane alone.
fn narrate_40(rt: &tokio::runtime::Runtime, dir: &Path, round: usize) -> Duration {
    let e = Engine::open(EngineOptions::new(
        dir.join(format!("n{round}")),
        Config::default(),
    ))
    .expect("engine");
    rt.block_on(async {
        let p = e
            .import(story(40).as_bytes(), "tower.txt", ImportOptions::default())
            .await
            .expect("import")
            .project;
        let took = until(&e, &[Lane::Narrate]).await;
        let scenes = e.store().scenes_of(p.id).expect("scenes");
        let spoken = scenes
            .iter()
            .filter(|s| {
                s.narration
                    .as_ref()
                    .and_then(|n| n.speech.as_ref())
                    .is_some_and(|sp| sp.provider == "espeak-ng")
            })
            .count();
        assert_eq!(spoken, 40, "every scene spoken by espeak-ng");
        took
    })
}

/// A 10-scene story from import to its video, with or without the voice.
fn make(rt: &tokio::runtime::Runtime, dir: &Path, voice: bool, round: usize) -> Duration {
    let data = dir.join(format!("m{round}-{voice}"));
    let e = Engine::open(EngineOptions::new(data, Config::default())).expect("engine");
    rt.block_on(async {
        let t0 = Instant::now();
        let opts = ImportOptions {
            voice: if voice {
                VoiceOption::Default
            } else {
                VoiceOption::Off
            },
            ..Default::default()
        };
        let p = e
            .import(story(10).as_bytes(), "tower.txt", opts)
            .await
            .expect("import")
            .project;
        until(&e, &Lane::ALL).await;
        // Title cards carry their text and get no captions: count the pictures as a
        // provider's, so both videos have captions (whole texts, or karaoke pages). With
        // BENCH_TITLE_CARDS=1 they stay title cards, as offline: no captions without a voice,
        // the spoken word lit on the card with one.
        let keep_cards = std::env::var_os("BENCH_TITLE_CARDS").is_some();
        for mut s in e
            .store()
            .scenes_of(p.id)
            .expect("scenes")
            .into_iter()
            .filter(|_| !keep_cards)
        {
            if let Some(img) = s.image.as_mut() {
                img.placeholder = false;
            }
            e.store().transact(|tx| tx.put_scene(&s)).expect("scene");
        }
        e.request_render(&p, e.config().render.spec())
            .await
            .expect("render");
        until(&e, &Lane::ALL).await;
        let v = e
            .store()
            .project(p.id)
            .expect("p")
            .expect("p")
            .video
            .expect("video");
        assert_eq!(v.audio, voice);
        t0.elapsed()
    })
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut narrate, mut with, mut without) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds() {
        narrate.push(narrate_40(&rt, dir.path(), round));
        without.push(make(&rt, dir.path(), false, round));
        with.push(make(&rt, dir.path(), true, round));
        println!(
            "round {}: narrate 40 scenes {:.2} s; make 10 scenes without voice {:.2} s, with voice {:.2} s",
            round + 1,
            narrate[round].as_secs_f64(),
            without[round].as_secs_f64(),
            with[round].as_secs_f64()
        );
    }
    let (n, a, b) = (median(narrate), median(without), median(with));
    println!("median: narrate 40 scenes with espeak-ng {n:.2} s (goal: at most 5 s)");
    println!(
        "median: make without voice {a:.2} s, with voice and karaoke captions {b:.2} s: {:.2}x (goal: at most 1.3x)",
        b / a
    );
}
