//! Everyday paths that must not lose a person's changes: narration queued beside a rename, a
//! pause or a render keeps them (every read-modify-write of a record happens inside its
//! transaction), and titles at import are bounded like renames.

use std::sync::Arc;

use storyreel_engine::config::Config;
use storyreel_engine::model::{Project, VoiceChoice};
use storyreel_engine::narration::Revoice;
use storyreel_engine::{Engine, EngineOptions, ImportOptions, VoiceOption};

mod work;

fn story(scenes: usize) -> String {
    let mut s = String::from("# Harbour\n\n");
    for i in 0..scenes {
        s.push_str(&format!(
            "The boat number {i} leaves the harbour at dawn.\n\n"
        ));
    }
    s
}

fn config() -> Config {
    let mut c = Config::default();
    c.generation.providers = vec!["titlecard".into()];
    c
}

async fn made(e: &Engine, scenes: usize) -> Project {
    let opts = ImportOptions {
        voice: VoiceOption::Named("espeak-ng".into()),
        language: Some("en".into()),
        ..Default::default()
    };
    e.import(story(scenes).as_bytes(), "harbour.md", opts)
        .await
        .unwrap()
        .project
}

/// Narrating again (every scene, or with a new voice) while the project is renamed and paused:
/// the last rename and pause stand every time. Before, the narration wrote back a project it
/// had read before the transaction, undoing whatever landed in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn narrating_again_keeps_a_rename_and_a_pause_made_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let e = Arc::new(Engine::open(EngineOptions::new(dir.path(), config())).unwrap());
    let p = made(&e, 60).await;
    for round in 0..40 {
        let title = format!("Harbour take {round}");
        let paused = round % 2 == 0;
        let (a, b, c) = (e.clone(), e.clone(), e.clone());
        let id = p.id;
        let revoice = tokio::spawn(async move { a.revoice(id, Revoice::All).await });
        let voice = tokio::spawn(async move {
            let choice = VoiceChoice {
                voice: None,
                language: "en".into(),
                language_chosen: true,
            };
            c.set_project_voice(id, Some(choice)).await
        });
        let p2 = b.store().project(id).unwrap().unwrap();
        b.rename_project(&p2, &title).await.unwrap();
        b.set_paused(Some(&p2), paused).await.unwrap();
        revoice.await.unwrap().unwrap();
        voice.await.unwrap().unwrap();
        let now = e.store().project(id).unwrap().unwrap();
        assert_eq!(now.title, title, "round {round}: the rename was undone");
        assert_eq!(now.paused, paused, "round {round}: the pause was undone");
    }
}

/// A title given at import is held to the same rules as a rename: not empty, not endless.
#[tokio::test]
async fn an_import_title_is_bounded_like_a_rename() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(dir.path(), config())).unwrap();
    let long = "x".repeat(10_000);
    for (title, says) in [
        ("", "title"),
        ("   ", "title"),
        (long.as_str(), "characters"),
    ] {
        let opts = ImportOptions {
            title: Some(title.to_string()),
            voice: VoiceOption::Off,
            ..Default::default()
        };
        let err = e
            .import(story(2).as_bytes(), "harbour.md", opts)
            .await
            .expect_err("a bad title is refused");
        let msg = err.to_string();
        assert!(msg.contains(says), "{msg}");
        assert!(
            msg.len() < 300,
            "the sentence quotes the whole title: {msg}"
        );
    }
    assert!(e.store().projects().unwrap().is_empty(), "nothing was made");
    // A title with spaces around it is trimmed.
    let opts = ImportOptions {
        title: Some("  Harbour lights  ".into()),
        voice: VoiceOption::Off,
        ..Default::default()
    };
    let p = e
        .import(story(2).as_bytes(), "harbour.md", opts)
        .await
        .unwrap()
        .project;
    assert_eq!(p.title, "Harbour lights");
}

/// A playlist disguised as a recording (an HLS `.mp3` whose segments are URLs) makes ffmpeg
/// fetch nothing: it may open files only. The scene keeps the narration it had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_playlist_disguised_as_a_recording_fetches_nothing() {
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(dir.path().join("data"), config())).unwrap();
    let p = made(&e, 2).await;
    let before = e.store().scene(p.id, 1).unwrap().unwrap().narration;
    let file = dir.path().join("take.mp3");
    std::fs::write(
        &file,
        format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\nhttp://127.0.0.1:{port}/seg0.ts\n#EXT-X-ENDLIST\n"
        ),
    )
    .unwrap();
    let err = e
        .set_scene_recording(p.id, 1, &file)
        .await
        .expect_err("a playlist is not a recording");
    assert!(err.to_string().contains("take.mp3"), "{err}");
    // Nobody knocked on the listener.
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        listener.accept().is_err(),
        "ffmpeg fetched the playlist's URL"
    );
    assert_eq!(e.store().scene(p.id, 1).unwrap().unwrap().narration, before);
}

/// "Show files" exports the project with its video, listed in the manifest: the second time
/// finds its own export and refreshes it (it used to refuse the folder for good). Another
/// project's export folder is refused whole, and an interrupted export's temporary file goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_with_its_video_can_be_refreshed_and_another_projects_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config();
    c.voice.enabled = false;
    c.render.fps = 6;
    let e = Engine::open(EngineOptions::new(dir.path().join("data"), c)).unwrap();
    let quiet = |title: &str| ImportOptions {
        title: Some(title.into()),
        voice: VoiceOption::Off,
        force_new: true,
        ..Default::default()
    };
    let a = e
        .import(story(2).as_bytes(), "a.md", quiet("First"))
        .await
        .unwrap()
        .project;
    let b = e
        .import(story(3).as_bytes(), "b.md", quiet("Second"))
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    e.request_render(&a, e.config().render.spec())
        .await
        .unwrap();
    work::work_until_ended(&e).await;
    let a = e.store().project(a.id).unwrap().unwrap();
    assert!(a.video.is_some(), "the first project has a video");
    let out = dir.path().join("export");
    let first = e.export_with_video(&a, &out).unwrap();
    assert!(
        first.files.contains(&"story.mp4".to_string()),
        "{:?}",
        first.files
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["video"], "story.mp4");
    // An interrupted export left a temporary file; the next one clears it.
    std::fs::write(out.join(".scene-001.jpg.4242-7.part"), b"half").unwrap();
    e.export_with_video(&a, &out)
        .expect("the same project's export is refreshed");
    assert!(!out.join(".scene-001.jpg.4242-7.part").exists());
    assert!(out.join("story.mp4").is_file());
    // Another project never writes over it, nor removes its files.
    let before: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let err = e
        .export(&b, &out)
        .expect_err("another project's export folder");
    assert!(
        err.to_string().contains("another project ('First')"),
        "{err}"
    );
    let after: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        before.len(),
        after.len(),
        "nothing of the first export was removed"
    );
    assert!(out.join("story.mp4").is_file());
}
