//! ElevenLabs and OpenAI voices against the fault server speaking their wire formats: the
//! request each one sends, word times from ElevenLabs' alignment, and the fault matrix (401,
//! quota, 429 with Retry-After, 500, a hang, noise or cut-off audio, an HTML page) each ending
//! in the next voice with the calls counted; then random answers (statuses, headers, bodies):
//! no panic, every scene narrated, within the budget. `FUZZ_SEED=N` replays a fuzz run.

mod work;

use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use storyreel_engine::config::Config;
use storyreel_engine::model::{JobStatus, Scene, Speech};
use storyreel_engine::secrets::StaticSecrets;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use storyreel_testkit::{Fault, FaultServer, RawAnswer, Route};

const KEY: &str = "xi-test-key-0123456789";

/// `voice` first, then silence; short timeouts and waits.
fn config(server: &FaultServer, voice: &str) -> Config {
    let mut c = Config::default();
    c.generation.providers = vec!["titlecard".into()];
    c.voice.voices = vec![voice.into()];
    c.voice.retry_base_ms = 10;
    c.voice.retry_max_ms = 50;
    c.voice.budget_s = 4;
    c.breaker.failures = 1000;
    c.voice.elevenlabs.base_url = Some(server.url());
    c.voice.elevenlabs.timeout_s = Some(1);
    c.voice.openai.base_url = Some(format!("{}/v1", server.url()));
    c.voice.openai.timeout_s = Some(1);
    c.voice.openai.instructions = Some("Warm and calm.".into());
    c
}

fn engine(dir: &std::path::Path, cfg: Config) -> Engine {
    let secrets = StaticSecrets::default()
        .with("elevenlabs", KEY)
        .with("openai", KEY);
    Engine::open(EngineOptions {
        secrets: Arc::new(secrets),
        ..EngineOptions::new(dir, cfg)
    })
    .unwrap()
}

