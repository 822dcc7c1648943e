//! Trust: a panic inside a job, a laptop sleep and pruning never hang StoryReel or strand work.

use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::model::{now_ms, JobKind, JobStatus, Lane};
use storyreel_engine::queue::Claim;
use storyreel_engine::{DebugKnobs, Engine, EngineOptions, ImportOptions};

fn open_with(dir: &std::path::Path, debug: DebugKnobs) -> Engine {
    let mut cfg = Config::default();
    cfg.queue.backoff_base_ms = 10;
    Engine::open(EngineOptions {
        debug,
        ..EngineOptions::new(dir, cfg)
    })
    .unwrap()
}

async fn import(e: &Engine, text: &str) -> storyreel_engine::model::Project {
    e.import(text.as_bytes(), "story.md", ImportOptions::default())
        .await
        .unwrap()
        .project
}

/// Works until every job has ended. (`is_idle` alone is true while a retry waits out its
/// backoff, which is what this file's panicked attempts do.)
async fn work_until_idle(e: &Engine, limit: Duration) {
    let w = e.start();
    let deadline = Instant::now() + limit;
    let ended = |e: &Engine| {
        e.store()
            .all_jobs()
            .unwrap()
            .iter()
            .all(|j| j.status.is_terminal())
    };
    while !(e.is_idle().unwrap() && ended(e)) {
        assert!(
            Instant::now() < deadline,
            "work did not finish: a job hangs"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_a_job_fails_only_that_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let e = open_with(
        dir.path(),
        DebugKnobs {
            panic_on_attempt: Some(1),
            ..Default::default()
        },
    );
    let mut events = e.subscribe();
    let p = import(&e, "One.\n\nTwo.\n\nThree.\n").await;
    // Before the guard, the dead task kept `busy` up and the heartbeat alive: never idle.
    work_until_idle(&e, Duration::from_secs(30)).await;
    let mut said = false;
    while let Ok(ev) = events.try_recv() {
        if let storyreel_engine::Event::Job { job } = ev {
            if let Some(err) = &job.error {
                assert_eq!(err.code, "internal");
                assert!(
                    err.message.starts_with(
                        "StoryReel hit an internal error while making the picture of scene"
                    ) && err.message.ends_with("the scene will be retried."),
                    "{}",
                    err.message
                );
                said = true;
            }
        }
    }
    assert!(said, "the failed attempt was reported with a sentence");
    for s in e.store().scenes_of(p.id).unwrap() {
        assert_eq!(s.status, JobStatus::Succeeded, "scene {}", s.index);
        let j = e.store().job(s.job_id).unwrap().unwrap();
        assert_eq!((j.attempt, j.failures), (2, 1), "scene {}", s.index);
    }
    assert!(
        e.store().leases().unwrap().is_empty(),
        "no lease left behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_sleep_never_expires_a_live_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let e = open_with(
        dir.path(),
        DebugKnobs {
            step_delay: Some(Duration::from_millis(1500)),
            ..Default::default()
        },
    );
    let p = import(&e, "One scene only.").await;
    let w = e.start();
    let job = loop {
        let s = &e.store().scenes_of(p.id).unwrap()[0];
        if s.status == JobStatus::Running {
            break s.job_id;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // The clock jumps a week ahead (a suspended laptop wakes up): the lease looks long expired.
    let woke = now_ms() + 7 * 86_400_000;
    assert!(e.sweep_expired(woke).unwrap().is_empty());
    while !e.is_idle().unwrap() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.shutdown().await;
    let j = e.store().job(job).unwrap().unwrap();
    assert_eq!(
        (j.status, j.attempt, j.failures),
        (JobStatus::Succeeded, 1, 0)
    );
    // A lease no task of this process runs is still swept (the control).
    import(&e, "Another story.").await;
    let Claim::Job(orphan) = e.queue().claim_sync(Lane::Generate, now_ms()).unwrap() else {
        panic!("nothing to claim")
    };
    let swept = e.sweep_expired(woke).unwrap();
    assert_eq!(swept.len(), 1);
    assert_eq!((swept[0].id, swept[0].failures), (orphan.id, 1));
    assert_eq!(swept[0].kind(), JobKind::GenerateScene);
}

/// A database file cut short (a copy interrupted, a disk error) must never open as an older,
/// smaller database, as if projects had been deleted: it opens whole, or it is called damaged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_cut_short_never_opens_with_projects_missing() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    {
        let e = open_with(&whole, DebugKnobs::default());
        for i in 0..4 {
            import(
                &e,
                &format!("Story {i}, scene one.\n\nStory {i}, scene two.\n"),
            )
            .await;
        }
    }
    let len = std::fs::metadata(whole.join("db").join("db"))
        .unwrap()
        .len();
    let mut cuts: Vec<u64> = (1..20).map(|k| len * k / 20).collect();
    cuts.extend([4096, 5000, 8192, 12000]);
    let mut damaged = 0;
    for cut in cuts.into_iter().filter(|&c| c < len) {
        let copy = dir.path().join(format!("cut-{cut}"));
        copy_dir(&whole, &copy);
        let db = std::fs::OpenOptions::new()
            .write(true)
            .open(copy.join("db").join("db"))
            .unwrap();
        db.set_len(cut).unwrap();
        drop(db);
        let _ = std::fs::remove_file(copy.join("storyreel.lock"));
        match Engine::open(EngineOptions::new(&copy, Config::default())) {
            Ok(e) => assert_eq!(
                e.store().projects().unwrap().len(),
                4,
                "cut at {cut} of {len} bytes opened with projects missing"
            ),
            Err(err) => {
                assert_eq!(err.code(), "data_dir_damaged", "cut at {cut}: {err}");
                damaged += 1;
            }
        }
    }
    assert!(damaged > 0, "some cut was noticed");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
