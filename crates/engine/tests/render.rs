//! The story video through real ffmpeg and ffprobe: streams, size, fps and duration; frames
//! that show the right scene; captions; music and narration; re-rendering when a scene
//! changes; and clear errors for missing images, audio and ffmpeg.

mod work;

use std::path::{Path, PathBuf};
use std::process::Command;

use storyreel_engine::config::Config;
use storyreel_engine::model::{Aspect, JobKind, JobStatus, Project, RenderSpec};
use storyreel_engine::render::RenderRequest;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

/// Three scenes of 2, 3 and 2.5 s: 7.5 s minus two 0.5 s crossfades = 6.5 s.
const SCRIPT: &str = r#"[
  {"title": "Harbour", "text": "The ferry leaves the harbour at dawn.", "duration_s": 2},
  {"title": "Gulls", "text": "Gulls follow the wake, crying over the grey water.", "duration_s": 3},
  {"title": "Island", "text": "The island rises out of the mist.", "duration_s": 2.5}
]"#;

fn engine(dir: &Path, cfg: Config) -> Engine {
    Engine::open(EngineOptions::new(dir, cfg)).unwrap()
}

async fn project(e: &Engine, aspect: Aspect) -> Project {
    let p = e
        .import(
            SCRIPT.as_bytes(),
            "ferry.json",
            ImportOptions {
                aspect,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work::work_until_ended(e).await;
    p
}

/// Requests the video and works until its job ends; returns the job's final record.
async fn render(e: &Engine, p: &Project, spec: RenderSpec) -> storyreel_engine::model::Job {
    let job = match e.request_render(p, spec).await.unwrap() {
        RenderRequest::Queued(j) => j,
        RenderRequest::UpToDate(_) => panic!("expected a render"),
    };
    work::work_until(e, |e| {
        e.store()
            .job(job.id)
            .unwrap()
            .is_some_and(|j| j.status.is_terminal())
    })
    .await;
    e.store().job(job.id).unwrap().unwrap()
}

fn video_path(e: &Engine, p: &Project) -> PathBuf {
    let p = e.store().project(p.id).unwrap().unwrap();
    e.assets().path(&p.video.unwrap().hash, "mp4").unwrap()
}

/// ffprobe's view: (codec, width, height, fps, duration, has audio, audio codec).
fn probe(file: &Path) -> (String, u32, u32, String, f64, bool, String) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries"])
        .args(["stream=codec_type,codec_name,width,height,r_frame_rate:format=duration"])
        .args(["-of", "json"])
        .arg(file)
        .output()
        .expect("ffprobe runs (apt-get install ffmpeg)");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let streams = v["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    let audio = streams.iter().find(|s| s["codec_type"] == "audio");
    (
        video["codec_name"].as_str().unwrap().to_string(),
        video["width"].as_u64().unwrap() as u32,
        video["height"].as_u64().unwrap() as u32,
        video["r_frame_rate"].as_str().unwrap().to_string(),
        v["format"]["duration"].as_str().unwrap().parse().unwrap(),
        audio.is_some(),
        audio.map_or(String::new(), |a| {
            a["codec_name"].as_str().unwrap().to_string()
        }),
    )
}

/// The frame at `t` seconds, as a small grey image (w x h).
fn frame_at(file: &Path, t: f64, w: u32, h: u32) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", &format!("{t:.3}"), "-i"])
        .arg(file)
        .args([
            "-frames:v",
            "1",
            "-vf",
            &format!("scale={w}:{h}"),
            "-pix_fmt",
            "gray",
        ])
        .args(["-f", "rawvideo", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.stdout.len(),
        (w * h) as usize,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn image_small(path: &Path, w: u32, h: u32) -> Vec<u8> {
    let img = image::open(path).unwrap().to_luma8();
    image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle).into_raw()
}

fn diff(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 - *y as f64).abs())
        .sum::<f64>()
        / a.len() as f64
}

fn audio_file(dir: &Path, name: &str, secs: f32) -> PathBuf {
    let p = dir.join(name);
    let st = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=330:duration={secs}"))
        .arg(&p)
        .status()
        .unwrap();
    assert!(st.success());
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_video_has_the_right_streams_length_and_scenes() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), quiet());
    let p = project(&e, Aspect::Portrait).await;
    let job = render(&e, &p, e.config().render.spec()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.error);
    let file = video_path(&e, &p);
    let (codec, w, h, fps, duration, audio, _) = probe(&file);
    assert_eq!(
        (codec.as_str(), w, h, fps.as_str()),
        ("h264", 1080, 1920, "30/1")
    );
    assert!(
        (duration - 6.5).abs() <= 1.0 / 30.0 + 1e-3,
        "duration {duration}"
    );
    assert!(!audio, "no audio stream without audio");
    let v = e.store().project(p.id).unwrap().unwrap().video.unwrap();
    assert_eq!(v.frames, 195);
    assert!(e.assets().verify(&v.hash, "mp4").unwrap());

    // The middle of scene k looks like scene k's image more than like any other scene's.
    let scenes = e.store().scenes_of(p.id).unwrap();
    let imgs: Vec<Vec<u8>> = scenes
        .iter()
        .map(|s| {
            let i = s.image.as_ref().unwrap();
            image_small(&e.assets().path(&i.hash, &i.ext).unwrap(), 27, 48)
        })
        .collect();
    let middles = [1.0, 2.5 + 1.5, 5.0 + 1.25];
    for (k, t) in middles.iter().enumerate() {
        let f = frame_at(&file, *t, 27, 48);
        let d: Vec<f64> = imgs.iter().map(|i| diff(&f, i)).collect();
        let best = d
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(best, k, "frame at {t} s: distances {d:?}");
        assert!(d[k] < 25.0, "frame at {t} s is far from its scene: {d:?}");
    }
    // Asked again with nothing changed: up to date, no second render.
    assert!(matches!(
        e.request_render(&p, e.config().render.spec())
            .await
            .unwrap(),
        RenderRequest::UpToDate(_)
    ));
}

