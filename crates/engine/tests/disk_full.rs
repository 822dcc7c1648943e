//! A full disk is no failure of the work: the engine halts, hands each running job back
//! uncounted, and once there is room every scene finishes. Runs on a small tmpfs mounted over
//! the pictures' folder, so it needs root (CI runs as root); elsewhere it says why it did not run.

use std::io::Write;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::model::JobStatus;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use storyreel_testkit::tmpfs::{is_root, Tmpfs};

fn open(dir: &std::path::Path) -> Engine {
    let mut cfg = Config::default();
    // One attempt only: before the fix, the first picture that could not be saved failed its
    // scene for good.
    cfg.queue.max_attempts = 1;
    cfg.queue.backoff_base_ms = 10;
    Engine::open(EngineOptions::new(dir, cfg)).unwrap()
}

/// Writes into `dir` until the disk refuses: a disk with no room left.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![7u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_never_uses_up_a_scenes_attempts() {
    if !is_root() {
        eprintln!("not run: mounting a small tmpfs needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&dir.path().join("assets"), "40m") else {
        panic!("running as root, but a tmpfs could not be mounted");
    };
    let e = open(dir.path());
    let p = e
        .import(
            b"The tide turns.\n\nThe causeway floods.\n\nThe lamps come on.\n",
            "story.md",
            ImportOptions::default(),
        )
        .await
        .unwrap()
        .project;
    let filler = fill(&fs.0);

    let w = e.start();
    let t0 = Instant::now();
    while e.halted().is_none() {
        let failed = e
            .scenes(p.id)
            .unwrap()
            .iter()
            .any(|s| s.status == JobStatus::Failed);
        assert!(!failed, "a scene failed for good on a full disk");
        assert!(t0.elapsed() < Duration::from_secs(30), "never halted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!e.space_is_back(), "the pictures' disk is still full");
    w.shutdown().await;
    for s in e.scenes(p.id).unwrap() {
        let j = e.job(s.job_id).unwrap().unwrap();
        assert_eq!(
            j.failures, 0,
            "scene {}: the full disk was counted",
            s.index
        );
        assert_ne!(j.status, JobStatus::Failed, "scene {}", s.index);
        assert_ne!(
            j.status,
            JobStatus::Running,
            "scene {}: not handed back",
            s.index
        );
    }

    std::fs::remove_file(filler).unwrap();
    assert!(e.space_is_back(), "room again");
    drop(e);
    let e = open(dir.path());
    let w = e.start();
    let t0 = Instant::now();
    while !e.is_idle().unwrap() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "work did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.shutdown().await;
    for s in e.scenes(p.id).unwrap() {
        assert_eq!(s.status, JobStatus::Succeeded, "scene {}", s.index);
        assert!(s.image.is_some(), "scene {}", s.index);
    }
    drop(e);
    drop(fs);
}
