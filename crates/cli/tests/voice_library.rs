//! The voice library from the command line, with the registries' real files served from
//! 127.0.0.1 as a mirror: list, install (the model and runtime come with the voice), hear a
//! sample, make a video narrated by it with no voice settings at all, and remove (a model in
//! use is kept, with a sentence).

mod common;

use common::{duration_of, Sandbox};
use storyreel_testkit::files::FileServer;
use storyreel_testkit::voice::need_registry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_is_installed_heard_used_and_removed() {
    let Some(registry) = need_registry() else {
        return;
    };
    let server = FileServer::start(registry).await;
    let sb = Sandbox::new();
    let cfg = sb.write(
        "mirror.toml",
        &format!("[voice.neural]\nmirror = \"{}\"\n", server.base),
    );
    let cfg = cfg.to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["--config", cfg.as_str()];
        all.extend(args);
        sb.run(&all)
    };

    let listed = run(&["voices", "library", "--json"]);
    listed.expect(0, &["kokoro-af_heart"]);
    let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let joe = rows["library"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "piper-en_US-joe-medium")
        .expect("joe is offered");
    assert_eq!(joe["commercial"], false);
    assert!(joe["license_note"]
        .as_str()
        .unwrap()
        .contains("not cleared for commercial use"));
    run(&["voices", "library"]).expect(0, &["English:", "not cleared for commercial use"]);

    // An unknown voice is a sentence, exit 2, and nothing is downloaded.
    run(&["voices", "install", "kokoro-zz_nobody"]).expect(2, &["no voice `kokoro-zz_nobody`"]);
    assert!(server.requests().is_empty());

    run(&["voices", "install", "kokoro-af_heart"])
        .expect(0, &["Installed onnxruntime, kokoro-v1.0, kokoro-af_heart"]);
    run(&["voices", "install", "kokoro-af_heart"]).expect(0, &["already installed"]);

    // A sample, saved where asked; never over an existing file.
    let wav = sb.path("heart.wav");
    run(&[
        "voices",
        "sample",
        "kokoro-af_heart",
        "-o",
        wav.to_str().unwrap(),
    ])
    .expect(0, &["kokoro-af_heart"]);
    let secs = duration_of(&wav);
    assert!(secs > 2.0 && secs < 10.0, "{secs}");
    run(&[
        "voices",
        "sample",
        "kokoro-af_heart",
        "-o",
        wav.to_str().unwrap(),
    ])
    .expect(2, &["already exists"]);
    run(&["voices", "sample", "kokoro-bf_emma"]).expect(2, &["not installed", "MB to download"]);

    // With no voice settings, a make is narrated by it.
    let story = sb.write(
        "harbour.md",
        "# Harbour\n\nThe ferry leaves the harbour at dawn.\n\nGulls follow the wake over the grey sea.\n",
    );
    let out = sb.path("harbour.mp4");
    run(&["make", story.to_str().unwrap(), "-o", out.to_str().unwrap()]).expect(
        0,
        &["Narration (en): 2 scenes by Kokoro voice Heart (kokoro-af_heart)"],
    );
    let status = sb.status_json();
    let text = status.to_string();
    assert!(text.contains("kokoro-af_heart"), "{text}");
    assert!(duration_of(&out) > 2.0);

    // Removing: the model is kept while a voice uses it.
    run(&["voices", "remove", "kokoro-v1.0"]).expect(2, &["used by installed voices (Heart)"]);
    run(&["voices", "remove", "kokoro-af_heart"]).expect(0, &["Removed Heart"]);
    run(&["voices", "remove", "kokoro-v1.0"]).expect(0, &["Removed"]);
    run(&["voices", "remove", "kokoro-af_heart"]).expect(0, &["is not installed"]);
}
