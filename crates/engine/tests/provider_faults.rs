//! The fault matrix, for each provider's wire format, against a real HTTP server on 127.0.0.1.
//! Each case asserts the scene's final provider, placeholder flag and error code, and the
//! number of calls the server saw.

mod providers;

use providers::{check_matrix, config, engine, matrix, outcome, run};
use storyreel_testkit::{Fault, FaultServer, Route};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_fault_matrix() {
    check_matrix("openai", Route::OpenAi, &matrix(true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic1111_fault_matrix() {
    check_matrix("automatic1111", Route::A1111, &matrix(false)).await;
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
