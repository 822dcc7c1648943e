//! Real S3-compatible servers on 127.0.0.1 for sync tests, started and stopped by the test:
//! - `s3s-fs` (buckets are folders, SigV4 enforced): stopped and started again on the same port
//!   and folder to play an outage. Found as `$STORYREEL_S3S_FS`, on PATH, or in cargo's bin.
//! - moto's server (in memory, any credentials), which, unlike s3s-fs, refuses an upload to a
//!   missing bucket as S3 does. Found as `$STORYREEL_MOTO_SERVER`, on PATH, or in the venv that
//!   `.ci/run` makes (`~/.cache/storyreel-test-tools/moto`).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, GetOptions, ObjectStore, ObjectStoreExt};

pub const ACCESS_KEY: &str = "storyreel-test-access";
pub const SECRET_KEY: &str = "storyreel-test-secret-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    S3sFs,
    Moto,
}

pub struct S3Server {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
    kind: Kind,
}

/// A test server that is not installed, with how to install it.
#[derive(Debug)]
pub struct MissingTool(String);

impl From<&str> for MissingTool {
    fn from(how: &str) -> MissingTool {
        MissingTool(how.to_string())
    }
}

impl std::fmt::Display for MissingTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MissingTool {}

/// Where moto's server is, or a message saying how to install it.
pub fn moto_binary() -> Result<PathBuf, MissingTool> {
    if let Some(p) = std::env::var_os("STORYREEL_MOTO_SERVER") {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cache/storyreel-test-tools/moto/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "moto's server is not installed: one sync test needs it. Install it with \
             `python3 -m venv ~/.cache/storyreel-test-tools/moto && ~/.cache/storyreel-test-tools/moto/bin/pip install 'moto[server]'` (bash .ci/run does)."
                .into()
        })
}

/// Where the s3s-fs binary is, or a message saying how to install it.
pub fn s3s_fs_binary() -> Result<PathBuf, MissingTool> {
    if let Some(p) = std::env::var_os("STORYREEL_S3S_FS") {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("s3s-fs"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "s3s-fs is not installed: the sync tests need a real S3-compatible server. Install it with \
             `cargo install s3s-fs --version 0.14.1 --locked --features binary` (bash .ci/run does)."
                .into()
        })
}

pub(crate) fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    l.local_addr().map(|a| a.port()).unwrap_or(0)
}

impl S3Server {
    /// Starts s3s-fs on a free port with an empty data folder. Panics with install advice if
    /// the binary is missing.
    pub fn start() -> S3Server {
        let bin = s3s_fs_binary().unwrap_or_else(|msg| panic!("{msg}"));
        let mut s = S3Server {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().expect("a temp folder"),
            bin,
            kind: Kind::S3sFs,
        };
        s.spawn();
        s
    }

    /// Starts moto's server on a free port (in memory; its data is gone when it stops).
    pub fn moto() -> S3Server {
        let bin = moto_binary().unwrap_or_else(|msg| panic!("{msg}"));
        let mut s = S3Server {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().expect("a temp folder"),
            bin,
            kind: Kind::Moto,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(&self.bin);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path());
        match self.kind {
            Kind::S3sFs => {
                cmd.args([
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &self.port.to_string(),
                    "--access-key",
                    ACCESS_KEY,
                    "--secret-key",
                    SECRET_KEY,
                ])
                .arg(self.dir.path());
            }
            Kind::Moto => {
                cmd.args(["-H", "127.0.0.1", "-p", &self.port.to_string()]);
                // pyenv's shims find their python through these.
                for var in ["PYENV_ROOT", "PYENV_VERSION"] {
                    if let Some(v) = std::env::var_os(var) {
                        cmd.env(var, v);
                    }
                }
                if let Some(home) = std::env::var_os("HOME") {
                    cmd.env("HOME", home);
                }
            }
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{:?} did not listen on {addr} within 10 s", self.kind);
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's data folder (buckets are its subfolders).
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the server (the outage begins); its data stays.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and folder (the outage ends).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// A client of one bucket with the server's credentials.
    pub fn client(&self, bucket: &str) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .build()
            .expect("an S3 client")
    }

    /// Creates a bucket (s3s-fs: a folder of its data folder; moto: a CreateBucket call).
    pub async fn create_bucket_async(&self, name: &str) {
        match self.kind {
            Kind::S3sFs => {
                std::fs::create_dir_all(self.dir.path().join(name)).expect("bucket folder")
            }
            Kind::Moto => {
                let url = format!("{}/{name}", self.endpoint());
                let r = reqwest::Client::new()
                    .put(url)
                    .send()
                    .await
                    .expect("create bucket");
                assert!(r.status().is_success(), "create bucket: {}", r.status());
            }
        }
    }

    /// Creates a bucket in s3s-fs (a folder of its data folder).
    pub fn create_bucket(&self, name: &str) {
        assert_eq!(self.kind, Kind::S3sFs, "use create_bucket_async for moto");
        std::fs::create_dir_all(self.dir.path().join(name)).expect("bucket folder");
    }

    /// The bucket names the server has.
    pub async fn buckets(&self) -> Vec<String> {
        let text = reqwest::Client::new()
            .get(format!("{}/", self.endpoint()))
            .send()
            .await
            .expect("list buckets")
            .text()
            .await
            .unwrap_or_default();
        text.split("<Name>")
            .skip(1)
            .filter_map(|s| s.split("</Name>").next())
            .map(str::to_string)
            .collect()
    }

    /// Every object under `prefix`: (key, size).
    pub async fn objects(&self, bucket: &str, prefix: &str) -> Vec<(String, u64)> {
        use futures_util::TryStreamExt;
        let c = self.client(bucket);
        let p = ObjectPath::from(prefix);
        let mut out: Vec<(String, u64)> = c
            .list(Some(&p))
            .map_ok(|m| (m.location.to_string(), m.size))
            .try_collect()
            .await
            .expect("list objects");
        out.sort();
        out
    }

    /// An object's bytes and its `blake3` metadata (from a HEAD).
    pub async fn object(&self, bucket: &str, key: &str) -> (Vec<u8>, Option<String>) {
        let c = self.client(bucket);
        let p = ObjectPath::from(key);
        let head = c
            .get_opts(
                &p,
                GetOptions {
                    head: true,
                    ..Default::default()
                },
            )
            .await
            .expect("head object");
        let meta = head
            .attributes
            .get(&Attribute::Metadata("blake3".into()))
            .map(|v| v.to_string());
        let bytes = c
            .get(&p)
            .await
            .expect("get object")
            .bytes()
            .await
            .expect("object bytes");
        (bytes.to_vec(), meta)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
