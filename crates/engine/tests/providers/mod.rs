//! Shared setup for provider tests: an engine whose providers all point at one fault server.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::model::Scene;
use storyreel_engine::secrets::StaticSecrets;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use storyreel_testkit::FaultServer;

pub const KEY: &str = "sk-test-key-0123456789";

/// A config whose chain is `chain` (+ titlecard), every provider pointing at `server`, with
/// short timeouts and retry waits so the matrix runs quickly.
pub fn config(server: &FaultServer, chain: &[&str]) -> Config {
    let url = server.url();
    let mut c = Config::default();
    c.generation.providers = chain.iter().map(|s| s.to_string()).collect();
    c.generation.concurrency = 1;
    c.generation.retry_base_ms = 20;
    c.generation.retry_max_ms = 100;
    let p = &mut c.providers;
    p.openai.base_url = Some(format!("{url}/v1"));
    p.fal.base_url = Some(format!("{url}/fal"));
    p.stability.base_url = Some(url.clone());
    p.automatic1111.base_url = Some(url.clone());
    p.comfyui.base_url = Some(url);
    for s in [
        &mut p.openai,
        &mut p.fal,
        &mut p.stability,
        &mut p.automatic1111,
        &mut p.comfyui,
    ] {
        s.timeout_s = Some(1);
        s.poll_interval_ms = Some(20);
        s.poll_timeout_s = Some(5);
    }
    c
}

pub fn engine(dir: &std::path::Path, config: Config) -> Engine {
    let secrets = StaticSecrets::default()
        .with("openai", KEY)
        .with("fal", KEY)
        .with("stability", KEY);
    let opts = EngineOptions {
        secrets: Arc::new(secrets),
        ..EngineOptions::new(dir, config)
    };
    Engine::open(opts).unwrap()
}

/// Imports `n` scenes and works until idle; returns the scenes and how long it took.
pub async fn run(e: &Engine, n: usize) -> (Vec<Scene>, Duration) {
    let text: String = (1..=n)
        .map(|i| format!("Scene {i}: a lighthouse at dusk, waves below.\n\n"))
        .collect();
    let p = e
        .import(
            text.as_bytes(),
            "s.md",
            ImportOptions {
                force_new: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    let t0 = Instant::now();
    let w = e.start();
    while !e.is_idle().unwrap() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "work did not finish"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    w.shutdown().await;
    (e.store().scenes_of(p.id).unwrap(), t0.elapsed())
}

/// What a scene ended as: (provider, placeholder, error code).
pub fn outcome(s: &Scene) -> (String, bool, Option<String>) {
    let img = s.image.as_ref().expect("every scene gets an image");
    (
        img.provider.clone(),
        img.placeholder,
        s.error.as_ref().map(|e| e.code.clone()),
    )
}
