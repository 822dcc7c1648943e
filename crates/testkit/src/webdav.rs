//! A real WebDAV server on 127.0.0.1: `rclone serve webdav` over a temp folder, with a user and
//! a password. Debian's rclone; `.ci/run` installs it. Stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "dav-user";
pub const PASSWORD: &str = "dav-secret-password-42";

pub struct DavServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl DavServer {
    /// Starts the server on a free port. Panics with install advice if rclone is missing.
    pub fn start() -> DavServer {
        let dir = tempfile::tempdir().expect("a temp folder");
        let port = crate::s3::free_port();
        // The machine's AWS_* variables break rclone's start: nothing of the environment goes in.
        let child = Command::new("rclone")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .args(["serve", "webdav"])
            .arg(dir.path())
            .args([
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--user",
                USER,
                "--pass",
                PASSWORD,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("rclone does not start ({e}): apt-get install rclone"));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            assert!(Instant::now() < until, "rclone did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(20));
        }
        DavServer { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The folder the server serves.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for DavServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
