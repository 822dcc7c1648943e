//! Secrets never leave: provider keys and storage credentials, echoed back by a provider or a
//! storage server (as real ones do: "Incorrect API key provided: sk-…", `<AWSAccessKeyId>`),
//! never appear in a job's or scene's record, in any file of the data folder, in an event, or
//! in a log line, at any level.

mod providers;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use providers::{all_bytes, contains};
use storyreel_engine::sync::target::{ACCESS_KEY, SECRET_KEY};
use storyreel_testkit::s3::S3Server;
use storyreel_testkit::{Fault, FaultServer, RawAnswer, Route};

/// Every log line of the test process, at every level.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Logs {
    let logs = Logs::default();
    let writer = logs.clone();
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init();
    logs
}

fn echo(status: u16, key: &str) -> Fault {
    let body = format!(
        r#"{{"error": {{"message": "Incorrect API key provided: {key}. Retry at https://api.example/v1/images?token={key}&sig=abc", "code": "invalid_api_key"}}}}"#
    );
    Fault::Raw(RawAnswer {
        status,
        headers: vec![("retry-after".into(), b"0".to_vec())],
        body: body.into_bytes(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_credentials_never_leave() {
    let logs = capture_logs();
    let key = providers::KEY;
    let server = FaultServer::start();
    for route in [Route::OpenAi, Route::Stability, Route::FalSubmit] {
        server.script(
            route,
            [
                echo(500, key),
                echo(429, key),
                echo(400, key),
                echo(401, key),
            ],
        );
    }
    // A storage that refuses the credentials and names the access key in its answer.
    let s3 = S3Server::start();
    s3.create_bucket(providers::BUCKET_FOR_SECRETS);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = providers::config(&server, &["openai", "stability", "fal"]);
    cfg.sync.target = Some(format!("s3://{}/p", providers::BUCKET_FOR_SECRETS));
    cfg.sync.endpoint = Some(s3.endpoint());
    cfg.sync.timeout_s = 5;
    let access = "AKIASECRETACCESSKEYID";
    let secret = "wrong-secret-key-that-must-not-leak";
    let secrets = storyreel_engine::secrets::StaticSecrets::default()
        .with("openai", key)
        .with("fal", key)
        .with("stability", key)
        .with(ACCESS_KEY, access)
        .with(SECRET_KEY, secret);
    let e = storyreel_engine::Engine::open(storyreel_engine::EngineOptions {
        secrets: Arc::new(secrets),
        ..storyreel_engine::EngineOptions::new(dir.path(), cfg)
    })
    .unwrap();
    let mut events = e.subscribe();
    let (scenes, _) = providers::run(&e, 4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut said = Vec::new();
    while let Ok(ev) = events.try_recv() {
        said.extend(serde_json::to_vec(&ev).unwrap());
    }
    assert!(!said.is_empty(), "events were sent");
    let status = serde_json::to_vec(&e.sync_report(None).unwrap()).unwrap();
    let files = all_bytes(dir.path());
    let log = logs.0.lock().unwrap().clone();
    assert!(!log.is_empty(), "logs were captured");
    // The providers' own words reached the user, with the key masked.
    let masked = scenes
        .iter()
        .filter_map(|s| s.error.as_ref())
        .chain(
            scenes
                .iter()
                .flat_map(|s| s.image.iter().flat_map(|i| i.fallback.iter())),
        )
        .any(|e| e.message.contains("Incorrect API key provided: ***"));
    assert!(
        masked,
        "{:?}",
        scenes.iter().map(|s| &s.error).collect::<Vec<_>>()
    );
    for (what, bytes) in [
        ("events", &said),
        ("data folder", &files),
        ("logs", &log),
        ("sync report", &status),
    ] {
        for needle in [key, access, secret, "token=", "sig=abc"] {
            assert!(!contains(bytes, needle), "{needle} appears in the {what}");
        }
    }
}