/// Narrates a story of `n` scenes and works until every job ended.
async fn narrate(e: &Engine, n: usize) -> (Vec<Scene>, Duration) {
    let text: String = (1..=n)
        .map(|i| format!("Scene {i}: the ferry crosses the bay at dawn.\n\n"))
        .collect();
    let p = e
        .import(
            text.as_bytes(),
            "ferry.txt",
            ImportOptions {
                force_new: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    let took = work::work_until_within(e, Duration::from_secs(300), work::jobs_ended).await;
    (e.store().scenes_of(p.id).unwrap(), took)
}

fn speech(s: &Scene) -> Speech {
    let n = s.narration.as_ref().unwrap();
    assert_eq!(n.status, JobStatus::Succeeded, "{:?}", n.error);
    n.speech.clone().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elevenlabs_speaks_with_its_character_times() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, "elevenlabs"));
    let (scenes, _) = narrate(&e, 1).await;
    let sp = speech(&scenes[0]);
    assert_eq!((sp.provider.as_str(), sp.estimated), ("elevenlabs", false));
    assert_eq!(sp.voice, "21m00Tcm4TlvDq8ikWAM");
    // The fault server aligns each character 70 ms after the one before.
    let text: String = sp.words.iter().map(|w| w.word.as_str()).collect();
    let mut at = 0usize;
    for w in &sp.words {
        assert!((w.start - at as f32 * 0.07).abs() < 1e-3, "{w:?}");
        at += w.word.chars().count();
    }
    assert_eq!(text.trim(), scenes[0].text);
    assert_eq!(
        server
            .last_header(Route::ElevenLabsSpeech, "xi-api-key")
            .as_deref(),
        Some(KEY)
    );
    let body = server.last_json(Route::ElevenLabsSpeech);
    assert_eq!(body["model_id"], "eleven_multilingual_v2");
    assert_eq!(body["text"], scenes[0].text.as_str());
    // The report lists its voices, fetched from the account.
    let rows = e.voices_report().await;
    let row = rows.iter().find(|r| r.name == "elevenlabs").unwrap();
    assert!(
        row.usable && row.voices.iter().any(|v| v.name == "Domi"),
        "{row:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_speaks_pcm_and_its_words_are_estimated_over_the_voice() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, "openai"));
    let (scenes, _) = narrate(&e, 1).await;
    let sp = speech(&scenes[0]);
    assert_eq!((sp.provider.as_str(), sp.estimated), ("openai", true));
    let chars = scenes[0].text.chars().count() as f32;
    assert!((sp.seconds - chars * 0.07).abs() < 0.05, "{}", sp.seconds);
    assert!(sp.words.last().unwrap().end <= sp.seconds + 1e-3);
    assert_eq!(
        server
            .last_header(Route::OpenAiSpeech, "authorization")
            .as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    let body = server.last_json(Route::OpenAiSpeech);
    assert_eq!(
        (
            body["model"].as_str(),
            body["voice"].as_str(),
            body["response_format"].as_str()
        ),
        (Some("gpt-4o-mini-tts"), Some("alloy"), Some("pcm"))
    );
    assert_eq!(body["instructions"], "Warm and calm.");
}

/// One fault case: what the voice answers, how many calls it should take, and whether the
/// voice itself speaks in the end (else silence does, saying why with `code`).
struct Case {
    faults: Vec<Fault>,
    calls: usize,
    spoken: bool,
    code: &'static str,
}

fn cases() -> Vec<Case> {
    let case = |faults: Vec<Fault>, calls, spoken, code| Case {
        faults,
        calls,
        spoken,
        code,
    };
    vec![
        case(vec![Fault::Unauthorized], 1, false, "auth"),
        case(vec![Fault::Quota], 1, false, "quota"),
        case(vec![Fault::RateLimited(1), Fault::Ok], 2, true, ""),
        // Asks for longer than the scene's budget: the next voice at once.
        case(vec![Fault::RateLimited(3600)], 1, false, "rate_limited"),
        case(vec![Fault::Status(500); 3], 3, false, "server_error"),
        case(vec![Fault::Status(503), Fault::Ok], 2, true, ""),
        case(vec![Fault::Hang; 3], 3, false, "timeout"),
        case(vec![Fault::Garbage; 3], 3, false, "bad_audio"),
        case(vec![Fault::TruncatedImage; 3], 3, false, "bad_audio"),
        case(vec![Fault::Html; 3], 3, false, ""),
        case(vec![Fault::Close; 3], 3, false, ""),
    ]
}

async fn matrix(voice: &str, route: Route) {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, voice));
    for (i, c) in cases().into_iter().enumerate() {
        let before = server.hits(route);
        server.script(route, c.faults.clone());
        let (scenes, _) = narrate(&e, 1).await;
        let sp = speech(&scenes[0]);
        let what = format!("{voice} case {i} {:?}", c.faults[0]);
        assert_eq!(server.hits(route) - before, c.calls, "{what}: calls");
        if c.spoken {
            assert_eq!(sp.provider, voice, "{what}");
            assert!(sp.fallback.is_empty(), "{what}");
        } else {
            assert_eq!(sp.provider, "silence", "{what}");
            assert_eq!(sp.fallback.len(), 1, "{what}");
            let why = &sp.fallback[0];
            if !c.code.is_empty() {
                assert_eq!(why.code, c.code, "{what}: {}", why.message);
            }
            assert!(!why.message.contains(KEY), "{what}: {}", why.message);
            assert!(why.message.len() > 20, "{what}: a sentence, not a code");
        }
    }
    // The matrix left nothing half-done, and the audio that was kept is whole.
    for j in e.store().all_jobs().unwrap() {
        assert!(j.status.is_terminal());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elevenlabs_faults_each_end_in_the_next_voice() {
    matrix("elevenlabs", Route::ElevenLabsSpeech).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_voice_faults_each_end_in_the_next_voice() {
    matrix("openai", Route::OpenAiSpeech).await;
}

fn raw(rng: &mut StdRng) -> Fault {
    const STATUSES: &[u16] = &[
        200, 200, 200, 201, 204, 301, 302, 400, 401, 402, 404, 408, 429, 429, 500, 503, 599, 999,
    ];
    const NUMBERS: &[&str] = &[
        "18446744073709551615",
        "-1",
        "1e309",
        "NaN",
        "",
        "abc",
        "0",
        "3",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ];
    let mut headers = Vec::new();
    for name in [
        "retry-after",
        "retry-after-ms",
        "content-length",
        "content-type",
        "location",
    ] {
        if rng.random_bool(0.4) {
            let v = match name {
                "content-type" => [
                    "audio/pcm",
                    "application/json",
                    "text/html",
                    "",
                    "audio/mpeg",
                ][rng.random_range(0..5)]
                .to_string(),
                "location" => "http://127.0.0.2:9/elsewhere".to_string(),
                _ => NUMBERS[rng.random_range(0..NUMBERS.len())].to_string(),
            };
            headers.push((name.to_string(), v.into_bytes()));
        }
    }
    let b64 = |b: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let pcm: Vec<u8> = storyreel_testkit::speech::speech_samples("Scene one at dawn.", 22_050)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let body = match rng.random_range(0..10) {
        0 => (0..rng.random_range(0..8192)).map(|_| rng.random()).collect(),
        1 => "[".repeat(rng.random_range(1..100_000)).into_bytes(),
        2 => serde_json::json!({"audio_base64": 5, "alignment": "no"}).to_string().into_bytes(),
        3 => serde_json::json!({"audio_base64": "!!not base64!!"}).to_string().into_bytes(),
        4 => serde_json::json!({"audio_base64": b64(&pcm), "alignment": {"characters": [null], "character_start_times_seconds": [1e308, -5.0, "x"]}}).to_string().into_bytes(),
        5 => serde_json::json!({"audio_base64": b64(&pcm), "alignment": {"characters": ["S"], "character_start_times_seconds": [f64::MAX]}}).to_string().into_bytes(),
        6 => pcm.clone(),
        7 => pcm[..(pcm.len() / 3) | 1].to_vec(),
        8 => b"<!doctype html><html>Bad Gateway</html>".to_vec(),
        _ => Vec::new(),
    };
    Fault::Raw(RawAnswer {
        status: STATUSES[rng.random_range(0..STATUSES.len())],
        headers,
        body,
    })
}

async fn fuzz(voice: &str, route: Route) {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("{voice}: FUZZ_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let server = FaultServer::start();
    let faults: Vec<Fault> = (0..60)
        .map(|_| {
            if rng.random_bool(0.75) {
                raw(&mut rng)
            } else {
                Fault::Ok
            }
        })
        .collect();
    server.script(route, faults);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, voice);
    cfg.voice.budget_s = 2;
    cfg.queue.narrate_concurrency = 3;
    let e = engine(dir.path(), cfg);
    let n = 20;
    let (scenes, took) = narrate(&e, n).await;
    // Per scene: the budget (2 s) and one request past it (1 s); three at a time.
    let bound = Duration::from_secs((n as u64).div_ceil(3) * 3 + 10);
    assert!(took <= bound, "{voice} seed {seed}: {took:?} > {bound:?}");
    for s in &scenes {
        let what = format!("{voice} seed {seed} scene {}", s.index);
        let sp = speech(s);
        let job = e
            .store()
            .job(s.narration.as_ref().unwrap().job_id)
            .unwrap()
            .unwrap();
        assert_eq!(
            (job.attempt, job.failures),
            (1, 0),
            "{what}: {:?}",
            job.error
        );
        for w in &sp.words {
            assert!(
                w.start.is_finite() && w.end.is_finite() && w.start <= w.end,
                "{what}: {w:?}"
            );
        }
        for f in &sp.fallback {
            assert_ne!(f.code, "internal", "{what}: {}", f.message);
            assert!(!f.message.contains(KEY), "{what}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elevenlabs_survives_any_answer() {
    fuzz("elevenlabs", Route::ElevenLabsSpeech).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_voice_survives_any_answer() {
    fuzz("openai", Route::OpenAiSpeech).await;
}
