//! `storyreel sync` and `make --wait-sync` end to end: a `file://` target, an S3 target that
//! goes down and comes back, `sync --status`, and the exit codes.

mod common;

use common::{example, Sandbox};
use storyreel_testkit::s3::{self, S3Server};

fn s3_config(sb: &Sandbox, server: &S3Server, bucket: &str) -> String {
    sb.write(
        "sync.toml",
        &format!(
            "[sync]\ntarget = \"s3://{bucket}/reels\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ntimeout_s = 5\nconnect_timeout_s = 1\n\n[queue]\nbackoff_base_ms = 200\nbackoff_max_s = 2\n",
            server.endpoint()
        ),
    )
    .display()
    .to_string()
}

/// The sandboxed command with the test server's keys (and nothing from the machine).
fn with_keys(sb: &Sandbox, args: &[&str]) -> common::Run {
    common::Run::from(
        sb.cmd()
            .env("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", s3::SECRET_KEY)
            .args(args)
            .output()
            .unwrap(),
    )
}

fn status_json(sb: &Sandbox, cfg: &str) -> serde_json::Value {
    let r = with_keys(sb, &["--config", cfg, "status", "--json"]);
    r.expect(0, &[]);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn a_file_target_end_to_end() {
    let sb = Sandbox::new();
    let out = sb.path("published");
    let cfg = sb.write(
        "file.toml",
        &format!(
            "[sync]\ntarget = \"file://{}/reels\"\n\n[queue]\nbackoff_base_ms = 100\nbackoff_max_s = 1\n",
            out.display()
        ),
    );
    let cfg = cfg.to_str().unwrap();
    // The folder is not there (an unplugged drive): uploads wait, the images are fine.
    let r = sb.run(&[
        "--config",
        cfg,
        "make",
        &example("paper-boats.txt"),
        "--wait-sync",
        "--sync-timeout",
        "2s",
    ]);
    r.expect(1, &["is not there", "--retry-now"]);
    let status = sb.run(&["--config", cfg, "sync", "--status", "--json"]);
    status.expect(0, &[]);
    let v: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(v["counts"]["failed"], 0, "{v}");
    assert_eq!(v["health"]["state"], "waiting", "{v}");
    let n = v["items"].as_array().unwrap().len();
    assert!(n > 0);
    for item in v["items"].as_array().unwrap() {
        assert!(
            matches!(item["state"].as_str(), Some("waiting" | "pending")),
            "{item}"
        );
    }
    // The drive is back.
    std::fs::create_dir_all(out.join("reels")).unwrap();
    sb.run(&["--config", cfg, "sync"])
        .expect(0, &["Synced", &format!("{n} files")]);
    let st = status_json(&sb, cfg);
    for s in st["projects"][0]["scenes"].as_array().unwrap() {
        let url = s["sync"]["url"].as_str().unwrap();
        assert_eq!(s["sync"]["state"], "synced", "{s}");
        let path = url.strip_prefix("file://").unwrap();
        let remote = std::fs::read(path).unwrap();
        let local = std::fs::read(s["image"].as_str().unwrap()).unwrap();
        assert_eq!(remote, local, "scene {}", s["index"]);
        assert!(path.starts_with(&format!("{}/reels/projects/", out.display())));
    }
}

#[test]
fn sync_without_a_target_says_how_to_set_one() {
    let sb = Sandbox::new();
    sb.run(&["sync"]).expect(2, &["[sync]", "target"]);
    let r = sb.run(&["sync", "--status", "--json"]);
    r.expect(0, &[]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["health"]["state"], "local");
}

#[test]
fn sync_reports_an_outage_and_finishes_when_the_storage_returns() {
    let mut server = S3Server::start();
    server.create_bucket("reels");
    let sb = Sandbox::new();
    let cfg = s3_config(&sb, &server, "reels");
    // `make` does not wait for uploads unless asked.
    with_keys(
        &sb,
        &["--config", &cfg, "import", &example("the-lighthouse.md")],
    )
    .expect(0, &[]);
    server.stop();
    with_keys(&sb, &["--config", &cfg, "work", "--until-idle"]).expect(0, &["uploads wait"]);
    let r = with_keys(&sb, &["--config", &cfg, "sync", "--timeout", "2s"]);
    r.expect(1, &["not yet", "waiting", "Cannot reach the storage"]);
    let st = status_json(&sb, &cfg);
    for s in st["projects"][0]["scenes"].as_array().unwrap() {
        assert_eq!(s["status"], "succeeded");
        assert!(
            matches!(s["sync"]["state"].as_str(), Some("waiting" | "pending")),
            "{s}"
        );
    }
    server.restart();
    with_keys(&sb, &["--config", &cfg, "sync", "--retry-now"]).expect(0, &["Synced: 14 files"]); // 7 pictures, 7 narrations
    let st = status_json(&sb, &cfg);
    for s in st["projects"][0]["scenes"].as_array().unwrap() {
        assert_eq!(s["sync"]["state"], "synced", "{s}");
        assert!(s["sync"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/reels/reels/projects/", server.endpoint())));
    }
}

#[test]
fn make_wait_sync_uploads_everything() {
    let server = S3Server::start();
    server.create_bucket("reels");
    let sb = Sandbox::new();
    let cfg = s3_config(&sb, &server, "reels");
    with_keys(
        &sb,
        &[
            "--config",
            &cfg,
            "make",
            &example("night-market.json"),
            "--wait-sync",
        ],
    )
    .expect(0, &["Done", "Synced"]);
    let r = with_keys(&sb, &["--config", &cfg, "sync", "--status"]);
    r.expect(0, &["synced", "0 pending", "0 failed"]);
    // Keys never reach the data folder or the output.
    for entry in walk(&sb.data()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(s3::SECRET_KEY), "{}", entry.display());
    }
    assert!(!r.stdout.contains(s3::SECRET_KEY) && !r.stderr.contains(s3::SECRET_KEY));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
