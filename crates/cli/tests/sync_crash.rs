//! kill -9 mid-upload: `make --wait-sync` is SIGKILLed at random moments while uploads are
//! under way, and run again. At the end every image is on the server exactly once with the
//! local bytes, every scene says synced, and no upload attempt ran twice or after success.

mod common;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Sandbox;
use rand::{Rng, SeedableRng};
use storyreel_testkit::s3::{self, S3Server};

const SCENES: usize = 12;
const KILLS: usize = 5;

#[test]
fn kill_minus_nine_mid_upload_syncs_everything_once() {
    let server = S3Server::start();
    server.create_bucket("reels");
    let sb = Sandbox::new();
    let story: String = (1..=SCENES)
        .map(|i| format!("## Part {i}\nThe tide turns for the {i}th time.\n\n"))
        .collect();
    let story = sb.write("tide.md", &story);
    let cfg = sb.write(
        "sync.toml",
        &format!(
            "[sync]\ntarget = \"s3://reels/crash\"\nendpoint = \"{}\"\nconcurrency = 3\n\n[queue]\nbackoff_base_ms = 100\nbackoff_max_s = 1\n",
            server.endpoint()
        ),
    );
    let log = sb.path("uploads.log");
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random::<u64>() % 100_000);
    eprintln!("sync crash test seed {seed} (CRASH_SEED={seed} repeats it)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut kills = 0;
    let started = Instant::now();
    let logged = || std::fs::read_to_string(&log).map_or(0, |t| t.lines().count());
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "did not finish"
        );
        let before = logged();
        let mut child = sb
            .cmd()
            .env("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", s3::SECRET_KEY)
            .env("STORYREEL_DEBUG_UPLOAD_DELAY_MS", "300")
            .env("STORYREEL_DEBUG_UPLOAD_LOG", &log)
            .args([
                "--config",
                cfg.to_str().unwrap(),
                "make",
                story.to_str().unwrap(),
                "--wait-sync",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill a moment after this run's first upload began: mid-upload, every time.
        let after_upload = Duration::from_millis(rng.random_range(20..600));
        let mut upload_seen: Option<Instant> = None;
        let t0 = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break Some(st);
            }
            if upload_seen.is_none() && logged() > before {
                upload_seen = Some(Instant::now());
            }
            if kills < KILLS && upload_seen.is_some_and(|t| t.elapsed() >= after_upload) {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                break None;
            }
            assert!(t0.elapsed() < Duration::from_secs(120), "make hung");
            std::thread::sleep(Duration::from_millis(5));
        };
        if let Some(st) = status {
            assert!(st.success(), "a run that was not killed exits 0");
            break;
        }
    }
    assert!(kills >= 2, "only {kills} kills landed mid-upload");

    let v = sb.status_json();
    let p = &v["projects"][0];
    let scenes = p["scenes"].as_array().unwrap();
    assert_eq!(scenes.len(), SCENES);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let objects = rt.block_on(server.objects("reels", "crash/projects"));
    // A picture and a narration per scene.
    for ext in [".jpg", ".wav"] {
        assert_eq!(
            objects.iter().filter(|(k, _)| k.ends_with(ext)).count(),
            SCENES,
            "exactly one {ext} object per scene: {objects:?}"
        );
    }
    assert_eq!(objects.len(), 2 * SCENES, "{objects:?}");
    for s in scenes {
        assert_eq!(s["sync"]["state"], "synced", "{s}");
        let url = s["sync"]["url"].as_str().unwrap();
        let key = url
            .strip_prefix(&format!("{}/reels/", server.endpoint()))
            .unwrap();
        let (remote, meta) = rt.block_on(server.object("reels", key));
        let local = std::fs::read(s["image"].as_str().unwrap()).unwrap();
        assert_eq!(remote, local, "scene {}", s["index"]);
        assert!(meta.is_some());
    }
    // No upload attempt started twice (fencing across kills), and some were redone.
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        assert!(
            seen.insert(line.to_string()),
            "upload attempt ran twice: {line}"
        );
    }
    assert!(
        seen.iter().any(|l| !l.ends_with(" 1")),
        "some upload was interrupted and redone: {seen:?}"
    );
}
