//! Shared setup for provider tests: an engine whose providers all point at one fault server.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use storyreel_engine::config::Config;
use storyreel_engine::model::{Aspect, Scene};
use storyreel_engine::secrets::StaticSecrets;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use storyreel_testkit::{Fault, FaultServer, Route};

pub const KEY: &str = "sk-test-key-0123456789";
pub const BUCKET_FOR_SECRETS: &str = "secrets";

/// A config whose chain is `chain` (+ titlecard), every provider pointing at `server`, with
/// short timeouts and retry waits so the matrix runs quickly.
pub fn config(server: &FaultServer, chain: &[&str]) -> Config {
    let url = server.url();
    let mut c = Config::default();
    c.voice.enabled = false;
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
    let t0 = Instant::now();
    let scenes = run_story(e, &text, "s.md", Aspect::default()).await;
    (scenes, t0.elapsed())
}

/// Imports `story` (named `name`: a `.json` name makes it a script) in `aspect` as a new
/// project, and works until idle.
pub async fn run_story(e: &Engine, story: &str, name: &str, aspect: Aspect) -> Vec<Scene> {
    let opts = ImportOptions {
        force_new: true,
        aspect,
        ..Default::default()
    };
    let p = e
        .import(story.as_bytes(), name, opts)
        .await
        .unwrap()
        .project;
    work_until_idle(e).await;
    e.store().scenes_of(p.id).unwrap()
}

/// Runs the workers until nothing is left to do (a minute at most).
pub async fn work_until_idle(e: &Engine) {
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

pub struct Case {
    pub fault: Fault,
    /// Expected: the provider delivered (else a title card with this error code).
    pub ok: bool,
    pub code: Option<&'static str>,
    pub calls: usize,
}

/// The standard fault matrix (for providers that answer with the image in the body).
pub fn matrix(with_url: bool) -> Vec<Case> {
    let c = |fault, ok, code, calls| Case {
        fault,
        ok,
        code,
        calls,
    };
    let mut m = vec![
        c(Fault::Ok, true, None, 1),
        c(Fault::Slow(Duration::from_millis(300)), true, None, 1),
        c(Fault::Hang, false, Some("timeout"), 3),
        c(Fault::Status(500), false, Some("server_error"), 3),
        c(Fault::Status(502), false, Some("server_error"), 3),
        c(Fault::Status(503), false, Some("server_error"), 3),
        c(Fault::RateLimited(0), false, Some("rate_limited"), 3),
        c(Fault::Unauthorized, false, Some("auth"), 1),
        c(Fault::Quota, false, Some("quota"), 1),
        c(Fault::ContentPolicy, false, Some("content_policy"), 1),
        c(Fault::UnknownModel, false, Some("unknown_model"), 1),
        c(Fault::Garbage, false, Some("bad_image"), 3),
        c(Fault::TruncatedImage, false, Some("bad_image"), 3),
        c(Fault::Html, false, Some("bad_response"), 3),
        c(Fault::Bomb, false, Some("bad_image"), 3),
        c(Fault::WrongContentType, true, None, 1),
        c(Fault::Close, false, Some("network"), 3),
    ];
    if with_url {
        m.push(c(Fault::OkUrl, true, None, 1));
    }
    m
}

/// Runs each case against a fresh server whose `route` answers with the case's fault.
pub async fn check_matrix(provider: &str, route: Route, cases: &[Case]) {
    for case in cases {
        let server = FaultServer::start();
        server.set_default(route, case.fault.clone());
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path(), config(&server, &[provider]));
        let (scenes, _) = run(&e, 1).await;
        let (got, placeholder, code) = outcome(&scenes[0]);
        let what = format!("{provider} {:?}", case.fault);
        if case.ok {
            assert_eq!(
                (got.as_str(), placeholder, code.as_deref()),
                (provider, false, None),
                "{what}"
            );
        } else {
            assert_eq!((got.as_str(), placeholder), ("titlecard", true), "{what}");
            assert_eq!(code.as_deref(), case.code, "{what}: {:?}", scenes[0].error);
        }
        assert_eq!(server.hits(route), case.calls, "{what}: calls");
        // A person can read the reason, and no key ever shows in it.
        if let Some(err) = &scenes[0].error {
            assert!(
                err.message.len() > 20 && !err.message.contains(KEY),
                "{what}: {}",
                err.message
            );
        }
    }
}

/// Every byte of every file under `dir`.
pub fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.extend(b);
            }
        }
    }
    out
}

/// Whether `needle` appears anywhere in `hay`.
pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}
