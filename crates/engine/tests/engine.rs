//! The engine end to end on a real sled database in a temp folder: import, work, fencing,
//! leases, recovery, pause, retry, positions, events.

use std::time::Duration;

use storyreel_engine::model::{now_ms, JobStatus, Lane, UserError};
use storyreel_engine::queue::Claim;
use storyreel_engine::{
    DebugKnobs, Engine, EngineOptions, Error, Event, ImportOptions, RetryFilter,
};

const STORY: &str = "# Test\n\n## One\nThe first scene.\n\n## Two\nThe second scene.\n\n## Three\nThe third scene.\n";

fn open(dir: &std::path::Path) -> Engine {
    Engine::open(EngineOptions::new(dir, quiet())).unwrap()
}

async fn import(e: &Engine, text: &str) -> storyreel_engine::model::Project {
    e.import(text.as_bytes(), "story.md", ImportOptions::default())
        .await
        .unwrap()
        .project
}

async fn work_until_idle(e: &Engine) {
    let w = e.start();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !e.is_idle().unwrap() {
        assert!(std::time::Instant::now() < deadline, "work did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_becomes_title_cards() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let mut events = e.subscribe();
    let p = import(&e, STORY).await;
    assert_eq!(p.scene_count, 3);
    assert_eq!(p.title, "Test");
    work_until_idle(&e).await;
    let st = e.project_status(&p, true).unwrap();
    assert_eq!(st.status, "done");
    assert_eq!(st.counts.succeeded, 3);
    assert_eq!(st.placeholders, 3);
    for s in st.scenes.unwrap() {
        assert_eq!(s.status, JobStatus::Succeeded);
        assert_eq!(s.attempts, 1);
        assert!(s.placeholder);
        let img = image::open(s.image.unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (1080, 1920));
        let th = image::open(s.thumbnail.unwrap()).unwrap();
        assert_eq!(
            (th.width(), th.height()),
            (202, 360),
            "a tall thumbnail's longer side"
        );
    }
    // Events carried whole snapshots, ending with the project done.
    let mut last_progress = None;
    while let Ok(ev) = events.try_recv() {
        if let Event::Project { progress } = ev {
            last_progress = Some(progress);
        }
    }
    let last = last_progress.expect("project events were sent");
    assert_eq!(last.status, "done");
    assert_eq!(last.counts.succeeded, 3);
    assert!(e.doctor(true).unwrap().iter().all(|c| c.ok));
}

#[tokio::test]
async fn the_same_story_is_found_again_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let a = e
        .import(STORY.as_bytes(), "s.md", ImportOptions::default())
        .await
        .unwrap();
    let b = e
        .import(STORY.as_bytes(), "s.md", ImportOptions::default())
        .await
        .unwrap();
    assert!(a.created && !b.created);
    assert_eq!(a.project.id, b.project.id);
    let c = e
        .import(
            STORY.as_bytes(),
            "s.md",
            ImportOptions {
                force_new: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(c.created && c.project.id != a.project.id);
    assert_eq!(e.list(false).unwrap().len(), 2);
    // Lookup by title is ambiguous now; by the short id (the id's random tail) it is not,
    // even for projects made in the same millisecond.
    assert!(e.find_project("Test").is_err());
    let short = storyreel_engine::model::short_id(&c.project.id);
    assert_eq!(e.find_project(&short).unwrap().id, c.project.id);
    // The whole id always works; a prefix shared by both (their time part) is refused as ambiguous.
    assert_eq!(
        e.find_project(&a.project.id.to_string()).unwrap().id,
        a.project.id
    );
    let shared = &a.project.id.to_string()[..8];
    if c.project.id.to_string().starts_with(shared) {
        assert!(e
            .find_project(shared)
            .unwrap_err()
            .to_string()
            .contains("matches 2 projects"));
    }
}

#[tokio::test]
async fn a_late_result_after_cancel_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let p = import(&e, "only scene").await;
    let Claim::Job(job) = e.queue().claim_sync(Lane::Generate, now_ms()).unwrap() else {
        panic!("no job")
    };
    assert!(e.cancel_job(job.id).await.unwrap());
    let r = e.queue().finish(job.id, job.attempt, |_, _| Ok(()));
    assert!(matches!(r, Err(Error::Stale(_))));
    let r = e
        .queue()
        .fail(job.id, job.attempt, UserError::new("x", "y"), true);
    assert!(matches!(r, Err(Error::Stale(_))));
    let s = e.store().scene(p.id, 1).unwrap().unwrap();
    assert_eq!(s.status, JobStatus::Cancelled);
    assert_eq!(e.project_status(&p, false).unwrap().status, "cancelled");
    // Retry brings it back at the end of the queue, with a fresh count of tries.
    assert_eq!(
        e.retry(
            &p,
            RetryFilter {
                failed: true,
                ..Default::default()
            }
        )
        .await
        .unwrap(),
        1
    );
    let j = e.store().job(job.id).unwrap().unwrap();
    assert_eq!((j.status, j.failures), (JobStatus::Queued, 0));
}

#[tokio::test]
async fn an_expired_lease_requeues_and_fences_the_old_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    import(&e, "scene").await;
    let Claim::Job(first) = e.queue().claim_sync(Lane::Generate, now_ms()).unwrap() else {
        panic!()
    };
    let lease_end = now_ms() + e.config().queue.lease_s * 1000;
    assert!(
        e.queue().sweep(lease_end - 1000).unwrap().is_empty(),
        "lease still valid"
    );
    let swept = e.queue().sweep(lease_end + 1000).unwrap();
    assert_eq!(swept.len(), 1);
    assert_eq!((swept[0].status, swept[0].failures), (JobStatus::Queued, 1));
    let Claim::Job(second) = e
        .queue()
        .claim_sync(Lane::Generate, now_ms() + 3_600_000)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(second.attempt, first.attempt + 1);
    assert!(matches!(
        e.queue().finish(first.id, first.attempt, |_, _| Ok(())),
        Err(Error::Stale(_))
    ));
    assert!(!e.queue().heartbeat(first.id, first.attempt).unwrap());
    assert!(e.queue().heartbeat(second.id, second.attempt).unwrap());
    e.queue()
        .finish(second.id, second.attempt, |_, _| Ok(()))
        .unwrap();
}

#[tokio::test]
async fn failures_back_off_then_fail_at_max_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let p = import(&e, "scene").await;
    let q = e.queue();
    let mut now = now_ms();
    for attempt in 1..=3u32 {
        let Claim::Job(j) = q.claim_sync(Lane::Generate, now).unwrap() else {
            panic!("attempt {attempt} not claimable")
        };
        assert_eq!(j.attempt, attempt);
        let after = q
            .fail(j.id, j.attempt, UserError::new("flaky", "Try later."), true)
            .unwrap();
        if attempt < 3 {
            assert_eq!(after.status, JobStatus::Queued);
            assert!(after.not_before >= now_ms() - 5 && after.not_before <= now_ms() + 600_000);
            now = after.not_before;
            if after.not_before > now_ms() + 5 {
                match q.claim_sync(Lane::Generate, now_ms()).unwrap() {
                    Claim::Idle { next_ready } => assert_eq!(next_ready, Some(after.not_before)),
                    Claim::Job(_) => panic!("claimed during its backoff"),
                }
            }
        } else {
            assert_eq!(after.status, JobStatus::Failed);
        }
    }
    let s = e.store().scene(p.id, 1).unwrap().unwrap();
    assert_eq!(s.status, JobStatus::Failed);
    assert_eq!(s.error.unwrap().message, "Try later.");
    assert_eq!(e.project_status(&p, false).unwrap().status, "failed");
}

