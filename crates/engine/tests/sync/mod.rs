//! Shared setup for sync tests: an engine whose `[sync]` points at a real s3s-fs on 127.0.0.1.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::model::{JobKind, JobStatus, Project, Scene, SyncState};
use storyreel_engine::secrets::StaticSecrets;
use storyreel_engine::sync::target::{ACCESS_KEY, SECRET_KEY};
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use storyreel_testkit::s3::{self, S3Server};

pub const BUCKET: &str = "reels";
pub const PREFIX: &str = "storyreel";

/// A config syncing to `server`'s bucket, with short waits so outages play out quickly.
pub fn config(server: &S3Server, bucket: &str) -> Config {
    let mut c = Config::default();
    c.voice.enabled = false;
    c.sync.target = Some(format!("s3://{bucket}/{PREFIX}"));
    c.sync.endpoint = Some(server.endpoint());
    c.sync.region = Some("us-east-1".into());
    c.sync.timeout_s = 5;
    c.sync.connect_timeout_s = 1;
    c.queue.backoff_base_ms = 200;
    c.queue.backoff_max_s = 2;
    c.generation.concurrency = 2;
    c
}

pub fn keys(access: &str, secret: &str) -> Arc<StaticSecrets> {
    Arc::new(
        StaticSecrets::default()
            .with(ACCESS_KEY, access)
            .with(SECRET_KEY, secret),
    )
}

pub fn engine(dir: &std::path::Path, config: Config) -> Engine {
    engine_with(dir, config, keys(s3::ACCESS_KEY, s3::SECRET_KEY))
}

pub fn engine_with(dir: &std::path::Path, config: Config, secrets: Arc<StaticSecrets>) -> Engine {
    Engine::open(EngineOptions {
        secrets,
        ..EngineOptions::new(dir, config)
    })
    .unwrap()
}

pub fn story(n: usize) -> String {
    (1..=n)
        .map(|i| format!("Scene {i}: the ferry crosses the bay at dawn.\n\n"))
        .collect()
}

pub async fn import(e: &Engine, n: usize) -> Project {
    e.import(story(n).as_bytes(), "bay.txt", ImportOptions::default())
        .await
        .unwrap()
        .project
}

/// Works every lane until `done` holds, or panics after `limit`.
pub async fn work_until(e: &Engine, limit: Duration, done: impl Fn(&Engine) -> bool) {
    let w = e.start();
    let deadline = Instant::now() + limit;
    while !done(e) {
        if Instant::now() > deadline {
            w.shutdown().await;
            panic!(
                "not done within {limit:?}: {:?}",
                e.sync_report(None).unwrap().counts
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    w.shutdown().await;
}

/// Every scene has an image and no upload is left to run.
pub fn all_settled(e: &Engine) -> bool {
    let generated = e
        .store()
        .all_jobs()
        .unwrap()
        .iter()
        .filter(|j| j.kind() == JobKind::GenerateScene)
        .all(|j| j.status.is_terminal());
    generated && e.uploads_outstanding(None).unwrap() == 0
}

pub fn scenes(e: &Engine, p: &Project) -> Vec<Scene> {
    e.store().scenes_of(p.id).unwrap()
}

/// Each scene is generated, synced, and its object on the server equals its local file.
pub async fn assert_all_synced(e: &Engine, server: &S3Server, p: &Project) {
    let scenes = scenes(e, p);
    let objects = server
        .objects(BUCKET, &format!("{PREFIX}/projects/{}", p.id))
        .await;
    assert_eq!(
        objects.len(),
        scenes.len(),
        "exactly one object per scene: {objects:?}"
    );
    for s in &scenes {
        assert_eq!(s.status, JobStatus::Succeeded, "scene {}", s.index);
        let img = s.image.as_ref().unwrap();
        let sync = s.sync.as_ref().unwrap();
        assert_eq!(sync.state, SyncState::Synced, "scene {}: {sync:?}", s.index);
        assert_eq!(sync.hash, img.hash);
        let key = format!(
            "{PREFIX}/projects/{}/scene-{:03}-{}.jpg",
            p.id,
            s.index,
            &img.hash[..8]
        );
        assert_eq!(sync.key, key);
        assert_eq!(
            sync.url.as_deref(),
            Some(format!("{}/{BUCKET}/{key}", server.endpoint()).as_str())
        );
        let (bytes, meta) = server.object(BUCKET, &key).await;
        let local = std::fs::read(e.assets().path(&img.hash, &img.ext).unwrap()).unwrap();
        assert_eq!(
            blake3::hash(&bytes),
            blake3::hash(&local),
            "scene {}",
            s.index
        );
        assert_eq!(meta.as_deref(), Some(img.hash.as_str()), "blake3 metadata");
    }
}
