//! The person's own recording as a scene's narration, with real ffmpeg and espeak-ng: an MP3
//! with a second of silence before the voice becomes the scene's narration, its words spread
//! over where the voice is heard and marked estimated; a file that is no audio, a silent one
//! and a missing one are sentences and lose nothing; the recording stays through a change of
//! the project's voice, a re-voice of the fallbacks and an edit of the scene's words; the video
//! follows it; narrating the scene again replaces it.

mod work;

use std::path::{Path, PathBuf};
use std::process::Command;

use storyreel_engine::config::Config;
use storyreel_engine::model::{JobStatus, Scene, VoiceChoice};
use storyreel_engine::narration::Revoice;
use storyreel_engine::recording::RECORDING;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

const STORY: &str =
    "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nThe town wakes as it docks.\n";

/// An MP3 of espeak-ng saying `text` after `lead` seconds of silence.
fn recording(dir: &Path, text: &str, lead: f32) -> PathBuf {
    let wav = dir.join("take.wav");
    let ok = Command::new("espeak-ng")
        .args(["-v", "en-gb", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .unwrap();
    assert!(ok.success());
    let mp3 = dir.join("my take.mp3");
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&wav)
        .args(["-af", &format!("adelay={}:all=1", (lead * 1000.0) as u32)])
        .arg(&mp3)
        .status()
        .unwrap();
    assert!(ok.success());
    mp3
}

fn speech(s: &Scene) -> storyreel_engine::model::Speech {
    s.narration.as_ref().unwrap().speech.clone().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_narrates_its_scene_and_stays_until_the_scene_is_narrated_again() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(
        dir.path().join("data"),
        Config::default(),
    ))
    .unwrap();
    let p = e
        .import(STORY.as_bytes(), "ferry.md", ImportOptions::default())
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    let before = e.store().scenes_of(p.id).unwrap();
    let voiced = speech(&before[1]);
    assert_eq!(voiced.provider, "espeak-ng");

    // Bad files: each a sentence naming the file; scene 2 keeps its voice.
    let not_audio = dir.path().join("notes.mp3");
    std::fs::write(&not_audio, "these are my notes, not a recording").unwrap();
    let silent = dir.path().join("silent.wav");
    let ok = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=22050:cl=mono",
        ])
        .args(["-t", "2"])
        .arg(&silent)
        .status()
        .unwrap();
    assert!(ok.success());
    for (file, says) in [
        (not_audio.clone(), "notes.mp3"),
        (silent.clone(), "silent"),
        (dir.path().join("gone.wav"), "no such file"),
    ] {
        let err = e.set_scene_recording(p.id, 2, &file).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(says), "{msg}");
        assert!(!msg.contains("panicked"), "{msg}");
    }
    let err = e
        .set_scene_recording(p.id, 9, &silent)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no scene 9"), "{err}");
    assert_eq!(speech(&e.store().scene(p.id, 2).unwrap().unwrap()), voiced);

    // A good take: stored as WAV, words spread over the voice (after its second of silence).
    let take = recording(dir.path(), "Gulls follow it across the bay.", 1.0);
    let sp = e.set_scene_recording(p.id, 2, &take).await.unwrap();
    assert_eq!(sp.provider, RECORDING);
    assert_eq!(sp.voice, "my take.mp3");
    assert!(
        sp.estimated,
        "nothing aligned the words: they are marked estimated"
    );
    assert!(sp.is_recording() && !sp.is_fallback());
    let words: Vec<&str> = sp.words.iter().map(|w| w.word.trim()).collect();
    assert_eq!(words, ["Gulls", "follow", "it", "across", "the", "bay."]);
    assert!(
        (0.9..1.2).contains(&sp.words[0].start),
        "the first word starts where the voice does: {:?}",
        sp.words[0]
    );
    let last = sp.words.last().unwrap();
    assert!(
        last.end <= sp.seconds + 1e-3 && last.end > sp.seconds - 0.5,
        "{last:?}"
    );
    let audio = sp.audio.clone().unwrap();
    let wav = std::fs::read(e.assets().path(&audio.hash, &audio.ext).unwrap()).unwrap();
    let pcm = storyreel_engine::voices::timing::Pcm::from_wav(&wav).unwrap();
    assert!((pcm.seconds() - sp.seconds).abs() < 1e-3);
    let n = e
        .store()
        .scene(p.id, 2)
        .unwrap()
        .unwrap()
        .narration
        .unwrap();
    assert_eq!(n.status, JobStatus::Succeeded);
    assert_eq!(
        speech(&e.store().scene(p.id, 1).unwrap().unwrap()),
        speech(&before[0])
    );

    // The project's voice changes and the fallbacks are asked again: the take stays.
    e.set_project_voice(
        p.id,
        Some(VoiceChoice {
            voice: Some("espeak-ng".into()),
            language: "en".into(),
            language_chosen: true,
        }),
    )
    .await
    .unwrap();
    e.revoice(p.id, Revoice::Fallbacks).await.unwrap();
    e.revoice(p.id, Revoice::All).await.unwrap();
    work::work_until_ended(&e).await;
    assert_eq!(
        speech(&e.store().scene(p.id, 2).unwrap().unwrap()).audio,
        sp.audio
    );

    // Its words change: the take stays and the new words are spread over it.
    let scenes = e.store().scenes_of(p.id).unwrap();
    let mut list: Vec<storyreel_engine::scene_edit::SceneEdit> = scenes
        .iter()
        .map(|s| storyreel_engine::scene_edit::SceneEdit {
            from: Some(s.index),
            title: s.title.clone(),
            text: s.text.clone(),
            prompt: None,
        })
        .collect();
    list[1].text = "Gulls chase the boat over the bay.".into();
    e.edit_scenes(&p, list).await.unwrap();
    work::work_until_ended(&e).await;
    let edited = speech(&e.store().scene(p.id, 2).unwrap().unwrap());
    assert_eq!(edited.audio, sp.audio);
    assert!(edited.words.iter().any(|w| w.word.starts_with("chase")));
    assert!((edited.words[0].start - sp.words[0].start).abs() < 1e-3);

    // The video: scene 2 lasts at least its take, and the take is heard after its silence.
    e.request_render(&p, e.config().render.spec())
        .await
        .unwrap();
    work::work_until_ended(&e).await;
    let v = e.store().project(p.id).unwrap().unwrap().video.unwrap();
    assert!(v.audio);
    assert!(
        v.scene_starts[2] - v.scene_starts[1] >= sp.seconds,
        "{:?}",
        v.scene_starts
    );

    // The export: pictures, narrations (the take among them, marked estimated), subtitles.
    let p = e.store().project(p.id).unwrap().unwrap();
    let out = dir.path().join("export");
    let r = e.export(&p, &out).unwrap();
    for f in [
        "scene-001.wav",
        "scene-002.wav",
        "scene-003.wav",
        "subtitles.srt",
        "subtitles.vtt",
    ] {
        assert!(r.files.iter().any(|x| x == f), "{f} in {:?}", r.files);
        assert!(out.join(f).is_file(), "{f}");
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let n = &m["scenes"][1]["narration"];
    assert_eq!(
        (n["provider"].as_str(), n["estimated"].as_bool()),
        (Some(RECORDING), Some(true))
    );
    assert_eq!(n["words"].as_array().unwrap().len(), edited.words.len());
    assert_eq!(m["scenes"][0]["narration"]["estimated"], false);
    assert_eq!(
        std::fs::read(out.join("scene-002.wav")).unwrap(),
        std::fs::read(e.assets().path(&audio.hash, &audio.ext).unwrap()).unwrap()
    );
    let srt = std::fs::read_to_string(out.join("subtitles.srt")).unwrap();
    assert!(srt.contains("chase"), "{srt}");
    // Into the same folder again: it is an earlier export; a file of the person's stops it.
    e.export(&p, &out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let err = e.export(&p, &out).unwrap_err().to_string();
    assert!(err.contains("not a StoryReel export"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );

    // Narrating scene 2 again, asked for by name, replaces the take with the voice.
    e.revoice(p.id, Revoice::Scenes(vec![2])).await.unwrap();
    work::work_until_ended(&e).await;
    let again = speech(&e.store().scene(p.id, 2).unwrap().unwrap());
    assert_eq!(again.provider, "espeak-ng");
    assert!(!again.estimated);
}
