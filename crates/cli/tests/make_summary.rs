//! What `make` says at the end: why scenes became title cards (once per reason), and nothing
//! about reasons when no provider is set up (a title card is then the intended picture).

mod common;

use common::Sandbox;
use storyreel_testkit::{Fault, FaultServer, Route};

#[test]
fn make_says_once_why_scenes_became_title_cards() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::Unauthorized);
    let sb = Sandbox::new();
    let cfg = sb.write(
        "c.toml",
        &format!(
            "[generation]\nproviders = [\"openai\", \"titlecard\"]\n\n[providers.openai]\nbase_url = \"{}/v1\"\n",
            server.url()
        ),
    );
    let story = sb.write(
        "lamp.md",
        "# Lamp\n\nThe keeper lights the lamp.\n\nThe storm arrives at dusk.\n\nMorning comes, calm and grey.\n",
    );
    let r = sb
        .cmd()
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "make",
            story.to_str().unwrap(),
        ])
        .env("OPENAI_API_KEY", "sk-test-summary-key")
        .output()
        .unwrap();
    let r = common::Run::from(r);
    r.expect(
        0,
        &[
            "Done: 'Lamp' has 3 scenes with images (3 title cards)",
            "Title cards for scenes 1, 2 and 3: ",
            "--placeholders` tries the image providers again",
        ],
    );
    assert_eq!(
        r.stdout.matches("Title cards for").count(),
        1,
        "one line per reason:\n{}",
        r.stdout
    );
    assert!(!r.stdout.contains("sk-test-summary-key"), "{}", r.stdout);

    // No provider set up: title cards are the intended result, so no reason is given.
    let sb = Sandbox::new();
    let story = sb.write("one.md", "# One\n\nA single lamp.\n");
    let r = sb.run(&["make", story.to_str().unwrap()]);
    r.expect(0, &["Done: 'One' has 1 scene with images (1 title card)"]);
    assert!(!r.stdout.contains("Title cards for"), "{}", r.stdout);
}

/// Runs `storyreel ARGS` on a pseudo-terminal (so the progress bars are drawn); its output.
fn on_a_terminal(sb: &Sandbox, args: &str) -> String {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_storyreel"));
    let r = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sb.dir.path())
        .env("STORYREEL_DATA_DIR", sb.data())
        .env("STORYREEL_DEBUG_STEP_DELAY_MS", "150")
        .env("TERM", "xterm")
        .env("COLUMNS", "160")
        .output()
        .expect("script runs");
    String::from_utf8_lossy(&r.stdout).to_string()
}

#[test]
fn the_progress_bars_add_up_and_never_run_more_than_the_lane_allows() {
    let sb = Sandbox::new();
    let mut story = String::from("# Many\n\n");
    for i in 1..=24 {
        story.push_str(&format!("Scene {i}: lanterns along the river.\n\n"));
    }
    let path = sb.write("many.md", &story);
    let cfg = sb.write("c.toml", "[generation]\nconcurrency = 3\n");
    let out = on_a_terminal(
        &sb,
        &format!("--config {} make {}", cfg.display(), path.display()),
    );
    assert!(out.contains("Done: 'Many' has 24 scenes"), "{out}");
    let mut seen = 0;
    for part in out.split("generate").skip(1) {
        let Some(line) = part.split(" done").next() else {
            continue;
        };
        let nums: Vec<u32> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        let (running, saving, queued, done) = match nums[..] {
            [r, q, d] => (r, 0, q, d),
            [r, s, q, d] => (r, s, q, d),
            _ => continue,
        };
        seen += 1;
        assert!(
            running <= 3,
            "{running} running with a concurrency of 3: {line}"
        );
        assert_eq!(
            running + saving + queued + done,
            24,
            "the counts add up: {line}"
        );
    }
    assert!(seen > 0, "no generate line was drawn:\n{out}");
}

#[test]
fn a_stop_and_a_restart_do_not_count_as_tries() {
    let sb = Sandbox::new();
    let mut story = String::from("# Twelve\n\n");
    for i in 1..=12 {
        story.push_str(&format!("Scene {i}: a kite over the dunes.\n\n"));
    }
    let path = sb.write("twelve.md", &story);
    for _ in 0..2 {
        let mut child = sb
            .cmd()
            .args(["make", path.to_str().unwrap()])
            .env("STORYREEL_DEBUG_STEP_DELAY_MS", "400")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1200));
        std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        child.wait().unwrap();
    }
    let st = sb.status_json();
    for s in st["projects"][0]["scenes"].as_array().unwrap() {
        let (status, tries) = (
            s["status"].as_str().unwrap(),
            s["attempts"].as_u64().unwrap(),
        );
        match status {
            "succeeded" => assert_eq!(tries, 1, "{s}"),
            "queued" => assert_eq!(tries, 0, "handed back at a stop, not tried: {s}"),
            other => panic!("scene in state {other}: {s}"),
        }
    }
    sb.run(&["make", path.to_str().unwrap()])
        .expect(0, &["Done"]);
    for s in sb.status_json()["projects"][0]["scenes"]
        .as_array()
        .unwrap()
    {
        assert_eq!(s["attempts"], 1, "{s}");
    }
}
