//! Narration with the real espeak-ng (the default voice) and real ffmpeg: a five-scene story is
//! narrated with exact word times; the video's scenes follow the narration and each scene's
//! voice starts with it; the subtitle files agree with the stored word times; a voice that
//! cannot speak falls back with a sentence and can be asked again; edits narrate again only
//! what changed.

mod work;

use std::path::Path;
use std::process::Command;

use storyreel_engine::config::Config;
use storyreel_engine::model::{JobStatus, Project, Scene};
use storyreel_engine::narration::Revoice;
use storyreel_engine::voices::timing::Pcm;
use storyreel_engine::{Engine, EngineOptions, ImportOptions, VoiceOption};

const STORY: &str = "# The Ferry

The ferry leaves the harbour at dawn, its horn low over the water.

Gulls follow the wake, crying, wheeling over the grey sea.

A girl at the rail counts the lighthouses: one, two, three.

The island rises out of the mist, green and quiet.

On the pier, her grandmother waves with both arms.
";

fn engine(dir: &Path, cfg: Config) -> Engine {
    Engine::open(EngineOptions::new(dir, cfg)).unwrap()
}

async fn made(e: &Engine, opts: ImportOptions) -> (Project, Vec<Scene>) {
    let p = e
        .import(STORY.as_bytes(), "ferry.md", opts)
        .await
        .unwrap()
        .project;
    work::work_until_ended(e).await;
    let scenes = e.store().scenes_of(p.id).unwrap();
    (p, scenes)
}

