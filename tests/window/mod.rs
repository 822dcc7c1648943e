//! Driving the real app in a window: Xvfb, tauri-driver and WebKitWebDriver, over the W3C
//! WebDriver protocol (ureq). Shared by the window test and the app's budget benchmark.
#![allow(dead_code)] // each user takes what it needs

#[cfg(target_os = "linux")]
pub mod x11;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The W3C WebDriver key of an element reference.
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether the tools a window test needs (and the built UI the app embeds) are here. Without
/// them the test says what is missing and passes, except under CI=true, where it fails.
pub fn needs(test: &str, tools: &[&str]) -> bool {
    let ui_built = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui/dist/assets")
        .is_dir();
    let missing: Vec<_> = tools
        .iter()
        .copied()
        .filter(|t| which(t).is_none())
        .chain((!ui_built).then_some("the built UI (npm --prefix ui run build)"))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!ci, "{test} needs {}", missing.join(", "));
    eprintln!("skipped: {test} needs {}", missing.join(", "));
    false
}

pub fn which(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home.map(|h| h.join("bin")))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A child process stopped when dropped: SIGTERM (tauri-driver only lets go of WebKitWebDriver
/// then), SIGKILL if it is still there after 5 s.
pub struct Proc(pub Child, pub &'static str);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.1);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Driver {
    base: String,
    session: String,
    /// The X display the app is on: screenshots grab it (WebKitWebDriver's own screenshot can
    /// hang on screens with a running clock).
    display: Option<String>,
}

pub fn try_post(url: &str, body: Value) -> Result<Value, String> {
    match ureq::post(url)
        .timeout(Duration::from_secs(60))
        .send_json(body)
    {
        Ok(r) => Ok(r.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(_, r)) => Ok(r.into_json().unwrap_or(Value::Null)),
        Err(e) => Err(format!("WebDriver request {url} failed: {e}")),
    }
}

pub fn post(url: &str, body: Value) -> Value {
    try_post(url, body).unwrap_or_else(|e| panic!("{e}"))
}

impl Driver {
    pub fn start(base: &str, app: &Path) -> Driver {
        let t0 = Instant::now();
        loop {
            // tauri-driver may still be starting: a refused connection is tried again.
            let v = try_post(
                &format!("{base}/session"),
                json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}}),
            )
            .unwrap_or_else(|e| json!({ "error": e }));
            if let Some(id) = v["value"]["sessionId"].as_str() {
                return Driver {
                    base: base.into(),
                    session: id.into(),
                    display: None,
                };
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "no WebDriver session: {v}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    pub fn url(&self, rest: &str) -> String {
        format!("{}/session/{}{rest}", self.base, self.session)
    }
    pub fn find_all(&self, css: &str) -> Vec<String> {
        let v = post(
            &self.url("/elements"),
            json!({"using": "css selector", "value": css}),
        );
        v["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.as_object()?.values().next()?.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Waits (up to `secs`) for an element to be there; returns its id.
    pub fn wait(&self, css: &str, secs: u64) -> String {
        let t0 = Instant::now();
        loop {
            if let Some(e) = self.find_all(css).into_iter().next() {
                return e;
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                self.shot("timeout");
                panic!("`{css}` did not appear within {secs} s");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    /// Clicks through the DOM: WebKitWebDriver's pointer click reports "intercepted" for
    /// buttons in this layout that a person clicks without trouble.
    pub fn click(&self, css: &str) {
        let e = self.wait(css, 20);
        self.script(
            "arguments[0].click(); return true",
            json!([{ (ELEMENT): e }]),
        );
    }
    pub fn script(&self, js: &str, args: Value) -> Value {
        post(
            &self.url("/execute/sync"),
            json!({"script": js, "args": args}),
        )["value"]
            .clone()
    }
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.wait(css, 20);
        // WebKitWebDriver types a line break only as the Enter key.
        let keys = text.replace('\n', "\u{E007}");
        post(
            &self.url(&format!("/element/{e}/value")),
            json!({ "text": keys }),
        );
    }
    /// The text of every element matching `css`, as the page has it.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let v = self.script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent.trim())",
            json!([css]),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Screenshots grab this X display (with ffmpeg's x11grab) rather than ask WebDriver.
    pub fn on_display(mut self, display: &str) -> Driver {
        self.display = Some(display.to_string());
        self
    }
    /// Saves a screenshot as a test artifact (a miss is reported, not fatal).
    pub fn shot(&self, name: &str) {
        let file = artifacts().join(format!("{name}.png"));
        if let Some(display) = &self.display {
            let grabbed = Command::new("ffmpeg")
                .args([
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "x11grab",
                    "-draw_mouse",
                    "0",
                    "-i",
                    display,
                ])
                .args(["-frames:v", "1"])
                .arg(&file)
                .stdin(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if grabbed {
                return;
            }
        }
        let png = ureq::get(&self.url("/screenshot"))
            .timeout(Duration::from_secs(10))
            .call()
            .ok()
            .and_then(|r| r.into_json::<Value>().ok())
            .and_then(|v| v["value"].as_str().map(String::from))
            .and_then(|b64| {
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).ok()
            });
        match png {
            Some(png) => {
                let _ = std::fs::write(file, png);
            }
            None => eprintln!("no screenshot of {name}"),
        }
    }
    pub fn quit(self) {
        let _ = ureq::delete(&self.url(""))
            .timeout(Duration::from_secs(30))
            .call();
    }
}

/// One frame of an X display's rectangle, as 8-bit grey pixels (ffmpeg's x11grab).
pub fn grab_gray(display: &str, x: u32, y: u32, w: u32, h: u32) -> Option<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "x11grab", "-draw_mouse", "0"])
        .args(["-video_size", &format!("{w}x{h}")])
        .args(["-i", &format!("{display}+{x},{y}")])
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    (out.status.success() && out.stdout.len() == (w * h) as usize).then_some(out.stdout)
}

pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Waits until `f` holds, up to `secs`.
pub fn until(secs: u64, what: &str, d: &Driver, f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        if t0.elapsed() > Duration::from_secs(secs) {
            d.shot("timeout");
            panic!("{what}: not within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Xvfb on a display number it chooses itself (`-displayfd`: the server picks a number no other
/// X server holds and writes it once it accepts connections); the display's name. Two tests
/// running at once never share a server, so one test stopping its server never takes down the
/// other's window.
pub fn start_xvfb() -> (Proc, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x860x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut line = String::new();
    if let Some(out) = child.stdout.as_mut() {
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
    }
    let xvfb = Proc(child, "Xvfb");
    let number: u32 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Xvfb did not say its display number (it wrote {line:?})"));
    (xvfb, format!(":{number}"))
}

/// tauri-driver on free ports, launching apps on `display` with the data folder and config
/// given; its log and the app's output go to the files named. The driver's base URL.
/// The environment of a WebKitGTK program on the test display: X only, and WebKit's GL
/// compositing (on Xvfb's software GL) off unless `WEBKIT_DISABLE_COMPOSITING_MODE=0` asks for it.
pub fn webkit_env<'a>(cmd: &'a mut Command, display: &str) -> &'a mut Command {
    cmd.env("DISPLAY", display).env_remove("WAYLAND_DISPLAY");
    if std::env::var("WEBKIT_DISABLE_COMPOSITING_MODE").as_deref() == Ok("0") {
        cmd.env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
    } else {
        cmd.env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
    }
}

pub fn start_driver(
    display: &str,
    data: &Path,
    config: &Path,
    log: &Path,
    app_log: &Path,
) -> (Proc, String) {
    let (port, native) = (free_port(), free_port());
    let mut cmd = Command::new(which("tauri-driver").expect("tauri-driver"));
    webkit_env(&mut cmd, display)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("STORYREEL_DATA_DIR", data)
        .env("STORYREEL_CONFIG", config);
    let driver = Proc(
        cmd.stdout(std::fs::File::create(log).expect("driver log"))
            .stderr(std::fs::File::create(app_log).expect("app log"))
            .spawn()
            .expect("tauri-driver starts"),
        "tauri-driver",
    );
    (driver, format!("http://127.0.0.1:{port}"))
}

/// The app in a real window on a display of its own, its data and a default config in a
/// temporary folder; everything it started stops when it is dropped (the session first).
pub struct WindowApp {
    pub d: Driver,
    pub display: String,
    _driver: Proc,
    _xvfb: Proc,
    pub data: PathBuf,
    pub work: tempfile::TempDir,
}

impl WindowApp {
    /// Starts the app; its output goes to `log` among the test artifacts.
    pub fn start(log: &str) -> WindowApp {
        WindowApp::start_with(log, |_| {})
    }

    /// Starts the app with the default config as `tune` changes it.
    pub fn start_with(
        log: &str,
        tune: impl FnOnce(&mut storyreel_engine::config::Config),
    ) -> WindowApp {
        let mut cfg = storyreel_engine::config::Config::default();
        tune(&mut cfg);
        let work = tempfile::tempdir().expect("a temporary folder");
        let data = work.path().join("data");
        let config = work.path().join("config/config.toml");
        std::fs::create_dir_all(config.parent().expect("a parent")).expect("the config folder");
        std::fs::write(&config, toml::to_string(&cfg).expect("a config"))
            .expect("the config is written");
        let (xvfb, display) = start_xvfb();
        let (driver, base) = start_driver(
            &display,
            &data,
            &config,
            &work.path().join("driver.log"),
            &artifacts().join(log),
        );
        let app = PathBuf::from(env!("CARGO_BIN_EXE_storyreel-app"));
        let d = Driver::start(&base, &app).on_display(&display);
        d.wait("[data-testid=nav-library]", 30);
        WindowApp {
            d,
            display,
            _driver: driver,
            _xvfb: xvfb,
            data,
            work,
        }
    }

    /// Ends the WebDriver session (the app closes), then stops the rest.
    pub fn quit(self) {
        let WindowApp { d, .. } = self;
        d.quit();
    }

    /// Like [`WindowApp::quit`], keeping the work folder (the data folder is in it) to read.
    #[allow(dead_code)]
    pub fn quit_keeping(self) -> tempfile::TempDir {
        let WindowApp { d, work, .. } = self;
        d.quit();
        work
    }

    /// Types `story` on the New story screen, waits for a preview of `scenes` scenes, generates
    /// it and waits until the project is done.
    pub fn generate(&self, story: &str, scenes: usize) {
        let d = &self.d;
        d.click("[data-testid=nav-new]");
        d.type_into("[data-testid=story-text]", story);
        until(20, &format!("the preview shows {scenes} scenes"), d, || {
            d.find_all("[data-testid=draft-scene]").len() == scenes
        });
        d.click("[data-testid=generate-button]");
        until(120, "the project is done", d, || {
            d.texts("[data-testid=project-status]")
                .iter()
                .any(|t| t.to_lowercase().contains("done"))
        });
    }
}
