//! Trust in sync: pruning never strands an upload, started multipart uploads never leak, and
//! "not found" is read at the right depth — each against a real server on 127.0.0.1.

mod sync;

use std::time::Duration;

use storyreel_engine::model::{JobKind, JobPayload, JobStatus, SyncState};
use storyreel_testkit::s3::{self, S3Server};
use sync::{
    all_settled, assert_all_synced, config, engine, engine_with, import, keys, scenes, work_until,
    BUCKET,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_keeps_a_failed_upload_that_a_scene_still_points_to() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, BUCKET);
    let p;
    {
        // One refused key fails every upload of the project.
        let e = engine_with(
            dir.path(),
            cfg.clone(),
            keys(s3::ACCESS_KEY, "a-wrong-secret-key-1234"),
        );
        p = import(&e, 3).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
        for s in scenes(&e, &p) {
            assert_eq!(s.sync.unwrap().state, SyncState::Failed);
        }
    }
    // Days later (prune age 0: every finished job is "old"), the user fixes the key.
    cfg.queue.prune_after_days = 0;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let e = engine(dir.path(), cfg);
    e.prune().await.unwrap();
    let failed_uploads = e
        .store()
        .all_jobs()
        .unwrap()
        .into_iter()
        .filter(|j| j.kind() == JobKind::UploadAsset && j.status == JobStatus::Failed)
        .count();
    assert_eq!(
        failed_uploads, 3,
        "prune kept the uploads the scenes point to"
    );
    assert_eq!(e.sync_retry_now(None).await.unwrap(), 3);
    work_until(&e, Duration::from_secs(60), all_settled).await;
    assert_all_synced(&e, &server, &p).await;
    // History nothing points to is still pruned (the control).
    let spec = storyreel_engine::model::UploadSpec {
        hash: "0".repeat(64),
        ext: "png".into(),
        bytes: 1,
        key: "old.png".into(),
        target: "old".into(),
        multipart: None,
    };
    let mut old = storyreel_engine::model::Job::new(
        JobPayload::UploadAsset(Box::new(spec)),
        p.id,
        Some(1),
        1,
        0,
    );
    old.status = JobStatus::Succeeded;
    old.finished_at = Some(1);
    e.store().transact(|tx| tx.put_job_record(&old)).unwrap();
    assert_eq!(e.prune().await.unwrap(), 1);
    assert!(e.store().job(old.id).unwrap().is_none());
}

/// Multipart uploads the server still holds open in `bucket` (moto answers unsigned requests).
async fn open_uploads(server: &S3Server, bucket: &str) -> usize {
    let url = format!("{}/{bucket}?uploads", server.endpoint());
    let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
    body.matches("<UploadId>").count()
}

/// An engine whose uploads go up in parts (PNG title cards are over a megabyte), with a pause
/// before each part so that a route can end the attempt while its upload is open.
fn multipart_engine(dir: &std::path::Path, server: &S3Server) -> storyreel_engine::Engine {
    let mut cfg = config(server, BUCKET);
    cfg.generation.format = storyreel_engine::config::ImageFormat::Png;
    cfg.sync.multipart_threshold_mb = 1;
    // A heartbeat every second: an attempt whose job was cancelled or deleted learns it within
    // a second and is dropped mid-upload, before its next part (the leak this test is about).
    cfg.queue.heartbeat_s = 1;
    cfg.queue.lease_s = 2;
    storyreel_engine::Engine::open(storyreel_engine::EngineOptions {
        secrets: keys(s3::ACCESS_KEY, s3::SECRET_KEY),
        debug: storyreel_engine::DebugKnobs {
            upload_delay: Some(Duration::from_millis(3000)),
            ..Default::default()
        },
        ..storyreel_engine::EngineOptions::new(dir, cfg)
    })
    .unwrap()
}

