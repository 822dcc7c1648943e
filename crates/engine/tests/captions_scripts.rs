//! Captions over provider images in every script, in the MP4 itself: for each scene (Japanese,
//! Chinese, Korean, Arabic, Hebrew, Hindi, Thai, emoji and Latin), the frame with captions
//! differs from the frame without in the caption band, and nowhere else (not above it, not in
//! the side margins). Real ffmpeg; the pictures come from the fault server as a provider.

mod work;

use std::path::{Path, PathBuf};
use std::process::Command;

use storyreel_engine::config::Config;
use storyreel_engine::model::{Aspect, JobStatus, Project, RenderSpec};
use storyreel_engine::render::RenderRequest;
use storyreel_engine::{Engine, ImportOptions};

const TEXTS: &[&str] = &[
    "The lamp turned all night, and the sea answered with long grey waves.",
    "灯台の光は一晩中回り続け、海は長く灰色の波で答えた。",
    "灯塔的光整夜旋转，大海用长长的灰色波浪回答。",
    "등대의 불빛은 밤새도록 돌았고, 바다는 회색빛 파도로 대답했다.",
    "دار المصباح طوال الليل، وأجاب البحر بأمواجه الرمادية الطويلة.",
    "המנורה הסתובבה כל הלילה, והים ענה בגליו האפורים והארוכים.",
    "दीपक पूरी रात घूमता रहा, और समुद्र ने लंबी लहरों से उत्तर दिया।",
    "ตะเกียงหมุนตลอดทั้งคืน และทะเลตอบด้วยคลื่นสีเทาที่ยาวเหยียด",
    "🌊🌙✨ 🚢⚓🌅 🐟🐙🦀 🌈🏝️☀️",
];

/// Renders and returns the MP4 with the time each scene starts (narration sets the lengths).
async fn render(e: &Engine, p: &Project, spec: RenderSpec) -> (PathBuf, Vec<f32>) {
    let job = match e.request_render(p, spec).await.unwrap() {
        RenderRequest::Queued(j) => j,
        RenderRequest::UpToDate(_) => panic!("expected a render"),
    };
    work::work_until(e, |e| {
        e.job(job.id)
            .unwrap()
            .is_some_and(|j| j.status.is_terminal())
    })
    .await;
    assert_eq!(e.job(job.id).unwrap().unwrap().status, JobStatus::Succeeded);
    let p = e.project(p.id).unwrap().unwrap();
    let video = p.video.unwrap();
    (
        e.assets().path(&video.hash, "mp4").unwrap(),
        video.scene_starts,
    )
}

/// The frame at `t` seconds as a small grey image (`n` x `n`).
fn frame_at(file: &Path, t: f64, n: u32) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", &format!("{t:.3}"), "-i"])
        .arg(file)
        .args([
            "-frames:v",
            "1",
            "-vf",
            &format!("scale={n}:{n}"),
            "-pix_fmt",
            "gray",
        ])
        .args(["-f", "rawvideo", "-"])
        .output()
        .unwrap();
    assert_eq!(out.stdout.len(), (n * n) as usize);
    out.stdout
}

/// Mean absolute difference over the pixels `keep` selects.
fn diff(a: &[u8], b: &[u8], n: usize, keep: impl Fn(usize, usize) -> bool) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if keep(i % n, i / n) {
            sum += (*x as f64 - *y as f64).abs();
            count += 1;
        }
    }
    sum / count.max(1) as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captions_in_every_script_are_in_the_video_inside_the_safe_area() {
    let server = storyreel_testkit::FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.generation.providers = vec!["automatic1111".into()];
    cfg.providers.automatic1111.base_url = Some(server.url());
    let e = Engine::open(storyreel_engine::EngineOptions::new(dir.path(), cfg)).unwrap();
    let script: Vec<serde_json::Value> = TEXTS
        .iter()
        .map(|t| serde_json::json!({"text": t, "duration_s": 2}))
        .collect();
    let p = e
        .import(
            serde_json::to_string(&script).unwrap().as_bytes(),
            "scripts.json",
            ImportOptions {
                aspect: Aspect::Square,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work::work_until(&e, |e| {
        e.scenes(p.id)
            .unwrap()
            .iter()
            .all(|s| s.status.is_terminal())
    })
    .await;
    for s in e.scenes(p.id).unwrap() {
        let img = s.image.as_ref().expect("a picture");
        assert!(!img.placeholder, "scene {} has a provider picture", s.index);
        assert!(s.error.is_none(), "scene {}: {:?}", s.index, s.error);
    }
    let mut spec = e.config().render.spec();
    spec.fps = 10;
    let (with, starts) = render(&e, &p, spec.clone()).await;
    spec.captions = false;
    let (without, starts_without) = render(&e, &p, spec).await;
    assert_eq!(starts, starts_without, "captions do not move the scenes");
    assert_eq!(starts.len(), TEXTS.len());
    // Each scene is read in its own script's language, never spelled letter by letter in the
    // story's (which took espeak-ng 45 s for one Arabic sentence); Japanese with kanji is
    // beyond espeak-ng, so that scene falls to silence and keeps its reading pace.
    // Emoji are in no script: that scene is read in the story's language, whatever was detected.
    let story = e.project(p.id).unwrap().unwrap().voice.unwrap().language;
    let langs = ["en", "ja", "zh", "ko", "ar", "he", "hi", "th", &story];
    for (s, lang) in e.scenes(p.id).unwrap().iter().zip(langs) {
        let speech = s.narration.as_ref().and_then(|n| n.speech.as_ref());
        let speech = speech.expect("every scene's narration is settled");
        assert_eq!(speech.language, lang, "scene {}", s.index);
        let voice = if lang == "ja" { "silence" } else { "espeak-ng" };
        assert_eq!(speech.provider, voice, "scene {}", s.index);
        assert!(
            speech.seconds < 10.0,
            "scene {}: {}",
            s.index,
            speech.seconds
        );
    }
    // Each scene is narrated and lasts at least its 2 s; a start is the middle of a 0.5 s
    // crossfade, so 0.6 s after it the scene is alone on screen with its caption.
    let n = 120usize;
    for (i, text) in TEXTS.iter().enumerate() {
        let t = starts[i] as f64 + 0.6;
        let (a, b) = (
            frame_at(&with, t, n as u32),
            frame_at(&without, t, n as u32),
        );
        // 10 % bottom margin, at most three lines: the band lies between 55 % and 90 %.
        let band = diff(&a, &b, n, |_, y| (66..108).contains(&y));
        let above = diff(&a, &b, n, |_, y| y < 50);
        let sides = diff(&a, &b, n, |x, _| x < 6 || x >= n - 6);
        let below = diff(&a, &b, n, |_, y| y >= 110);
        // A spoken page (a few words) covers less than a whole caption, and nothing is 0.
        assert!(band > 3.0, "{text}: the caption band differs ({band:.1})");
        assert!(
            above < 1.5 && sides < 1.5 && below < 1.5,
            "{text}: nothing outside the safe area changes (above {above:.1}, sides {sides:.1}, below {below:.1})"
        );
    }
}
