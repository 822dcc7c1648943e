//! Stability AI (v2beta Stable Image generate) against the fault server on 127.0.0.1: the fault
//! matrix, the multipart wire format, a CONTENT_FILTERED answer and the doctor's balance check.

mod providers;

use providers::{check_matrix, config, engine, matrix, outcome, run, run_story, Case, KEY};
use storyreel_engine::model::Aspect;
use storyreel_testkit::{Fault, FaultServer, Route};

/// The value of the multipart field `name` in a form-data body.
fn field(body: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let part = text.split(&format!("name=\"{name}\"")).nth(1)?;
    let value = part.split("\r\n\r\n").nth(1)?;
    Some(value.split("\r\n--").next()?.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stability_fault_matrix() {
    let c = |fault, ok, code, calls| Case {
        fault,
        ok,
        code,
        calls,
    };
    // The shared matrix, but for one case: image bytes served as text/html are refused as a
    // page, like a proxy's answer (Stability answers with raw image bytes, so the type matters).
    let mut cases = matrix(false);
    for case in cases
        .iter_mut()
        .filter(|k| k.fault == Fault::WrongContentType)
    {
        *case = c(Fault::WrongContentType, false, Some("bad_response"), 3);
    }
    check_matrix("stability", Route::Stability, &cases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stability_speaks_its_wire_format() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["stability"]));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]), ("stability".into(), false, None));
    let img = scenes[0].image.as_ref().unwrap();
    assert_eq!(img.model.as_deref(), Some("core"));
    assert_eq!(
        (img.width, img.height),
        (1080, 1920),
        "normalised to the frame"
    );
    assert_eq!(img.revised_prompt, None);
    let header = |name| server.last_header(Route::Stability, name);
    assert_eq!(
        header("authorization").as_deref(),
        Some(&*format!("Bearer {KEY}"))
    );
    assert_eq!(header("accept").as_deref(), Some("image/*"));
    assert!(header("content-type")
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
    let body = server.last_body(Route::Stability);
    assert!(field(&body, "prompt").unwrap().contains("lighthouse"));
    assert_eq!(field(&body, "aspect_ratio").as_deref(), Some("9:16"));
    assert_eq!(field(&body, "output_format").as_deref(), Some("png"));
    assert_eq!(field(&body, "negative_prompt"), None, "none was given");
    assert_eq!(field(&body, "model"), None, "core takes no model field");
    assert_eq!(server.hits(Route::StabilityBalance), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stability_sends_negative_prompt_landscape_and_sd3_models() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["stability"]);
    cfg.providers.stability.model = Some("sd3.5-large".into());
    let e = engine(dir.path(), cfg);
    let story = r#"[{"text": "A", "prompt": "a red boat", "negative_prompt": "blurry"}]"#;
    let scenes = run_story(&e, story, "s.json", Aspect::Landscape).await;
    assert_eq!(outcome(&scenes[0]), ("stability".into(), false, None));
    let img = scenes[0].image.as_ref().unwrap();
    assert_eq!(img.model.as_deref(), Some("sd3.5-large"));
    assert_eq!((img.width, img.height), (1920, 1080));
    let body = server.last_body(Route::Stability);
    assert_eq!(field(&body, "prompt").as_deref(), Some("a red boat"));
    assert_eq!(field(&body, "negative_prompt").as_deref(), Some("blurry"));
    assert_eq!(field(&body, "aspect_ratio").as_deref(), Some("16:9"));
    assert_eq!(field(&body, "model").as_deref(), Some("sd3.5-large"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_filtered_image_falls_back_to_a_title_card() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["stability"]));
    let story = r#"[{"text": "A", "prompt": "a filtered scene"}]"#;
    let scenes = run_story(&e, story, "s.json", Aspect::Portrait).await;
    assert_eq!(
        outcome(&scenes[0]),
        ("titlecard".into(), true, Some("content_policy".into()))
    );
    let err = scenes[0].error.as_ref().unwrap();
    assert!(err.message.contains("CONTENT_FILTERED"), "{}", err.message);
    assert_eq!(
        server.hits(Route::Stability),
        1,
        "a refused prompt is not retried"
    );
    // The same provider still draws the next, harmless scene.
    let story = r#"[{"text": "B", "prompt": "a calm harbour"}]"#;
    let scenes = run_story(&e, story, "t.json", Aspect::Portrait).await;
    assert_eq!(outcome(&scenes[0]), ("stability".into(), false, None));
    assert_eq!(server.hits(Route::Stability), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_balance_without_generating() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["stability"]));
    let checks = e.doctor_providers().await;
    let check = checks
        .iter()
        .find(|c| c.name == "provider stability")
        .unwrap();
    assert!(check.ok, "{checks:?}");
    assert!(check.detail.contains("12.5 credits"), "{}", check.detail);
    assert_eq!(server.hits(Route::StabilityBalance), 1);
    assert_eq!(server.hits(Route::Stability), 0, "no generation spent");
    assert_eq!(
        server
            .last_header(Route::StabilityBalance, "authorization")
            .as_deref(),
        Some(&*format!("Bearer {KEY}"))
    );

    server.set_default(Route::StabilityBalance, Fault::Unauthorized);
    let checks = e.doctor_providers().await;
    let check = checks
        .iter()
        .find(|c| c.name == "provider stability")
        .unwrap();
    assert!(!check.ok);
    assert!(
        check.detail.contains("rejected the API key") && check.detail.contains("STABILITY_API_KEY"),
        "{}",
        check.detail
    );
    assert_eq!(server.hits(Route::Stability), 0);
}
