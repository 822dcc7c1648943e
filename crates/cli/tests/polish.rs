//! The small things a person meets on the first day: OS errors as sentences about the path,
//! audio that is not audio refused before any work, `sync --status` saying each reason once,
//! and `doctor` speaking of a folder target without credentials.

mod common;

use common::{example, Sandbox};

#[test]
fn os_errors_are_sentences_about_the_path() {
    let sb = Sandbox::new();
    // The data folder is a file.
    let file = sb.write("not-a-folder", "x");
    let r = sb
        .cmd()
        .args([
            "--data-dir",
            file.to_str().unwrap(),
            "make",
            &example("paper-boats.txt"),
        ])
        .output()
        .unwrap();
    let r = common::Run::from(r);
    r.expect(2, &["not-a-folder is a file, not a data folder"]);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(!all.contains("os error"), "{all}");
    // Reading commands say the same, not that there is no data folder.
    for cmd in ["status", "list", "doctor"] {
        let r = sb.run(&["--data-dir", file.to_str().unwrap(), cmd]);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(all.contains("is a file, not a data folder"), "{cmd}: {all}");
        assert!(!all.contains("There is no data folder"), "{cmd}: {all}");
        assert_ne!(r.code, 0, "{cmd}: {all}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");

    // Export into a path where a file stands.
    sb.run(&["make", &example("paper-boats.txt")])
        .expect(0, &["Done"]);
    let taken = sb.write("taken", "mine");
    let r = sb.run(&["export", "paper-boats", taken.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains("taken"), "{all}");
    assert!(!all.contains("os error"), "{all}");
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "mine");
}

#[test]
fn music_that_is_not_audio_is_refused_before_any_work() {
    let sb = Sandbox::new();
    let fake = sb.write("song.mp3", "these are not sounds");
    let out = sb.path("out.mp4");
    let r = sb.run(&[
        "make",
        &example("paper-boats.txt"),
        "-o",
        out.to_str().unwrap(),
        "--music",
        fake.to_str().unwrap(),
    ]);
    r.expect(2, &["song.mp3", "as the music", "Give an audio file"]);
    assert!(
        !r.stderr.contains("Imported"),
        "work was done first: {}",
        r.stderr
    );
    assert!(!out.exists());
    // Nothing was imported.
    sb.run(&["list"]).expect(0, &["No projects yet"]);
}

#[test]
fn sync_status_says_each_reason_once_with_one_next_try() {
    let sb = Sandbox::new();
    let gone = sb.path("unplugged-drive");
    let cfg = sb.write(
        "c.toml",
        &format!("[sync]\ntarget = \"file://{}\"\n", gone.display()),
    );
    let cfg = cfg.to_str().unwrap();
    let r = sb.run(&["--config", cfg, "make", &example("paper-boats.txt")]);
    r.expect(0, &["Done"]);
    // The engine's sentence once (the sync line), not also as a log line.
    assert_eq!(
        r.stderr.matches("is not there").count(),
        1,
        "said more than once:\n{}",
        r.stderr
    );
    assert!(!r.stderr.contains("WARN"), "{}", r.stderr);
    let r = sb.run(&["--config", cfg, "sync", "--status"]);
    r.expect(0, &["waiting for the storage", "Next try in"]);
    assert!(!r.stdout.contains("reachable"), "{}", r.stdout);
    assert_eq!(r.stdout.matches("Next try in").count(), 1, "{}", r.stdout);
    let reason_lines = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("is not there"))
        .count();
    assert!(reason_lines <= 1, "the reason on every line:\n{}", r.stdout);
    let r = sb.run(&["--config", cfg, "doctor"]);
    assert!(!r.stdout.contains("credentials"), "{}", r.stdout);
    assert!(r.stdout.contains("1 project, 5 scenes"), "{}", r.stdout);
}
