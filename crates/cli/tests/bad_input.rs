//! Every bad input gives a clear message and a non-zero exit, never a panic, and nothing saved is lost.

mod common;

use common::{example, Sandbox};

#[test]
fn bad_stories_name_the_problem_and_the_line() {
    let sb = Sandbox::new();
    sb.run(&["make", "no-such-story.md"])
        .expect(2, &["Cannot read the story no-such-story.md"]);
    let empty = sb.write("empty.md", "\n\n  \n---\n");
    sb.run(&["make", empty.to_str().unwrap()])
        .expect(2, &["empty.md has no story text"]);
    let bad = sb.write("bad.json", "[\n {\"text\": \"a\"},\n {\"text\": \"b\",}\n]");
    sb.run(&["make", bad.to_str().unwrap()])
        .expect(2, &["bad.json, line 3", "not a valid JSON script"]);
    let field = sb.write("field.json", "[{\"text\": \"a\", \"voice\": \"x\"}]");
    sb.run(&["import", field.to_str().unwrap()])
        .expect(2, &["line 1", "voice"]);
    let many: String = (0..501).map(|i| format!("Scene {i}.\n\n")).collect();
    let many = sb.write("many.md", &many);
    sb.run(&["make", many.to_str().unwrap()])
        .expect(2, &["501 scenes; the limit is 500"]);
    let long = sb.write("long.md", &format!("short\n\n{}\n", "word ".repeat(900)));
    sb.run(&["make", long.to_str().unwrap()])
        .expect(2, &["line 3", "4499 characters", "limit is 4000"]);
    let bin = sb.path("binary.txt");
    std::fs::write(&bin, b"ok\n\xff\xfe\x00").unwrap();
    sb.run(&["make", bin.to_str().unwrap()])
        .expect(2, &["line 2 is not UTF-8"]);
    // A config can raise the limits.
    let cfg = sb.write("big.toml", "[story]\nmax_scenes = 600\n");
    sb.run(&[
        "--config",
        cfg.to_str().unwrap(),
        "import",
        many.to_str().unwrap(),
    ])
    .expect(0, &["Queued 501 scenes"]);
}

#[test]
fn bad_options_and_config() {
    let sb = Sandbox::new();
    let story = example("paper-boats.txt");
    sb.run(&["make", &story, "--aspect", "4:3"])
        .expect(2, &["4:3"]);
    sb.run(&["make", &story, "--style", "vaporwave"])
        .expect(2, &["Unknown style `vaporwave`", "cinematic"]);
    // Waiting for uploads needs a target, and a wait's limit needs the wait: said before any work.
    sb.run(&["make", &story, "--wait-sync"])
        .expect(2, &["no storage target is set", "[sync] target"]);
    sb.run(&["make", &story, "--sync-timeout", "30s"])
        .expect(2, &["--wait-sync"]);
    sb.run(&["list"]).expect(0, &["No projects"]);
    // The chain as written is the chain used.
    for (toml, words) in [
        ("[generation]\nproviders = []\n", "is empty"),
        (
            "[generation]\nproviders = [\"fal\", \"fal\"]\n",
            "`fal` twice",
        ),
        (
            "[generation]\nproviders = [\"titlecard\", \"fal\"]\n",
            "`titlecard` before `fal`",
        ),
    ] {
        let cfg = sb.write("chain.toml", toml);
        sb.run(&["--config", cfg.to_str().unwrap(), "list"])
            .expect(2, &["chain.toml", words]);
    }
    let cfg = sb.write("c.toml", "[generation]\nconcurency = 3\n");
    sb.run(&["--config", cfg.to_str().unwrap(), "list"])
        .expect(2, &["c.toml", "concurency"]);
    let cfg = sb.write("p.toml", "[generation]\nproviders = [\"midjourney\"]\n");
    sb.run(&["--config", cfg.to_str().unwrap(), "list"])
        .expect(2, &["midjourney", "titlecard"]);
    let cfg = sb.write("broken.toml", "[generation\n");
    sb.run(&["--config", cfg.to_str().unwrap(), "list"])
        .expect(2, &["broken.toml", "not valid"]);
    sb.run(&["--config", "/nonexistent/x.toml", "list"])
        .expect(2, &["Cannot read the config file"]);
    sb.run(&["status", "nothing-like-this"])
        .expect(2, &["No project matches `nothing-like-this`"]);
    sb.run(&["retry", "nothing"])
        .expect(2, &["No project matches"]);
    sb.run(&["cancel", "01234567-89ab-7def-8123-456789abcdef"])
        .expect(2, &["No project matches"]);
    sb.run(&["doctor"]).expect(0, &["ok"]);
    let cfg = sb.write("c2.toml", "[queue]\nmax_attempts = 0\n");
    sb.run(&["--config", cfg.to_str().unwrap(), "doctor"])
        .expect(2, &["FAIL", "max_attempts"]);
}

#[test]
fn a_second_process_is_told_who_holds_the_data_folder() {
    let sb = Sandbox::new();
    sb.run(&["import", &example("paper-boats.txt")])
        .expect(0, &[]);
    sb.run(&["pause"]).expect(0, &["paused"]);
    // A long-running worker holds the folder.
    let log = std::fs::File::create(sb.path("worker.log")).unwrap();
    let mut worker = sb
        .cmd()
        .args(["work"])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let pid = worker.id().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !sb.data().join("control.sock").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Reading goes to the worker; a command that needs the folder to itself says who has it.
    sb.run(&["list"]).expect(0, &["paper-boats"]);
    let r = sb.run(&["render", "paper-boats", "-o", "x.mp4"]);
    let worker_log = std::fs::read_to_string(sb.path("worker.log")).unwrap_or_default();
    assert_eq!(
        r.code, 2,
        "the worker should hold the folder; its log: {worker_log}"
    );
    r.expect(
        2,
        &["has it open", "`storyreel work`", &format!("pid {pid}")],
    );
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let st = worker.wait().unwrap();
    assert_eq!(st.code(), Some(130), "SIGINT stops the worker cleanly");
    sb.run(&["list"]).expect(0, &["paper-boats"]);
}

fn damaged(sb: &Sandbox, how: &str) {
    let db = sb.data().join("db");
    let mut files: Vec<_> = walk(&db);
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let len = std::fs::metadata(&f).unwrap().len();
        match how {
            "garbage" => std::fs::write(&f, vec![0xA5u8; len.max(64) as usize]).unwrap(),
            "truncated" => {
                let bytes = std::fs::read(&f).unwrap();
                std::fs::write(&f, &bytes[..bytes.len() / 3]).unwrap()
            }
            "empty" => std::fs::write(&f, b"").unwrap(),
            _ => unreachable!(),
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn a_damaged_data_folder_is_a_message_not_a_crash() {
    for how in ["garbage", "truncated", "empty"] {
        let sb = Sandbox::new();
        sb.run(&["make", &example("paper-boats.txt")])
            .expect(0, &[]);
        damaged(&sb, how);
        for args in [
            &["status"][..],
            &["list", "--json"],
            &["doctor"],
            &["work", "--until-idle"],
        ] {
            let r = sb.run(args);
            assert!(
                !r.stderr.contains("panicked"),
                "{how} {args:?}: panic\n{}",
                r.stderr
            );
            assert_ne!(
                r.code, 0,
                "{how} {args:?}: a damaged folder must not look fine\n{}{}",
                r.stdout, r.stderr
            );
            let all = format!("{}{}", r.stdout, r.stderr);
            assert!(
                all.contains("damaged") || all.contains("FAIL"),
                "{how} {args:?}: unclear message\n{all}"
            );
        }
    }
}
