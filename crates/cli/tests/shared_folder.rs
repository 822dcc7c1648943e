//! One data folder, two front ends: while `storyreel work` holds the folder, a second process's
//! `status`, `pause`, `resume`, `cancel`, `retry`, `list`, `sync --status` and `make` go to it
//! over the folder's socket and answer as they do on a free folder.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Holder, Run, Sandbox};

fn story(title: &str, n: usize) -> String {
    let mut s = format!("# {title}\n\n");
    for i in 1..=n {
        s.push_str(&format!(
            "Scene {i}: the ferry crosses the bay while gulls follow it home.\n\n"
        ));
    }
    s
}

fn json(r: &Run) -> serde_json::Value {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn counts(sb: &Sandbox) -> serde_json::Value {
    json(&sb.run(&["status", "Ferry", "--json"]))["projects"][0]["counts"].clone()
}

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_process_reads_and_steers_the_folder_while_work_holds_it() {
    let sb = Sandbox::new();
    let path = sb.write("ferry.md", &story("Ferry", 20));
    sb.run(&["import", path.to_str().unwrap()]).expect(0, &[]);
    let before = sb.run(&["list", "--json"]);
    let holder = Holder::start(&sb, 1500);

    // Reading: the same answer as on a free folder (the same record, one project).
    let held = json(&sb.run(&["list", "--json"]));
    let free = json(&before);
    assert_eq!(held["projects"][0]["id"], free["projects"][0]["id"]);
    assert_eq!(held["projects"][0]["total"], 20);
    wait_until("a scene is made", 30, || {
        counts(&sb)["succeeded"].as_u64() >= Some(1)
    });

    // Pause: running jobs finish, nothing new starts.
    sb.run(&["pause", "Ferry"])
        .expect(0, &["'Ferry' is paused", "storyreel resume"]);
    wait_until("the running jobs finish", 30, || {
        counts(&sb)["running"].as_u64() == Some(0)
    });
    let c1 = counts(&sb);
    std::thread::sleep(Duration::from_millis(1500));
    let c2 = counts(&sb);
    assert_eq!(c1, c2, "a job started while paused");
    assert!(c2["queued"].as_u64() > Some(0), "{c2}");
    let st = json(&sb.run(&["status", "Ferry", "--json"]));
    assert_eq!(st["projects"][0]["project_paused"], true);
    assert_eq!(st["queue_paused"], false);

    // Cancel from the second process, then retry: the holder makes them all.
    let r = sb.run(&["cancel", "Ferry"]);
    r.expect(0, &["Cancelled", "of 'Ferry'"]);
    assert_eq!(counts(&sb)["queued"], 0);
    sb.run(&["resume", "Ferry"])
        .expect(0, &["'Ferry' is no longer paused"]);
    sb.run(&["retry", "Ferry", "--failed"]).expect(
        0,
        &[
            "Queued",
            "again",
            "The StoryReel holding the data folder makes them",
        ],
    );
    wait_until("every scene is made", 60, || {
        counts(&sb)["succeeded"].as_u64() == Some(20)
    });
    sb.run(&["sync", "--status"]).expect(0, &["Target: none"]);

    // A command that needs the folder to itself says who has it.
    sb.run(&["render", "Ferry", "-o", "x.mp4"])
        .expect(2, &["needs the data folder to itself", "`storyreel work`"]);

    drop(holder);
    assert!(
        !sb.data().join("control.sock").exists(),
        "the socket outlived its holder"
    );
    // The folder is free again: the same commands work on it directly.
    sb.run(&["status", "Ferry"]).expect(0, &["Ferry"]);
}

#[test]
fn make_on_a_held_folder_hands_the_story_to_the_holder_and_follows_it() {
    let sb = Sandbox::new();
    let _holder = Holder::start(&sb, 50);
    let path = sb.write("ferry.md", &story("Ferry", 5));
    let r = sb.run(&["make", path.to_str().unwrap()]);
    r.expect(
        0,
        &[
            "Imported 'Ferry': 5 scenes",
            "following it here",
            "Done: 'Ferry' has 5 scenes",
        ],
    );
    assert_eq!(counts(&sb)["succeeded"], 5);
    // The same story again continues the same project.
    sb.run(&["make", path.to_str().unwrap()])
        .expect(0, &["Continuing 'Ferry'", "Done"]);
    sb.run(&["work", "--until-idle"])
        .expect(0, &["works the queue already", "Idle"]);
}

#[test]
fn each_pause_is_named_and_the_advice_undoes_the_right_one() {
    let sb = Sandbox::new();
    let path = sb.write("ferry.md", &story("Ferry", 3));
    let path = path.to_str().unwrap();
    sb.run(&["pause"]).expect(
        0,
        &[
            "The whole queue is paused",
            "`storyreel resume` (without a project)",
        ],
    );
    sb.run(&["make", path]).expect(
        3,
        &[
            "Nothing of 'Ferry' runs, because the whole queue is paused",
            "`storyreel resume` (without a project)",
        ],
    );
    sb.run(&["list"]).expect(0, &["The whole queue is paused"]);
    assert_eq!(json(&sb.run(&["status", "--json"]))["queue_paused"], true);
    sb.run(&["resume", "Ferry"])
        .expect(0, &["but the whole queue still is"]);
    let r = sb.run(&["work", "--until-idle"]);
    r.expect(0, &["the whole queue is paused, so 3 queued jobs wait"]);
    assert!(!r.stdout.contains("backoff"), "{}", r.stdout);

    // The project's own pause, with the queue running.
    sb.run(&["pause", "Ferry"])
        .expect(0, &["'Ferry' is paused"]);
    sb.run(&["resume"])
        .expect(0, &["The whole queue runs again", "still paused: 'Ferry'"]);
    sb.run(&["work", "--until-idle"])
        .expect(0, &["Idle: 3 queued jobs of paused projects wait: 'Ferry'"]);
    sb.run(&["make", path])
        .expect(3, &["because it is paused: `storyreel resume"]);
    sb.run(&["resume", "Ferry"])
        .expect(0, &["no longer paused"]);
    sb.run(&["make", path])
        .expect(0, &["Done: 'Ferry' has 3 scenes"]);
}

#[test]
fn a_folder_of_other_files_is_refused_and_a_mistyped_one_is_not_made() {
    let sb = Sandbox::new();
    let mine = sb.path("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "my notes").unwrap();
    let story = sb.write("ferry.md", &story("Ferry", 2));
    let r = sb
        .cmd()
        .args([
            "--data-dir",
            mine.to_str().unwrap(),
            "make",
            story.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    Run::from(r).expect(2, &["is not a StoryReel data folder", "`notes.txt`"]);
    let left: Vec<_> = std::fs::read_dir(&mine)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("notes.txt")],
        "files were added"
    );

    let typo = sb.path("dtaa");
    let r = sb
        .cmd()
        .args(["--data-dir", typo.to_str().unwrap(), "list"])
        .output()
        .unwrap();
    Run::from(r).expect(2, &["There is no data folder at", "was not created"]);
    assert!(!typo.exists(), "list created the folder");
}

#[test]
fn make_says_a_changed_story_made_a_new_project_and_replace_replaces_it() {
    let sb = Sandbox::new();
    let path = sb.write("ferry.md", &story("Ferry", 2));
    let path = path.to_str().unwrap();
    sb.run(&["make", path]).expect(0, &["Done"]);
    sb.write("ferry.md", &story("Ferry", 3));
    sb.run(&["make", path])
        .expect(0, &["The story changed since 'Ferry'", "--replace"]);
    assert_eq!(
        json(&sb.run(&["list", "--json"]))["projects"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    sb.write("ferry.md", &story("Ferry", 4));
    sb.run(&["make", path, "--replace"])
        .expect(0, &["Replaced 'Ferry'", "Done: 'Ferry' has 4 scenes"]);
    // Only the one it named (the latest, of 3 scenes) went; the first stays.
    let list = json(&sb.run(&["list", "--json"]));
    let mut totals: Vec<u64> = list["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["total"].as_u64().unwrap())
        .collect();
    totals.sort();
    assert_eq!(totals, vec![2, 4], "{list}");
    sb.run(&["status"]).expect(0, &["Ferry"]);
}

#[test]
fn stories_come_from_standard_input_and_utf16_files() {
    let sb = Sandbox::new();
    let mut child = sb
        .cmd()
        .args(["make", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(story("Piped", 2).as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap()).expect(0, &["Done: 'Piped' has 2 scenes"]);

    let text = story("Bär und Stern", 2);
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let p = sb.path("utf16.txt");
    std::fs::write(&p, bytes).unwrap();
    sb.run(&["make", p.to_str().unwrap()])
        .expect(0, &["Done: 'Bär und Stern' has 2 scenes"]);
    // A folder is a batch of the stories in it: here the one above, made already.
    sb.run(&["make", sb.dir.path().to_str().unwrap()])
        .expect(0, &["1 of 1 story made"]);
    let empty = sb.path("empty");
    std::fs::create_dir(&empty).unwrap();
    sb.run(&["make", empty.to_str().unwrap()])
        .expect(2, &["holds no .md, .txt or .json file"]);
    let r = sb.run(&["make", "no-such-story.md"]);
    r.expect(
        2,
        &["Cannot read the story no-such-story.md: it does not exist"],
    );
    assert!(!r.stderr.contains("os error"), "{}", r.stderr);
}

/// Runs `storyreel ARGS` with the data folder mounted read-only (a private mount namespace), as
/// on a read-only disk.
fn on_read_only(sb: &Sandbox, args: &str) -> Run {
    let script = format!(
        "mount --bind \"$D\" \"$D\" && mount -o remount,bind,ro \"$D\" && exec \"$STORYREEL\" {args}"
    );
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--map-root-user", "bash", "-c", &script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sb.dir.path())
        .env("STORYREEL_DATA_DIR", sb.data())
        .env("D", sb.data())
        .env("STORYREEL", env!("CARGO_BIN_EXE_storyreel"))
        .current_dir(sb.dir.path())
        .output()
        .expect("unshare runs");
    Run::from(out)
}

#[test]
fn reading_commands_work_on_a_read_only_folder() {
    let sb = Sandbox::new();
    let path = sb.write("ferry.md", &story("Ferry", 2));
    sb.run(&["make", path.to_str().unwrap()])
        .expect(0, &["Done"]);
    let before = json(&sb.run(&["status", "--json"]));
    let out = sb.path("out");
    // The folder really is read-only there: a writing command is refused.
    on_read_only(&sb, "pause").expect(2, &[]);
    let r = on_read_only(&sb, "status --json");
    assert_eq!(json(&r)["projects"][0]["id"], before["projects"][0]["id"]);
    on_read_only(&sb, "list").expect(0, &["Ferry", "opened for reading only"]);
    on_read_only(&sb, &format!("export Ferry {}", out.display())).expect(0, &["Exported"]);
    assert!(out.join("manifest.json").is_file());
    // `doctor` checks through the copy and says the folder itself cannot be written (the
    // copy's own folder is never called the data folder).
    let doctor = on_read_only(&sb, "doctor");
    doctor.expect(2, &["cannot be written", "read-only copy", "database"]);
    let data = sb.data().display().to_string();
    let folder_line = doctor
        .stdout
        .lines()
        .find(|l| l.contains("data folder"))
        .unwrap_or_default();
    assert!(
        folder_line.starts_with("FAIL") && folder_line.contains(&data),
        "{}",
        doctor.stdout
    );
    assert!(!doctor.stdout.contains("(writable)"), "{}", doctor.stdout);
    // Nothing in the folder changed: the status reads the same afterwards.
    assert_eq!(
        json(&sb.run(&["status", "--json"]))["projects"],
        before["projects"]
    );
}

#[test]
fn make_following_another_make_carries_on_when_that_one_lets_go() {
    let sb = Sandbox::new();
    let first = sb.write("first.md", &story("First", 6));
    let second = sb.write("second.md", &story("Second", 8));
    let mut holder = sb
        .cmd()
        .args(["make", first.to_str().unwrap()])
        .env("STORYREEL_DEBUG_STEP_DELAY_MS", "1500")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let sock = sb.data().join("control.sock");
    wait_until("the first make holds the folder", 20, || sock.exists());
    let r = sb
        .cmd()
        .args(["make", second.to_str().unwrap()])
        .env("STORYREEL_DEBUG_STEP_DELAY_MS", "1500")
        .output()
        .unwrap();
    let r = Run::from(r);
    assert_eq!(holder.wait().unwrap().code(), Some(0));
    r.expect(
        0,
        &[
            "following it here",
            "has let go of the data folder; carrying on here",
            "Done: 'Second' has 8 scenes",
        ],
    );
    let list = json(&sb.run(&["list", "--json"]));
    for p in list["projects"].as_array().unwrap() {
        assert_eq!(p["status"], "done", "{p}");
    }
}

#[test]
fn a_pause_from_another_terminal_stops_a_running_make_with_its_own_code() {
    let sb = Sandbox::new();
    let path = sb.write("ferry.md", &story("Ferry", 40));
    let mut make = sb
        .cmd()
        .args(["make", path.to_str().unwrap(), "--no-voice"])
        .env("STORYREEL_DEBUG_STEP_DELAY_MS", "1500")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sock = sb.data().join("control.sock");
    wait_until("make holds the folder", 20, || sock.exists());
    wait_until("a scene is made", 30, || {
        counts(&sb)["succeeded"].as_u64() >= Some(1)
    });
    sb.run(&["pause"]).expect(0, &["The whole queue is paused"]);
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = make.try_wait().unwrap() {
            break s;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "make did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut make.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(
        err.contains("Nothing of 'Ferry' runs, because the whole queue is paused")
            && !err.contains("error:"),
        "{err}"
    );
    sb.run(&["resume"])
        .expect(0, &["The whole queue runs again"]);
    sb.run(&["make", path.to_str().unwrap(), "--no-voice"])
        .expect(0, &["Done: 'Ferry' has 40 scenes"]);
}
