//! Japanese with kanji, spoken: a Japanese Kokoro voice installed from the voice library (with
//! the model, the runtime and the reading dictionary it needs, built from IPADIC's sources on
//! install), served from 127.0.0.1 as a mirror of the real registry files. Its words read as
//! misaki (Kokoro's own phonemizer) reads them with the same dictionary, and a story in
//! kanji is narrated by it: speech for each scene's whole span, a length plausible for its
//! characters, word times from the model inside the audio and in order.
//!
//! `.ci/run` downloads the registry files; where they are missing the test says so and does
//! not run, except in CI, where it must.

mod speech;
mod work;

use storyreel_engine::config::Config;
use storyreel_engine::voices::japanese::{self, Readings};
use storyreel_engine::voices::library::Library;
use storyreel_engine::{Engine, EngineOptions};
use storyreel_testkit::files::FileServer;
use storyreel_testkit::voice::need_registry;

const STORY: &str = "# 灯台\n\n灯台守のマラは、九十九段の階段を登った。\n\n嵐の夜、小さな漁船が港へ帰ってきた。彼女は灯りを高く掲げた。\n";

fn phonemes(text: &str, r: &Readings) -> String {
    japanese::words(text, r)
        .into_iter()
        .map(|w| w.phonemes)
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_japanese_voice_installs_and_speaks_kanji() {
    let Some(registry) = need_registry() else {
        return;
    };
    let server = FileServer::start(registry).await;
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::new(dir.path()).with_mirror(Some(server.base.clone()));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let got = lib
        .install("kokoro-jf_alpha", &move |p| s2.lock().unwrap().push(p))
        .await
        .expect("installs");
    assert_eq!(
        got,
        [
            "onnxruntime",
            "kokoro-v1.0",
            "ja-reading",
            "kokoro-jf_alpha"
        ]
    );
    // Progress counts each registry file once (the dictionary's 29 files come from one
    // archive), ends at its total, and never goes back.
    let seen = seen.lock().unwrap().clone();
    let total = seen.last().unwrap().total_bytes;
    let distinct = storyreel_engine::voices::library::catalogue::download_size(
        lib.catalogue().with_needs("kokoro-jf_alpha"),
    );
    assert_eq!(total, distinct);
    assert!(total < 120_000_000, "{total}");
    assert_eq!(seen.last().unwrap().done_bytes, total);
    assert!(seen.windows(2).all(|w| w[0].done_bytes <= w[1].done_bytes));
    // The dictionary is built and its sources are gone; the record names what is there.
    let folder = lib.folder("ja-reading");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["installed.json", "ipadic.dic", "ja_words.txt"]);
    assert_eq!(
        lib.installed("ja-reading").unwrap().files,
        ["ipadic.dic", "ja_words.txt"]
    );
    let row = lib
        .rows()
        .into_iter()
        .find(|r| r.id == "kokoro-jf_alpha")
        .unwrap();
    assert!(row.installed && row.commercial);

    // Kanji read as misaki reads them with the same dictionary (its output, recorded).
    let r = Readings::get(&folder).unwrap();
    assert_eq!(
        phonemes(
            "今日は良い天気ですね。灯台守のマラは、九十九段の階段を登った。",
            &r
        ),
        "kʲoː βa joi teŋkʲi desɨ ne. toːdaimoɾʲi no maɾa βa, kʲɨːʥɨː kʲɨː daɴ no kaidaɴ o noboʔta."
    );
    assert_eq!(
        phonemes("ちょっと待って、学校へ行きます。", &r),
        "ʨoʔto maʔte, ɡaʔkoː e ikʲimasɨ."
    );
    // Where misaki drops a full-width mark the dictionary does not know, it is kept.
    assert_eq!(
        phonemes("「船が来るよ！」と彼女は言った。", &r),
        "“ɸɯne ɡa kɯɾɯ jo!” to kanoʥo βa iʔta."
    );
    // Numbers are read out; each word knows where it begins in the text.
    let ws = japanese::words("2024年に東京へ。", &r);
    assert_eq!(
        ws.iter()
            .map(|w| w.phonemes.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        "ɲiseɲɲiʥɨːjoɴ neɴ ɲi toːkʲoː e."
    );
    assert_eq!(ws.last().unwrap().start, 8, "{ws:?}");

    let mut c = Config::default();
    c.generation.providers = vec!["titlecard".into()];
    let e = Engine::open(EngineOptions::new(dir.path(), c)).unwrap();
    let scenes = speech::narrate(&e, STORY, "ja").await;
    assert_eq!(scenes.len(), 2);
    for s in &scenes {
        let (sp, pcm) = speech::spoken(&e, s, "kokoro");
        assert_eq!(sp.voice, "kokoro-jf_alpha");
        // Japanese is said at some six to ten characters a second.
        let chars = s.text.chars().filter(|c| c.is_alphanumeric()).count() as f32;
        let secs = pcm.seconds();
        assert!(
            secs > chars * 0.06 && secs < chars * 0.3 + 1.0,
            "scene {}: {secs} s for {chars} characters",
            s.index
        );
        speech::assert_speech(&pcm, &format!("scene {}", s.index));
        assert!(!sp.estimated, "scene {}: word times estimated", s.index);
        assert!(sp.words.len() > 3, "{:?}", sp.words);
        speech::assert_word_times(&sp.words, secs);
        // The last word starts in the last part of the audio, not bunched at the start.
        let last = sp.words.last().map_or(0.0, |w| w.start);
        assert!(last > secs * 0.5, "{:?} in {secs} s", sp.words);
    }
}
