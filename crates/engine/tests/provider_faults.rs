//! The fault matrix, for each provider's wire format, against a real HTTP server on 127.0.0.1.
//! Each case asserts the scene's final provider, placeholder flag and error code, and the
//! number of calls the server saw.

mod providers;

use std::time::Duration;

use providers::{config, engine, outcome, run};
use storyreel_testkit::{Fault, FaultServer, Route};

struct Case {
    fault: Fault,
    /// Expected: the provider delivered (else a title card with this error code).
    ok: bool,
    code: Option<&'static str>,
    calls: usize,
}

fn matrix(with_url: bool) -> Vec<Case> {
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

async fn check_matrix(provider: &str, route: Route, with_url: bool) {
    for case in matrix(with_url) {
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
                err.message.len() > 20 && !err.message.contains(providers::KEY),
                "{what}: {}",
                err.message
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_fault_matrix() {
    check_matrix("openai", Route::OpenAi, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic1111_fault_matrix() {
    check_matrix("automatic1111", Route::A1111, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_speaks_its_wire_format() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["openai"]));
    let (scenes, _) = run(&e, 1).await;
    let img = scenes[0].image.as_ref().unwrap();
    assert_eq!(img.model.as_deref(), Some("gpt-image-1"));
    assert!(img
        .revised_prompt
        .as_deref()
        .unwrap()
        .ends_with("(revised)"));
    assert_eq!(
        (img.width, img.height),
        (1080, 1920),
        "normalised to the frame"
    );
    assert_eq!(
        server
            .last_header(Route::OpenAi, "authorization")
            .as_deref(),
        Some(&*format!("Bearer {}", providers::KEY))
    );
    let body = server.last_json(Route::OpenAi);
    assert_eq!(body["size"], "1024x1536");
    assert_eq!(body["model"], "gpt-image-1");
    assert!(
        body.get("response_format").is_none(),
        "GPT image models take no response_format"
    );
    assert!(body["prompt"].as_str().unwrap().contains("lighthouse"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_error_then_success_uses_the_provider() {
    let server = FaultServer::start();
    server.script(Route::OpenAi, [Fault::Status(503), Fault::Close]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["openai"]));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]), ("openai".into(), false, None));
    assert_eq!(server.hits(Route::OpenAi), 3);
}
