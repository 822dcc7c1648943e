//! The voice from the command line, with the real espeak-ng and ffmpeg: `make -o` narrates by
//! default (the MP4 has sound, the summary says who spoke, `status --json` has each scene's
//! narration); `--no-voice` makes a silent video; a voice that does not exist is a sentence;
//! `storyreel voices` says which voices are usable; and a kill -9 while scenes are being
//! narrated loses nothing and leaves no partial audio.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, whole_wavs, Sandbox};

fn audio_streams(file: &Path) -> usize {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "a",
            "-show_entries",
            "stream=index",
        ])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[test]
fn make_narrates_by_default_and_says_who_spoke() {
    let sb = Sandbox::new();
    let out = sb.path("market.mp4");
    let r = sb.run(&[
        "make",
        &example("night-market.json"),
        "-o",
        out.to_str().unwrap(),
    ]);
    r.expect(
        0,
        &[
            "Narration (en): 4 scenes by espeak-ng (en-us)",
            "with audio",
        ],
    );
    assert_eq!(audio_streams(&out), 1);
    assert!(out.with_extension("srt").is_file() && out.with_extension("vtt").is_file());
    let v = sb.status_json();
    let p = &v["projects"][0];
    assert_eq!(p["voice"]["language"], "en");
    assert_eq!(p["narrating"], 0);
    let starts = p["video"]["scene_starts"].as_array().unwrap();
    assert_eq!(starts.len(), 4);
    for s in p["scenes"].as_array().unwrap() {
        let n = &s["narration"];
        assert_eq!(n["status"], "succeeded", "{n}");
        assert_eq!(
            (n["provider"].as_str(), n["voice"].as_str()),
            (Some("espeak-ng"), Some("en-us"))
        );
        assert!(n["seconds"].as_f64().unwrap() > 1.0, "{n}");
        assert_eq!(n["fallback"], false);
        assert!(n["error"].is_null());
        assert!(Path::new(n["audio"].as_str().unwrap()).is_file());
    }
    // The human status says it too.
    let id = p["id"].as_str().unwrap();
    sb.run(&["status", id])
        .expect(0, &["narrated in en", "voice: espeak-ng (en-us)"]);
}

