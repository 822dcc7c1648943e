//! Plays the rendered video and the narration in the window. WebKitGTK hands a `<video>`'s or
//! `<audio>`'s address straight to GStreamer, which has no source for the app's custom schemes
//! (`asset:` fails with "FormatError"), so they are served over HTTP from 127.0.0.1 instead:
//! byte ranges (206), `video/mp4` and `audio/wav`, and nothing else.
//!
//! What keeps it private: it listens on loopback only; every address starts with a random
//! token the window learns over IPC; the Host header must be the server's own address (so a web
//! page cannot reach it by DNS rebinding); only `.mp4` and `.wav` files inside the open data folder's
//! `assets/` are served, checked after symlinks are resolved; only GET and HEAD are answered.
//!
//! What keeps it standing: at most [`MAX_CONNECTIONS`] connections are open at once (more are
//! closed as they come, so no local program can take the app's file descriptors), a request's
//! head must arrive within [`HEADER_TIMEOUT`], and a connection waiting for its next request
//! is closed after the same time (hyper's timer runs the header timeout while it waits).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use futures_util::TryStreamExt;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, StreamBody};
use hyper::body::{Bytes, Frame};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

type Body = BoxBody<Bytes, std::io::Error>;

/// Connections open at once; a player needs a few.
pub const MAX_CONNECTIONS: usize = 32;
/// How long a request's head may take to arrive, and a kept-alive connection may wait idle.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The one media server of the app, for as long as the app runs.
#[derive(Clone)]
pub struct MediaServer {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    token: String,
    host: String,
    roots: RwLock<Vec<PathBuf>>,
}

impl MediaServer {
    /// Binds a free port on 127.0.0.1 and serves on the current tokio runtime.
    pub fn start() -> std::io::Result<MediaServer> {
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let server = MediaServer {
            inner: Arc::new(Inner {
                addr,
                token: uuid::Uuid::new_v4().simple().to_string(),
                host: addr.to_string(),
                roots: RwLock::new(Vec::new()),
            }),
        };
        let inner = server.inner.clone();
        tauri::async_runtime::spawn(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(%e, "the video server could not start; videos will not play in the window");
                    return;
                }
            };
            accept_loop(listener, inner).await;
        });
        Ok(server)
    }

    /// The address every video URL starts with (`http://127.0.0.1:PORT/TOKEN/`).
    pub fn base(&self) -> String {
        format!("http://{}/{}/", self.inner.addr, self.inner.token)
    }

    /// The address of one file (an absolute path).
    pub fn url_for(&self, path: &Path) -> String {
        format!(
            "{}{}",
            self.base(),
            utf8_percent_encode(&path.to_string_lossy(), NON_ALPHANUMERIC)
        )
    }

    /// Lets the server show videos inside `dir` (a data folder's `assets/`) and nowhere else:
    /// a data folder the app no longer uses is no longer served.
    pub fn allow(&self, dir: PathBuf) {
        let dir = dir.canonicalize().unwrap_or(dir);
        if let Ok(mut roots) = self.inner.roots.write() {
            *roots = vec![dir];
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, inner: Arc<Inner>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(%e, "video server: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Every place is taken: this one is closed at once (its descriptor freed).
            tracing::debug!("video server: too many connections; one was closed");
            continue;
        };
        let inner = inner.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |req| {
                let inner = inner.clone();
                async move { Ok::<_, Infallible>(answer(&inner, req).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await
            {
                // The player closes connections it no longer needs (after a seek): not an error.
                tracing::trace!(%e, "video server: connection ended");
            }
        });
    }
}

fn no_body() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(no_body());
    *r.status_mut() = status;
    r
}

/// The type a served file is sent as; none: it is not served.
fn media_type(file: &Path) -> Option<&'static str> {
    let ext = file.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "mp4" => Some("video/mp4"),
        "wav" => Some("audio/wav"),
        _ => None,
    }
}