#[tokio::test]
async fn terminal_errors_fail_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    import(&e, "scene").await;
    let Claim::Job(j) = e.queue().claim_sync(Lane::Generate, now_ms()).unwrap() else {
        panic!()
    };
    let after = e
        .queue()
        .fail(j.id, j.attempt, UserError::new("auth", "Bad key."), false)
        .unwrap();
    assert_eq!(after.status, JobStatus::Failed);
    assert_eq!(after.failures, 1);
}

#[tokio::test]
async fn a_restart_requeues_running_jobs_without_counting_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let e = open(dir.path());
        import(&e, "scene").await;
        let Claim::Job(j) = e.queue().claim_sync(Lane::Generate, now_ms()).unwrap() else {
            panic!()
        };
        e.store().flush().await.unwrap();
        j.id
    };
    let e = open(dir.path());
    assert_eq!(e.recovered_at_open(), 1);
    let j = e.store().job(id).unwrap().unwrap();
    assert_eq!(
        (j.status, j.failures, j.interrupts, j.attempt),
        (JobStatus::Queued, 0, 1, 1)
    );
    assert!(e.store().leases().unwrap().is_empty());
    work_until_idle(&e).await;
    let j = e.store().job(id).unwrap().unwrap();
    assert_eq!((j.status, j.attempt), (JobStatus::Succeeded, 2));
}

