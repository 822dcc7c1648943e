//! Everyday paths that must not lose a person's projects or files: `--replace` replaces only
//! the one project it names (never one made with `--new`, never one made from the same story
//! with other options), a bad `--title` is refused before anything is made, and `-o` is checked
//! before any work.

mod common;

use common::{Run, Sandbox};

fn story(title: &str, n: usize) -> String {
    let mut s = format!("# {title}\n\n");
    for i in 1..=n {
        s.push_str(&format!(
            "Scene {i}: the kettle sings on the stove at dusk.\n\n"
        ));
    }
    s
}

fn projects(sb: &Sandbox) -> Vec<serde_json::Value> {
    let r = sb.run(&["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["projects"].as_array().unwrap().clone()
}

#[test]
fn other_options_are_a_second_project_and_replace_deletes_only_the_one_it_names() {
    let sb = Sandbox::new();
    let path = sb.write("tiny.md", &story("Tiny", 2));
    let path = path.to_str().unwrap();
    sb.run(&["make", path, "--no-voice"]).expect(0, &["Done"]);
    sb.run(&["make", path, "--no-voice", "--new"])
        .expect(0, &["Done"]);
    // The same story in another look: not a changed story.
    let r = sb.run(&["make", path, "--no-voice", "--style", "noir"]);
    r.expect(0, &["Made a second project beside 'Tiny'", "other options"]);
    assert!(!r.stderr.contains("story changed"), "{}", r.stderr);
    assert!(!r.stderr.contains("--replace"), "{}", r.stderr);
    assert_eq!(projects(&sb).len(), 3);
    // A changed story names the one project --replace would replace.
    sb.write("tiny.md", &story("Tiny", 3));
    let r = sb.run(&["make", path, "--no-voice", "--style", "noir"]);
    r.expect(
        0,
        &["The story changed since", "--replace` replaces 'Tiny'"],
    );
    assert_eq!(projects(&sb).len(), 4);
    sb.write("tiny.md", &story("Tiny", 4));
    sb.run(&["make", path, "--no-voice", "--style", "noir", "--replace"])
        .expect(
            0,
            &["Replaced 'Tiny'", "other projects made from it are kept"],
        );
    let left = projects(&sb);
    assert_eq!(left.len(), 4, "exactly one project was replaced");
    let mut totals: Vec<u64> = left.iter().map(|p| p["total"].as_u64().unwrap()).collect();
    totals.sort();
    // The two made first (one with --new) and the noir one stay; the 3-scene one went.
    assert_eq!(totals, vec![2, 2, 2, 4]);
}

#[test]
fn an_empty_or_endless_title_is_refused_before_anything_is_made() {
    let sb = Sandbox::new();
    let path = sb.write("tiny.md", &story("Tiny", 2));
    let path = path.to_str().unwrap();
    Run::from(
        sb.cmd()
            .args(["make", path, "--no-voice", "--title", ""])
            .output()
            .unwrap(),
    )
    .expect(2, &["A project needs a title"]);
    let long = "t".repeat(5000);
    let r = sb.run(&["make", path, "--no-voice", "--title", &long]);
    r.expect(2, &["keep it to 200"]);
    assert!(!r.stderr.contains(&long), "the whole title was quoted back");
    assert!(
        !sb.data().exists() || projects(&sb).is_empty(),
        "nothing was made"
    );
}

#[test]
fn make_checks_its_output_before_any_work() {
    let sb = Sandbox::new();
    let path = sb.write("tiny.md", &story("Tiny", 2));
    let path = path.to_str().unwrap();
    let notes = sb.write("notes.mp4", "my notes, not a video");
    let t0 = std::time::Instant::now();
    let r = sb.run(&["make", path, "--no-voice", "-o", notes.to_str().unwrap()]);
    r.expect(2, &["notes.mp4", "not a video StoryReel made", "--force"]);
    assert!(!r.stderr.contains("Imported"), "work started: {}", r.stderr);
    assert!(t0.elapsed().as_secs() < 20);
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "my notes, not a video"
    );
    // A folder is named as one.
    let folder = sb.path("videos");
    std::fs::create_dir(&folder).unwrap();
    sb.run(&["make", path, "--no-voice", "-o", folder.to_str().unwrap()])
        .expect(2, &["is a folder", "story.mp4"]);
    assert!(
        !sb.data().exists() || projects(&sb).is_empty(),
        "nothing was made"
    );
}

#[test]
fn a_storyreel_video_from_another_data_folder_is_known_by_its_mark() {
    let a = Sandbox::new();
    let path = a.write("tiny.md", &story("Tiny", 2));
    let out = a.path("tiny.mp4");
    a.run(&[
        "make",
        path.to_str().unwrap(),
        "--no-voice",
        "--fps",
        "10",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect(0, &["Video:"]);
    // Another library (another data folder) writing to the same name: its video, not the
    // person's, so it may be replaced.
    let b = Sandbox::new();
    let path_b = b.write("tiny.md", &story("Tiny", 3));
    b.run(&[
        "make",
        path_b.to_str().unwrap(),
        "--no-voice",
        "--fps",
        "10",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect(0, &["Video:"]);
    assert!(common::duration_of(&out) > 0.0);
}

/// A data folder's own files are never followed through a link: a lock file or a marker's
/// temporary file pointing at another file leaves that file as it was; another user's folder
/// is read through a copy and not written at all; a new data folder is the user's alone.
#[test]
fn links_in_a_data_folder_never_redirect_a_write() {
    use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
    let sb = Sandbox::new();
    let path = sb.write("tiny.md", &story("Tiny", 2));
    sb.run(&["import", path.to_str().unwrap(), "--no-voice"])
        .expect(0, &[]);
    let mode = std::fs::metadata(sb.data()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "a new data folder is its user's alone");

    let victim = sb.write("precious.txt", "keys and letters");
    let lock = sb.data().join("storyreel.lock");
    std::fs::remove_file(&lock).unwrap();
    symlink(&victim, &lock).unwrap();
    sb.run(&["list"])
        .expect(2, &["storyreel.lock", "is a link"]);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "keys and letters"
    );
    std::fs::remove_file(&lock).unwrap();

    // The marker is written through a temporary name: a link there is replaced, not followed.
    let tmp = sb.data().join("storyreel-data.tmp");
    symlink(&victim, &tmp).unwrap();
    let other = sb.write("other.md", &story("Other", 2));
    sb.run(&["import", other.to_str().unwrap(), "--no-voice"])
        .expect(0, &[]);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "keys and letters"
    );

    // Another user's folder (made so here when running as root): read, never written.
    if storyreel_testkit::tmpfs::is_root() {
        let lock = sb.data().join("storyreel.lock");
        let _ = std::fs::remove_file(&lock);
        symlink(&victim, &lock).unwrap();
        let nobody = 65534;
        std::os::unix::fs::chown(sb.data(), Some(nobody), Some(nobody)).unwrap();
        let before = std::fs::metadata(sb.data()).unwrap().mtime();
        sb.run(&["list"])
            .expect(0, &["Tiny", "Other", "reading only"]);
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "keys and letters"
        );
        assert_eq!(std::fs::metadata(sb.data()).unwrap().mtime(), before);
        assert!(std::fs::symlink_metadata(&lock)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}
