//! `storyreel write` and `make --idea` against a fake chat server on 127.0.0.1: the story
//! saved as Markdown and shown scene by scene, a file of the person's never replaced, the key
//! sent only where it belongs, no server answering said in one line, and an idea made into a
//! video with its pictures' prompts.

mod common;

use std::path::Path;

use common::Sandbox;
use storyreel_testkit::chat::{ChatServer, Reply};

fn config(sb: &Sandbox, endpoint: &str) -> String {
    sb.write(
        "c.toml",
        &format!("[generation]\nproviders = [\"titlecard\"]\n[voice]\nvoices = [\"espeak-ng\"]\n[write]\nendpoints = [\"{endpoint}\"]\nidle_s = 2\n"),
    )
    .display()
    .to_string()
}

fn in_sandbox(sb: &Sandbox, c: &str, args: &[&str]) -> common::Run {
    common::Run::from(
        sb.cmd()
            .current_dir(sb.dir.path())
            .args(["--config", c])
            .args(args)
            .output()
            .unwrap(),
    )
}

#[test]
fn write_saves_a_story_to_read_and_make_and_never_replaces_a_file() {
    let server = ChatServer::start(&["llama3.2"]);
    let sb = Sandbox::new();
    let c = config(&sb, &server.base_url());
    let run = in_sandbox(
        &sb,
        &c,
        &[
            "write",
            "a lighthouse keeper's last night",
            "--scenes",
            "3",
            "--tone",
            "quiet",
        ],
    );
    run.expect(
        0,
        &[
            "Writing the story with 127.0.0.1 (llama3.2)",
            "scene 3: Night 3",
            "Wrote 'The Keeper's Last Night': 3 scenes, with Elias",
            "storyreel make the-keeper-s-last-night.md",
        ],
    );
    assert_eq!(run.stdout.trim(), "the-keeper-s-last-night.md");
    let text = std::fs::read_to_string(sb.path("the-keeper-s-last-night.md")).unwrap();
    assert!(
        text.starts_with("---\n") && text.contains("name: Elias"),
        "{text}"
    );
    assert_eq!(text.matches("> Picture: ").count(), 3, "{text}");
    // Again: a second file beside the first, never over it.
    in_sandbox(
        &sb,
        &c,
        &["write", "a lighthouse keeper's last night", "--scenes", "3"],
    )
    .expect(0, &["the-keeper-s-last-night-2.md"]);
    assert_eq!(
        std::fs::read_to_string(sb.path("the-keeper-s-last-night.md")).unwrap(),
        text
    );
    // A file named with --output stays unless --force, and the model is not asked.
    let mine = sb.write("mine.md", "my own story");
    let asked = server.requests().len();
    in_sandbox(&sb, &c, &["write", "an idea", "-o", mine.to_str().unwrap()])
        .expect(2, &["already exists, and it was left as it is", "--force"]);
    assert_eq!(server.requests().len(), asked);
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my own story");
    in_sandbox(
        &sb,
        &c,
        &[
            "write",
            "an idea",
            "--scenes",
            "2",
            "-o",
            mine.to_str().unwrap(),
            "--force",
        ],
    )
    .expect(0, &[]);
    assert!(std::fs::read_to_string(&mine)
        .unwrap()
        .contains("## Night 2"));
}

#[test]
fn no_server_answering_is_one_line_and_a_hint_and_a_refusal_saves_nothing() {
    let sb = Sandbox::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = config(&sb, &format!("http://127.0.0.1:{port}/v1"));
    let run = in_sandbox(&sb, &c, &["write", "a cat's journey"]);
    run.expect(
        2,
        &["No story writer answers", "hint: `storyreel make STORY.md`"],
    );
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);

    let server = ChatServer::start(&["m"]);
    server.set_default(Reply::Refusal("I won't write that.".into()));
    let c = config(&sb, &server.base_url());
    in_sandbox(&sb, &c, &["write", "a cat's journey"])
        .expect(2, &["declined", "I won't write that.", "Nothing was saved"]);
    let md: Vec<_> = std::fs::read_dir(sb.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .collect();
    assert!(md.is_empty(), "{md:?}");
}

#[test]
fn the_key_goes_to_a_named_endpoint_from_the_environment() {
    let server = ChatServer::start(&["m"]);
    let sb = Sandbox::new();
    let c = config(&sb, &server.base_url());
    let out = common::Run::from(
        sb.cmd()
            .current_dir(sb.dir.path())
            .env("STORYREEL_WRITE_API_KEY", "sk-test-write")
            .args([
                "--config", &c, "write", "an idea", "--scenes", "2", "-o", "s.md",
            ])
            .output()
            .unwrap(),
    );
    out.expect(0, &[]);
    assert_eq!(server.auth(), vec![Some("Bearer sk-test-write".into())]);
    assert!(!out.stderr.contains("sk-test-write"));
}

#[test]
fn make_idea_writes_the_story_then_makes_its_video() {
    let server = ChatServer::start(&["m"]);
    server.script([Reply::Status(500, "overloaded".into())]);
    let sb = Sandbox::new();
    let c = config(&sb, &server.base_url());
    let video = sb.path("keeper.mp4");
    let run = in_sandbox(
        &sb,
        &c,
        &[
            "make",
            "--idea",
            "a lighthouse keeper's last night",
            "--scenes",
            "2",
            "-o",
            video.to_str().unwrap(),
        ],
    );
    run.expect(
        0,
        &[
            "asking again (try 2 of 3)",
            "saved as the-keeper-s-last-night.md",
            "Video:",
        ],
    );
    assert!(Path::new(&sb.path("the-keeper-s-last-night.md")).is_file());
    assert!(common::duration_of(&video) > 1.0);
    // The project has the story's cast, and each scene's picture prompt from the story.
    let status = sb.status_json();
    let p = &status["projects"][0];
    assert_eq!(p["title"], "The Keeper's Last Night");
    let detail = in_sandbox(&sb, &c, &["status", p["id"].as_str().unwrap(), "--json"]);
    assert!(detail.stdout.contains("spiral stair"), "{}", detail.stdout);
    assert!(detail.stdout.contains("Elias"), "{}", detail.stdout);
}
