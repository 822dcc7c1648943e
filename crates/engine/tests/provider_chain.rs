//! The chain as a whole: fallback order, circuit breakers, Retry-After, hangs and time bounds.

mod providers;

use std::time::Duration;

use providers::{config, engine, outcome, run};
use storyreel_testkit::{Fault, FaultServer, Route};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_failure_moves_on_to_the_next_provider() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::Unauthorized);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["openai", "automatic1111"]));
    let (scenes, _) = run(&e, 2).await;
    for s in &scenes {
        assert_eq!(outcome(s), ("automatic1111".into(), false, None));
        let img = s.image.as_ref().unwrap();
        assert_eq!(img.fallback.len(), 1);
        assert_eq!(img.fallback[0].code, "auth");
        assert!(
            img.fallback[0].message.contains("OPENAI_API_KEY"),
            "{}",
            img.fallback[0].message
        );
    }
    assert_eq!(
        server.hits(Route::OpenAi),
        2,
        "no retries of a rejected key"
    );
    assert_eq!(server.hits(Route::A1111), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_provider_down_the_story_still_finishes_in_title_cards() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::Status(503));
    server.set_default(Route::A1111, Fault::Status(500));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["openai", "automatic1111"]);
    cfg.generation.max_tries = 2;
    let e = engine(dir.path(), cfg);
    let (scenes, _) = run(&e, 2).await;
    for s in &scenes {
        assert_eq!(
            outcome(s),
            ("titlecard".into(), true, Some("server_error".into()))
        );
        assert_eq!(s.image.as_ref().unwrap().fallback.len(), 2);
    }
    let st = e
        .project_status(&e.store().projects().unwrap()[0], false)
        .unwrap();
    assert_eq!((st.status.as_str(), st.placeholders), ("done", 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_after_five_failures_then_sends_exactly_one_probe() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::Status(500));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["openai"]);
    cfg.generation.max_tries = 1;
    cfg.breaker.open_s = 2;
    let e = engine(dir.path(), cfg);
    let (scenes, _) = run(&e, 8).await;
    assert!(scenes.iter().all(|s| s.image.as_ref().unwrap().placeholder));
    assert_eq!(
        server.hits(Route::OpenAi),
        5,
        "after 5 failures no call reaches the server"
    );
    assert_eq!(scenes[7].error.as_ref().unwrap().code, "breaker_open");
    // The failure that paused it is said, not hidden behind the pause.
    let why = &scenes[7].error.as_ref().unwrap().message;
    assert!(
        why.contains("paused after repeated failures (the last one: ") && why.contains("500"),
        "{why}"
    );
    let row = e
        .providers_report()
        .into_iter()
        .find(|r| r.name == "openai")
        .unwrap();
    assert!(matches!(
        row.breaker,
        storyreel_engine::model::BreakerState::Open { .. }
    ));
    assert_eq!((row.calls, row.failures), (5, 5));

    // During the open period: still no call.
    let (_, _) = run(&e, 2).await;
    assert_eq!(server.hits(Route::OpenAi), 5);

    // After it: exactly one probe; it fails, so the breaker opens again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (_, _) = run(&e, 3).await;
    assert_eq!(server.hits(Route::OpenAi), 6, "exactly one probe");

    // The provider recovers: the next probe succeeds and closes the breaker.
    server.set_default(Route::OpenAi, Fault::Ok);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (scenes, _) = run(&e, 3).await;
    assert!(
        scenes
            .iter()
            .all(|s| !s.image.as_ref().unwrap().placeholder),
        "closed again"
    );
    assert_eq!(server.hits(Route::OpenAi), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_respected_and_time_stays_bounded() {
    let server = FaultServer::start();
    server.script(Route::OpenAi, [Fault::RateLimited(2)]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["openai"]));
    let (scenes, took) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]), ("openai".into(), false, None));
    let t = server.times(Route::OpenAi);
    assert_eq!(t.len(), 2);
    assert!(
        t[1] - t[0] >= Duration::from_millis(1990),
        "no call before Retry-After: {:?}",
        t[1] - t[0]
    );
    assert!(took < Duration::from_secs(6), "{took:?}");

    // As an HTTP date too.
    let server = FaultServer::start();
    server.script(Route::OpenAi, [Fault::RateLimitedDate(2)]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["openai"]));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]).0, "openai");
    let t = server.times(Route::OpenAi);
    assert!(
        t[1] - t[0] >= Duration::from_millis(900),
        "{:?}",
        t[1] - t[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_beyond_the_budget_moves_on_at_once() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::RateLimited(3600));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["openai"]);
    cfg.generation.provider_budget_s = 5;
    let e = engine(dir.path(), cfg);
    let (scenes, took) = run(&e, 1).await;
    assert_eq!(
        outcome(&scenes[0]),
        ("titlecard".into(), true, Some("rate_limited".into()))
    );
    assert_eq!(server.hits(Route::OpenAi), 1);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_is_cut_at_the_timeout_and_frees_the_worker() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::Hang);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["openai"]);
    cfg.generation.max_tries = 1;
    let e = engine(dir.path(), cfg);
    // One worker, three hanging scenes: each is cut at 1 s, then the next one runs.
    let (scenes, took) = run(&e, 3).await;
    assert!(scenes
        .iter()
        .all(|s| outcome(s) == ("titlecard".into(), true, Some("timeout".into()))));
    assert_eq!(server.hits(Route::OpenAi), 3);
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(8),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_without_a_key_is_skipped_with_a_notice() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&server, &["openai", "automatic1111"]);
    let opts = storyreel_engine::EngineOptions::new(dir.path(), cfg);
    let e = storyreel_engine::Engine::open(opts).unwrap();
    assert_eq!(e.provider_names(), ["automatic1111", "titlecard"]);
    assert!(
        e.notices()
            .iter()
            .any(|n| n.contains("OpenAI has no API key") && n.contains("OPENAI_API_KEY")),
        "{:?}",
        e.notices()
    );
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]).0, "automatic1111");
    assert_eq!(server.hits(Route::OpenAi), 0);
    let row = e
        .providers_report()
        .into_iter()
        .find(|r| r.name == "openai")
        .unwrap();
    assert_eq!((row.in_chain, row.key.as_str()), (true, "missing"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_providers_without_generating() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["openai", "automatic1111"]));
    let checks = e.doctor_providers().await;
    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    assert_eq!(server.hits(Route::OpenAiModels), 1);
    assert_eq!(server.hits(Route::A1111Models), 1);
    assert_eq!(
        server.hits(Route::OpenAi) + server.hits(Route::A1111),
        0,
        "no generation spent"
    );
    server.set_default(Route::OpenAiModels, Fault::Unauthorized);
    let checks = e.doctor_providers().await;
    assert!(
        checks
            .iter()
            .any(|c| !c.ok && c.detail.contains("rejected the API key")),
        "{checks:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_placeholders_lets_an_open_breaker_probe_at_once() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::Status(503));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["openai"]);
    cfg.generation.max_tries = 1;
    cfg.breaker.open_s = 3600;
    let e = engine(dir.path(), cfg);
    let (scenes, _) = run(&e, 6).await;
    assert_eq!(server.hits(Route::OpenAi), 5);
    assert!(scenes.iter().all(|s| s.image.as_ref().unwrap().placeholder));

    // The network is back; the user asks for the placeholders again.
    server.set_default(Route::OpenAi, Fault::Ok);
    let project = e.store().projects().unwrap().remove(0);
    let filter = storyreel_engine::RetryFilter {
        placeholders: true,
        ..Default::default()
    };
    assert_eq!(e.retry(&project, filter).await.unwrap(), 6);
    providers::work_until_idle(&e).await;
    let scenes = e.store().scenes_of(project.id).unwrap();
    assert!(
        scenes
            .iter()
            .all(|s| outcome(s) == ("openai".into(), false, None)),
        "probe succeeded, breaker closed"
    );
    assert_eq!(server.hits(Route::OpenAi), 11);
}
