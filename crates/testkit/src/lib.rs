//! A fault-injecting HTTP server on 127.0.0.1 that speaks the wire formats of OpenAI Images,
//! Fal.ai's queue API, Stability AI's v2beta generate, Automatic1111 and ComfyUI. Each route
//! answers with a scripted `Fault` per request (default: success with a real PNG), counts its
//! requests, and keeps the last request's headers and body for assertions.

pub mod chat;
pub mod files;
pub mod s3;
pub mod throttle;
pub mod tmpfs;
pub mod voice;
pub mod webdav;

mod reference_routes;
mod routes;
pub use reference_routes::{form_parts, multipart_parts};
pub mod speech;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    OpenAi,
    OpenAiModels,
    A1111,
    A1111Models,
    FalSubmit,
    FalStatus,
    FalResult,
    Stability,
    StabilityBalance,
    ComfyPrompt,
    ComfyHistory,
    ComfyView,
    ComfyStats,
    /// `/upload/image`: a reference picture for a workflow.
    ComfyUpload,
    /// `/v1/images/edits`: a picture with reference pictures.
    OpenAiEdits,
    /// `/v2beta/stable-image/control/{kind}`: the look's reference picture.
    StabilityControl,
    /// `/controlnet/*`: the ControlNet extension's lists.
    A1111ControlNet,
    /// `/files/{name}`: images that providers link to.
    File,
    OpenAiSpeech,
    ElevenLabsSpeech,
    ElevenLabsVoices,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Success with a real PNG.
    Ok,
    /// Success, but the image comes as a link to `/files/` (OpenAI `url`).
    OkUrl,
    /// Success after a delay.
    Slow(Duration),
    /// Never answers.
    Hang,
    /// This status with the provider's usual error body.
    Status(u16),
    /// 429 with `Retry-After: secs`.
    RateLimited(u64),
    /// 429 with `Retry-After` as an HTTP date `secs` from now.
    RateLimitedDate(u64),
    Unauthorized,
    Quota,
    ContentPolicy,
    UnknownModel,
    /// 200 with bytes that are no image where the image should be.
    Garbage,
    /// 200 with half a PNG.
    TruncatedImage,
    /// 200 with an HTML page instead of the expected answer.
    Html,
    /// 200 with a PNG whose header claims 60000 x 60000 pixels.
    Bomb,
    /// 200 with the right body and a wrong content type.
    WrongContentType,
    /// The connection breaks off in the middle of the answer.
    Close,
    /// Any answer at all, for fuzzing: a status (100-999), headers (any bytes a header value
    /// may hold: huge or negative numbers, bad dates, a lying Content-Length, a Location that
    /// loops or leaves) and a body (random bytes, deep or huge JSON, wrong types, nulls).
    Raw(RawAnswer),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl RawAnswer {
    fn response(&self) -> Response {
        let mut r = Response::new(Body::from(self.body.clone()));
        *r.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::IM_A_TEAPOT);
        for (name, value) in &self.headers {
            let (Ok(n), Ok(v)) = (
                axum::http::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value),
            ) else {
                continue;
            };
            r.headers_mut().append(n, v);
        }
        r
    }
}

#[derive(Default)]
struct Inner {
    scripts: HashMap<Route, VecDeque<Fault>>,
    defaults: HashMap<Route, Fault>,
    hits: HashMap<Route, Vec<Instant>>,
    last_headers: HashMap<Route, HeaderMap>,
    last_body: HashMap<Route, Vec<u8>>,
    /// Every request body, in order.
    bodies: HashMap<Route, Vec<Vec<u8>>>,
    /// Polls of a Fal status or ComfyUI history before the job is done.
    polls_before_done: u32,
    polls: HashMap<String, u32>,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    base: String,
}

impl Shared {
    fn next(&self, route: Route, headers: &HeaderMap, body: &[u8]) -> Fault {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.hits.entry(route).or_default().push(Instant::now());
        g.last_headers.insert(route, headers.clone());
        g.last_body.insert(route, body.to_vec());
        g.bodies.entry(route).or_default().push(body.to_vec());
        if let Some(f) = g.scripts.get_mut(&route).and_then(|q| q.pop_front()) {
            return f;
        }
        g.defaults.get(&route).cloned().unwrap_or(Fault::Ok)
    }
    fn poll_done(&self, id: &str) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let need = g.polls_before_done;
        let n = g.polls.entry(id.to_string()).or_default();
        *n += 1;
        *n > need
    }
}

