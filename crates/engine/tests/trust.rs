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

async fn work_until_idle(e: &Engine, limit: Duration) {
    let w = e.start();
    let deadline = Instant::now() + limit;
    while !e.is_idle().unwrap() {
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
    assert_eq!(swept[0].kind, JobKind::GenerateScene);
}