#[test]
fn no_voice_is_silent_and_bad_voices_are_sentences() {
    let sb = Sandbox::new();
    let out = sb.path("quiet.mp4");
    sb.run(&[
        "make",
        &example("night-market.json"),
        "--no-voice",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect(0, &["Done:"]);
    assert_eq!(audio_streams(&out), 0);
    assert!(sb.status_json()["projects"][0]["voice"].is_null());
    let r = sb.run(&["make", &example("paper-boats.txt"), "--voice", "coqui"]);
    r.expect(2, &["no voice called `coqui`", "espeak-ng"]);
    let r = sb.run(&["make", &example("paper-boats.txt"), "--language", "klingon"]);
    r.expect(2, &["`klingon` is not a language"]);
    let r = sb.run(&[
        "make",
        &example("paper-boats.txt"),
        "--voice",
        "piper",
        "--no-voice",
    ]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("--no-voice") || r.stderr.contains("cannot be used"),
        "{}",
        r.stderr
    );
}

#[test]
fn voices_lists_what_can_speak_now() {
    let sb = Sandbox::new();
    let r = sb.run(&["voices"]);
    r.expect(
        0,
        &[
            "1 neural      No neural voice is installed; install one from the voice library.",
            "2 espeak-ng",
            "ready",
            "3 silence",
            "ElevenLabs needs an API key (ELEVENLABS_API_KEY)",
            "Piper",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&sb.run(&["voices", "--json"]).stdout).unwrap();
    let rows = v["voices"].as_array().unwrap();
    let espeak = rows.iter().find(|r| r["name"] == "espeak-ng").unwrap();
    assert_eq!(
        (espeak["usable"].as_bool(), espeak["position"].as_u64()),
        (Some(true), Some(2))
    );
    assert!(espeak["voices"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["id"] == "fr-fr"));
    let piper = rows.iter().find(|r| r["name"] == "piper").unwrap();
    assert_eq!(piper["usable"], false);
    // A key in the environment makes OpenAI's voice usable (no call is made to find out).
    let mut c = sb.cmd();
    let out = c
        .args(["voices", "--json"])
        .env("OPENAI_API_KEY", "sk-test")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let openai = v["voices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "openai")
        .cloned()
        .unwrap();
    assert_eq!(openai["usable"], true);
    // No data folder was made to answer.
    assert!(!sb.data().exists());
}

#[test]
fn a_kill_during_narration_loses_nothing_and_leaves_no_partial_audio() {
    let sb = Sandbox::new();
    let story: String = (1..=8)
        .map(|i| format!("Scene {i}: the ferry crosses the bay while gull number {i} follows.\n\n"))
        .collect();
    let file = sb.write("ferry.txt", &story);
    let mut child = sb
        .cmd()
        .args(["make", file.to_str().unwrap()])
        .env("STORYREEL_DEBUG_STEP_DELAY_MS", "700")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once some scenes are narrated and others are being narrated.
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let done = std::fs::read_dir(sb.data().join("assets"))
            .map(|_| whole_wavs(&sb.data().join("assets")))
            .unwrap_or(0);
        if done >= 2 || t0.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let v = sb.status_json();
    let before: Vec<String> = v["projects"][0]["scenes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["narration"]["status"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        before.iter().any(|s| s != "succeeded"),
        "killed too late: {before:?}"
    );
    // Started again: the same project goes on, and ends with every scene narrated once.
    sb.run(&["make", file.to_str().unwrap()])
        .expect(0, &["Continuing", "Narration (en): 8 scenes by espeak-ng"]);
    let v = sb.status_json();
    assert_eq!(v["projects"].as_array().unwrap().len(), 1);
    for s in v["projects"][0]["scenes"].as_array().unwrap() {
        let n = &s["narration"];
        assert_eq!(n["status"], "succeeded", "{n}");
        assert_eq!(n["provider"], "espeak-ng");
        assert!(
            n["attempts"].as_u64().unwrap() <= 1,
            "narrated more than once: {n}"
        );
    }
    assert_eq!(whole_wavs(&sb.data().join("assets")), 8);
}

#[test]
fn a_narration_folder_becomes_the_scenes_own_recordings() {
    let sb = Sandbox::new();
    let dir = sb.path("takes");
    std::fs::create_dir_all(&dir).unwrap();
    // Scene 2's take: 2.5 s of tone, as an MP3.
    let take = dir.join("scene-002.mp3");
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg("sine=frequency=330:duration=2.5")
        .arg(&take)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = sb.path("market.mp4");
    let args = [
        "make",
        &example("night-market.json"),
        "--narration-dir",
        dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    sb.run(&args).expect(
        0,
        &["1 scene by your own recordings", "3 scenes by espeak-ng"],
    );
    assert_eq!(audio_streams(&out), 1);
    let v = sb.status_json();
    let scenes = v["projects"][0]["scenes"].as_array().unwrap();
    let n = &scenes[1]["narration"];
    assert_eq!(
        (n["provider"].as_str(), n["voice"].as_str()),
        (Some("own"), Some("scene-002.mp3")),
        "{n}"
    );
    assert_eq!(n["estimated"], true, "{n}");
    assert!((n["seconds"].as_f64().unwrap() - 2.5).abs() < 0.2, "{n}");
    // The words lie inside the take.
    let words = n["words"].as_array().unwrap();
    assert!(!words.is_empty());
    assert!(words.iter().all(|w| w["end"].as_f64().unwrap() <= 2.6));
    // The other scenes keep the voice.
    assert_eq!(scenes[0]["narration"]["provider"], "espeak-ng");
    // Rendering again with the same folder changes nothing: the video is up to date.
    let id = v["projects"][0]["id"].as_str().unwrap().to_string();
    sb.run(&["render", &id, "--narration-dir", dir.to_str().unwrap()])
        .expect(0, &["up to date"]);
    // A misnamed take (no three digits) and one for a scene the story lacks are said, not
    // passed over in silence; the video stays as it was.
    std::fs::copy(&take, dir.join("scene-3.mp3")).unwrap();
    std::fs::copy(&take, dir.join("scene-009.mp3")).unwrap();
    let r = sb.run(&["render", &id, "--narration-dir", dir.to_str().unwrap()]);
    r.expect(
        0,
        &[
            "2 files in",
            "scene-009.mp3, scene-3.mp3",
            "scene-NNN",
            "up to date",
        ],
    );
    assert!(!r.stderr.contains("scene-002.mp3"), "{}", r.stderr);
}

#[test]
fn a_project_made_without_a_voice_is_given_one_from_the_cli() {
    let sb = Sandbox::new();
    sb.run(&["make", &example("night-market.json"), "--no-voice"])
        .expect(0, &["Done"]);
    // Narrating again what has no voice says how to give it one…
    let r = sb.run(&["retry", "night-market", "--voices"]);
    r.expect(2, &["made without a voice", "--voices --voice auto"]);
    // …and that way gives it one: every scene narrated by the configured chain.
    sb.run(&["retry", "night-market", "--voices", "--voice", "espeak-ng"])
        .expect(0, &["Queued 4 scenes"]);
    sb.run(&["work", "--until-idle"])
        .expect(0, &["Made 4 narrations."]);
    let v = sb.status_json();
    let p = &v["projects"][0];
    assert_eq!(p["voice"]["voice"], "espeak-ng", "{p}");
    for s in p["scenes"].as_array().unwrap() {
        assert_eq!(s["narration"]["provider"], "espeak-ng", "{s}");
    }
    // A voice that does not exist is refused with the ones that do.
    sb.run(&["retry", "night-market", "--voices", "--voice", "nobody"])
        .expect(2, &["There is no voice called `nobody`"]);
    // --voice without --voices is a usage error.
    sb.run(&["retry", "night-market", "--voice", "auto"])
        .expect(2, &["--voices"]);
}

#[test]
fn a_whole_story_narration_is_heard_and_its_estimated_times_are_said() {
    let sb = Sandbox::new();
    let take = sb.path("told.mp3");
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg("sine=frequency=220:duration=12")
        .arg(&take)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = sb.path("told.mp4");
    sb.run(&[
        "make",
        &example("night-market.json"),
        "--narration",
        take.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
    .expect(0, &["told.mp3 is heard over the whole video", "estimates"]);
    assert_eq!(audio_streams(&out), 1);
    // The video lasts as long as the narration (and a little after it).
    let d = common::duration_of(&out);
    assert!((12.0..14.0).contains(&d), "{d} s");
}
