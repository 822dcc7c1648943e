//! Sync against a real S3-compatible server (s3s-fs) on 127.0.0.1: the happy path, an outage,
//! terminal errors and their fix, multipart uploads and their recovery, and local-only mode.

mod sync;

use std::time::Duration;

use storyreel_engine::model::{JobKind, JobStatus, SyncState};
use storyreel_engine::sync::gate::SyncHealth;
use storyreel_engine::{Engine, Event};
use storyreel_testkit::s3::{self, S3Server};
use sync::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_scenes_arrive_once_verified() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, BUCKET));
    let p = import(&e, 30).await;
    work_until(&e, Duration::from_secs(120), all_settled).await;
    assert_all_synced(&e, &server, &p).await;
    let report = e.sync_report(None).unwrap();
    assert_eq!(report.counts.synced, 30);
    assert!(report.items.is_empty());
    assert_eq!(report.health, SyncHealth::Ok);
    assert_eq!(report.stats.uploads, 30);
    // One PUT and one HEAD per image: no retries, no extra requests.
    assert_eq!(e.sync_requests(), 60);
    // The scene view in `status` says synced, with the URL.
    let st = e.project_status(&p, true).unwrap();
    for s in st.scenes.unwrap() {
        let v = s.sync.unwrap();
        assert_eq!(v.state, SyncState::Synced);
        assert!(v.url.unwrap().starts_with(&server.endpoint()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_waits_quietly_and_catches_up() {
    let mut server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, BUCKET));
    let mut events = e.subscribe();
    let p = import(&e, 30).await;
    server.stop();
    // Four seconds offline: every image is generated, every upload waits.
    let w = e.start();
    tokio::time::sleep(Duration::from_secs(4)).await;
    w.shutdown().await;
    let during = e.sync_requests();
    let mut waiting_events = 0;
    while let Ok(ev) = events.try_recv() {
        if let Event::Sync {
            health: SyncHealth::Waiting { .. },
        } = ev
        {
            waiting_events += 1;
        }
    }
    assert_eq!(waiting_events, 1, "one 'waiting' event, not one per upload");
    assert!(
        matches!(e.sync_health(), SyncHealth::Waiting { .. }),
        "{:?}",
        e.sync_health()
    );
    // A few uploads in flight when it went down, then one probe at a time with backoff.
    assert!(
        (1..=20).contains(&during),
        "{during} requests during the outage"
    );
    for s in scenes(&e, &p) {
        assert_eq!(
            s.status,
            JobStatus::Succeeded,
            "a storage outage never fails a scene"
        );
        let st = s.sync.unwrap().state;
        assert!(
            matches!(st, SyncState::Pending | SyncState::Waiting),
            "scene {}: {st:?}",
            s.index
        );
    }
    let report = e.sync_report(Some(p.id)).unwrap();
    assert_eq!(report.counts.failed, 0);
    assert_eq!(report.counts.outstanding(), 30);

    server.restart();
    work_until(&e, Duration::from_secs(60), all_settled).await;
    assert_all_synced(&e, &server, &p).await;
    assert_eq!(e.sync_health(), SyncHealth::Ok);
    let failed = e
        .store()
        .all_jobs()
        .unwrap()
        .into_iter()
        .filter(|j| j.kind() == JobKind::UploadAsset && j.status == JobStatus::Failed)
        .count();
    assert_eq!(failed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_stop_at_once_and_retry_now_finishes() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server, BUCKET);
    let p;
    {
        let e = engine_with(
            dir.path(),
            cfg.clone(),
            keys(s3::ACCESS_KEY, "a-wrong-secret-key-1234"),
        );
        p = import(&e, 12).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
        // The first refusals stop the lane: no request per scene, no retry storm.
        let sent = e.sync_requests();
        assert!(
            (1..=cfg.queue.upload_concurrency as u64).contains(&sent),
            "{sent} requests"
        );
        assert!(matches!(e.sync_health(), SyncHealth::Misconfigured { .. }));
        for s in scenes(&e, &p) {
            assert_eq!(s.status, JobStatus::Succeeded);
            let sync = s.sync.unwrap();
            assert_eq!(sync.state, SyncState::Failed, "scene {}", s.index);
            let err = sync.error.unwrap();
            assert_eq!(err.code, "denied");
            assert!(
                err.message.contains("AWS_SECRET_ACCESS_KEY"),
                "{}",
                err.message
            );
            assert!(!err.message.contains("a-wrong-secret"), "{}", err.message);
            assert!(!err.message.contains(s3::ACCESS_KEY), "{}", err.message);
        }
        // Waiting for the user: a later run does not retry by itself.
        let before = e.sync_requests();
        work_until(&e, Duration::from_secs(5), all_settled).await;
        assert_eq!(e.sync_requests(), before);
    }
    // The user fixes the key; `sync --retry-now` finishes the job.
    let e = engine(dir.path(), cfg);
    assert_eq!(e.sync_retry_now(None).await.unwrap(), 12);
    work_until(&e, Duration::from_secs(60), all_settled).await;
    assert_all_synced(&e, &server, &p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_says_how_to_fix_it_and_can_be_created() {
    // moto, not s3s-fs: s3s-fs quietly creates a missing bucket on upload; S3 and moto refuse.
    let server = S3Server::moto();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, BUCKET);
    let p;
    {
        let e = engine(dir.path(), cfg.clone());
        p = import(&e, 12).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
        for s in scenes(&e, &p) {
            assert_eq!(s.status, JobStatus::Succeeded);
            let sync = s.sync.unwrap();
            assert_eq!(sync.state, SyncState::Failed);
            let err = sync.error.clone().unwrap_or_else(|| panic!("{sync:?}"));
            assert_eq!(err.code, "no_bucket");
            assert!(
                err.message.contains(BUCKET) && err.message.contains("create_bucket"),
                "{}",
                err.message
            );
        }
        // The uploads in flight when the first refusal came, at most; a cold server's first
        // transient answer may add a probe or two. Never one request per scene.
        let sent = e.sync_requests();
        assert!(
            sent <= cfg.queue.upload_concurrency as u64 + 3,
            "{sent} requests"
        );
        assert!(server.buckets().await.is_empty());
    }
    cfg.sync.create_bucket = true;
    let e = engine(dir.path(), cfg);
    assert_eq!(e.sync_retry_now(None).await.unwrap(), 12);
    work_until(&e, Duration::from_secs(60), all_settled).await;
    assert_eq!(
        server.buckets().await,
        vec![BUCKET.to_string()],
        "the bucket was created"
    );
    assert_all_synced(&e, &server, &p).await;
}

/// A random file above the multipart threshold, in the asset store and queued for upload.
async fn big_upload(e: &Engine, p: uuid::Uuid, mb: usize) -> (String, Vec<u8>) {
    use rand::RngCore;
    let mut data = vec![0u8; mb * 1024 * 1024 + 12_345];
    rand::rng().fill_bytes(&mut data);
    let hash = e.assets().put(&data, "mp4").unwrap();
    e.enqueue_file_upload(p, "video.mp4", &hash, "mp4")
        .await
        .unwrap()
        .unwrap();
    (hash, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_files_go_up_in_parts() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, BUCKET));
    let p = import(&e, 1).await;
    let (hash, data) = big_upload(&e, p.id, 20).await;
    work_until(&e, Duration::from_secs(60), all_settled).await;
    let key = format!("{PREFIX}/projects/{}/video.mp4", p.id);
    let (bytes, meta) = server.object(BUCKET, &key).await;
    assert_eq!(bytes.len(), data.len());
    assert_eq!(blake3::hash(&bytes), blake3::hash(&data));
    assert_eq!(meta.as_deref(), Some(hash.as_str()));
    // create + 3 parts + complete + HEAD, plus the scene's PUT and HEAD.
    assert_eq!(e.sync_requests(), 8);
}

#[test]
fn a_half_done_multipart_upload_is_aborted_and_redone() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server, BUCKET);
    let p;
    let first_id;
    {
        // A process that dies mid-upload: its runtime is torn down between two parts.
        let rt = tokio::runtime::Runtime::new().unwrap();
        let e = rt.block_on(async {
            let e = Engine::open(storyreel_engine::EngineOptions {
                secrets: keys(s3::ACCESS_KEY, s3::SECRET_KEY),
                debug: storyreel_engine::DebugKnobs {
                    upload_delay: Some(Duration::from_millis(400)),
                    ..Default::default()
                },
                ..storyreel_engine::EngineOptions::new(dir.path(), cfg.clone())
            })
            .unwrap();
            e
        });
        let (id, w) = rt.block_on(async {
            let p = import(&e, 1).await;
            big_upload(&e, p.id, 20).await;
            let w = e.start();
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            let id = loop {
                let mp = e
                    .store()
                    .all_jobs()
                    .unwrap()
                    .into_iter()
                    .find_map(|j| j.upload().and_then(|u| u.multipart.clone()));
                if let Some(id) = mp {
                    break id;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "no multipart upload began"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            (id, (w, p))
        });
        first_id = id;
        p = w.1;
        drop(w.0);
        drop(e);
        rt.shutdown_background();
    }
    // Give the torn-down tasks a moment to drop their hold on the data folder.
    let mut reopened = None;
    for _ in 0..100 {
        match Engine::open(storyreel_engine::EngineOptions {
            secrets: keys(s3::ACCESS_KEY, s3::SECRET_KEY),
            ..storyreel_engine::EngineOptions::new(dir.path(), cfg.clone())
        }) {
            Ok(e) => {
                reopened = Some(e);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let e = reopened.expect("the data folder opens again");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        work_until(&e, Duration::from_secs(60), all_settled).await;
        let key = format!("{PREFIX}/projects/{}/video.mp4", p.id);
        let objects = server
            .objects(BUCKET, &format!("{PREFIX}/projects/{}", p.id))
            .await;
        assert!(objects.iter().any(|(k, _)| *k == key), "{objects:?}");
        let job = e
            .store()
            .all_jobs()
            .unwrap()
            .into_iter()
            .find(|j| j.scene_index.is_none() && j.kind() == JobKind::UploadAsset)
            .unwrap();
        assert_eq!(job.status, JobStatus::Succeeded);
        assert!(job.upload().unwrap().multipart.is_none());
        // The first attempt's parts are gone: aborting it again finds nothing.
        use object_store::multipart::MultipartStore;
        let client = server.client(BUCKET);
        let path = object_store::path::Path::from(key.as_str());
        let again = client
            .put_part(&path, &first_id, 0, vec![1u8; 10].into())
            .await;
        assert!(
            again.is_err(),
            "the interrupted multipart upload still accepts parts"
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_target_everything_stays_local() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), quiet());
    let p = import(&e, 3).await;
    work_until(&e, Duration::from_secs(60), all_settled).await;
    assert!(e
        .store()
        .all_jobs()
        .unwrap()
        .iter()
        .all(|j| j.kind() != JobKind::UploadAsset));
    let r = e.sync_report(None).unwrap();
    assert_eq!(r.target, None);
    assert_eq!(r.health, SyncHealth::Local);
    assert_eq!(r.counts.local, 3);
    assert_eq!(r.counts.outstanding(), 0);
    let st = e.project_status(&p, true).unwrap();
    assert!(st
        .scenes
        .unwrap()
        .iter()
        .all(|s| s.sync.as_ref().unwrap().state == SyncState::Local));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_made_before_a_target_was_set_are_uploaded_later() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let p;
    {
        let e = engine(dir.path(), quiet());
        p = import(&e, 4).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
    }
    let e = engine(dir.path(), config(&server, BUCKET));
    assert_eq!(
        e.sync_report(None).unwrap().counts.pending,
        4,
        "not on the target yet"
    );
    work_until(&e, Duration::from_secs(60), |e| {
        e.sync_report(None).unwrap().counts.synced == 4
    })
    .await;
    assert_all_synced(&e, &server, &p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regenerated_scene_gets_a_new_object_and_the_old_stays() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, BUCKET));
    let p = import(&e, 2).await;
    work_until(&e, Duration::from_secs(60), all_settled).await;
    let old = scenes(&e, &p)[0].sync.clone().unwrap();
    // Regenerating scene 1 in another style gives it a new image with an upload of its own;
    // the key is content addressed, so it lands under a new key and the old object stays.
    e.store()
        .transact(|tx| {
            let mut pr = tx.project(p.id)?.unwrap();
            pr.style = "noir".into();
            tx.put_project(&pr)
        })
        .unwrap();
    e.retry(
        &p,
        storyreel_engine::RetryFilter {
            scene: Some(1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    work_until(&e, Duration::from_secs(60), all_settled).await;
    let new = scenes(&e, &p)[0].sync.clone().unwrap();
    assert_eq!(new.state, SyncState::Synced);
    assert_ne!(
        new.job_id, old.job_id,
        "the new image has an upload of its own"
    );
    assert_ne!(new.key, old.key, "a new image, a new key");
    let objects = server
        .objects(BUCKET, &format!("{PREFIX}/projects/{}", p.id))
        .await;
    let keys: Vec<_> = objects.iter().map(|(k, _)| k.clone()).collect();
    assert!(
        keys.contains(&old.key) && keys.contains(&new.key),
        "{keys:?}"
    );
}

/// The settings of these tests: no narration (voices have their own tests).
fn quiet() -> storyreel_engine::config::Config {
    let mut c = storyreel_engine::config::Config::default();
    c.voice.enabled = false;
    c
}
