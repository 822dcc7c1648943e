//! Fal.ai's queue API against the fault server: the fault matrix (on submit, and on the result
//! that links to a bad image), the wire format, polling, and the rule that nothing after a
//! successful submit makes StoryReel submit (and pay) again, except a failed result.

mod providers;

use std::time::Duration;

use providers::{config, engine, outcome, run, run_story, KEY};
use storyreel_engine::config::Config;
use storyreel_engine::model::Aspect;
use storyreel_engine::providers::fal::{image_size, queue_link, takes_negative_prompt};
use storyreel_engine::remote::http::ProviderHttp;
use storyreel_testkit::{Fault, FaultServer, Route};

/// One matrix case: `fault` answers on `route`; the scene ends with `code` (None: Fal delivered);
/// the server sees `calls` requests on `route` and `submits` on the submit route.
struct FalCase {
    route: Route,
    fault: Fault,
    code: Option<&'static str>,
    calls: usize,
    submits: usize,
}

async fn check_cases(cases: Vec<FalCase>) {
    for case in cases {
        let server = FaultServer::start();
        server.set_default(case.route, case.fault.clone());
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path(), config(&server, &["fal"]));
        let (scenes, _) = run(&e, 1).await;
        let what = format!("{:?} on {:?}", case.fault, case.route);
        let expected = match case.code {
            None => ("fal".to_string(), false, None),
            Some(c) => ("titlecard".to_string(), true, Some(c.to_string())),
        };
        assert_eq!(
            outcome(&scenes[0]),
            expected,
            "{what}: {:?}",
            scenes[0].error
        );
        assert_eq!(server.hits(case.route), case.calls, "{what}: calls");
        assert_eq!(
            server.hits(Route::FalSubmit),
            case.submits,
            "{what}: submits"
        );
        if case.route == Route::FalSubmit {
            // A failed submit goes no further; each accepted one is polled once (done at once).
            let accepted = usize::from(case.code.is_none());
            assert_eq!(server.hits(Route::FalStatus), accepted, "{what}: polls");
            assert_eq!(server.hits(Route::FalResult), accepted, "{what}: results");
        }
        if let Some(err) = &scenes[0].error {
            assert!(
                err.message.len() > 20 && !err.message.contains(KEY),
                "{what}: {}",
                err.message
            );
        }
    }
}

