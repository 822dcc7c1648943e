//! Crash safety: `make` on a 40-scene story is SIGKILLed at random moments, ten times across
//! runs, and restarted each time. At the end every scene succeeded exactly once, nothing that
//! was acknowledged went missing, and no finished step ran again. A control run with flushing
//! turned off must show violations: proof that this test can fail.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Sandbox;
use rand::{Rng, SeedableRng};

const SCENES: usize = 40;

struct Outcome {
    violations: Vec<String>,
    kills: usize,
    final_ok: bool,
}

fn story() -> String {
    (1..=SCENES)
        .map(|i| {
            format!("## Scene {i}\nThe keeper climbs step {i} of the tower as the storm grows.\n\n")
        })
        .collect()
}

/// Succeeded scene indexes and the project's scene count, if the project exists.
fn snapshot(sb: &Sandbox) -> Option<(usize, BTreeSet<u64>, HashMap<u64, u64>)> {
    let v = sb.status_json();
    let p = v["projects"].as_array()?.first()?.clone();
    assert!(
        v["projects"].as_array().unwrap().len() <= 1,
        "a second project appeared: {v}"
    );
    let scenes = p["scenes"].as_array()?;
    let done = scenes
        .iter()
        .filter(|s| s["status"] == "succeeded")
        .map(|s| s["index"].as_u64().unwrap())
        .collect();
    let attempts = scenes
        .iter()
        .map(|s| {
            (
                s["index"].as_u64().unwrap(),
                // The claim number fences results: no start may come after the one that won.
                s["claims"].as_u64().unwrap(),
            )
        })
        .collect();
    Some((scenes.len(), done, attempts))
}

fn run_with_kills(durable: bool, seed: u64) -> Outcome {
    let sb = Sandbox::new();
    let story = sb.write("tower.md", &story());
    let log = sb.path("starts.log");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut violations = Vec::new();
    let mut acknowledged = false;
    let mut done_before: BTreeSet<u64> = BTreeSet::new();
    let mut kills = 0;
    let mut final_ok = false;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(240) {
        let mut cmd = sb.cmd();
        cmd.args(["make", story.to_str().unwrap()])
            .env("STORYREEL_DEBUG_STEP_DELAY_MS", "500")
            .env("STORYREEL_DEBUG_START_LOG", &log)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if !durable {
            cmd.env("STORYREEL_DEBUG_NO_FLUSH", "1");
        }
        let mut child = cmd.spawn().unwrap();
        let acked = Arc::new(AtomicBool::new(false));
        let stderr = child.stderr.take().unwrap();
        let reader = {
            let acked = acked.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.starts_with("Imported '") || line.starts_with("Continuing '") {
                        acked.store(true, Ordering::SeqCst);
                    }
                }
            })
        };
        let kill_at = if kills < 10 {
            Some(Duration::from_millis(rng.random_range(30..700)))
        } else {
            None
        };
        let t0 = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break Some(st);
            }
            if kill_at.is_some_and(|k| t0.elapsed() >= k) {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                break None;
            }
            assert!(t0.elapsed() < Duration::from_secs(120), "make hung");
            std::thread::sleep(Duration::from_millis(5));
        };
        reader.join().unwrap();
        acknowledged |= acked.load(Ordering::SeqCst);

        // What was acknowledged must still be there, and nothing that succeeded may be lost.
        match snapshot(&sb) {
            None if acknowledged => violations.push(format!(
                "after kill {kills}: the acknowledged project is gone"
            )),
            None => {}
            Some((n, done, _)) => {
                if n != SCENES {
                    violations.push(format!(
                        "after kill {kills}: the project has {n} scenes, not {SCENES}"
                    ));
                }
                let lost: Vec<_> = done_before.difference(&done).collect();
                if !lost.is_empty() {
                    violations.push(format!(
                        "after kill {kills}: succeeded scenes lost: {lost:?}"
                    ));
                }
                done_before = done;
            }
        }
        if let Some(st) = status {
            final_ok = st.success();
            if kills >= 10 {
                break;
            }
        }
    }

    // Every generate step that started is logged as "job attempt": no attempt may start twice,
    // and none may start after the attempt that succeeded.
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut max_attempt: HashMap<String, u64> = HashMap::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (job, attempt) = (
            parts.next().unwrap().to_string(),
            parts.next().unwrap().parse::<u64>().unwrap(),
        );
        if !seen.insert((job.clone(), attempt)) {
            violations.push(format!("job {job} attempt {attempt} started twice"));
        }
        let m = max_attempt.entry(job).or_default();
        *m = (*m).max(attempt);
    }
    if let Some((n, done, attempts)) = snapshot(&sb) {
        if final_ok && (n != SCENES || done.len() != SCENES) {
            violations.push(format!(
                "finished with {} of {n} scenes succeeded",
                done.len()
            ));
        }
        let v = sb.status_json();
        for s in v["projects"][0]["scenes"].as_array().unwrap() {
            let job = s["job_id"].as_str().unwrap();
            let idx = s["index"].as_u64().unwrap();
            let logged = max_attempt.get(job).copied().unwrap_or(0);
            if logged > attempts[&idx] {
                violations.push(format!(
                    "scene {idx} ran again (attempt {logged}) after it succeeded at attempt {}",
                    attempts[&idx]
                ));
            }
        }
    }
    Outcome {
        violations,
        kills,
        final_ok,
    }
}

#[test]
fn kill_minus_nine_loses_nothing_and_repeats_nothing() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random::<u64>() % 100_000);
    eprintln!("crash test seed {seed} (CRASH_SEED={seed} repeats it)");
    let out = run_with_kills(true, seed);
    assert_eq!(out.kills, 10, "ten kills across runs");
    assert!(
        out.violations.is_empty(),
        "seed {seed}: {:#?}",
        out.violations
    );
    assert!(
        out.final_ok,
        "after the tenth kill, one more run finishes the same project"
    );
}

#[test]
fn the_control_run_without_flushing_is_caught() {
    let seed = 7;
    let out = run_with_kills(false, seed);
    assert!(
        !out.violations.is_empty(),
        "with flushing off, kill -9 must lose acknowledged work and the test must see it"
    );
}
