//! Files of the user's are never replaced, and files that vanished are noticed: `render -o`
//! onto a text file, `export` into a folder with the user's files, a later automatic render
//! after `-o`, a deleted image before export and render, and a story over the size limit.

mod common;

use common::{example, Sandbox};

#[test]
fn render_never_replaces_a_file_it_did_not_write_and_writes_its_output_once() {
    let sb = Sandbox::new();
    let notes = sb.write("notes.txt", "my notes, not a video");
    sb.run(&["make", &example("paper-boats.txt"), "--fps", "12"])
        .expect(0, &["Done"]);
    let r = sb.run(&[
        "render",
        "paper-boats",
        "--fps",
        "12",
        "-o",
        notes.to_str().unwrap(),
    ]);
    // Refused before any work, as bad input.
    r.expect(2, &["notes.txt", "not a video StoryReel made", "--force"]);
    assert!(!r.stderr.contains("Rendering"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "my notes, not a video"
    );
    let out = sb.path("boats.mp4");
    sb.run(&[
        "render",
        "paper-boats",
        "--fps",
        "12",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect(0, &["Video:", "boats.mp4"]);
    // Asked again, it is up to date.
    sb.run(&[
        "render",
        "paper-boats",
        "--fps",
        "12",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect(0, &["up to date", "boats.mp4"]);
    // A video StoryReel made may be replaced; --force replaces anything.
    sb.run(&[
        "render",
        "paper-boats",
        "--fps",
        "12",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect(0, &["boats.mp4"]);
    sb.run(&[
        "render",
        "paper-boats",
        "--fps",
        "12",
        "-o",
        notes.to_str().unwrap(),
        "--force",
    ])
    .expect(0, &["notes.txt"]);
    // `-o` is for that one render: a later render (other settings) leaves the file alone.
    std::fs::write(&out, "the user's own file now").unwrap();
    sb.run(&["render", "paper-boats", "--fps", "10"])
        .expect(0, &["Video:"]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "the user's own file now"
    );
    let st = sb.status_json();
    let render = &st["projects"][0]["render"];
    assert!(render.is_null() || render["output"].is_null(), "{render}");
}

#[test]
fn export_never_replaces_the_users_files_and_removes_its_own_stale_ones() {
    let sb = Sandbox::new();
    sb.run(&["make", &example("paper-boats.txt")])
        .expect(0, &["Done"]);
    let mine = sb.path("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("scene-001.jpg"), "my own picture").unwrap();
    sb.run(&["export", "paper-boats", mine.to_str().unwrap()])
        .expect(2, &["not a StoryReel export", "empty or new folder"]);
    assert_eq!(
        std::fs::read_to_string(mine.join("scene-001.jpg")).unwrap(),
        "my own picture"
    );
    assert!(!mine.join("manifest.json").exists());
    // An earlier export may be refreshed: a scene image it no longer lists goes.
    let out = sb.path("out");
    sb.run(&["export", "paper-boats", out.to_str().unwrap()])
        .expect(0, &[]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let listed = manifest["scenes"].as_array().unwrap().len();
    let stale = out.join(format!("scene-{:03}.jpg", listed + 1));
    std::fs::copy(out.join("scene-001.jpg"), &stale).unwrap();
    let mut m = manifest.clone();
    let mut extra = m["scenes"][0].clone();
    extra["file"] = serde_json::json!(stale.file_name().unwrap().to_str().unwrap());
    m["scenes"].as_array_mut().unwrap().push(extra);
    std::fs::write(out.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    sb.run(&["export", "paper-boats", out.to_str().unwrap()])
        .expect(0, &[]);
    assert!(
        !stale.exists(),
        "an image the new manifest does not list is removed"
    );
    assert!(out.join("scene-001.jpg").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_deleted_image_is_noticed_before_export_and_render() {
    let sb = Sandbox::new();
    sb.run(&["make", &example("paper-boats.txt")])
        .expect(0, &["Done"]);
    let st = sb.status_json();
    let img = st["projects"][0]["scenes"][1]["image"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(&img).unwrap();
    let out = sb.path("out");
    sb.run(&["export", "paper-boats", out.to_str().unwrap()])
        .expect(2, &["scenes 2", "missing", "queued to be made again"]);
    assert!(!out.join("manifest.json").exists(), "nothing half done");
    let st = sb.status_json();
    assert_eq!(st["projects"][0]["scenes"][1]["status"], "queued");
    sb.run(&["work", "--until-idle"]).expect(0, &[]);
    assert!(std::path::Path::new(&img).is_file(), "made again");
    std::fs::remove_file(&img).unwrap();
    sb.run(&["render", "paper-boats", "--fps", "12"])
        .expect(2, &["scenes 2", "missing"]);
}

#[test]
fn a_story_over_the_limit_is_refused_with_its_size() {
    let sb = Sandbox::new();
    let big = sb.write("huge.txt", &"word ".repeat(1_000_000));
    sb.run(&["make", big.to_str().unwrap()])
        .expect(2, &["huge.txt is 4.8 MB", "at most 4 MB"]);
}
