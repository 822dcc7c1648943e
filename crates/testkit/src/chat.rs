//! A fake OpenAI-compatible chat server on 127.0.0.1 (`/v1/models`, `/v1/chat/completions`),
//! streaming or not, that answers each request with a scripted `Reply`: a good story (as many
//! scenes as the request asks for), a server error, a hang, garbage, an answer that breaks the
//! schema, one cut at the length limit, or a refusal. It keeps every request body.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// How the server answers one chat request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A good story with as many scenes as asked for, streamed in small pieces (or whole when
    /// the request does not stream).
    Good,
    /// This answer text, streamed (or whole) as the model's content.
    Text(String),
    /// This answer's whole JSON body, not streamed, whatever the request asked.
    Whole(Value),
    /// An HTTP error status with this body.
    Status(u16, String),
    /// Accepts the request and never answers.
    Hang,
    /// Streams the first half of a good story, then stays silent.
    StallMidway,
    /// An event stream of random bytes.
    Garbage(u64),
    /// A good story cut half-way, with `finish_reason: length`.
    Cut,
    /// The model declines, in these words.
    Refusal(String),
}

#[derive(Default)]
struct Inner {
    script: std::collections::VecDeque<Reply>,
    default: Option<Reply>,
    bodies: Vec<Value>,
    auth: Vec<Option<String>>,
    model_calls: usize,
    /// The pause between two streamed pieces (ms).
    piece_ms: u64,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    models: Vec<String>,
    closing: tokio::sync::watch::Sender<bool>,
}

