//! Narration through the app's commands, with the real engine, espeak-ng and ffmpeg: the voices
//! and languages to choose from; a voice's sample as a WAV on disk; a project's voice and
//! language changed (a scene with the creator's own recording keeps it) and switched off; a
//! recording sent as the file's bytes becomes a scene's narration, and bad ones are sentences.

mod app;

use std::process::Command;

use app::{TestApp, STORY};
use serde_json::{json, Value};

/// An MP3 of espeak-ng saying `text`.
fn mp3(dir: &std::path::Path, text: &str) -> Vec<u8> {
    let wav = dir.join("say.wav");
    assert!(Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg(text)
        .status()
        .unwrap()
        .success());
    let out = dir.join("say.mp3");
    assert!(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&wav)
        .arg(&out)
        .status()
        .unwrap()
        .success());
    std::fs::read(out).unwrap()
}

fn narration(p: &Value, index: usize) -> Value {
    p["scenes"][index]["narration"].clone()
}

fn settled(p: &Value) -> bool {
    p["scenes"].as_array().is_some_and(|s| {
        s.iter()
            .all(|s| s["narration"]["status"] == "succeeded" && s["status"] == "succeeded")
    })
}

#[test]
fn voices_samples_project_voice_and_a_recording_through_the_commands() {
    let app = TestApp::new(true);
    let tmp = tempfile::tempdir().unwrap();

    // The choices: espeak-ng usable here, a cloud voice not (no key), every language named.
    let v = app.ok("voices", json!({}));
    let voice = |n: &str| {
        v["voices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(voice("espeak-ng")["usable"], true);
    assert_eq!(voice("elevenlabs")["usable"], false);
    assert!(voice("elevenlabs")["note"].as_str().is_some());
    assert!(v["languages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["code"] == "fr" && l["name"] == "French"));

    // A sample: a WAV on disk, spoken by the voice asked for in the language asked for.
    let s = app.ok(
        "voice_sample",
        json!({"voice": "espeak-ng", "language": "fr"}),
    );
    assert_eq!(
        (s["provider"].as_str(), s["voice"].as_str()),
        (Some("espeak-ng"), Some("fr-fr"))
    );
    let wav = std::fs::read(s["path"].as_str().unwrap()).unwrap();
    let pcm = storyreel_engine::voices::timing::Pcm::from_wav(&wav).unwrap();
    assert!(pcm.seconds() > 1.0 && !pcm.is_silent());
    for (args, says) in [
        (json!({"voice": "silence", "language": "en"}), "no sound"),
        (json!({"voice": "coqui", "language": "en"}), "`coqui`"),
        (json!({"voice": null, "language": "klingon"}), "klingon"),
    ] {
        let e = app.err("voice_sample", args);
        assert!(e["message"].as_str().unwrap().contains(says), "{e}");
    }

    // A story, narrated by default in the language of its text.
    let card = app.create(STORY);
    let id = card["id"].as_str().unwrap().to_string();
    assert_eq!(card["voice"]["language"], "en");
    let p = app.wait_project(&id, settled);
    assert_eq!(narration(&p, 1)["provider"], "espeak-ng");

    // Scene 2 narrated with the creator's recording, sent as its bytes.
    let take = mp3(tmp.path(), "Gulls follow it across the bay.");
    let scene = app
        .call_raw(
            "set_scene_recording",
            take,
            &[
                ("x-project-id", &id),
                ("x-scene", "2"),
                ("x-file-name", "gull%20take.mp3"),
            ],
        )
        .unwrap();
    let n = &scene["narration"];
    assert_eq!(n["provider"], "own");
    assert_eq!(n["voice"], "gull take.mp3");
    assert_eq!(n["estimated"], true);
    let audio = n["audio"].as_str().unwrap();
    assert!(std::fs::read(audio).unwrap().starts_with(b"RIFF"));
    // Bad bodies and headers: sentences, and the recording stays.
    let bad = [
        (b"not audio at all".to_vec(), "2", "notes.mp3", "notes.mp3"),
        (Vec::new(), "2", "empty.wav", "empty"),
        (vec![1, 2, 3], "9", "x.wav", "no scene 9"),
        (vec![1, 2, 3], "two", "x.wav", "scene number"),
    ];
    for (body, index, name, says) in bad {
        let e = app
            .call_raw(
                "set_scene_recording",
                body,
                &[
                    ("x-project-id", &id),
                    ("x-scene", index),
                    ("x-file-name", name),
                ],
            )
            .unwrap_err();
        assert!(e["message"].as_str().unwrap().contains(says), "{e}");
    }
    let e = app
        .call_raw("set_scene_recording", vec![1; 64], &[("x-scene", "2")])
        .unwrap_err();
    assert!(
        e["message"].as_str().unwrap().contains("x-project-id"),
        "{e}"
    );
    let p = app.ok("get_project", json!({"id": id}));
    assert_eq!(narration(&p, 1)["audio"].as_str(), Some(audio));

    // French chosen for the project: every scene but the recorded one is read in French.
    let p = app.ok(
        "set_project_voice",
        json!({"id": id, "enabled": true, "voice": "espeak-ng", "language": "fr"}),
    );
    assert_eq!(p["card"]["voice"]["language"], "fr");
    assert_eq!(p["card"]["voice"]["language_chosen"], true);
    let p = app.wait_project(&id, |p| {
        settled(p) && narration(p, 0)["voice"] == "fr-fr" && narration(p, 2)["voice"] == "fr-fr"
    });
    assert_eq!(narration(&p, 1)["provider"], "own");
    let e = app.err(
        "set_project_voice",
        json!({"id": id, "enabled": true, "voice": "coqui", "language": "auto"}),
    );
    assert!(e["message"].as_str().unwrap().contains("coqui"), "{e}");

    // Off: made without a voice from now on.
    let p = app.ok(
        "set_project_voice",
        json!({"id": id, "enabled": false, "voice": null, "language": "auto"}),
    );
    assert!(p["card"]["voice"].is_null());
}