/// The running server. Dropping it stops it.
pub struct FaultServer {
    pub addr: SocketAddr,
    shared: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultServer {
    /// Starts on 127.0.0.1 on a free port, in a thread of its own (usable from sync and async tests).
    pub fn start() -> FaultServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("addr");
        let shared = Shared {
            inner: Arc::new(Mutex::new(Inner::default())),
            base: format!("http://{addr}"),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = routes::router(shared.clone());
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
        FaultServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        self.shared.base.clone()
    }
    /// Queues faults for the next requests to `route`.
    pub fn script(&self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        let mut g = self.shared.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.scripts.entry(route).or_default().extend(faults);
    }
    /// What `route` answers once its script is used up.
    pub fn set_default(&self, route: Route, fault: Fault) {
        let mut g = self.shared.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.defaults.insert(route, fault);
    }
    pub fn polls_before_done(&self, n: u32) {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .polls_before_done = n;
    }
    pub fn hits(&self, route: Route) -> usize {
        self.times(route).len()
    }
    pub fn times(&self, route: Route) -> Vec<Instant> {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .hits
            .get(&route)
            .cloned()
            .unwrap_or_default()
    }
    pub fn last_header(&self, route: Route, name: &str) -> Option<String> {
        let g = self.shared.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.last_headers
            .get(&route)?
            .get(name)?
            .to_str()
            .ok()
            .map(str::to_string)
    }
    pub fn last_body(&self, route: Route) -> Vec<u8> {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last_body
            .get(&route)
            .cloned()
            .unwrap_or_default()
    }
    /// Every request body `route` was sent, in order.
    pub fn bodies(&self, route: Route) -> Vec<Vec<u8>> {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .bodies
            .get(&route)
            .cloned()
            .unwrap_or_default()
    }
    pub fn last_json(&self, route: Route) -> Value {
        serde_json::from_slice(&self.last_body(route)).unwrap_or(Value::Null)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A real PNG, 96 x 160, a diagonal gradient.
pub fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(96, 160, |x, y| {
        image::Rgb([(x * 2) as u8, (y + 40) as u8, 180])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// A PNG whose header claims 60000 x 60000 pixels.
pub fn bomb() -> Vec<u8> {
    let mut b = png();
    b[16..20].copy_from_slice(&60000u32.to_be_bytes());
    b[20..24].copy_from_slice(&60000u32.to_be_bytes());
    b
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The image bytes a success-like fault puts where the image goes.
fn image_for(f: &Fault) -> Vec<u8> {
    match f {
        Fault::Garbage => b"this is not an image at all".to_vec(),
        Fault::TruncatedImage => {
            let p = png();
            p[..p.len() / 2].to_vec()
        }
        Fault::Bomb => bomb(),
        _ => png(),
    }
}

const HTML: &str = "<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>";

/// The answers that do not depend on the provider, or None for a success-like fault.
async fn common(f: &Fault, style: ErrStyle) -> Option<Response> {
    match f {
        Fault::Slow(d) => {
            tokio::time::sleep(*d).await;
            None
        }
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            None
        }
        Fault::Status(s) => Some(err(*s, style, "server_error", "Something went wrong")),
        Fault::RateLimited(secs) => {
            let mut r = err(
                429,
                style,
                "rate_limit_exceeded",
                "Rate limit reached, slow down",
            );
            r.headers_mut().insert(
                "retry-after",
                HeaderValue::from_str(&secs.to_string()).ok()?,
            );
            Some(r)
        }
        Fault::RateLimitedDate(secs) => {
            let mut r = err(
                429,
                style,
                "rate_limit_exceeded",
                "Rate limit reached, slow down",
            );
            let when = std::time::SystemTime::now() + Duration::from_secs(*secs);
            r.headers_mut()
                .insert("retry-after", HeaderValue::from_str(&http_date(when)).ok()?);
            Some(r)
        }
        Fault::Unauthorized => Some(err(
            401,
            style,
            "invalid_api_key",
            "Incorrect API key provided",
        )),
        Fault::Quota => Some(match style {
            ErrStyle::OpenAi => err(
                429,
                style,
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.",
            ),
            _ => err(
                402,
                style,
                "payment_required",
                "You lack sufficient credits to make this request.",
            ),
        }),
        Fault::ContentPolicy => Some(match style {
            ErrStyle::Stability => err(
                403,
                style,
                "content_moderation",
                "Your request was flagged by our content moderation system.",
            ),
            _ => err(
                400,
                style,
                "content_policy_violation",
                "Your request was rejected as a result of our safety system.",
            ),
        }),
        Fault::UnknownModel => Some(err(
            404,
            style,
            "model_not_found",
            "The model `nope` does not exist.",
        )),
        Fault::Html => Some(([("content-type", "text/html")], HTML).into_response()),
        Fault::Raw(raw) => Some(raw.response()),
        Fault::Close => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"data\": [{\"b64_json\": \"iVBOR")),
                Err(std::io::Error::other("connection dropped")),
            ];
            Some(
                Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from_stream(futures_util::stream::iter(chunks)))
                    .ok()?,
            )
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum ErrStyle {
    OpenAi,
    Fal,
    Stability,
    A1111,
    Comfy,
}

fn err(status: u16, style: ErrStyle, code: &str, message: &str) -> Response {
    let body = match style {
        ErrStyle::OpenAi => {
            json!({"error": {"message": message, "type": "invalid_request_error", "code": code}})
        }
        ErrStyle::Fal => json!({"detail": [{"loc": ["body"], "msg": message, "type": code}]}),
        ErrStyle::Stability => json!({"id": "e1", "name": code, "errors": [message]}),
        ErrStyle::A1111 => {
            json!({"error": "HTTPException", "detail": message, "body": "", "errors": code})
        }
        ErrStyle::Comfy => {
            json!({"error": {"type": code, "message": message, "details": "", "extra_info": {}}, "node_errors": {}})
        }
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response()
}

fn http_date(t: std::time::SystemTime) -> String {
    // RFC 7231 IMF-fixdate, computed by hand to keep this crate small.
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let (h, m, s) = ((secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if mo <= 2 { 1 } else { 0 };
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(mo - 1) as usize];
    format!("{wd}, {d:02} {mon} {y} {h:02}:{m:02}:{s:02} GMT")
}

fn json_with_type(body: Value, f: &Fault) -> Response {
    let ctype = if *f == Fault::WrongContentType {
        "text/plain"
    } else {
        "application/json"
    };
    ([("content-type", ctype)], body.to_string()).into_response()
}