/// Starts the workers and waits until an upload has begun its multipart upload.
async fn begun(
    e: &storyreel_engine::Engine,
    server: &S3Server,
) -> (storyreel_engine::Workers, storyreel_engine::model::Job) {
    let w = e.start();
    let t0 = std::time::Instant::now();
    loop {
        let running = e.store().all_jobs().unwrap().into_iter().find(|j| {
            j.kind() == JobKind::UploadAsset
                && j.status == JobStatus::Running
                && j.upload().is_some_and(|u| u.multipart.is_some())
        });
        if let Some(j) = running {
            assert_eq!(open_uploads(server, BUCKET).await, 1, "the upload is open");
            let bytes = j.upload().unwrap().bytes;
            assert!(bytes > 1024 * 1024, "a multipart-sized image: {bytes}");
            return (w, j);
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no multipart upload began"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the server holds no open multipart upload and the outbox is empty.
async fn all_aborted(e: &storyreel_engine::Engine, server: &S3Server, route: &str) {
    let t0 = std::time::Instant::now();
    loop {
        // What the upload lane does every two seconds (its workers may be stopped here).
        e.drain_aborts().await.unwrap();
        if open_uploads(server, BUCKET).await == 0 && e.store().pending_aborts().unwrap().is_empty()
        {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "{route}: {} uploads still open, outbox {:?}",
            open_uploads(server, BUCKET).await,
            e.store().pending_aborts().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_multipart_upload_is_left_open_by_any_route() {
    let server = S3Server::moto();
    server.create_bucket_async(BUCKET).await;
    // Cancel: the attempt becomes stale mid-upload.
    {
        let dir = tempfile::tempdir().unwrap();
        let e = multipart_engine(dir.path(), &server);
        import(&e, 1).await;
        let (w, job) = begun(&e, &server).await;
        assert!(e.cancel_job(job.id).await.unwrap());
        all_aborted(&e, &server, "cancel").await;
        w.shutdown().await;
        assert_eq!(open_uploads(&server, BUCKET).await, 0, "cancel");
    }
    // Delete the project while its upload is open.
    {
        let dir = tempfile::tempdir().unwrap();
        let e = multipart_engine(dir.path(), &server);
        let p = import(&e, 1).await;
        let (w, _) = begun(&e, &server).await;
        e.delete_project(&p).await.unwrap();
        all_aborted(&e, &server, "delete").await;
        w.shutdown().await;
    }
    // Regenerate the scene: its new image replaces the upload under way.
    {
        let dir = tempfile::tempdir().unwrap();
        let e = multipart_engine(dir.path(), &server);
        let p = import(&e, 1).await;
        let (w, _) = begun(&e, &server).await;
        let filter = storyreel_engine::RetryFilter {
            scene: Some(1),
            ..Default::default()
        };
        assert_eq!(e.retry(&p, filter).await.unwrap(), 1);
        w.shutdown().await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
        all_aborted(&e, &server, "regenerate").await;
        assert_eq!(
            scenes(&e, &p)[0].sync.as_ref().unwrap().state,
            SyncState::Synced
        );
    }
    // Stop (the hand-back), then delete the project before any restart.
    {
        let dir = tempfile::tempdir().unwrap();
        let e = multipart_engine(dir.path(), &server);
        let p = import(&e, 1).await;
        let (w, _) = begun(&e, &server).await;
        w.shutdown().await;
        e.delete_project(&p).await.unwrap();
        all_aborted(&e, &server, "stop, then delete").await;
    }
    // Stop (the hand-back) and restart: the next attempt starts over, nothing stays open.
    {
        let dir = tempfile::tempdir().unwrap();
        let p;
        {
            let e = multipart_engine(dir.path(), &server);
            p = import(&e, 1).await;
            let (w, _) = begun(&e, &server).await;
            w.shutdown().await;
        }
        let e = multipart_engine(dir.path(), &server);
        work_until(&e, Duration::from_secs(60), all_settled).await;
        all_aborted(&e, &server, "restart").await;
        assert_eq!(
            scenes(&e, &p)[0].sync.as_ref().unwrap().state,
            SyncState::Synced
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unplugged_target_folder_makes_uploads_wait_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let drive = tempfile::tempdir().unwrap();
    let root = drive.path().join("backup");
    std::fs::create_dir(&root).unwrap();
    let mut cfg = quiet();
    cfg.sync.target = Some(format!("file://{}", root.display()));
    cfg.queue.backoff_base_ms = 100;
    cfg.queue.backoff_max_s = 1;
    let e = storyreel_engine::Engine::open(storyreel_engine::EngineOptions {
        debug: storyreel_engine::DebugKnobs {
            upload_delay: Some(Duration::from_millis(800)),
            ..Default::default()
        },
        ..storyreel_engine::EngineOptions::new(dir.path(), cfg)
    })
    .unwrap();
    let p = import(&e, 3).await;
    let w = e.start();
    // The drive goes away while the first uploads are on their way.
    let t0 = std::time::Instant::now();
    while !e
        .store()
        .all_jobs()
        .unwrap()
        .iter()
        .any(|j| j.kind() == JobKind::UploadAsset && j.status == JobStatus::Running)
    {
        assert!(t0.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    std::fs::remove_dir_all(&root).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for s in scenes(&e, &p) {
        let sync = s.sync.unwrap();
        assert_ne!(
            sync.state,
            SyncState::Failed,
            "scene {}: {:?}",
            s.index,
            sync.error
        );
    }
    // It comes back: everything is delivered without the user doing anything.
    std::fs::create_dir(&root).unwrap();
    let t0 = std::time::Instant::now();
    while !all_settled(&e) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "not delivered after the drive came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.shutdown().await;
    for s in scenes(&e, &p) {
        let sync = s.sync.unwrap();
        assert_eq!(sync.state, SyncState::Synced, "scene {}", s.index);
        assert!(root.join(&sync.key).is_file(), "{}", sync.key);
    }
}

fn dav_engine(
    dir: &std::path::Path,
    server: &storyreel_testkit::webdav::DavServer,
    password: &str,
    create: bool,
) -> storyreel_engine::Engine {
    use storyreel_engine::sync::target::{ACCESS_KEY, SECRET_KEY};
    use storyreel_testkit::webdav::USER;
    let mut cfg = quiet();
    cfg.sync.target = Some(format!("{}/reels/storyreel", server.url()));
    cfg.sync.allow_http = Some(true);
    cfg.sync.create_bucket = create;
    cfg.queue.backoff_base_ms = 200;
    cfg.queue.backoff_max_s = 2;
    let secrets = storyreel_engine::secrets::StaticSecrets::default()
        .with(ACCESS_KEY, USER)
        .with(SECRET_KEY, password);
    storyreel_engine::Engine::open(storyreel_engine::EngineOptions {
        secrets: std::sync::Arc::new(secrets),
        ..storyreel_engine::EngineOptions::new(dir, cfg)
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_webdav_folder_is_named_and_can_be_created() {
    use storyreel_testkit::webdav::{DavServer, PASSWORD};
    let server = DavServer::start();
    let dir = tempfile::tempdir().unwrap();
    let p;
    {
        let e = dav_engine(dir.path(), &server, PASSWORD, false);
        p = import(&e, 2).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
        for s in scenes(&e, &p) {
            let err = s.sync.unwrap().error.unwrap();
            assert_eq!(err.code, "no_bucket", "{}", err.message);
            assert!(
                err.message.contains("/reels/storyreel/")
                    && err.message.contains("does not exist")
                    && err.message.contains("create_bucket = true"),
                "{}",
                err.message
            );
            assert!(!err.message.contains("MKCOL") && !err.message.contains("already exists"));
        }
    }
    // create_bucket = true: the folder chain is made and everything goes up.
    let e = dav_engine(dir.path(), &server, PASSWORD, true);
    assert_eq!(e.sync_retry_now(None).await.unwrap(), 2);
    work_until(&e, Duration::from_secs(60), all_settled).await;
    for s in scenes(&e, &p) {
        let sync = s.sync.unwrap();
        assert_eq!(sync.state, SyncState::Synced, "{:?}", sync.error);
        let local = std::fs::read(
            e.assets()
                .path(&s.image.as_ref().unwrap().hash, "jpg")
                .unwrap(),
        )
        .unwrap();
        let stored = std::fs::read(server.root().join("reels/storyreel").join(&sync.key)).unwrap();
        assert_eq!(local, stored, "scene {}", s.index);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webdav_with_its_folder_syncs_and_a_wrong_password_is_said() {
    use storyreel_testkit::webdav::{DavServer, PASSWORD};
    let server = DavServer::start();
    std::fs::create_dir_all(server.root().join("reels/storyreel")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = dav_engine(dir.path(), &server, PASSWORD, false);
    let p = import(&e, 2).await;
    work_until(&e, Duration::from_secs(60), all_settled).await;
    for s in scenes(&e, &p) {
        assert_eq!(s.sync.unwrap().state, SyncState::Synced);
    }
    let dir = tempfile::tempdir().unwrap();
    let e = dav_engine(dir.path(), &server, "not-the-password-99", false);
    let p = import(&e, 1).await;
    work_until(&e, Duration::from_secs(60), all_settled).await;
    let err = scenes(&e, &p)[0].sync.clone().unwrap().error.unwrap();
    assert_eq!(err.code, "denied", "{}", err.message);
    assert!(
        err.message.contains("STORYREEL_WEBDAV_PASSWORD"),
        "{}",
        err.message
    );
    assert!(
        !err.message.contains("not-the-password-99"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnail_uploads_are_retried_and_kept_like_images() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, BUCKET);
    cfg.sync.upload_thumbnails = true;
    let p;
    {
        let e = engine_with(
            dir.path(),
            cfg.clone(),
            keys(s3::ACCESS_KEY, "a-wrong-secret-key-1234"),
        );
        p = import(&e, 2).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
    }
    cfg.queue.prune_after_days = 0;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let e = engine(dir.path(), cfg);
    e.prune().await.unwrap();
    // Both uploads of each scene come back: the image's and the thumbnail's.
    assert_eq!(e.sync_retry_now(None).await.unwrap(), 4);
    work_until(&e, Duration::from_secs(60), all_settled).await;
    let objects = server
        .objects(BUCKET, &format!("{}/projects/{}", sync::PREFIX, p.id))
        .await;
    assert_eq!(objects.len(), 4, "{objects:?}");
}

/// A slow uplink with a one-second limit: each picture takes seconds to go up in parts, and
/// still every upload finishes, because the limit is on progress, not on the whole request. (With
/// a whole-request limit, every part timed out, forever: a single PUT could still land through
/// the kernel's buffers after the client gave up, but a part's answer never arrives in time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_finish_on_a_link_slower_than_the_request_limit() {
    const RATE: u64 = 512 * 1024;
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let proxy = storyreel_testkit::throttle::Throttle::start(&server.endpoint(), RATE);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, BUCKET);
    cfg.sync.endpoint = Some(proxy.url());
    cfg.sync.timeout_s = 1;
    cfg.sync.multipart_threshold_mb = 1;
    cfg.generation.format = storyreel_engine::config::ImageFormat::Png;
    let e = engine(dir.path(), cfg);
    let p = import(&e, 2).await;
    work_until(&e, Duration::from_secs(120), all_settled).await;
    let mut largest = 0;
    for s in scenes(&e, &p) {
        let sync = s.sync.unwrap();
        assert_eq!(sync.state, SyncState::Synced, "scene {}: {sync:?}", s.index);
        let img = s.image.unwrap();
        let local = std::fs::read(e.assets().path(&img.hash, &img.ext).unwrap()).unwrap();
        let (remote, _) = server.object(BUCKET, &sync.key).await;
        assert_eq!(
            blake3::hash(&remote),
            blake3::hash(&local),
            "scene {}",
            s.index
        );
        largest = largest.max(local.len() as u64);
    }
    assert!(
        largest > 1024 * 1024 && largest / RATE >= 2,
        "a picture ({largest} bytes) goes up in parts and needs at least twice the limit"
    );
}

/// The settings of these tests: no narration (voices have their own tests).
fn quiet() -> storyreel_engine::config::Config {
    let mut c = storyreel_engine::config::Config::default();
    c.voice.enabled = false;
    c
}