/// The running server; dropping it stops it (hanging answers end first).
pub struct ChatServer {
    pub addr: SocketAddr,
    shared: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ChatServer {
    /// Starts on a free port of 127.0.0.1, listing `models`.
    pub fn start(models: &[&str]) -> ChatServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("addr");
        let shared = Shared {
            inner: Arc::new(Mutex::new(Inner::default())),
            models: models.iter().map(|m| m.to_string()).collect(),
            closing: tokio::sync::watch::channel(false).0,
        };
        let app = Router::new()
            .route("/v1/models", get(list))
            .route("/v1/chat/completions", post(complete))
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        ChatServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base URL a client is given (`http://127.0.0.1:PORT/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
    /// Queues replies for the next chat requests.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.lock().script.extend(replies);
    }
    /// What the server answers once the script is used up (default: `Good`).
    pub fn set_default(&self, reply: Reply) {
        self.lock().default = Some(reply);
    }
    /// Every chat request body, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.lock().bodies.clone()
    }
    /// The Authorization header of every chat request, in order.
    pub fn auth(&self) -> Vec<Option<String>> {
        self.lock().auth.clone()
    }
    /// Streams more slowly: `ms` between two pieces (a person can watch the story arrive).
    pub fn set_piece_delay(&self, ms: u64) {
        self.lock().piece_ms = ms;
    }
    pub fn model_calls(&self) -> usize {
        self.lock().model_calls
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for ChatServer {
    fn drop(&mut self) {
        let _ = self.shared.closing.send(true);
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn list(State(s): State<Shared>) -> Json<Value> {
    s.inner
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .model_calls += 1;
    let data: Vec<Value> = s
        .models
        .iter()
        .map(|m| json!({"id": m, "object": "model", "owned_by": "test"}))
        .collect();
    Json(json!({"object": "list", "data": data}))
}

/// The scene count a request asks for ("exactly N scenes"), 3 when it does not say.
fn asked_scenes(body: &Value) -> usize {
    let text = body["messages"].to_string();
    text.split("exactly ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

/// A good story of `n` scenes, with a cast of one.
pub fn good_story(n: usize) -> Value {
    let scenes: Vec<Value> = (1..=n)
        .map(|i| json!({
            "title": format!("Night {i}"),
            "words": format!("Elias climbs the tower for the {i}th time tonight. The lamp still turns."),
            "picture": format!("an old lighthouse keeper on a spiral stair, lantern light, view {i}")
        }))
        .collect();
    json!({
        "title": "The Keeper's Last Night",
        "look": "oil painting, storm light",
        "cast": [{"name": "Elias", "description": "an old keeper with a grey beard and a blue coat"}],
        "scenes": scenes
    })
}

fn chunk(content: Value, finish: Option<&str>) -> String {
    let c = json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": content, "finish_reason": finish}]});
    format!("data: {c}\n\n")
}

fn events(text: &str, finish: Option<&str>, done: bool) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = chars
        .chunks(7)
        .map(|c| chunk(json!({"content": c.iter().collect::<String>()}), None))
        .collect();
    if let Some(f) = finish {
        out.push(chunk(json!({}), Some(f)));
    }
    if done {
        out.push("data: [DONE]\n\n".into());
    }
    out
}

fn sse(
    parts: Vec<String>,
    then_hang: Option<tokio::sync::watch::Receiver<bool>>,
    piece_ms: u64,
) -> Response {
    let stream = async_stream(parts, then_hang, piece_ms);
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("text/event-stream"),
    );
    r
}

fn async_stream(
    parts: Vec<String>,
    then_hang: Option<tokio::sync::watch::Receiver<bool>>,
    piece_ms: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(
        (parts.into_iter(), then_hang),
        move |(mut it, hang)| async move {
            match it.next() {
                Some(p) => {
                    tokio::time::sleep(Duration::from_millis(piece_ms.max(2))).await;
                    Some((Ok(Bytes::from(p)), (it, hang)))
                }
                None => {
                    if let Some(mut h) = hang {
                        let _ = h.wait_for(|c| *c).await;
                    }
                    None
                }
            }
        },
    )
}

fn whole(text: &str, finish: &str) -> Response {
    Json(json!({"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}]})).into_response()
}

async fn complete(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (reply, piece_ms) = {
        let mut g = s.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.bodies.push(req.clone());
        g.auth.push(
            headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        );
        let next = g.script.pop_front();
        (
            next.or_else(|| g.default.clone()).unwrap_or(Reply::Good),
            g.piece_ms,
        )
    };
    let stream = req["stream"].as_bool().unwrap_or(false);
    let story = good_story(asked_scenes(&req)).to_string();
    match reply {
        Reply::Good | Reply::Text(_) => {
            let text = match reply {
                Reply::Text(t) => t,
                _ => story,
            };
            if stream {
                sse(events(&text, Some("stop"), true), None, piece_ms)
            } else {
                whole(&text, "stop")
            }
        }
        Reply::Whole(v) => Json(v).into_response(),
        Reply::Status(code, body) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
            body,
        )
            .into_response(),
        Reply::Hang => {
            let mut closing = s.closing.subscribe();
            let _ = closing.wait_for(|c| *c).await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Reply::StallMidway => {
            let half: String = story.chars().take(story.chars().count() / 2).collect();
            sse(
                events(&half, None, false),
                Some(s.closing.subscribe()),
                piece_ms,
            )
        }
        Reply::Garbage(seed) => {
            let mut x = seed | 1;
            let bytes: Vec<u8> = (0..600)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x & 0xff) as u8
                })
                .collect();
            let mut text = String::from("data: ");
            text.push_str(&String::from_utf8_lossy(&bytes));
            text.push('\n');
            sse(vec![text], None, piece_ms)
        }
        Reply::Cut => {
            let half: String = story.chars().take(story.chars().count() / 2).collect();
            if stream {
                sse(events(&half, Some("length"), true), None, piece_ms)
            } else {
                whole(&half, "length")
            }
        }
        Reply::Refusal(words) => {
            if stream {
                sse(
                    vec![
                        chunk(json!({"refusal": words}), None),
                        chunk(json!({}), Some("stop")),
                        "data: [DONE]\n\n".into(),
                    ],
                    None,
                    piece_ms,
                )
            } else {
                Json(json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": words}, "finish_reason": "stop"}]})).into_response()
            }
        }
    }
}
