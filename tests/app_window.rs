//! End to end: the real `storyreel-app` binary in a window under Xvfb, driven through
//! tauri-driver and WebKitWebDriver. Paste a 5-scene story, Generate, see five title cards and
//! the project reach "done"; restart the app and see the same state. Screenshots of each
//! screen go to target/e2e-artifacts/.
//!
//! Needs Xvfb, WebKitWebDriver (webkit2gtk-driver) and tauri-driver (.ci/run installs them) and
//! the built UI (`npm --prefix ui run build` before the app is compiled). Without them the test
//! says what is missing and passes, except under CI=true, where it fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

const STORY: &str = "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nA girl counts the waves.\n\nThe town wakes as it docks.\n\nThe ferry turns home at dusk.";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn which(name: &str) -> Option<PathBuf> {
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
struct Proc(Child, &'static str);

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

struct Driver {
    base: String,
    session: String,
}

fn try_post(url: &str, body: Value) -> Result<Value, String> {
    match ureq::post(url)
        .timeout(Duration::from_secs(60))
        .send_json(body)
    {
        Ok(r) => Ok(r.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(_, r)) => Ok(r.into_json().unwrap_or(Value::Null)),
        Err(e) => Err(format!("WebDriver request {url} failed: {e}")),
    }
}

fn post(url: &str, body: Value) -> Value {
    try_post(url, body).unwrap_or_else(|e| panic!("{e}"))
}

impl Driver {
    fn start(base: &str, app: &Path) -> Driver {
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
                };
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "no WebDriver session: {v}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    fn url(&self, rest: &str) -> String {
        format!("{}/session/{}{rest}", self.base, self.session)
    }
    fn find_all(&self, css: &str) -> Vec<String> {
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
    fn wait(&self, css: &str, secs: u64) -> String {
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
    fn click(&self, css: &str) {
        let e = self.wait(css, 20);
        self.script(
            "arguments[0].click(); return true",
            json!([{ (ELEMENT): e }]),
        );
    }
    fn script(&self, js: &str, args: Value) -> Value {
        post(
            &self.url("/execute/sync"),
            json!({"script": js, "args": args}),
        )["value"]
            .clone()
    }
    fn type_into(&self, css: &str, text: &str) {
        let e = self.wait(css, 20);
        // WebKitWebDriver types a line break only as the Enter key.
        let keys = text.replace('\n', "\u{E007}");
        post(
            &self.url(&format!("/element/{e}/value")),
            json!({ "text": keys }),
        );
    }
    /// The text of every element matching `css`, as the page has it.
    fn texts(&self, css: &str) -> Vec<String> {
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
    /// Saves a screenshot as a test artifact (a few tries; a miss is reported, not fatal).
    fn shot(&self, name: &str) {
        for _ in 0..3 {
            let png = ureq::get(&self.url("/screenshot"))
                .timeout(Duration::from_secs(10))
                .call()
                .ok()
                .and_then(|r| r.into_json::<Value>().ok())
                .and_then(|v| v["value"].as_str().map(String::from))
                .and_then(|b64| {
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).ok()
                });
            if let Some(png) = png {
                let _ = std::fs::write(artifacts().join(format!("{name}.png")), png);
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        eprintln!("no screenshot of {name}");
    }
    fn quit(self) {
        let _ = ureq::delete(&self.url(""))
            .timeout(Duration::from_secs(30))
            .call();
    }
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Waits until `f` holds, up to `secs`.
fn until(secs: u64, what: &str, d: &Driver, f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        if t0.elapsed() > Duration::from_secs(secs) {
            d.shot("timeout");
            panic!("{what}: not within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_story_becomes_five_title_cards_in_the_real_window_and_survives_a_restart() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let ui_built = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui/dist/assets")
        .is_dir();
    let tools = [
        ("Xvfb", which("Xvfb")),
        ("WebKitWebDriver", which("WebKitWebDriver")),
        ("tauri-driver", which("tauri-driver")),
    ];
    let missing: Vec<_> = tools
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(n, _)| *n)
        .chain((!ui_built).then_some("the built UI (npm --prefix ui run build)"))
        .collect();
    if !missing.is_empty() {
        assert!(!ci, "the window test needs {}", missing.join(", "));
        eprintln!("skipped: the window test needs {}", missing.join(", "));
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let display = format!(":{}", 90 + free_port() % 400);
    let _xvfb = Proc(
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x860x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
        "Xvfb",
    );
    std::thread::sleep(Duration::from_millis(500));
    let (port, native) = (free_port(), free_port());
    let log = work.path().join("driver.log");
    let driver = Proc(
        Command::new(which("tauri-driver").unwrap())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &display)
            .env("STORYREEL_DATA_DIR", work.path().join("data"))
            .env("STORYREEL_CONFIG", work.path().join("config/config.toml"))
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(artifacts().join("app.log")).unwrap())
            .spawn()
            .expect("tauri-driver starts"),
        "tauri-driver",
    );
    let base = format!("http://127.0.0.1:{port}");
    let app = PathBuf::from(env!("CARGO_BIN_EXE_storyreel-app"));

    let d = Driver::start(&base, &app);
    d.wait("[data-testid=nav-library]", 30);
    d.shot("library-empty");
    d.click("[data-testid=nav-new]");
    d.type_into("[data-testid=story-text]", STORY);
    until(20, "the preview shows five scenes", &d, || {
        d.find_all("[data-testid=draft-scene]").len() == 5
    });
    d.shot("new-story");
    d.click("[data-testid=generate-button]");
    until(90, "the project is done", &d, || {
        d.texts("[data-testid=project-status]")
            .iter()
            .any(|t| t.to_lowercase().contains("done"))
    });
    until(20, "five title cards", &d, || {
        let chips = d.texts("[data-testid=scene-status]");
        chips.len() == 5
            && chips
                .iter()
                .all(|c| c.to_lowercase().contains("placeholder"))
    });
    d.shot("project-done");
    for screen in ["activity", "sync", "settings", "stats", "library"] {
        d.click(&format!("[data-testid=nav-{screen}]"));
        std::thread::sleep(Duration::from_millis(700));
        d.shot(screen);
    }
    d.quit();

    // The app again, on the same data: the same project, still done, nothing redone.
    let d = Driver::start(&base, &app);
    d.wait("[data-testid=project-card]", 30);
    assert_eq!(d.find_all("[data-testid=project-card]").len(), 1);
    d.click("[data-testid=project-open]");
    until(30, "the reopened project is done", &d, || {
        d.texts("[data-testid=project-status]")
            .iter()
            .any(|t| t.to_lowercase().contains("done"))
    });
    assert_eq!(d.find_all("[data-testid=scene-card]").len(), 5);
    d.shot("project-after-restart");
    d.quit();
    drop(driver);
}