/// A project whose images come from a provider (not title cards), so captions are drawn.
async fn provider_project(e: &Engine) -> Project {
    project(e, Aspect::Square).await
}

fn provider_config(server: &storyreel_testkit::FaultServer) -> Config {
    let mut c = quiet();
    c.generation.providers = vec!["automatic1111".into()];
    c.providers.automatic1111.base_url = Some(server.url());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captions_are_drawn_where_enabled() {
    let server = storyreel_testkit::FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), provider_config(&server));
    let p = provider_project(&e).await;
    assert!(e.store().scenes_of(p.id).unwrap().iter().all(|s| !s
        .image
        .as_ref()
        .unwrap()
        .placeholder));
    let mut spec = e.config().render.spec();
    spec.fps = 10;
    assert_eq!(
        render(&e, &p, spec.clone()).await.status,
        JobStatus::Succeeded
    );
    let with = video_path(&e, &p);
    spec.captions = false;
    assert_eq!(render(&e, &p, spec).await.status, JobStatus::Succeeded);
    let without = video_path(&e, &p);
    assert_ne!(with, without);
    // 1080x1080 scaled to 108x108: the caption band is near the bottom, above a 10% margin.
    let (a, b) = (
        frame_at(&with, 3.5, 108, 108),
        frame_at(&without, 3.5, 108, 108),
    );
    let rows = |f: &[u8], r: std::ops::Range<usize>| f[r.start * 108..r.end * 108].to_vec();
    let band = diff(&rows(&a, 75..96), &rows(&b, 75..96));
    let top = diff(&rows(&a, 0..40), &rows(&b, 0..40));
    assert!(band > 8.0, "the caption band differs: {band}");
    assert!(top < 2.0, "the picture above it does not: {top}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn music_and_narration_become_an_aac_track() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), quiet());
    let p = project(&e, Aspect::Square).await;
    let music = audio_file(dir.path(), "music.wav", 3.0);
    let mut spec = e.config().render.spec();
    spec.fps = 10;
    spec.music = Some(music);
    assert_eq!(
        render(&e, &p, spec.clone()).await.status,
        JobStatus::Succeeded
    );
    let (_, w, h, _, duration, audio, acodec) = probe(&video_path(&e, &p));
    assert_eq!((w, h), (1080, 1080));
    assert!(audio && acodec == "aac");
    assert!(
        (duration - 6.5).abs() < 0.15,
        "music loops to the video's length: {duration}"
    );
    // Narration for the whole story sets the length: 9 s of speech, plus a beat.
    spec.narration = Some(audio_file(dir.path(), "narration.wav", 9.0));
    assert_eq!(render(&e, &p, spec).await.status, JobStatus::Succeeded);
    let (_, _, _, _, duration, audio, _) = probe(&video_path(&e, &p));
    assert!(audio);
    assert!(
        (duration - 9.5).abs() < 0.25,
        "follows the narration: {duration}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_scene_renders_the_video_again() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), quiet());
    let p = project(&e, Aspect::Square).await;
    let mut spec = e.config().render.spec();
    spec.fps = 10;
    assert_eq!(render(&e, &p, spec).await.status, JobStatus::Succeeded);
    let first = e.store().project(p.id).unwrap().unwrap().video.unwrap();
    e.store()
        .transact(|tx| {
            let mut pr = tx.project(p.id)?.unwrap();
            pr.style = "noir".into();
            tx.put_project(&pr)
        })
        .unwrap();
    e.retry(
        &p,
        storyreel_engine::RetryFilter {
            scene: Some(2),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    work::work_until(&e, |e| {
        e.store()
            .project(p.id)
            .unwrap()
            .unwrap()
            .video
            .is_some_and(|v| v.fingerprint != first.fingerprint)
    })
    .await;
    let renders = e
        .store()
        .all_jobs()
        .unwrap()
        .into_iter()
        .filter(|j| j.kind() == JobKind::RenderVideo && j.status == JobStatus::Succeeded)
        .count();
    assert_eq!(renders, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    // Missing images: said before anything is queued, naming the scenes.
    {
        let e = engine(&dir.path().join("a"), quiet());
        let p = e
            .import(SCRIPT.as_bytes(), "ferry.json", ImportOptions::default())
            .await
            .unwrap()
            .project;
        let err = e
            .request_render(&p, e.config().render.spec())
            .await
            .unwrap_err()
            .to_string();
        // What to do, in words both front ends can show (the CLI adds its command).
        assert!(
            err.contains("3 of 3 scenes have no image")
                && err.contains("Make their pictures first"),
            "{err}"
        );
        assert!(
            !err.contains("storyreel "),
            "no CLI command in an engine sentence: {err}"
        );
    }
    // An unreadable music file.
    let e = engine(&dir.path().join("b"), quiet());
    let p = project(&e, Aspect::Square).await;
    let bad = dir.path().join("song.mp3");
    std::fs::write(&bad, b"this is not audio").unwrap();
    let mut spec = e.config().render.spec();
    spec.music = Some(bad);
    let job = render(&e, &p, spec).await;
    assert_eq!(job.status, JobStatus::Failed);
    let err = job.error.unwrap();
    assert!(
        err.message.contains("song.mp3") && err.message.contains("music"),
        "{err:?}"
    );
    drop(e);
    // ffmpeg missing.
    let mut cfg = quiet();
    cfg.render.ffmpeg = Some(dir.path().join("no-such-ffmpeg"));
    let e = engine(&dir.path().join("b"), cfg);
    let job = render(&e, &p, e.config().render.spec()).await;
    assert_eq!(job.status, JobStatus::Failed);
    let err = job.error.unwrap();
    assert_eq!(err.code, "no_ffmpeg");
    assert!(err.message.contains("no-such-ffmpeg"), "{err:?}");
    // Nothing half-written was left behind.
    let scratch = dir.path().join("b/assets/scratch");
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latest_render_job_is_found_from_the_project_and_for_older_projects_by_a_scan() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), quiet());
    let p = project(&e, Aspect::Square).await;
    assert!(e.latest_render_job(&p).unwrap().is_none(), "none asked for");
    let spec = e.config().render.spec();
    let queued = |r: RenderRequest| match r {
        RenderRequest::Queued(j) => j,
        RenderRequest::UpToDate(_) => panic!("expected a render"),
    };
    let first = queued(e.request_render(&p, spec.clone()).await.unwrap());
    // The same video asked for again while it waits is the same job.
    let again = queued(e.request_render(&p, spec.clone()).await.unwrap());
    assert_eq!(again.id, first.id);
    // Another video replaces it.
    let mut other = spec;
    other.fps = 24;
    let second = queued(e.request_render(&p, other).await.unwrap());
    let p = e.store().project(p.id).unwrap().unwrap();
    assert_eq!(p.render_job, Some(second.id));
    let latest = e.latest_render_job(&p).unwrap().unwrap();
    assert_eq!(latest.id, second.id);
    assert_eq!(latest.status, JobStatus::Queued);
    // The one it replaced was cancelled.
    let replaced = e.store().job(first.id).unwrap().unwrap();
    assert_eq!(replaced.status, JobStatus::Cancelled);
    // A project saved before the job was recorded on it: found by a scan.
    e.store()
        .transact(|tx| {
            let mut pr = tx.project(p.id)?.unwrap();
            pr.render_job = None;
            tx.put_project(&pr)
        })
        .unwrap();
    let old = e.store().project(p.id).unwrap().unwrap();
    assert_eq!(old.render_job, None);
    assert_eq!(e.latest_render_job(&old).unwrap().unwrap().id, second.id);
}

/// The settings of these tests: no narration (voices have their own tests).
fn quiet() -> storyreel_engine::config::Config {
    let mut c = storyreel_engine::config::Config::default();
    c.voice.enabled = false;
    c
}
