//! A voice per character: a quotation after a character's name is spoken in their voice (here
//! the fault server speaking OpenAI's speech format), the rest by the narrator (real
//! espeak-ng), joined into one recording at the narrator's rate with the words timed in order;
//! giving the character another voice narrates again exactly the scenes where they speak.

mod work;

use std::sync::Arc;
use std::time::Duration;

use storyreel_engine::config::Config;
use storyreel_engine::model::{JobStatus, Scene, Speech};
use storyreel_engine::secrets::StaticSecrets;
use storyreel_engine::{Engine, EngineOptions, ImportOptions, VoiceOption};
use storyreel_testkit::{FaultServer, Route};

const STORY: &str = r#"{"cast": [{"name": "Mira", "description": "a fisherwoman", "voice": "openai"}],
  "scenes": [{"text": "Mira said, \"We go at dawn.\" The sea was calm."},
             {"text": "Mira rows out alone."},
             {"text": "\"Wait!\" someone calls from the pier."}]}"#;

fn engine(dir: &std::path::Path, server: &FaultServer) -> Engine {
    let mut c = Config::default();
    c.generation.providers = vec!["titlecard".into()];
    c.voice.voices = vec!["espeak-ng".into(), "openai".into()];
    c.voice.openai.base_url = Some(format!("{}/v1", server.url()));
    c.voice.openai.timeout_s = Some(2);
    let secrets = StaticSecrets::default().with("openai", "sk-test-0123456789");
    Engine::open(EngineOptions {
        secrets: Arc::new(secrets),
        ..EngineOptions::new(dir, c)
    })
    .unwrap()
}

fn speech(s: &Scene) -> Speech {
    let n = s.narration.as_ref().unwrap();
    assert_eq!(n.status, JobStatus::Succeeded, "{:?}", n.error);
    n.speech.clone().unwrap()
}

fn spoken_texts(server: &FaultServer) -> Vec<String> {
    server
        .bodies(Route::OpenAiSpeech)
        .iter()
        .map(|b| {
            serde_json::from_slice::<serde_json::Value>(b).unwrap()["input"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_characters_quoted_lines_are_spoken_in_their_voice() {
    if std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: espeak-ng is not installed");
        return;
    }
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), &server);
    let opts = ImportOptions {
        force_new: true,
        voice: VoiceOption::Named("espeak-ng".into()),
        ..Default::default()
    };
    let p = e
        .import(STORY.as_bytes(), "s.json", opts)
        .await
        .unwrap()
        .project;
    work::work_until_within(&e, Duration::from_secs(120), work::jobs_ended).await;
    let scenes = e.scenes(p.id).unwrap();

    // Only Mira's quoted line went to her voice.
    assert_eq!(spoken_texts(&server), ["\"We go at dawn.\""]);
    let one = speech(&scenes[0]);
    assert_eq!(one.provider, "espeak-ng", "the narrator leads");
    assert_eq!(one.lines.len(), 1);
    assert_eq!(one.lines[0].speaker, "Mira");
    assert_eq!(one.lines[0].provider, "openai");
    let words: Vec<&str> = one.words.iter().map(|w| w.word.trim()).collect();
    assert_eq!(words.first(), Some(&"Mira"));
    assert!(
        words.contains(&"\"We") && words.last() == Some(&"calm."),
        "{words:?}"
    );
    assert!(
        one.words.windows(2).all(|w| w[0].start <= w[1].start),
        "in order"
    );
    // One recording at espeak-ng's rate, as long as its words.
    let audio = one.audio.as_ref().unwrap();
    let wav = hound::WavReader::open(e.assets().path(&audio.hash, &audio.ext).unwrap()).unwrap();
    assert_eq!(wav.spec().sample_rate, 22_050);
    let secs = wav.duration() as f32 / 22_050.0;
    assert!((secs - one.seconds).abs() < 0.05 && one.words.last().unwrap().end <= secs + 0.05);
    // Scenes 2 and 3: no line of hers, the narrator alone.
    for s in &scenes[1..] {
        let sp = speech(s);
        assert!(
            sp.lines.is_empty() && sp.provider == "espeak-ng",
            "scene {}",
            s.index
        );
    }

    // Her voice back to the narrator's: scene 1 alone is narrated again.
    let mut cast = e.project(p.id).unwrap().unwrap().cast;
    cast.characters[0].voice = None;
    let change = e.cast_change(&p, &cast).unwrap();
    assert_eq!(change.revoiced, [1]);
    assert!(change.remade.is_empty(), "no picture changes");
    e.set_cast(&p, cast).await.unwrap();
    work::work_until_within(&e, Duration::from_secs(120), work::jobs_ended).await;
    let again = speech(&e.scene(p.id, 1).unwrap().unwrap());
    assert!(again.lines.is_empty());
    assert_eq!(
        spoken_texts(&server).len(),
        1,
        "her voice was not asked again"
    );
    assert_eq!(
        speech(&e.scene(p.id, 2).unwrap().unwrap()),
        speech(&scenes[1]),
        "scene 2 untouched"
    );
}
