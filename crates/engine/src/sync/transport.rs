//! The HTTP transport under every remote storage target: time limits that follow progress, not
//! the clock on the wall.
//!
//! A whole-request time limit fails every large part forever on a slow link (an 8 MB part needs
//! more than a minute below ~1 Mbit/s). Here a request fails only when it stops moving:
//! - while the body goes out, no chunk taken by the connection for `idle` means a stalled link;
//! - once the body is handed over, the kernel may still hold a few megabytes of it, so the answer
//!   is awaited for `idle` plus the time the body needs at the slowest link we accept
//!   ([`SLOWEST_LINK_BYTES_PER_S`]);
//! - while the answer's body comes in, no bytes for `idle` means a stalled link.
//!
//! Errors carry no URL (presigned URLs hold the access key id).

use std::future::Future as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpRequestBody,
    HttpResponse, HttpResponseBody, HttpService,
};
use object_store::ClientOptions;
use tokio::time::{Instant, Sleep};

/// The slowest link an upload is given time for once its body is handed over: 64 kbit/s.
pub const SLOWEST_LINK_BYTES_PER_S: u64 = 8 * 1024;

/// Bytes handed to the connection at a time: progress is seen at this grain.
const CHUNK: usize = 64 * 1024;

/// Builds [`Watched`] clients: one `reqwest` client per target, with the target's default
/// headers (WebDAV's credentials) and the progress-based limits.
#[derive(Debug, Clone)]
pub struct Connector {
    client: reqwest::Client,
    idle: Duration,
}

impl Connector {
    /// `idle`: how long a request may make no progress. Headers are marked sensitive by the
    /// caller where they hold a secret.
    pub fn new(
        idle: Duration,
        connect: Duration,
        allow_http: bool,
        headers: reqwest::header::HeaderMap,
    ) -> Result<Connector, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect)
            .https_only(!allow_http)
            .default_headers(headers)
            .user_agent(concat!("StoryReel/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Connector { client, idle })
    }
}

impl HttpConnector for Connector {
    fn connect(&self, _options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(Watched {
            client: self.client.clone(),
            idle: self.idle,
        }))
    }
}

/// One target's HTTP service (see the module's text).
#[derive(Debug)]
pub struct Watched {
    client: reqwest::Client,
    idle: Duration,
}

fn stalled(idle: Duration, what: &str) -> HttpError {
    HttpError::new(
        HttpErrorKind::Timeout,
        std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no progress for {} s while {what}", idle.as_secs()),
        ),
    )
}

/// reqwest's error as object_store sorts it (so its retries behave as with its own client),
/// without the URL.
fn sorted(e: reqwest::Error) -> HttpError {
    let mut kind = if e.is_timeout() {
        HttpErrorKind::Timeout
    } else if e.is_connect() {
        HttpErrorKind::Connect
    } else if e.is_decode() {
        HttpErrorKind::Decode
    } else if e.is_request() || e.is_body() {
        HttpErrorKind::Request
    } else {
        HttpErrorKind::Unknown
    };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::TimedOut => kind = HttpErrorKind::Timeout,
                K::ConnectionAborted | K::ConnectionReset | K::BrokenPipe | K::UnexpectedEof => {
                    kind = HttpErrorKind::Interrupted
                }
                _ => {}
            }
        }
        source = s.source();
    }
    HttpError::new(kind, e.without_url())
}

/// What the request body has done so far, shared with the watchdog.
#[derive(Debug)]
struct Progress {
    start: Instant,
    /// Milliseconds after `start` of the last chunk taken.
    last_ms: AtomicU64,
    done: AtomicBool,
    /// The body's length (for the time it needs at the slowest link).
    len: u64,
}

impl Progress {
    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// When the request counts as stalled, as things stand now.
    fn deadline(&self, idle: Duration) -> Instant {
        let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        if self.done.load(Ordering::Relaxed) {
            // The kernel may still be sending what it was handed; give it the slowest link's time.
            let drain = Duration::from_secs(self.len / SLOWEST_LINK_BYTES_PER_S);
            last + idle + drain
        } else {
            last + idle
        }
    }
}

/// The request body, handed over in chunks that mark progress.
struct Metered {
    inner: HttpRequestBody,
    rest: Bytes,
    progress: Arc<Progress>,
}

impl Body for Metered {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        let this = &mut *self;
        if this.rest.is_empty() {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => this.rest = data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    this.progress.done.store(true, Ordering::Relaxed);
                    this.progress.touch();
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        let take = this.rest.len().min(CHUNK);
        let chunk = this.rest.split_to(take);
        this.progress.touch();
        if this.rest.is_empty() && this.inner.is_end_stream() {
            this.progress.done.store(true, Ordering::Relaxed);
        }
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let mut hint = self.inner.size_hint();
        let rest = self.rest.len() as u64;
        hint.set_lower(hint.lower().saturating_add(rest));
        if let Some(upper) = hint.upper() {
            hint.set_upper(upper.saturating_add(rest));
        }
        hint
    }
}

/// The answer's body: fails when no bytes come for `idle`.
struct Idle {
    inner: reqwest::Body,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
}

impl Body for Idle {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.timer.as_mut().reset(Instant::now() + this.idle);
                Poll::Ready(frame.map(|f| f.map_err(sorted)))
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    Poll::Ready(Some(Err(stalled(this.idle, "receiving an answer"))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[async_trait::async_trait]
impl HttpService for Watched {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = req.into_parts();
        let url = reqwest::Url::parse(&parts.uri.to_string()).map_err(|e| {
            HttpError::new(
                HttpErrorKind::Request,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
            )
        })?;
        let progress = Arc::new(Progress {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            // Not `is_empty`, which object_store 0.14 answers the wrong way round for payloads.
            done: AtomicBool::new(body.content_length() == 0),
            len: body.content_length() as u64,
        });
        let mut request = reqwest::Request::new(parts.method, url);
        *request.headers_mut() = parts.headers;
        *request.body_mut() = Some(reqwest::Body::wrap(Metered {
            inner: body,
            rest: Bytes::new(),
            progress: progress.clone(),
        }));
        let send = self.client.execute(request);
        tokio::pin!(send);
        let response = loop {
            let deadline = progress.deadline(self.idle);
            tokio::select! {
                r = &mut send => break r.map_err(sorted)?,
                _ = tokio::time::sleep_until(deadline) => {
                    if progress.deadline(self.idle) <= Instant::now() {
                        let what = if progress.done.load(Ordering::Relaxed) {
                            "waiting for the answer"
                        } else {
                            "sending"
                        };
                        return Err(stalled(self.idle, what));
                    }
                }
            }
        };
        let response: http::Response<reqwest::Body> = response.into();
        let (parts, body) = response.into_parts();
        let body = Idle {
            inner: body,
            idle: self.idle,
            timer: Box::pin(tokio::time::sleep(self.idle)),
        };
        Ok(HttpResponse::from_parts(parts, HttpResponseBody::new(body)))
    }
}

#[cfg(test)]
#[path = "transport_tests.rs"]
mod tests;
