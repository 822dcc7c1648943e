//! Stopping and closed pipes: SIGINT and SIGTERM at random moments always end `make` within
//! seconds (130, 143), and the next `make` finishes every scene; a closed output pipe ends a
//! command quietly instead of panicking.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;

fn story(n: usize) -> String {
    let mut s = String::from("# Forty\n\n");
    for i in 1..=n {
        s.push_str(&format!(
            "Scene {i}: the keeper climbs the stairs again, counting each step.\n\n"
        ));
    }
    s
}

/// Waits for `child` at most `limit`; None if it is still running (then it is killed).
fn wait_for(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st.code().unwrap_or(-1));
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigint_and_sigterm_always_end_make_quickly_and_lose_nothing() {
    let mut rng_state = std::process::id() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    for run in 0..20 {
        let sb = Sandbox::new();
        let path = sb.write("story.md", &story(40));
        let path = path.to_str().unwrap();
        let (signal, code) = if run % 2 == 0 {
            ("-INT", 130)
        } else {
            ("-TERM", 143)
        };
        let mut child = sb
            .cmd()
            .args(["make", path])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + next() % 500));
        let sent = Instant::now();
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let got = wait_for(&mut child, Duration::from_secs(10));
        let took = sent.elapsed();
        // It may have finished just before the signal; otherwise the signal's code.
        assert!(
            got == Some(code) || got == Some(0),
            "run {run} {signal}: exit {got:?} after {took:?}"
        );
        assert!(
            took < Duration::from_secs(3),
            "run {run} {signal}: {took:?}"
        );
        // The next `make` finishes every scene, and no hand-back counted as a failure.
        sb.run(&["make", path]).expect(0, &["Done"]);
        let st = sb.status_json();
        let p = &st["projects"][0];
        assert_eq!(p["counts"]["succeeded"], 40, "run {run}: {p}");
        for s in p["scenes"].as_array().unwrap() {
            assert_eq!(s["status"], "succeeded", "run {run}: {s}");
        }
    }
}

fn sh(sb: &Sandbox, script: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new("bash")
        .args(["-c", script])
        .env("STORYREEL", env!("CARGO_BIN_EXE_storyreel"))
        .env("STORYREEL_DATA_DIR", sb.data())
        .env("HOME", sb.dir.path())
        .current_dir(sb.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = wait_for(&mut child, Duration::from_secs(60));
    let out = child.wait_with_output().unwrap();
    (
        code,
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let sb = Sandbox::new();
    let path = sb.write("story.md", &story(300));
    sb.run(&["import", path.to_str().unwrap()]).expect(0, &[]);
    // Far more than a pipe holds, read by a reader that leaves after one line.
    let (code, out, err) = sh(
        &sb,
        r#""$STORYREEL" status Forty --json | head -1; echo "exit ${PIPESTATUS[0]}""#,
    );
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(out.trim_end().ends_with("exit 141"), "{out}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.trim().is_empty(),
        "nothing said on a closed pipe: {err}"
    );
    // `make` with debug logging into a pipe that closes early ends too.
    let (code, out, err) = sh(
        &sb,
        r#""$STORYREEL" -vv make story.md 2>&1 | head -20 > /dev/null; echo "exit ${PIPESTATUS[0]}""#,
    );
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(
        out.contains("exit 141") || out.contains("exit 0"),
        "{out} {err}"
    );
}
