//! A fault-injecting HTTP server on 127.0.0.1 that speaks the wire formats of OpenAI Images,
//! Fal.ai's queue API, Stability AI's v2beta generate, Automatic1111 and ComfyUI. Each route
//! answers with a scripted `Fault` per request (default: success with a real PNG), counts its
//! requests, and keeps the last request's headers and body for assertions.

pub mod s3;
pub mod throttle;
pub mod tmpfs;
pub mod webdav;

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
    /// `/files/{name}`: images that providers link to.
    File,
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
        let app = router(shared.clone());
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

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/v1/images/generations", post(openai))
        .route("/v1/models", get(openai_models))
        .route("/sdapi/v1/txt2img", post(a1111))
        .route("/sdapi/v1/sd-models", get(a1111_models))
        .route("/fal/{*rest}", get(fal_get).post(fal_submit))
        .route("/v2beta/stable-image/generate/{model}", post(stability))
        .route("/v1/user/balance", get(stability_balance))
        .route("/prompt", post(comfy_prompt))
        .route("/history/{id}", get(comfy_history))
        .route("/view", get(comfy_view))
        .route("/system_stats", get(comfy_stats))
        .route("/files/{name}", get(file))
        .with_state(shared)
}

async fn openai(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::OpenAi, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    let prompt = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["prompt"].as_str().map(str::to_string))
        .unwrap_or_default();
    let item = if f == Fault::OkUrl {
        json!({"url": format!("{}/files/image.png", s.base), "revised_prompt": format!("{prompt} (revised)")})
    } else {
        json!({"b64_json": b64(&image_for(&f)), "revised_prompt": format!("{prompt} (revised)")})
    };
    json_with_type(json!({"created": 1_700_000_000, "data": [item]}), &f)
}

async fn openai_models(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::OpenAiModels, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    Json(json!({"object": "list", "data": [{"id": "gpt-image-1", "object": "model"}]}))
        .into_response()
}

async fn a1111(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::A1111, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::A1111).await {
        return r;
    }
    json_with_type(
        json!({"images": [b64(&image_for(&f))], "parameters": {}, "info": "{\"seed\": 42}"}),
        &f,
    )
}

async fn a1111_models(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::A1111Models, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::A1111).await {
        return r;
    }
    Json(json!([{"title": "sd_xl_base_1.0.safetensors", "model_name": "sd_xl_base_1.0"}]))
        .into_response()
}

async fn fal_submit(
    State(s): State<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = s.next(Route::FalSubmit, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Fal).await {
        return r;
    }
    // Like Fal: status and result live under the model's first two path parts.
    let app: Vec<&str> = rest.split('/').take(2).collect();
    let app = app.join("/");
    let id = format!(
        "req-{}",
        s.inner
            .lock()
            .map(|g| g.hits.get(&Route::FalSubmit).map_or(0, |h| h.len()))
            .unwrap_or(0)
    );
    json_with_type(
        json!({
            "request_id": id,
            "status": "IN_QUEUE",
            "status_url": format!("{}/fal/{app}/requests/{id}/status", s.base),
            "response_url": format!("{}/fal/{app}/requests/{id}", s.base),
            "cancel_url": format!("{}/fal/{app}/requests/{id}/cancel", s.base),
        }),
        &f,
    )
}

async fn fal_get(
    State(s): State<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(id_part) = rest.strip_suffix("/status") {
        let id = id_part.rsplit('/').next().unwrap_or("").to_string();
        let f = s.next(Route::FalStatus, &headers, &[]);
        if let Some(r) = common(&f, ErrStyle::Fal).await {
            return r;
        }
        let status = if s.poll_done(&id) {
            "COMPLETED"
        } else {
            "IN_PROGRESS"
        };
        return json_with_type(
            json!({"status": status, "queue_position": 0, "logs": null}),
            &f,
        );
    }
    let f = s.next(Route::FalResult, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Fal).await {
        return r;
    }
    let name = match f {
        Fault::Garbage => "garbage.png",
        Fault::TruncatedImage => "truncated.png",
        Fault::Bomb => "bomb.png",
        Fault::WrongContentType => "page.png",
        _ => "image.png",
    };
    json_with_type(
        json!({
            "images": [{"url": format!("{}/files/{name}", s.base), "width": 96, "height": 160, "content_type": "image/png"}],
            "timings": {"inference": 0.5}, "seed": 7, "has_nsfw_concepts": [false], "prompt": "p"
        }),
        &Fault::Ok,
    )
}

