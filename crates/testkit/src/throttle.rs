//! A TCP proxy on 127.0.0.1 that carries what the client sends at a fixed rate, as a slow
//! uplink would, and what the server answers at full speed. It stops when dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub struct Throttle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    sent: Arc<AtomicU64>,
    accept: Option<thread::JoinHandle<()>>,
}

impl Throttle {
    /// A proxy to `upstream` (`host:port`, or a URL whose host and port are used) that sends
    /// at most `bytes_per_s` towards it.
    pub fn start(upstream: &str, bytes_per_s: u64) -> Throttle {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let accept = {
            let (stop, open, sent) = (stop.clone(), open.clone(), sent.clone());
            thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let Ok(server) = TcpStream::connect(&upstream) else {
                        continue;
                    };
                    if let Ok(mut o) = open.lock() {
                        o.extend(client.try_clone().ok());
                        o.extend(server.try_clone().ok());
                    }
                    let (c2, s2) = match (client.try_clone(), server.try_clone()) {
                        (Ok(c), Ok(s)) => (c, s),
                        _ => continue,
                    };
                    let sent = sent.clone();
                    thread::spawn(move || pump(client, server, Some((bytes_per_s, sent))));
                    thread::spawn(move || pump(s2, c2, None));
                }
            })
        };
        Throttle {
            addr,
            stop,
            open,
            sent,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bytes carried towards the server so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

/// Copies `from` to `to`; with a rate, sleeps after each piece as long as the rate asks.
fn pump(mut from: TcpStream, mut to: TcpStream, rate: Option<(u64, Arc<AtomicU64>)>) {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        if let Some((rate, sent)) = &rate {
            sent.fetch_add(n as u64, Ordering::SeqCst);
            thread::sleep(Duration::from_secs_f64(n as f64 / (*rate).max(1) as f64));
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

impl Drop for Throttle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(o) = self.open.lock() {
            for s in o.iter() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
        // Wake the accepting thread so that it sees the stop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}