#[tokio::test]
async fn pause_holds_new_work_and_resume_releases_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let a = import(&e, "a one\n\na two").await;
    let b = e
        .import(b"b one", "b.md", ImportOptions::default())
        .await
        .unwrap()
        .project;
    e.set_paused(Some(&a), true).await.unwrap();
    let Claim::Job(j) = e.queue().claim_sync(Lane::Generate, now_ms()).unwrap() else {
        panic!()
    };
    assert_eq!(j.project_id, b.id, "a paused project's jobs are skipped");
    assert!(matches!(
        e.queue().claim_sync(Lane::Generate, now_ms()).unwrap(),
        Claim::Idle { .. }
    ));
    assert_eq!(e.project_status(&a, false).unwrap().status, "paused");
    e.set_paused(Some(&a), false).await.unwrap();
    e.set_paused(None, true).await.unwrap();
    assert!(matches!(
        e.queue().claim_sync(Lane::Generate, now_ms()).unwrap(),
        Claim::Idle { .. }
    ));
    assert!(e.is_idle().unwrap());
    e.set_paused(None, false).await.unwrap();
    assert!(matches!(
        e.queue().claim_sync(Lane::Generate, now_ms()).unwrap(),
        Claim::Job(_)
    ));
}

#[tokio::test]
async fn positions_are_unique_gap_free_and_follow_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let p = import(&e, "1\n\n2\n\n3\n\n4\n\n5").await;
    let st = e.project_status(&p, true).unwrap();
    let pos: Vec<_> = st
        .scenes
        .unwrap()
        .iter()
        .map(|s| s.queue_position.unwrap())
        .collect();
    assert_eq!(pos, [1, 2, 3, 4, 5]);
    let Claim::Job(_) = e.queue().claim_sync(Lane::Generate, now_ms()).unwrap() else {
        panic!()
    };
    let st = e.project_status(&p, true).unwrap();
    let pos: Vec<_> = st
        .scenes
        .unwrap()
        .iter()
        .map(|s| s.queue_position)
        .collect();
    assert_eq!(pos, [None, Some(1), Some(2), Some(3), Some(4)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_slow_job_alive_past_its_lease() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = quiet();
    cfg.queue.lease_s = 2;
    cfg.queue.heartbeat_s = 1;
    let opts = EngineOptions {
        debug: DebugKnobs {
            step_delay: Some(Duration::from_millis(3500)),
            ..Default::default()
        },
        ..EngineOptions::new(dir.path(), cfg)
    };
    let e = Engine::open(opts).unwrap();
    let p = import(&e, "slow scene").await;
    work_until_idle(&e).await;
    let s = e.store().scene(p.id, 1).unwrap().unwrap();
    assert_eq!(
        (s.status, s.attempts),
        (JobStatus::Succeeded, 1),
        "the sweeper must not re-queue a job whose heartbeat is alive"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_placeholders_runs_the_chain_again() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let p = import(&e, "one\n\ntwo").await;
    work_until_idle(&e).await;
    assert_eq!(
        e.retry(
            &p,
            RetryFilter {
                placeholders: true,
                ..Default::default()
            }
        )
        .await
        .unwrap(),
        2
    );
    let st = e.project_status(&p, true).unwrap();
    assert_eq!(st.counts.queued, 2);
    assert!(
        st.scenes
            .unwrap()
            .iter()
            .all(|s| s.placeholder && s.image.is_some()),
        "the old image stays until a new one arrives"
    );
    work_until_idle(&e).await;
    assert_eq!(e.project_status(&p, false).unwrap().status, "done");
    assert!(e
        .retry(
            &p,
            RetryFilter {
                scene: Some(9),
                ..Default::default()
            }
        )
        .await
        .is_err());
}

#[tokio::test]
async fn export_writes_images_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let p = import(&e, "one\n\ntwo").await;
    work_until_idle(&e).await;
    let out = dir.path().join("out");
    let r = e.export(&p, &out).unwrap();
    assert_eq!(r.files, ["scene-001.jpg", "scene-002.jpg", "manifest.json"]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenes"][1]["text"], "two");
    assert_eq!(m["scenes"][1]["placeholder"], true);
}

#[tokio::test]
async fn delete_and_prune() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let p = import(&e, "one\n\ntwo").await;
    e.delete_project(&p).await.unwrap();
    assert!(e.list(false).unwrap().is_empty());
    assert!(e.store().all_jobs().unwrap().is_empty());
    assert!(e.store().queue_order(Lane::Generate).unwrap().is_empty());
    assert_eq!(e.prune().await.unwrap(), 0);
    assert!(e.doctor(false).unwrap().iter().all(|c| c.ok));
}

/// The settings of these tests: no narration (voices have their own tests).
fn quiet() -> storyreel_engine::config::Config {
    let mut c = storyreel_engine::config::Config::default();
    c.voice.enabled = false;
    c
}
