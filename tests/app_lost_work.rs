//! The app never loses a person's files: "Show files" works every time once a project has a
//! video (its export lists the video), and "Save video as…" never puts the video over a file
//! of the person's under a name the dialog did not show, judging each subtitle file on its own.

mod app;

use app::{TestApp, STORY};
use serde_json::json;

fn made_with_video(t: &TestApp) -> String {
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    t.wait_project(&id, |p| p["card"]["status"] == "done");
    t.ok("render_video", json!({"id": id}));
    t.wait_project(&id, |p| p["render"]["status"] == "succeeded");
    id
}

#[test]
fn show_files_works_again_and_again_once_there_is_a_video() {
    let t = TestApp::new(true);
    let id = made_with_video(&t);
    let first = t.ok("reveal_project", json!({"id": id}));
    let dir = std::path::PathBuf::from(first.as_str().unwrap());
    assert!(dir.join("story.mp4").is_file());
    let again = t.ok("reveal_project", json!({"id": id}));
    assert_eq!(first, again);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["video"], "story.mp4");
}

#[test]
fn save_video_as_never_replaces_a_file_the_dialog_did_not_ask_about() {
    let t = TestApp::new(true);
    let id = made_with_video(&t);
    let out = t.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // The person's own holiday video, and a subtitle file of theirs beside another name.
    std::fs::write(
        out.join("holiday.mp4"),
        b"our holiday, not a StoryReel video",
    )
    .unwrap();
    std::fs::write(out.join("clip.srt"), b"my own subtitles").unwrap();

    *t.desktop.save_to.lock().unwrap() = Some(out.join("holiday"));
    let saved = t.ok("save_video_as", json!({"id": id}));
    let saved = std::path::PathBuf::from(saved.as_str().unwrap());
    assert_eq!(saved, out.join("holiday (2).mp4"));
    assert_eq!(
        std::fs::read(out.join("holiday.mp4")).unwrap(),
        b"our holiday, not a StoryReel video"
    );
    assert!(saved.is_file());
    assert!(out.join("holiday (2).srt").is_file() && out.join("holiday (2).vtt").is_file());

    // Each subtitle file on its own: the person's .srt stays, the .vtt is written.
    *t.desktop.save_to.lock().unwrap() = Some(out.join("clip"));
    let saved = t.ok("save_video_as", json!({"id": id}));
    assert_eq!(
        saved.as_str().unwrap(),
        out.join("clip.mp4").display().to_string()
    );
    assert_eq!(
        std::fs::read(out.join("clip.srt")).unwrap(),
        b"my own subtitles"
    );
    assert!(
        out.join("clip.vtt").is_file(),
        "the .vtt was in nobody's way"
    );
    let said = t.events.lock().unwrap().clone();
    assert!(
        said.iter().any(|e| e["type"] == "notice"
            && e["message"]
                .as_str()
                .unwrap_or("")
                .contains("clip.srt was left as it is")),
        "the kept file is said"
    );

    // Saving again to the same name replaces StoryReel's own video, not a person's file.
    let again = t.ok("save_video_as", json!({"id": id}));
    assert_eq!(
        again.as_str().unwrap(),
        out.join("clip.mp4").display().to_string()
    );
    // The dialog opened where the last video went, from the second save on.
    let dirs = t.desktop.save_dirs.lock().unwrap().clone();
    assert_eq!(dirs, vec![None, Some(out.clone()), Some(out.clone())]);
}