async fn stability(
    State(s): State<Shared>,
    Path(_model): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = s.next(Route::Stability, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Stability).await {
        return r;
    }
    let ctype = if f == Fault::WrongContentType {
        "text/html"
    } else {
        "image/png"
    };
    // Like Stability's moderation: a prompt with the word `filtered` gets a blurred image
    // (here: the usual one) flagged `finish-reason: CONTENT_FILTERED`, still with a 200.
    let text = String::from_utf8_lossy(&body);
    let prompt = text
        .split("name=\"prompt\"")
        .nth(1)
        .and_then(|part| part.split("\r\n\r\n").nth(1))
        .and_then(|value| value.split("\r\n--").next())
        .unwrap_or("");
    let finish = if prompt.contains("filtered") {
        "CONTENT_FILTERED"
    } else {
        "SUCCESS"
    };
    (
        [
            ("content-type", ctype),
            ("finish-reason", finish),
            ("seed", "42"),
        ],
        image_for(&f),
    )
        .into_response()
}

async fn stability_balance(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::StabilityBalance, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Stability).await {
        return r;
    }
    Json(json!({"credits": 12.5})).into_response()
}

async fn comfy_prompt(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::ComfyPrompt, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    // Like ComfyUI's validation: a checkpoint it does not have is a 400 naming the node.
    let workflow = serde_json::from_slice::<Value>(&body)
        .map(|v| v["prompt"].clone())
        .unwrap_or_default();
    let nodes = workflow.as_object().cloned().unwrap_or_default();
    let known = [
        "sd_xl_base_1.0.safetensors",
        "v1-5-pruned-emaonly.safetensors",
    ];
    for (id, node) in &nodes {
        let Some(ckpt) = node["inputs"]["ckpt_name"].as_str() else {
            continue;
        };
        if !known.contains(&ckpt) {
            let details = format!("ckpt_name: '{ckpt}' not in {known:?}");
            let error = json!({"type": "value_not_in_list", "message": "Value not in list",
                "details": details, "extra_info": {"input_name": "ckpt_name", "received_value": ckpt}});
            let body = json!({
                "error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
                "node_errors": {id.clone(): {"errors": [error], "dependent_outputs": ["9"], "class_type": node["class_type"]}}
            });
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    }
    // A latent over 4096 x 4096 runs out of memory while executing: its history says so.
    let oom = nodes.values().any(|n| {
        let side = |k: &str| n["inputs"][k].as_u64().unwrap_or(0);
        n["class_type"] == "EmptyLatentImage" && side("width") * side("height") > 4096 * 4096
    });
    let n = s
        .inner
        .lock()
        .map(|g| g.hits.get(&Route::ComfyPrompt).map_or(0, |h| h.len()))
        .unwrap_or(0);
    let id = format!("p-{n}{}", if oom { "-oom" } else { "" });
    json_with_type(json!({"prompt_id": id, "number": n, "node_errors": {}}), &f)
}

async fn comfy_history(
    State(s): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let f = s.next(Route::ComfyHistory, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    if !s.poll_done(&id) {
        return Json(json!({})).into_response();
    }
    if id.ends_with("-oom") {
        let error = json!({"prompt_id": id, "node_id": "3", "node_type": "KSampler", "executed": ["4", "5"],
            "exception_message": "Allocation on device 0 would exceed allowed memory. (out of memory)\n",
            "exception_type": "torch.OutOfMemoryError", "traceback": [], "current_inputs": {}, "current_outputs": {}});
        return Json(json!({ id.clone(): {
            "prompt": [1, id, {}, {}, ["9"]],
            "outputs": {},
            "status": {"status_str": "error", "completed": false, "messages": [
                ["execution_start", {"prompt_id": id, "timestamp": 0}], ["execution_error", error]]}
        }}))
        .into_response();
    }
    let filename = match f {
        Fault::Garbage => "garbage.png",
        Fault::TruncatedImage => "truncated.png",
        Fault::Bomb => "bomb.png",
        _ => "StoryReel_00001_.png",
    };
    Json(json!({ id.clone(): {
        "prompt": [1, id, {}, {}, ["9"]],
        "outputs": {"9": {"images": [{"filename": filename, "subfolder": "", "type": "output"}]}},
        "status": {"status_str": "success", "completed": true, "messages": []}
    }}))
    .into_response()
}

async fn comfy_view(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let f = s.next(Route::ComfyView, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    file_bytes(q.get("filename").map(String::as_str).unwrap_or(""))
}

async fn comfy_stats(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::ComfyStats, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    Json(json!({"system": {"os": "posix", "comfyui_version": "0.3.0"}, "devices": []}))
        .into_response()
}

async fn file(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let f = s.next(Route::File, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    if f != Fault::Ok {
        return ([("content-type", "image/png")], image_for(&f)).into_response();
    }
    file_bytes(&name)
}

fn file_bytes(name: &str) -> Response {
    match name {
        "garbage.png" => {
            ([("content-type", "image/png")], image_for(&Fault::Garbage)).into_response()
        }
        "truncated.png" => (
            [("content-type", "image/png")],
            image_for(&Fault::TruncatedImage),
        )
            .into_response(),
        "bomb.png" => ([("content-type", "image/png")], bomb()).into_response(),
        "page.png" => ([("content-type", "text/html")], HTML).into_response(),
        _ => ([("content-type", "image/png")], png()).into_response(),
    }
}
