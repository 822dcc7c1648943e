//! Shared helpers: run the real `storyreel` binary with a clean environment and its own folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox::default()
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    /// The binary with nothing from the machine's environment but PATH, and HOME in the sandbox.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_storyreel"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("STORYREEL_DATA_DIR", self.data())
            .current_dir(examples_dir().parent().unwrap());
        c
    }
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd().args(args).output().unwrap())
    }
    pub fn status_json(&self) -> serde_json::Value {
        let r = self.run(&["status", "--json"]);
        assert_eq!(r.code, 0, "status failed: {}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).to_string(),
            stderr: String::from_utf8_lossy(&o.stderr).to_string(),
        }
    }
}

impl Run {
    /// Fails unless the run exited with `code`, with a clean message and no panic.
    pub fn expect(&self, code: i32, needles: &[&str]) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        let all = format!("{}{}", self.stdout, self.stderr);
        for n in needles {
            assert!(all.contains(n), "missing {n:?} in:\n{all}");
        }
        self
    }
}

/// A media file's length in seconds as ffprobe reads it (-1 when it cannot).
pub fn duration_of(file: &Path) -> f64 {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration"])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(-1.0)
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .canonicalize()
        .unwrap()
}

pub fn example(name: &str) -> String {
    examples_dir().join(name).display().to_string()
}

/// `storyreel work` holding the folder, each picture slowed down; stopped when dropped.
pub struct Holder(pub std::process::Child);

impl Holder {
    pub fn start(sb: &Sandbox, delay_ms: u32) -> Holder {
        let child = sb
            .cmd()
            .args(["work"])
            .env("STORYREEL_DEBUG_STEP_DELAY_MS", delay_ms.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let sock = sb.data().join("control.sock");
        let t0 = std::time::Instant::now();
        while !sock.exists() {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(20),
                "no socket appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Holder(child)
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let t0 = std::time::Instant::now();
        while t0.elapsed() < std::time::Duration::from_secs(10) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every `.wav` file under `dir` is a whole WAV file (its header's length matches its size);
/// how many there are.
pub fn whole_wavs(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "wav") {
                let r = hound::WavReader::open(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
                let samples = r.duration() as u64;
                let size = std::fs::metadata(&p).unwrap().len();
                assert_eq!(size, 44 + samples * 2, "{p:?} is cut short");
                n += 1;
            }
        }
    }
    n
}
