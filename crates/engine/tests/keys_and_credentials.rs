//! Keys and credentials stay where they belong. A key never follows a redirect to another
//! host: each provider and voice that carries a key (in its own header: `Authorization:
//! Bearer`, `Authorization: Key`, `xi-api-key`) is answered with a 307 to a listener on another
//! port, which must never see the key. A `base_url` with credentials in it (user info, a query)
//! and an answer whose values a JSON error would quote never reach a message, the data folder,
//! an event or the providers' report.

mod providers;
mod work;

use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use storyreel_engine::config::Config;
use storyreel_engine::secrets::StaticSecrets;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use storyreel_testkit::{Fault, FaultServer, RawAnswer, Route};

use providers::{all_bytes, contains, KEY};

/// A listener on another port that keeps every request head it is sent, and answers 500.
struct Elsewhere {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Elsewhere {
    fn start() -> Elsewhere {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (heads.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match l.accept() {
                    Ok((mut c, _)) => {
                        c.set_nonblocking(false).unwrap();
                        c.set_read_timeout(Some(Duration::from_millis(500)))
                            .unwrap();
                        let mut buf = vec![0u8; 16 * 1024];
                        let n = c.read(&mut buf).unwrap_or(0);
                        h.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&buf[..n]).to_string());
                        use std::io::Write;
                        let _ = c.write_all(
                            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Elsewhere {
            port,
            heads,
            stop,
            thread: Some(thread),
        }
    }
    fn redirect(&self) -> Fault {
        Fault::Raw(RawAnswer {
            status: 307,
            headers: vec![(
                "location".into(),
                format!("http://127.0.0.1:{}/collect?sig=abc", self.port).into_bytes(),
            )],
            body: Vec::new(),
        })
    }
}

impl Drop for Elsewhere {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn engine(dir: &std::path::Path, cfg: Config) -> Engine {
    let secrets = StaticSecrets::default()
        .with("openai", KEY)
        .with("fal", KEY)
        .with("stability", KEY)
        .with("elevenlabs", KEY);
    Engine::open(EngineOptions {
        secrets: Arc::new(secrets),
        ..EngineOptions::new(dir, cfg)
    })
    .unwrap()
}

async fn one_scene(e: &Engine) -> storyreel_engine::model::Scene {
    let p = e
        .import(
            b"A lighthouse at dusk, waves below.",
            "s.md",
            ImportOptions {
                force_new: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work::work_until_ended(e).await;
    e.store().scenes_of(p.id).unwrap().remove(0)
}

fn never_saw_the_key(elsewhere: &Elsewhere, what: &str) {
    for head in elsewhere.heads.lock().unwrap().iter() {
        assert!(
            !head.contains(KEY),
            "{what}: the key followed a redirect to another port:\n{head}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_providers_never_send_their_key_to_another_host() {
    for (provider, route) in [
        ("openai", Route::OpenAi),
        ("fal", Route::FalSubmit),
        ("stability", Route::Stability),
    ] {
        let server = FaultServer::start();
        let elsewhere = Elsewhere::start();
        server.set_default(route, elsewhere.redirect());
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path(), providers::config(&server, &[provider]));
        let s = one_scene(&e).await;
        assert!(server.hits(route) >= 1, "{provider} was asked");
        never_saw_the_key(&elsewhere, provider);
        let img = s.image.as_ref().expect("the scene has a picture");
        assert_eq!(img.provider, "titlecard", "{provider}: the chain went on");
        let why = serde_json::to_string(&s).unwrap();
        assert!(!why.contains(KEY), "{provider}: {why}");
        assert!(!why.contains("sig=abc"), "{provider}: {why}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voices_never_send_their_key_to_another_host() {
    for (voice, route) in [
        ("elevenlabs", Route::ElevenLabsSpeech),
        ("openai", Route::OpenAiSpeech),
    ] {
        let server = FaultServer::start();
        let elsewhere = Elsewhere::start();
        server.set_default(route, elsewhere.redirect());
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::default();
        c.generation.providers = vec!["titlecard".into()];
        c.voice.voices = vec![voice.into()];
        c.voice.retry_base_ms = 10;
        c.voice.retry_max_ms = 50;
        c.voice.budget_s = 4;
        c.voice.elevenlabs.base_url = Some(server.url());
        c.voice.elevenlabs.timeout_s = Some(1);
        c.voice.openai.base_url = Some(format!("{}/v1", server.url()));
        c.voice.openai.timeout_s = Some(1);
        let e = engine(dir.path(), c);
        let s = one_scene(&e).await;
        assert!(server.hits(route) >= 1, "{voice} was asked");
        never_saw_the_key(&elsewhere, voice);
        let n = s.narration.as_ref().expect("the scene is narrated");
        let sp = n.speech.as_ref().expect("a later voice spoke");
        assert_ne!(sp.provider, voice, "{voice}: the chain went on");
        let why = serde_json::to_string(&s).unwrap();
        assert!(!why.contains(KEY), "{voice}: {why}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_a_base_url_and_quoted_answers_never_reach_a_message() {
    // A server that answers with a value a JSON error message would quote back.
    let server = FaultServer::start();
    server.set_default(
        Route::OpenAi,
        Fault::Raw(RawAnswer {
            status: 200,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: br#"{"data": "sk-quoted-secret-0042"}"#.to_vec(),
        }),
    );
    // Fal behind an address with a password and a signed query, on a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let mut c = providers::config(&server, &["openai", "fal"]);
    c.providers.fal.base_url = Some(format!(
        "http://maker:hunter2-pass@127.0.0.1:{port}/fal?sig=topsecret-sig"
    ));
    let e = engine(&dir.path().join("data"), c);
    let mut events = e.subscribe();
    let s = one_scene(&e).await;
    assert_eq!(s.image.as_ref().unwrap().provider, "titlecard");
    let mut seen = String::new();
    while let Ok(ev) = events.try_recv() {
        seen.push_str(&format!("{ev:?}"));
    }
    let record = serde_json::to_string(&s).unwrap();
    let report = format!("{:?}", e.providers_report());
    let files = all_bytes(dir.path());
    for secret in ["sk-quoted-secret-0042", "hunter2-pass", "topsecret-sig"] {
        assert!(!record.contains(secret), "{secret} in the scene: {record}");
        assert!(!seen.contains(secret), "{secret} in an event");
        assert!(
            !report.contains(secret),
            "{secret} in the providers' report: {report}"
        );
        assert!(!contains(&files, secret), "{secret} in the data folder");
    }
    // The sentences still say what happened.
    assert!(record.contains("cannot read"), "{record}");
    assert!(record.contains("Cannot reach"), "{record}");
}