fn case(route: Route, fault: Fault, code: Option<&'static str>, calls: usize) -> FalCase {
    let submits = if route == Route::FalSubmit { calls } else { 0 };
    FalCase {
        route,
        fault,
        code,
        calls,
        submits,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fal_submit_fault_matrix() {
    let s = Route::FalSubmit;
    check_cases(vec![
        case(s, Fault::Ok, None, 1),
        case(s, Fault::Slow(Duration::from_millis(300)), None, 1),
        // A JSON answer labelled text/plain is still read.
        case(s, Fault::WrongContentType, None, 1),
        case(s, Fault::Hang, Some("timeout"), 3),
        case(s, Fault::Status(500), Some("server_error"), 3),
        case(s, Fault::Status(502), Some("server_error"), 3),
        case(s, Fault::Status(503), Some("server_error"), 3),
        case(s, Fault::RateLimited(0), Some("rate_limited"), 3),
        case(s, Fault::Unauthorized, Some("auth"), 1),
        case(s, Fault::Quota, Some("quota"), 1),
        case(s, Fault::ContentPolicy, Some("content_policy"), 1),
        case(s, Fault::UnknownModel, Some("unknown_model"), 1),
        case(s, Fault::Html, Some("bad_response"), 3),
        case(s, Fault::Close, Some("network"), 3),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fal_image_fault_matrix() {
    // The result links to a bad file; an unusable image is a failed generation, so the chain
    // tries again with a new submit: as many submits as results.
    let r = Route::FalResult;
    let bad = |fault| FalCase {
        route: r,
        fault,
        code: Some("bad_image"),
        calls: 3,
        submits: 3,
    };
    check_cases(vec![
        FalCase {
            route: r,
            fault: Fault::Ok,
            code: None,
            calls: 1,
            submits: 1,
        },
        bad(Fault::Garbage),
        bad(Fault::TruncatedImage),
        bad(Fault::Bomb),
        bad(Fault::WrongContentType),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_after_a_submit_submits_again_except_a_failed_result() {
    let (st, res) = (Route::FalStatus, Route::FalResult);
    let once = |route, fault, code, calls| FalCase {
        route,
        fault,
        code,
        calls,
        submits: 1,
    };
    check_cases(vec![
        once(st, Fault::Unauthorized, Some("auth"), 1),
        once(res, Fault::ContentPolicy, Some("content_policy"), 1),
        once(res, Fault::UnknownModel, Some("unknown_model"), 1),
        // A 5xx result is read twice, then the job counts as failed (Fal bills no 5xx failure)
        // and the chain submits again.
        FalCase {
            route: res,
            fault: Fault::Status(500),
            code: Some("server_error"),
            calls: 6,
            submits: 3,
        },
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_status_and_result_errors_are_read_again_not_resubmitted() {
    let server = FaultServer::start();
    server.script(
        Route::FalStatus,
        [
            Fault::Status(503),
            Fault::Close,
            Fault::RateLimited(0),
            Fault::Html,
        ],
    );
    server.script(Route::FalResult, [Fault::Status(502)]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["fal"]));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]), ("fal".into(), false, None));
    assert_eq!(server.hits(Route::FalSubmit), 1);
    assert_eq!(
        server.hits(Route::FalStatus),
        5,
        "4 failed reads, then COMPLETED"
    );
    assert_eq!(server.hits(Route::FalResult), 2, "a 502, then the result");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fal_speaks_its_wire_format() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["fal"]));
    let (scenes, _) = run(&e, 1).await;
    let img = scenes[0].image.as_ref().unwrap();
    assert_eq!((img.provider.as_str(), img.placeholder), ("fal", false));
    assert_eq!(img.model.as_deref(), Some("fal-ai/flux/schnell"));
    assert_eq!(img.revised_prompt, None);
    assert_eq!(
        (img.width, img.height),
        (1080, 1920),
        "normalised to the frame"
    );
    let auth = format!("Key {KEY}");
    for route in [Route::FalSubmit, Route::FalStatus, Route::FalResult] {
        assert_eq!(
            server.last_header(route, "authorization").as_deref(),
            Some(auth.as_str()),
            "{route:?}"
        );
    }
    assert_eq!(
        server.last_header(Route::File, "authorization"),
        None,
        "the key never goes to the file host"
    );
    assert_eq!(
        server
            .last_header(Route::FalSubmit, "content-type")
            .as_deref(),
        Some("application/json")
    );
    let body = server.last_json(Route::FalSubmit);
    assert_eq!(body["image_size"], "portrait_16_9");
    assert_eq!(body["num_images"], 1);
    assert!(body["prompt"].as_str().unwrap().contains("lighthouse"));
    assert!(
        body.get("negative_prompt").is_none(),
        "FLUX takes no negative prompt"
    );
    assert_eq!(server.hits(Route::File), 1);
}

/// A JSON story with a negative prompt.
const JSON_STORY: &str = r#"[{"text": "A lighthouse at dusk.", "negative_prompt": "blurry"}]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_prompt_only_for_models_that_take_one_and_size_follows_the_frame() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["fal"]);
    cfg.providers.fal.model = Some("fal-ai/fast-sdxl".into());
    let e = engine(dir.path(), cfg);
    let scenes = run_story(&e, JSON_STORY, "s.json", Aspect::Landscape).await;
    assert_eq!(outcome(&scenes[0]), ("fal".into(), false, None));
    let img = scenes[0].image.as_ref().unwrap();
    assert_eq!((img.width, img.height), (1920, 1080));
    assert_eq!(img.model.as_deref(), Some("fal-ai/fast-sdxl"));
    let body = server.last_json(Route::FalSubmit);
    assert_eq!(body["negative_prompt"], "blurry");
    assert_eq!(body["image_size"], "landscape_16_9");
    drop(e);

    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["fal"]));
    run_story(&e, JSON_STORY, "s.json", Aspect::Square).await;
    let body = server.last_json(Route::FalSubmit);
    assert!(body.get("negative_prompt").is_none(), "{body}");
    assert_eq!(body["image_size"], "square_hd");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_until_completed_at_the_configured_interval() {
    let server = FaultServer::start();
    server.polls_before_done(3);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["fal"]));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]), ("fal".into(), false, None));
    assert_eq!(server.hits(Route::FalStatus), 4);
    assert_eq!(server.hits(Route::FalSubmit), 1);
    assert_eq!(server.hits(Route::FalResult), 1);
    let times = server.times(Route::FalStatus);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(18), "polled after {gap:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_never_finishes_times_out_without_a_second_submit() {
    let server = FaultServer::start();
    server.polls_before_done(u32::MAX);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["fal"]);
    cfg.providers.fal.poll_timeout_s = Some(1);
    let e = engine(dir.path(), cfg);
    let (scenes, took) = run(&e, 1).await;
    assert_eq!(
        outcome(&scenes[0]),
        ("titlecard".into(), true, Some("timeout".into()))
    );
    assert_eq!(server.hits(Route::FalSubmit), 1, "no re-submit");
    assert_eq!(server.hits(Route::FalResult), 0);
    let polls = server.hits(Route::FalStatus);
    assert!((10..=50).contains(&polls), "{polls} polls in 1 s at 20 ms");
    let msg = &scenes[0].error.as_ref().unwrap().message;
    assert!(
        msg.contains("Fal.ai did not finish the image within 1 s"),
        "{msg}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_route_that_keeps_failing_ends_in_the_poll_timeout_not_a_second_submit() {
    let server = FaultServer::start();
    server.set_default(Route::FalStatus, Fault::Status(503));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["fal"]);
    cfg.providers.fal.poll_timeout_s = Some(1);
    let e = engine(dir.path(), cfg);
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(
        outcome(&scenes[0]),
        ("titlecard".into(), true, Some("timeout".into()))
    );
    assert_eq!(server.hits(Route::FalSubmit), 1, "no re-submit");
    assert!(server.hits(Route::FalStatus) >= 5, "read again in place");
    let msg = &scenes[0].error.as_ref().unwrap().message;
    assert!(
        msg.contains("Last problem: Fal.ai had a server error (503)"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_what_it_checked_without_generating() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["fal"]));
    let checks = e.doctor_providers().await;
    let fal = checks.iter().find(|c| c.name == "provider fal").unwrap();
    assert!(fal.ok, "{fal:?}");
    assert!(fal.detail.contains("not verified"), "{}", fal.detail);
    assert!(!fal.detail.contains(KEY));
    let spent: usize = [Route::FalSubmit, Route::FalStatus, Route::FalResult]
        .iter()
        .map(|r| server.hits(*r))
        .sum();
    assert_eq!(spent, 0, "no generation spent");
    drop(server);
    let checks = e.doctor_providers().await;
    let fal = checks.iter().find(|c| c.name == "provider fal").unwrap();
    assert!(!fal.ok && fal.detail.contains("Cannot reach"), "{fal:?}");
}

