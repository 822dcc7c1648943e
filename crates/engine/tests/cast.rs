//! A story's cast and look carried into every picture, against the fault server speaking each
//! provider's wire format: every request for a scene that names a character carries that
//! character's description (counted: all of them), none for a scene that does not; every
//! request carries the look and the same seed.

mod providers;

use providers::{config, engine, outcome, run_story};
use storyreel_engine::model::Aspect;
use storyreel_testkit::{FaultServer, Route};

const MIRA: &str = "a tall fisherwoman in a yellow oilskin coat, grey braid";
const TOM: &str = "a small boy with a red woollen hat";
const LOOK: &str = "watercolour, soft morning light";

fn story() -> String {
    format!(
        r##"{{
  "cast": [
    {{"name": "Mira", "description": "{MIRA}"}},
    {{"name": "Tom", "description": "{TOM}"}}
  ],
  "look": {{"words": "{LOOK}", "palette": ["#1d3557", "sea green"], "seed": 4242}},
  "scenes": [
    {{"text": "Mira pushes the boat into the grey water."}},
    {{"text": "Tom waves from the pier as MIRA rows away."}},
    {{"text": "The lighthouse stands alone against the sky."}},
    {{"title": "Mira's return", "text": "At dusk the boat comes home."}},
    {{"text": "Samira, a neighbour, lights the lamps along the quay."}}
  ]
}}"##
    )
}

/// Which characters each body describes, the look's presence and its seed.
fn read(body: &[u8], seed_of: impl Fn(&[u8]) -> Option<u64>) -> (bool, bool, bool, Option<u64>) {
    let text = String::from_utf8_lossy(body);
    (
        text.contains(&format!("Mira: {MIRA}")),
        text.contains(&format!("Tom: {TOM}")),
        text.contains(LOOK) && text.contains("palette #1d3557, sea green"),
        seed_of(body),
    )
}

/// Each provider in turn: its requests, read.
async fn requests(
    provider: &str,
    route: Route,
    seed_of: fn(&[u8]) -> Option<u64>,
    takes_seed: bool,
) {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &[provider]));
    let scenes = run_story(&e, &story(), "harbour.json", Aspect::Portrait).await;
    for s in &scenes {
        assert_eq!(
            outcome(s),
            (provider.to_string(), false, None),
            "scene {}",
            s.index
        );
    }
    let bodies = server.bodies(route);
    assert_eq!(bodies.len(), 5, "{provider}: one request a scene");
    let mut seen: Vec<_> = bodies.iter().map(|b| read(b, seed_of)).collect();
    // Scenes are generated one at a time in order (concurrency 1).
    let want = [
        (true, false),  // Mira
        (true, true),   // Tom, MIRA
        (false, false), // nobody
        (true, false),  // Mira in the title
        (false, false), // Samira is not Mira
    ];
    seen.iter()
        .zip(want)
        .enumerate()
        .for_each(|(i, (got, want))| {
            assert_eq!((got.0, got.1), want, "{provider}: scene {}", i + 1);
            assert!(got.2, "{provider}: scene {} carries the look", i + 1);
        });
    if takes_seed {
        assert!(
            seen.iter().all(|s| s.3 == Some(4242)),
            "{provider}: one seed for every scene: {:?}",
            seen.iter().map(|s| s.3).collect::<Vec<_>>()
        );
    }
    seen.clear();
}

fn json_seed(body: &[u8]) -> Option<u64> {
    serde_json::from_slice::<serde_json::Value>(body).ok()?["seed"].as_u64()
}

fn form_seed(body: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(body);
    let part = text.split("name=\"seed\"").nth(1)?;
    part.split("\r\n\r\n")
        .nth(1)?
        .split("\r\n")
        .next()?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stability_request_carries_the_cast_the_look_and_one_seed() {
    requests("stability", Route::Stability, form_seed, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_automatic1111_request_carries_the_cast_the_look_and_one_seed() {
    requests("automatic1111", Route::A1111, json_seed, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_openai_request_carries_the_cast_and_the_look() {
    requests("openai", Route::OpenAi, |_| None, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fal_request_carries_the_cast_the_look_and_one_seed() {
    requests("fal", Route::FalSubmit, json_seed, true).await;
}

/// The seed written into ComfyUI's workflow (any node's `seed` input).
fn workflow_seed(body: &[u8]) -> Option<u64> {
    fn find(v: &serde_json::Value) -> Option<u64> {
        match v {
            serde_json::Value::Object(m) => m
                .get("seed")
                .and_then(|s| s.as_u64())
                .or_else(|| m.values().find_map(find)),
            serde_json::Value::Array(a) => a.iter().find_map(find),
            _ => None,
        }
    }
    find(&serde_json::from_slice(body).ok()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_comfyui_request_carries_the_cast_the_look_and_one_seed() {
    requests("comfyui", Route::ComfyPrompt, workflow_seed, true).await;
}