/// Where the sound starts again after each pause of at least 0.3 s (ffmpeg's silencedetect).
fn onsets(file: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-i"])
        .arg(file)
        .args(["-af", "silencedetect=n=-45dB:d=0.25", "-f", "null", "-"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.split("silence_end: ").nth(1))
        .filter_map(|r| r.split_whitespace().next()?.parse().ok())
        .collect()
}

/// Cue start times of a subtitle file, read by ffmpeg's own SRT or WebVTT demuxer.
fn cue_starts(file: &Path) -> Vec<f32> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "packet=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn espeak_narrates_every_scene_and_the_video_follows_the_voice() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), Config::default());
    let (p, scenes) = made(&e, ImportOptions::default()).await;
    assert_eq!(scenes.len(), 5);
    let voice = p.voice.clone().expect("narrated by default");
    assert_eq!(voice.language, "en", "detected from the text");
    for s in &scenes {
        let n = s.narration.as_ref().expect("a narration per scene");
        assert_eq!(n.status, JobStatus::Succeeded, "{:?}", n.error);
        let sp = n.speech.as_ref().unwrap();
        assert_eq!(
            (sp.provider.as_str(), sp.voice.as_str()),
            ("espeak-ng", "en-us")
        );
        assert!(!sp.estimated && sp.fallback.is_empty(), "{:?}", sp.fallback);
        // The default chain asks for an installed neural voice first: with none for English it
        // is passed over (no failure), and the scene says why.
        assert_eq!(sp.passed.len(), 1, "{:?}", sp.passed);
        assert!(
            sp.passed[0]
                .message
                .contains("No neural voice for English is installed"),
            "{:?}",
            sp.passed
        );
        // The audio is a real WAV of the stated length.
        let a = sp.audio.as_ref().unwrap();
        let pcm = Pcm::from_wav(&std::fs::read(e.assets().path(&a.hash, &a.ext).unwrap()).unwrap())
            .unwrap();
        assert!((pcm.seconds() - sp.seconds).abs() < 1e-3);
        assert!(sp.seconds > 1.5, "scene {}: {} s", s.index, sp.seconds);
        // The words are the scene's text, in order, at times that grow inside the audio.
        let joined: String = sp.words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(
            joined.trim(),
            s.text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        for w in &sp.words {
            assert!(
                w.start >= 0.0 && w.start <= w.end && w.end <= sp.seconds + 1e-3,
                "{w:?}"
            );
        }
        for pair in sp.words.windows(2) {
            assert!(pair[0].start < pair[1].start, "{pair:?}");
        }
        // A word is heard where it is said to start: the audio is not silent just after it.
        let loud_after = |t: f32| {
            let i = (t * pcm.rate as f32) as usize;
            pcm.samples[i..(i + pcm.rate as usize / 5).min(pcm.samples.len())]
                .iter()
                .any(|v| v.unsigned_abs() > 1500)
        };
        assert!(
            sp.words.iter().all(|w| loud_after(w.start)),
            "scene {}",
            s.index
        );
    }

    // The video: each scene lasts its narration and a beat; each voice starts with its scene.
    let spec = e.config().render.spec();
    e.request_render(&p, spec).await.unwrap();
    work::work_until_ended(&e).await;
    let p = e.store().project(p.id).unwrap().unwrap();
    let v = p.video.clone().expect("a video");
    assert!(v.audio);
    let total: f32 = scenes
        .iter()
        .map(|s| {
            s.narration
                .as_ref()
                .unwrap()
                .speech
                .as_ref()
                .unwrap()
                .seconds
        })
        .sum();
    assert!(
        v.duration_s > total,
        "{} s of video for {total} s of voice",
        v.duration_s
    );
    assert_eq!(v.scene_starts.len(), 5);
    let file = e.assets().path(&v.hash, "mp4").unwrap();
    let heard = onsets(&file);
    let frame = 1.0 / v.fps as f32;
    for (i, start) in v.scene_starts.iter().enumerate().skip(1) {
        let near = heard
            .iter()
            .map(|o| (o - start).abs())
            .fold(f32::INFINITY, f32::min);
        assert!(
            near <= 2.0 * frame,
            "scene {}: starts at {start} s, nearest onset {near} s away ({heard:?})",
            i + 1
        );
    }

    // The title cards carry their own text, and the word being spoken turns the highlight
    // colour on the card: many more highlight pixels during scene 3's second word than in the
    // beat after its narration (the card's accent is yellow too, so the two are compared).
    let sp = scenes[2]
        .narration
        .as_ref()
        .unwrap()
        .speech
        .as_ref()
        .unwrap();
    let at = v.scene_starts[2];
    let during = highlight_pixels(&file, at + (sp.words[1].start + sp.words[1].end) / 2.0);
    let after = highlight_pixels(&file, at + sp.seconds + 0.25);
    assert!(
        during > after + 300,
        "{during} highlight pixels while a word is spoken, {after} after"
    );

    // Subtitles, read back by ffmpeg, start where the stored words of their scene start.
    let out = dir.path().join("ferry.mp4");
    e.save_video(&p, &out, false).unwrap();
    let mut word_starts = Vec::new();
    for (s, at) in scenes.iter().zip(&v.scene_starts) {
        let sp = s.narration.as_ref().unwrap().speech.as_ref().unwrap();
        word_starts.extend(sp.words.iter().map(|w| w.start + at));
    }
    for file in [out.with_extension("srt"), out.with_extension("vtt")] {
        let cues = cue_starts(&file);
        assert!(cues.len() >= 5, "{file:?}: {cues:?}");
        for c in &cues {
            let near = word_starts
                .iter()
                .map(|w| (w - c).abs())
                .fold(f32::INFINITY, f32::min);
            assert!(near < 0.002, "{file:?}: a cue at {c} s is no word's start");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_that_cannot_speak_falls_back_and_can_be_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    // Piper first, with a model that is not there; then espeak-ng with a voice it lacks.
    cfg.voice.voices = vec!["piper".into(), "espeak-ng".into()];
    // A stand-in program (the model is checked before it would run).
    let program = dir.path().join("piper");
    std::fs::write(&program, "#!/bin/sh\nexit 0\n").unwrap();
    cfg.voice.piper.program = program;
    cfg.voice.piper.model = Some(dir.path().join("missing.onnx"));
    cfg.voice.espeak.voice = "zz-nowhere".into();
    let e = engine(&dir.path().join("data"), cfg);
    let (p, scenes) = made(&e, ImportOptions::default()).await;
    for s in &scenes {
        let sp = s.narration.as_ref().unwrap().speech.as_ref().unwrap();
        assert_eq!(sp.provider, "silence");
        assert!(sp.audio.is_none());
        let why: Vec<&str> = sp.fallback.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(why.len(), 2, "{why:?}");
        assert!(
            why[0].contains("missing.onnx") && why[0].contains("does not exist"),
            "{why:?}"
        );
        assert!(why[1].contains("zz-nowhere"), "{why:?}");
    }
    // The video still renders, without sound, the captions at reading pace.
    e.request_render(&p, e.config().render.spec())
        .await
        .unwrap();
    work::work_until_ended(&e).await;
    let v = e.store().project(p.id).unwrap().unwrap().video.unwrap();
    assert!(!v.audio && v.subtitles.is_some());

    // Re-voicing queues exactly the scenes a fallback spoke; with a working voice now they
    // are spoken by it.
    drop(e);
    let mut cfg = Config::default();
    cfg.voice.voices = vec!["espeak-ng".into()];
    let e = engine(&dir.path().join("data"), cfg);
    assert_eq!(e.revoice(p.id, Revoice::Fallbacks).await.unwrap(), 5);
    work::work_until_ended(&e).await;
    for s in e.store().scenes_of(p.id).unwrap() {
        let sp = s.narration.unwrap().speech.unwrap();
        assert_eq!(sp.provider, "espeak-ng", "{:?}", sp.fallback);
    }
    assert_eq!(e.revoice(p.id, Revoice::Fallbacks).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_off_language_chosen_and_edits_narrate_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), Config::default());
    // No voice: no narration jobs, a silent project.
    let silent = e
        .import(
            STORY.as_bytes(),
            "quiet.md",
            ImportOptions {
                voice: VoiceOption::Off,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    assert!(silent.voice.is_none());
    assert!(e
        .store()
        .scenes_of(silent.id)
        .unwrap()
        .iter()
        .all(|s| s.narration.is_none()));
    // An unknown voice or language is a sentence, before anything is made.
    let bad = e
        .import(
            STORY.as_bytes(),
            "x.md",
            ImportOptions {
                voice: VoiceOption::Named("coqui".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        bad.contains("`coqui`") && bad.contains("espeak-ng"),
        "{bad}"
    );
    let bad = e
        .import(
            STORY.as_bytes(),
            "x.md",
            ImportOptions {
                language: Some("klingon".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(bad.contains("klingon"), "{bad}");
    // French chosen: espeak-ng speaks French.
    let (p, scenes) = made(
        &e,
        ImportOptions {
            language: Some("fr".into()),
            force_new: true,
            ..Default::default()
        },
    )
    .await;
    let sp = |s: &Scene| s.narration.as_ref().unwrap().speech.clone().unwrap();
    for s in &scenes {
        let speech = sp(s);
        assert_eq!(
            (speech.provider.as_str(), speech.voice.as_str()),
            ("espeak-ng", "fr-fr"),
            "{:?}",
            speech.fallback
        );
    }
    let before: Vec<_> = scenes.iter().map(|s| sp(s).audio.unwrap().hash).collect();
    // Scene 2's text changes; scenes 4 and 5 swap: only scene 2 is narrated again.
    let mut list: Vec<storyreel_engine::scene_edit::SceneEdit> = scenes
        .iter()
        .map(|s| storyreel_engine::scene_edit::SceneEdit {
            from: Some(s.index),
            title: s.title.clone(),
            text: s.text.clone(),
            prompt: None,
        })
        .collect();
    list[1].text = "Gulls argue over a fish.".into();
    list.swap(3, 4);
    e.edit_scenes(&p, list).await.unwrap();
    work::work_until_ended(&e).await;
    let after = e.store().scenes_of(p.id).unwrap();
    let hashes: Vec<_> = after.iter().map(|s| sp(s).audio.unwrap().hash).collect();
    assert_eq!(hashes[0], before[0]);
    assert_ne!(hashes[1], before[1]);
    assert_eq!(hashes[2], before[2]);
    assert_eq!(
        (hashes[3].as_str(), hashes[4].as_str()),
        (before[4].as_str(), before[3].as_str())
    );
    assert!(sp(&after[1])
        .words
        .iter()
        .any(|w| w.word.starts_with("argue")));
}

/// A stand-in for Piper's program (`piper -m MODEL -f OUT`, the text on standard input) that
/// speaks through espeak-ng, and fails as Piper does on a model it cannot load.
fn stand_in_piper(dir: &Path) -> std::path::PathBuf {
    let program = dir.join("piper");
    std::fs::write(
        &program,
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do case \"$1\" in -m) model=\"$2\"; shift 2;; -f) out=\"$2\"; shift 2;; *) shift;; esac; done\n\
         if grep -q broken \"$model\"; then echo \"RuntimeError: cannot load $model: invalid protobuf\" >&2; exit 3; fi\n\
         exec espeak-ng -v en-us -w \"$out\" --stdin\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    program
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piper_speaks_through_its_program_and_a_broken_model_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("en_US-test-medium.onnx");
    std::fs::write(&model, "a model").unwrap();
    let mut cfg = Config::default();
    cfg.voice.voices = vec!["piper".into(), "espeak-ng".into()];
    cfg.voice.piper.program = stand_in_piper(dir.path());
    cfg.voice.piper.model = Some(model.clone());
    let e = engine(&dir.path().join("data"), cfg.clone());
    let (_, scenes) = made(&e, ImportOptions::default()).await;
    for s in &scenes {
        let sp = s.narration.as_ref().unwrap().speech.clone().unwrap();
        assert_eq!(
            (sp.provider.as_str(), sp.voice.as_str(), sp.estimated),
            ("piper", "en_US-test-medium", true),
            "{:?}",
            sp.fallback
        );
        assert!(sp.seconds > 1.0 && sp.audio.is_some());
        assert!(sp.words.last().unwrap().end <= sp.seconds + 1e-3);
    }
    // A model the program cannot load: a sentence naming it, and espeak-ng speaks.
    drop(e);
    std::fs::write(&model, "broken").unwrap();
    let e = engine(&dir.path().join("data2"), cfg);
    let (_, scenes) = made(&e, ImportOptions::default()).await;
    let sp = scenes[0]
        .narration
        .as_ref()
        .unwrap()
        .speech
        .clone()
        .unwrap();
    assert_eq!(sp.provider, "espeak-ng");
    let why = &sp.fallback[0].message;
    assert!(
        why.contains("Piper could not speak") && why.contains("invalid protobuf"),
        "{why}"
    );
}

/// Pixels of the caption highlight's colour (#ffd84d, give or take) in the video's frame at `t`.
fn highlight_pixels(file: &Path, t: f32) -> usize {
    let png = file.with_extension(format!("{t:.3}.png"));
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-ss", &format!("{t:.3}"), "-i"])
        .arg(file)
        .args(["-frames:v", "1"])
        .arg(&png)
        .status()
        .unwrap();
    assert!(ok.success());
    let img = image::open(&png).unwrap().to_rgb8();
    img.pixels()
        .filter(|p| {
            let [r, g, b] = p.0;
            r > 215 && (180..=240).contains(&g) && b < 130
        })
        .count()
}
