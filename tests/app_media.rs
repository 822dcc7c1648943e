//! The window's video server on a real socket: what WebKitGTK's player needs (byte ranges with
//! 206, `video/mp4`, HEAD), and what keeps it private (the token, the Host check, only `.mp4`
//! files inside an allowed folder, symlinks resolved, GET and HEAD only). Random Range headers
//! never get an answer that lies about its bytes.

use std::io::{Read, Write};
use std::net::TcpStream;

use storyreel_app::media::MediaServer;

fn get(url: &str, range: Option<&str>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut req = ureq::get(url);
    if let Some(r) = range {
        req = req.set("Range", r);
    }
    let resp = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("no answer from the video server: {e}"),
    };
    let status = resp.status();
    let headers = resp
        .headers_names()
        .into_iter()
        .map(|n| {
            let v = resp.header(&n).unwrap_or_default().to_string();
            (n, v)
        })
        .collect();
    let mut body = Vec::new();
    resp.into_reader().read_to_end(&mut body).unwrap();
    (status, headers, body)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Sends raw bytes and returns the status line.
fn raw(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or_default().to_string()
}

fn video_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

fn setup() -> (tempfile::TempDir, MediaServer, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let assets = dir.path().join("data/assets/ab");
    std::fs::create_dir_all(&assets).unwrap();
    let bytes = video_bytes(3 * 1024 * 1024 + 17);
    let file = assets.join("abcdef.mp4");
    std::fs::write(&file, &bytes).unwrap();
    let server = MediaServer::start().unwrap();
    server.allow(dir.path().join("data/assets"));
    (dir, server, file, bytes)
}

#[test]
fn the_player_gets_whole_files_ranges_and_heads() {
    let (_dir, server, file, bytes) = setup();
    let url = server.url_for(&file);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let (status, h, body) = get(&url, None);
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), Some("video/mp4"));
    assert_eq!(header(&h, "accept-ranges"), Some("bytes"));
    assert!(body == bytes, "the whole file, byte for byte");

    let (status, h, body) = get(&url, Some("bytes=10-19"));
    assert_eq!(status, 206);
    let size = bytes.len();
    assert_eq!(
        header(&h, "content-range"),
        Some(format!("bytes 10-19/{size}").as_str())
    );
    assert_eq!(body, &bytes[10..20]);

    let (status, _, body) = get(&url, Some("bytes=-5"));
    assert_eq!((status, body.as_slice()), (206, &bytes[size - 5..]));

    let (status, _, body) = get(&url, Some("bytes=1048576-"));
    assert_eq!(status, 206);
    assert!(body == bytes[1048576..], "an open range runs to the end");

    let (status, h, _) = get(&url, Some(&format!("bytes={size}-")));
    assert_eq!(status, 416);
    assert_eq!(
        header(&h, "content-range"),
        Some(format!("bytes */{size}").as_str())
    );

    // A Range that does not parse is ignored, as HTTP says.
    let (status, _, body) = get(&url, Some("chapters=1-2"));
    assert_eq!((status, body.len()), (200, size));

    let resp = ureq::head(&url).call().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.header("content-length"),
        Some(size.to_string().as_str())
    );
}

