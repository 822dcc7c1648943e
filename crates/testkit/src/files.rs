//! A file server on 127.0.0.1 for download tests: serves a folder's files by name, honours
//! byte ranges (a resumed download), and on request breaks a download part way, answers a
//! status of the test's choosing, or ignores ranges. It records each request's file and range.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// How a file is served.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Serve {
    Whole,
    /// The next request gets this many bytes, then the connection breaks; later ones are whole.
    CutOnceAfter(u64),
    /// Every request gets this status and no file.
    Status(u16),
    /// Ranges are ignored: the whole file with 200.
    NoRanges,
}

#[derive(Default)]
struct Inner {
    serve: HashMap<String, Serve>,
    log: Vec<(String, Option<String>)>,
}

#[derive(Clone)]
struct Shared {
    dir: PathBuf,
    inner: Arc<Mutex<Inner>>,
}

pub struct FileServer {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    /// Serves `dir` until dropped.
    pub async fn start(dir: PathBuf) -> FileServer {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let shared = Shared {
            dir,
            inner: inner.clone(),
        };
        let app = Router::new().route("/{name}", get(file)).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FileServer { base, inner, task }
    }

    pub fn set(&self, name: &str, serve: Serve) {
        self.inner
            .lock()
            .unwrap()
            .serve
            .insert(name.to_string(), serve);
    }

    /// Each request so far: the file's name and its Range header.
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        self.inner.lock().unwrap().log.clone()
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn file(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let serve = {
        let mut inner = s.inner.lock().unwrap();
        inner.log.push((name.clone(), range.clone()));
        let serve = inner.serve.get(&name).copied().unwrap_or(Serve::Whole);
        if matches!(serve, Serve::CutOnceAfter(_)) {
            inner.serve.insert(name.clone(), Serve::Whole);
        }
        serve
    };
    if let Serve::Status(code) = serve {
        return StatusCode::from_u16(code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response();
    }
    if name.contains('/') || name.starts_with('.') {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(bytes) = tokio::fs::read(s.dir.join(&name)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let total = bytes.len() as u64;
    let from = match (&range, serve) {
        (_, Serve::NoRanges) | (None, _) => None,
        (Some(r), _) => r
            .strip_prefix("bytes=")
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|n| n.parse::<u64>().ok()),
    };
    if let Some(f) = from {
        if f >= total {
            return Response::builder()
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{total}"))
                .body(Body::empty())
                .unwrap();
        }
    }
    let start = from.unwrap_or(0) as usize;
    let body = bytes[start..].to_vec();
    let len = body.len();
    let mut resp = Response::builder()
        .status(if from.is_some() {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        })
        .header(header::CONTENT_LENGTH, len)
        .header(header::ACCEPT_RANGES, "bytes");
    if from.is_some() {
        resp = resp.header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{total}", total.saturating_sub(1)),
        );
    }
    let body = match serve {
        Serve::CutOnceAfter(n) => {
            let n = (n as usize).min(len);
            let first = axum::body::Bytes::copy_from_slice(&body[..n]);
            // The bytes go out first; the connection breaks a moment later.
            use futures_util::StreamExt;
            let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(first)]).chain(
                futures_util::stream::once(async {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    Err(std::io::Error::other("cut"))
                }),
            );
            Body::from_stream(stream)
        }
        _ => Body::from(body),
    };
    resp.body(body).unwrap()
}
