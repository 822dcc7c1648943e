//! One library, many hostile neighbours: while `storyreel work` makes a story, 100 local
//! clients stay connected to its control socket for a minute (silent ones, slow ones that
//! trickle bytes, ones sending garbage or lines far too long, ones that ask for a large answer
//! and never read it). Every real command still answers within 2 s, the holder's memory stays
//! bounded, and every scene is made.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Holder, Sandbox};

fn story(n: usize) -> String {
    let mut s = String::from("# Lantern\n\n");
    for i in 1..=n {
        s.push_str(&format!(
            "Scene {i}: a lantern swings in the wind on the quay at night.\n\n"
        ));
    }
    s
}

/// Resident memory of a process, in MB.
fn rss_mb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// One hostile client, of kind `k`, reconnecting whenever the holder closes it, until `stop`.
fn neighbour(sock: std::path::PathBuf, k: usize, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        let Ok(mut c) = UnixStream::connect(&sock) else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let _ = c.set_write_timeout(Some(Duration::from_secs(2)));
        let _ = c.set_read_timeout(Some(Duration::from_millis(200)));
        let mut buf = [0u8; 4096];
        let t0 = Instant::now();
        while !stop.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_secs(30) {
            let ok = match k {
                // Silent: connects and never speaks.
                0 => c.read(&mut buf).map(|n| n > 0).unwrap_or(true),
                // Slow: one byte of a request now and then.
                1 => {
                    std::thread::sleep(Duration::from_millis(700));
                    c.write_all(b"{").is_ok()
                }
                // Garbage lines.
                2 => {
                    std::thread::sleep(Duration::from_millis(100));
                    c.write_all(b"\x00\xffnot json at all\n").is_ok()
                        && c.read(&mut buf).is_ok_and(|n| n > 0)
                }
                // A line far longer than any request.
                3 => c.write_all(&[b'x'; 64 * 1024]).is_ok(),
                // Asks for the whole status, many times, and never reads the answers.
                _ => {
                    std::thread::sleep(Duration::from_millis(50));
                    c.write_all(b"{\"op\":\"status\",\"project\":null}\n{\"op\":\"list\"}\n")
                        .is_ok()
                }
            };
            if !ok {
                break;
            }
        }
    }
}

#[test]
fn a_hundred_stuck_clients_never_lock_out_a_real_command() {
    let sb = Sandbox::new();
    let path = sb.write("lantern.md", &story(12));
    sb.run(&["import", path.to_str().unwrap(), "--no-voice"])
        .expect(0, &[]);
    let holder = Holder::start(&sb, 400);
    let pid = holder.0.id();
    let sock = sb.data().join("control.sock");
    std::thread::sleep(Duration::from_millis(500));
    let rss_before = rss_mb(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..100)
        .map(|i| {
            let (sock, stop) = (sock.clone(), stop.clone());
            std::thread::spawn(move || neighbour(sock, i % 5, stop))
        })
        .collect();
    let t0 = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut asked = 0;
    let mut rss_peak = rss_before;
    while t0.elapsed() < Duration::from_secs(60) {
        for cmd in [&["status", "Lantern"][..], &["list"][..]] {
            let t = Instant::now();
            let r = sb.run(cmd);
            let took = t.elapsed();
            assert_eq!(
                r.code, 0,
                "{cmd:?} failed beside the stuck clients: {}",
                r.stderr
            );
            assert!(r.stdout.contains("Lantern"), "{cmd:?}: {}", r.stdout);
            slowest = slowest.max(took);
            asked += 1;
        }
        rss_peak = rss_peak.max(rss_mb(pid));
        std::thread::sleep(Duration::from_millis(300));
    }
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    eprintln!(
        "{asked} commands, the slowest in {slowest:?}; holder memory {rss_before} MB before, {rss_peak} MB at most"
    );
    assert!(
        slowest < Duration::from_secs(2),
        "a command took {slowest:?}"
    );
    assert!(
        rss_peak < rss_before + 300,
        "the holder's memory grew from {rss_before} to {rss_peak} MB"
    );
    // Nothing lost: every scene is made.
    let t1 = Instant::now();
    loop {
        let r = sb.run(&["status", "Lantern", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        if v["projects"][0]["counts"]["succeeded"] == 12 {
            break;
        }
        assert!(t1.elapsed() < Duration::from_secs(120), "{v}");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(holder);
}