/// The file a request asks for, when it may be served.
fn requested_file(inner: &Inner, path: &str) -> Option<PathBuf> {
    let rest = path.strip_prefix('/')?.strip_prefix(inner.token.as_str())?;
    let rest = rest.strip_prefix('/')?;
    let decoded = percent_decode_str(rest).decode_utf8().ok()?;
    let file = PathBuf::from(decoded.as_ref());
    if !file.is_absolute() || media_type(&file).is_none() {
        return None;
    }
    let real = file.canonicalize().ok()?;
    let roots = inner.roots.read().ok()?;
    roots
        .iter()
        .any(|root| real.starts_with(root))
        .then_some(real)
}

async fn answer(inner: &Inner, req: Request<hyper::body::Incoming>) -> Response<Body> {
    let host_ok = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h == inner.host);
    if !host_ok {
        return empty(StatusCode::FORBIDDEN);
    }
    let head = match *req.method() {
        Method::GET => false,
        Method::HEAD => true,
        _ => {
            let mut r = empty(StatusCode::METHOD_NOT_ALLOWED);
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
    };
    let Some(file) = requested_file(inner, req.uri().path()) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    match serve(&file, range.as_deref(), head).await {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(%e, "video server: cannot read the video");
            empty(StatusCode::NOT_FOUND)
        }
    }
}

/// What part of a file to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// All of it (no Range, or one that does not parse).
    Whole,
    /// `len` bytes from `start`.
    Range { start: u64, len: u64 },
    /// The range starts past the end (416).
    Unsatisfiable,
}

/// The part of a file of `size` bytes a Range header asks for.
pub fn pick_range(header: Option<&str>, size: u64) -> Part {
    let Some(h) = header else { return Part::Whole };
    match http_range::HttpRange::parse(h, size) {
        // Only the first range is sent; a player asks for one at a time.
        Ok(ranges) => ranges
            .first()
            .filter(|r| r.length > 0 && r.start < size)
            .map_or(Part::Whole, |r| Part::Range {
                start: r.start,
                len: r.length.min(size - r.start),
            }),
        Err(http_range::HttpRangeParseError::NoOverlap) => Part::Unsatisfiable,
        // A Range header that does not parse is ignored, as HTTP says.
        Err(http_range::HttpRangeParseError::InvalidRange) => Part::Whole,
    }
}

async fn serve(file: &Path, range: Option<&str>, head: bool) -> std::io::Result<Response<Body>> {
    let mut f = tokio::fs::File::open(file).await?;
    let size = f.metadata().await?.len();
    let (status, start, len) = match pick_range(range, size) {
        Part::Whole => (StatusCode::OK, 0, size),
        Part::Range { start, len } => (StatusCode::PARTIAL_CONTENT, start, len),
        Part::Unsatisfiable => {
            let mut r = empty(StatusCode::RANGE_NOT_SATISFIABLE);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
    };
    let body: Body = if head {
        no_body()
    } else {
        f.seek(std::io::SeekFrom::Start(start)).await?;
        let stream = tokio_util::io::ReaderStream::with_capacity(f.take(len), 256 * 1024)
            .map_ok(Frame::data);
        BodyExt::boxed(StreamBody::new(stream))
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    let kind = media_type(file).unwrap_or("application/octet-stream");
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if status == StatusCode::PARTIAL_CONTENT {
        let end = start + len.saturating_sub(1);
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::{pick_range, Part};

    #[test]
    fn ranges_are_clamped_to_the_file() {
        let r = |start, len| Part::Range { start, len };
        assert_eq!(pick_range(None, 100), Part::Whole);
        assert_eq!(pick_range(Some("bytes=0-"), 100), r(0, 100));
        assert_eq!(pick_range(Some("bytes=10-19"), 100), r(10, 10));
        assert_eq!(pick_range(Some("bytes=90-500"), 100), r(90, 10));
        assert_eq!(pick_range(Some("bytes=-5"), 100), r(95, 5));
        assert_eq!(pick_range(Some("bytes=100-"), 100), Part::Unsatisfiable);
        assert_eq!(pick_range(Some("lines=1-2"), 100), Part::Whole);
        assert_eq!(pick_range(Some("bytes=5-1"), 100), Part::Whole);
        assert_eq!(
            pick_range(Some("bytes=18446744073709551615-"), 100),
            Part::Unsatisfiable
        );
    }
}