#[test]
fn presets_and_negative_prompt_models() {
    assert_eq!(image_size(Aspect::Portrait.frame()), "portrait_16_9");
    assert_eq!(image_size(Aspect::Landscape.frame()), "landscape_16_9");
    assert_eq!(image_size(Aspect::Square.frame()), "square_hd");
    let f = |width, height| storyreel_engine::model::Frame { width, height };
    assert_eq!(image_size(f(768, 1024)), "portrait_4_3");
    assert_eq!(image_size(f(1024, 768)), "landscape_4_3");
    assert!(!takes_negative_prompt("fal-ai/flux/schnell"));
    assert!(!takes_negative_prompt("fal-ai/flux-lora"));
    assert!(takes_negative_prompt("fal-ai/fast-sdxl"));
}

#[test]
fn queue_links_must_be_http_and_https_only_from_an_https_base() {
    let cfg = Config::default().providers.resolve("fal").unwrap();
    assert!(cfg.base_url.starts_with("https://"));
    let h = ProviderHttp::new(cfg, "Fal.ai", None, 1).unwrap();
    let link = |url: &str| queue_link(&h, &serde_json::json!({ "status_url": url }), "status_url");
    assert!(link("https://queue.fal.run/fal-ai/flux/requests/1/status").is_ok());
    for url in [
        "http://queue.fal.run/fal-ai/flux/requests/1/status",
        "file:///etc/passwd",
        "ftp://queue.fal.run/x",
        "not a url",
    ] {
        let e = link(url).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.retryable),
            ("bad_response", false),
            "{url}"
        );
        assert!(e.message.contains("status_url"), "{}", e.message);
    }
    let missing = queue_link(&h, &serde_json::json!({}), "response_url").unwrap_err();
    assert_eq!(missing.code, "bad_response");

    let mut local = Config::default().providers.resolve("fal").unwrap();
    local.base_url = "http://127.0.0.1:9/fal".into();
    let h = ProviderHttp::new(local, "Fal.ai", None, 1).unwrap();
    let v = serde_json::json!({ "status_url": "http://127.0.0.1:9/fal/x/requests/1/status" });
    assert!(queue_link(&h, &v, "status_url").is_ok());
}