#[test]
fn nothing_else_is_served_and_nobody_else_is_answered() {
    let (dir, server, file, _) = setup();
    let base = server.base();

    // Another token.
    let wrong = server.url_for(&file).replace(
        base.trim_end_matches('/').rsplit('/').next().unwrap(),
        "0123456789abcdef0123456789abcdef",
    );
    assert_eq!(get(&wrong, None).0, 404);

    // A file outside the allowed folder, a non-video inside it, a way out by "..", a symlink
    // out of it, a relative path.
    let outside = dir.path().join("secret.mp4");
    std::fs::write(&outside, b"not yours").unwrap();
    assert_eq!(get(&server.url_for(&outside), None).0, 404);
    let inside_txt = dir.path().join("data/assets/ab/notes.txt");
    std::fs::write(&inside_txt, b"text").unwrap();
    assert_eq!(get(&server.url_for(&inside_txt), None).0, 404);
    // A narration is served, as audio.
    let wav = dir.path().join("data/assets/ab/voice.wav");
    std::fs::write(&wav, b"RIFF....WAVEfmt ").unwrap();
    let (status, h, body) = get(&server.url_for(&wav), None);
    assert_eq!((status, body.len()), (200, 16));
    assert_eq!(header(&h, "content-type"), Some("audio/wav"));
    let dotdot = dir.path().join("data/assets/ab/../../../secret.mp4");
    assert_eq!(get(&server.url_for(&dotdot), None).0, 404);
    #[cfg(unix)]
    {
        let link = dir.path().join("data/assets/ab/link.mp4");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert_eq!(get(&server.url_for(&link), None).0, 404);
    }
    assert_eq!(get(&format!("{base}relative.mp4"), None).0, 404);
    assert_eq!(get(&format!("{base}%FF%FE.mp4"), None).0, 404);

    // A page that reaches 127.0.0.1 under another name (DNS rebinding) is refused, and only
    // GET and HEAD are answered.
    let addr = base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let path = server
        .url_for(&file)
        .trim_start_matches(&format!("http://{addr}"))
        .to_string();
    let status = raw(
        &addr,
        &format!("GET {path} HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n"),
    );
    assert!(status.contains(" 403 "), "{status}");
    let status = raw(
        &addr,
        &format!("GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n"),
    );
    assert!(status.contains(" 403 "), "no Host: {status}");
    let status = raw(
        &addr,
        &format!("DELETE {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    assert!(status.contains(" 405 "), "{status}");
    // Garbage on the socket ends that connection, not the server.
    let _ = raw(&addr, "\u{0}\u{1}NOT HTTP AT ALL\r\n\r\n");
    assert_eq!(get(&server.url_for(&file), None).0, 200);
}

#[test]
fn a_folder_opened_later_is_served_too() {
    let (dir, server, _, _) = setup();
    let later = dir.path().join("other/assets");
    std::fs::create_dir_all(&later).unwrap();
    let file = later.join("x.mp4");
    std::fs::write(&file, b"0123456789").unwrap();
    assert_eq!(get(&server.url_for(&file), None).0, 404);
    server.allow(later);
    assert_eq!(get(&server.url_for(&file), None).2, b"0123456789");
}

#[test]
fn the_folder_left_behind_is_no_longer_served() {
    let (dir, server, first, _) = setup();
    assert_eq!(get(&server.url_for(&first), None).0, 200);
    let later = dir.path().join("other/assets");
    std::fs::create_dir_all(&later).unwrap();
    server.allow(later);
    assert_eq!(
        get(&server.url_for(&first), None).0,
        404,
        "the earlier data folder is still served"
    );
}

/// Open file descriptors of this process (the server runs in it).
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn silent_and_countless_connections_cannot_take_the_apps_descriptors() {
    let (_dir, server, file, bytes) = setup();
    let addr = server
        .base()
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let before = open_fds();
    // 400 connections that never send a byte: the server keeps at most its cap of them.
    let silent: Vec<TcpStream> = (0..400)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let during = open_fds();
    let server_side = during.saturating_sub(before + silent.len());
    assert!(
        server_side <= storyreel_app::media::MAX_CONNECTIONS + 8,
        "the server holds {server_side} descriptors for 400 silent connections"
    );
    // A silent connection is closed after the header timeout.
    drop(silent);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut one = TcpStream::connect(&addr).unwrap();
    let t0 = std::time::Instant::now();
    let mut buf = [0u8; 16];
    one.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let n = one.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "a silent connection got an answer");
    let waited = t0.elapsed();
    assert!(
        waited >= storyreel_app::media::HEADER_TIMEOUT - std::time::Duration::from_secs(1)
            && waited <= storyreel_app::media::HEADER_TIMEOUT + std::time::Duration::from_secs(5),
        "a silent connection stayed open {waited:?}"
    );
    // The player is served again.
    let (status, _, body) = get(&server.url_for(&file), None);
    assert_eq!(status, 200);
    assert!(body == bytes);
}

/// A small random source, so the run is repeatable.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() as usize) % xs.len()]
    }
}

#[test]
fn random_range_headers_get_honest_answers() {
    let (_dir, server, file, bytes) = setup();
    let url = server.url_for(&file);
    let size = bytes.len() as u64;
    let nums = [
        "0",
        "1",
        "-1",
        "17",
        "3145744",
        "3145745",
        "3145746",
        "99999999999",
        "18446744073709551615",
        "18446744073709551616",
        "",
        " ",
        "x",
        "1e3",
    ];
    let mut rng = Lcg(7);
    for _ in 0..300 {
        let header = match rng.next() % 5 {
            0 => format!("bytes={}-{}", rng.pick(&nums), rng.pick(&nums)),
            1 => format!("bytes=-{}", rng.pick(&nums)),
            2 => format!(
                "bytes={}-{},{}-",
                rng.pick(&nums),
                rng.pick(&nums),
                rng.pick(&nums)
            ),
            3 => format!(
                "{}={}-",
                rng.pick(&["BYTES", "bits", "", "bytes "]),
                rng.pick(&nums)
            ),
            _ => (0..(rng.next() % 40))
                .map(|_| char::from(b' ' + (rng.next() % 94) as u8))
                .collect(),
        };
        let (status, h, body) = get(&url, Some(&header));
        match status {
            200 => assert_eq!(body.len() as u64, size, "{header:?}"),
            206 => {
                let cr = header_value(&h, "content-range", &header);
                let (range, total) = cr.trim_start_matches("bytes ").split_once('/').unwrap();
                let (a, b) = range.split_once('-').unwrap();
                let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
                assert_eq!(total, size.to_string(), "{header:?}");
                assert!(a <= b && b < size, "{header:?} gave {cr}");
                assert_eq!(body, &bytes[a as usize..=b as usize], "{header:?}");
            }
            416 => {}
            other => panic!("{header:?} got {other}"),
        }
    }
}

fn header_value(h: &[(String, String)], name: &str, for_header: &str) -> String {
    header(h, name)
        .unwrap_or_else(|| panic!("{for_header:?}: a 206 without {name}"))
        .to_string()
}
