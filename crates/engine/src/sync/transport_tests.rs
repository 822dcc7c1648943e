//! The transport against small HTTP servers on 127.0.0.1 that read slowly, stall, or answer
//! slowly: a slow link that moves finishes, a stalled one fails within the idle limit.

use super::*;
use object_store::http::HttpBuilder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// How a test server treats a request.
#[derive(Clone, Copy)]
enum Mode {
    /// Reads the body at this many bytes a second, then answers 201 if all of it came.
    Slow(usize),
    /// Reads this many bytes of the body, then reads nothing more (and never answers).
    Stall(usize),
    /// Answers a GET with a 1000-byte body, of which it sends 10 bytes.
    StallAnswer,
}

/// Reads up to the end of the headers; returns the Content-Length and the body bytes read.
async fn head(s: &mut TcpStream) -> (usize, usize) {
    let mut buf = Vec::new();
    let mut b = [0u8; 4096];
    loop {
        let n = s.read(&mut b).await.unwrap_or(0);
        if n == 0 {
            return (0, 0);
        }
        buf.extend_from_slice(&b[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            return (len, buf.len() - end - 4);
        }
    }
}

async fn serve(mut s: TcpStream, mode: Mode) {
    let (len, mut got) = head(&mut s).await;
    let mut b = vec![0u8; 16 * 1024];
    match mode {
        Mode::Slow(rate) => {
            while got < len {
                let n = s.read(&mut b).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                got += n;
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
            let _ = s
                .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
        Mode::Stall(bytes) => {
            while got < bytes {
                let n = s.read(&mut b).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                got += n;
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Mode::StallAnswer => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789")
                .await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
}

/// A server on 127.0.0.1 with a small receive buffer (so a stalled reader stalls the sender
/// soon); it stops with the test's runtime.
async fn server(mode: Mode) -> String {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(8 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(16).unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(serve(s, mode));
        }
    });
    format!("http://{addr}")
}

fn no_retry() -> RetryConfig {
    RetryConfig {
        max_retries: 0,
        ..RetryConfig::default()
    }
}

fn store(url: &str, idle_s: u64) -> impl ObjectStore {
    let connector = Connector::new(
        Duration::from_secs(idle_s),
        Duration::from_secs(5),
        true,
        Default::default(),
    )
    .unwrap();
    HttpBuilder::new()
        .with_url(url)
        .with_client_options(ClientOptions::new().with_allow_http(true))
        .with_http_connector(connector)
        .with_retry(no_retry())
        .build()
        .unwrap()
}

fn payload(bytes: usize) -> PutPayload {
    PutPayload::from(vec![7u8; bytes])
}

#[tokio::test]
async fn a_slow_link_that_moves_finishes_where_a_whole_request_limit_fails() {
    // 1.5 MB at 400 KB/s takes about 4 s; the limit is 1 s without progress.
    let url = server(Mode::Slow(400 * 1024)).await;
    let bytes = 1536 * 1024;

    // Control: the whole-request limit this transport replaces fails the same upload.
    let whole = HttpBuilder::new()
        .with_url(&url)
        .with_client_options(
            ClientOptions::new()
                .with_allow_http(true)
                .with_timeout(Duration::from_secs(1)),
        )
        .with_retry(no_retry())
        .build()
        .unwrap();
    assert!(whole
        .put(&ObjectPath::from("a.bin"), payload(bytes))
        .await
        .is_err());

    let started = std::time::Instant::now();
    let r = store(&url, 1)
        .put(&ObjectPath::from("a.bin"), payload(bytes))
        .await;
    r.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the server really read slowly"
    );
}

#[tokio::test]
async fn a_stalled_upload_fails_within_the_idle_limit() {
    // 16 MB: more than the kernel's buffers hold, so the stall is seen while sending.
    let url = server(Mode::Stall(64 * 1024)).await;
    let started = std::time::Instant::now();
    let store = store(&url, 1);
    let path = ObjectPath::from("b.bin");
    let put = store.put(&path, payload(16 * 1024 * 1024));
    let e = tokio::time::timeout(Duration::from_secs(20), put)
        .await
        .expect("the stalled upload ended")
        .unwrap_err();
    assert!(e.to_string().contains("no progress for 1 s"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_stalled_answer_fails_within_the_idle_limit() {
    let url = server(Mode::StallAnswer).await;
    let get = async {
        store(&url, 1)
            .get(&ObjectPath::from("c.bin"))
            .await?
            .bytes()
            .await
    };
    let e = tokio::time::timeout(Duration::from_secs(20), get)
        .await
        .expect("the stalled answer ended")
        .unwrap_err();
    assert!(e.to_string().contains("no progress"), "{e}");
}
