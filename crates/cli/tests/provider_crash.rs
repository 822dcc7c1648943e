//! kill -9 while a provider call is in flight: after a restart the scene completes, once.

mod common;

use std::time::{Duration, Instant};

use common::Sandbox;
use storyreel_testkit::{Fault, FaultServer, Route};

const KEY: &str = "sk-test-crash-key";

#[test]
fn kill_during_a_provider_call_then_restart_completes_the_scene_once() {
    let server = FaultServer::start();
    server.script(Route::OpenAi, [Fault::Slow(Duration::from_secs(30))]);
    let sb = Sandbox::new();
    let cfg = sb.write(
        "c.toml",
        &format!(
            "[generation]\nproviders = [\"openai\", \"titlecard\"]\nconcurrency = 1\n\n[providers.openai]\nbase_url = \"{}/v1\"\ntimeout_s = 60\n",
            server.url()
        ),
    );
    let story = sb.write("one.md", "A keeper lights the lamp as the storm arrives.\n");
    let args = [
        "--config",
        cfg.to_str().unwrap(),
        "make",
        story.to_str().unwrap(),
    ];

    let mut child = sb
        .cmd()
        .args(args)
        .env("OPENAI_API_KEY", KEY)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while server.hits(Route::OpenAi) == 0 {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the provider was never called"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL while the call is in flight
    child.wait().unwrap();

    let r = sb
        .cmd()
        .args(args)
        .env("OPENAI_API_KEY", KEY)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Continuing"),
        "the same project goes on: {err}"
    );

    let v = sb.status_json();
    let s = &v["projects"][0]["scenes"][0];
    assert_eq!(s["status"], "succeeded");
    assert_eq!(s["provider"], "openai");
    assert_eq!(s["placeholder"], false);
    // The kill is not a try the person made; the claims count both.
    assert_eq!(s["attempts"], 1, "a restart does not count as a try");
    assert_eq!(s["claims"], 2, "one interrupted claim, one that finished");
    assert_eq!(
        server.hits(Route::OpenAi),
        2,
        "exactly one more call after the restart"
    );
    assert_eq!(
        server
            .last_header(Route::OpenAi, "authorization")
            .as_deref(),
        Some(&*format!("Bearer {KEY}"))
    );
}
