//! The desktop app's memory as a creator lives with it, on the real binary in a window under
//! Xvfb, driven by tauri-driver and WebKitWebDriver, in one run:
//! - fresh: the proportional set size (PSS) of `storyreel-app` and every process under it (WebKit's
//!   web and network processes), idle on the Library with one project, 6 s after its first paint;
//! - the floor: a minimal Tauri 2 app showing one scripted page (this bench's own binary, started
//!   again as that app: the same Tauri, WebKitGTK and window settings, none of StoryReel's code
//!   or page), measured the same way, 6 s after start. Goal: fresh ≤ floor + 30 MB;
//! - after use: `BENCH_USE_S` seconds (default 600: ten minutes) of the loop a creator repeats —
//!   open the project, play its video, change a scene's words (the video renders again and the
//!   player loads the new one), undo, open the Activity and Settings screens, back to the
//!   Library — then, once the last edit's render is done, idle on the Library for 10 s. Goal:
//!   after use ≤ fresh + 50 MB.
//!
//! `npm --prefix ui ci && npm --prefix ui run build && cargo bench -p storyreel-app --bench app_memory`
//! (Xvfb, webkit2gtk-driver and tauri-driver: `.ci/run` installs them; `BENCH_ROUNDS=N`,
//! `BENCH_USE_S=N`; `BENCH_NO_PLAY=1` waits where it would play; `BENCH_SMAPS=1` prints each
//! process's anonymous and file-backed memory).

#[path = "support/mod.rs"]
mod support;
#[path = "../tests/window/mod.rs"]
mod window;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use storyreel_engine::config::Config;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use support::{app_pid, median, memory, memory_of, poll};
use window::{start_driver, start_xvfb, which, Driver};

/// Set in the environment of this binary to run it as the floor app.
const FLOOR_APP: &str = "STORYREEL_BENCH_FLOOR_APP";

/// The floor app's one page: a heading and a script that changes the page every second.
const FLOOR_PAGE: &str =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Floor</title></head>\
<body><h1>One scripted page</h1><p id=\"t\">starting</p><script>\
const t = document.getElementById('t'); let n = 0;\
setInterval(() => { n += 1; t.textContent = 'tick ' + n; }, 1000);\
</script></body></html>";

const STORY: &str = "The ferry leaves at dawn, its horn low over the water.\n\n\
Gulls follow it across the bay, calling to the boats.\n\n\
A girl on deck counts the waves as they pass.\n\n\
The town wakes as it docks, shutters opening one by one.\n\n\
At dusk the ferry turns home under the first stars.";

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

fn use_secs() -> u64 {
    std::env::var("BENCH_USE_S")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(600)
}

/// A minimal Tauri 2 app: one window showing `FLOOR_PAGE` from a custom protocol, as the app
/// shows its own pages, and nothing else.
fn floor_app() {
    let mut ctx = tauri::generate_context!();
    ctx.config_mut().app.windows.clear();
    let result = tauri::Builder::default()
        .register_uri_scheme_protocol("floor", |_ctx, _req| {
            tauri::http::Response::builder()
                .header("Content-Type", "text/html")
                .body(FLOOR_PAGE.as_bytes().to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let url = "floor://localhost/".parse()?;
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::CustomProtocol(url))
                .title("Floor")
                .inner_size(1280.0, 860.0)
                .build()?;
            Ok(())
        })
        .run(ctx);
    if let Err(e) = result {
        eprintln!("the floor app stopped: {e}");
    }
}

/// The floor app's PSS, 6 s after start, on `display`.
fn floor(display: &str) -> (f64, Vec<String>) {
    let me = std::env::current_exe().expect("this bench's path");
    let mut cmd = std::process::Command::new(me);
    window::webkit_env(&mut cmd, display)
        .env(FLOOR_APP, "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let app = window::Proc(cmd.spawn().expect("the floor app starts"), "floor app");
    std::thread::sleep(Duration::from_secs(6));
    let m = memory_of(app.0.id());
    drop(app);
    m
}

/// One project of five narrated scenes with its video, in `data`.
fn prepare(data: &Path) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let e =
        Engine::open(EngineOptions::new(data.to_path_buf(), Config::default())).expect("engine");
    rt.block_on(async {
        let r = e
            .import(STORY.as_bytes(), "ferry.txt", ImportOptions::default())
            .await
            .expect("import");
        let w = e.start();
        let settle = |e: &Engine| {
            let e = e.clone();
            async move {
                while !e.is_idle().expect("idle") {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        settle(&e).await;
        let spec = e.config().render.spec();
        e.request_render(&r.project, spec).await.expect("render");
        settle(&e).await;
        w.shutdown().await;
    });
}

/// Whether the app is rendering: an ffmpeg under it.
fn rendering() -> bool {
    app_pid().is_some_and(|root| {
        support::tree(root).into_iter().any(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "ffmpeg")
        })
    })
}

/// Waits until the project's video is in the player and has played `secs` seconds (muted).
fn play(d: &Driver, secs: u64) {
    if std::env::var_os("BENCH_NO_PLAY").is_some() {
        std::thread::sleep(Duration::from_secs(secs + 2));
        return;
    }
    d.wait("[data-testid=video-player]", 60);
    poll(
        d,
        "const v = document.querySelector('[data-testid=video-player]'); return v && v.readyState >= 1 ? true : null",
        60,
    );
    d.script(
        "const v = document.querySelector('[data-testid=video-player]'); v.muted = true; v.currentTime = 0; v.play(); return 1",
        json!([]),
    );
    std::thread::sleep(Duration::from_secs(secs));
    d.script(
        "const v = document.querySelector('[data-testid=video-player]'); if (v) { v.currentTime = v.duration / 2; } return 1",
        json!([]),
    );
    std::thread::sleep(Duration::from_secs(2));
}

fn text_of_scene_one(d: &Driver) -> String {
    d.script(
        "const t = document.querySelector('[data-testid=scene-card][data-index=\"1\"] .text'); return t ? t.textContent.trim() : ''",
        json!([]),
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// The loop a creator repeats, once: open, play, edit (a new render), play it, undo, look
/// around, back to the Library.
fn use_once(d: &Driver, n: u32) {
    d.click("[data-testid=project-open]");
    d.wait("[data-testid=scene-card]", 30);
    play(d, 8);
    d.script(
        "document.querySelector(`[data-testid=scene-card][data-index='1'] [data-testid=scene-edit]`).click(); return 1",
        json!([]),
    );
    d.wait("[data-testid=scene-text-input]", 10);
    let words = format!("The ferry leaves at dawn, trip {n}.");
    d.script(
        "const t = document.querySelector('[data-testid=scene-text-input]'); t.value = arguments[0]; \
         t.dispatchEvent(new Event('input', {bubbles: true})); return 1",
        json!([words]),
    );
    d.click("[data-testid=scene-save]");
    let t0 = Instant::now();
    while text_of_scene_one(d) != words && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    // The edit renders the video again; the player loads the new one.
    std::thread::sleep(Duration::from_secs(12));
    play(d, 6);
    d.click("[data-testid=undo-button]");
    std::thread::sleep(Duration::from_secs(3));
    for screen in ["nav-activity", "nav-settings", "nav-stats"] {
        d.click(&format!("[data-testid={screen}]"));
        std::thread::sleep(Duration::from_secs(1));
    }
    d.click("[data-testid=nav-library]");
    d.wait("[data-testid=project-card]", 10);
}

fn main() {
    if std::env::var_os(FLOOR_APP).is_some() {
        floor_app();
        return;
    }
    let ui_built = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui/dist/assets")
        .is_dir();
    let missing: Vec<_> = ["Xvfb", "WebKitWebDriver", "tauri-driver", "ffmpeg"]
        .into_iter()
        .filter(|n| which(n).is_none())
        .chain((!ui_built).then_some("the built UI (npm --prefix ui run build, then rebuild)"))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "skipped: the app's memory bench needs {}",
            missing.join(", ")
        );
        return;
    }
    let work = tempfile::tempdir().expect("temp");
    let data = work.path().join("data");
    prepare(&data);
    let (_xvfb, display) = start_xvfb();
    let (driver, base) = start_driver(
        &display,
        &data,
        &work.path().join("config/config.toml"),
        &work.path().join("driver.log"),
        &work.path().join("app.log"),
    );
    let app = PathBuf::from(env!("CARGO_BIN_EXE_storyreel-app"));
    let (mut fresh, mut after, mut floors) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds() {
        let d = Driver::start(&base, &app);
        poll(
            &d,
            "const t = window.__storyreelTimings; return t && t.firstContent",
            30,
        );
        std::thread::sleep(Duration::from_secs(6));
        let (mb, procs) = memory();
        fresh.push(mb);
        let t0 = Instant::now();
        let mut n = 0;
        while t0.elapsed() < Duration::from_secs(use_secs()) {
            n += 1;
            use_once(&d, n);
        }
        // The last edit's render may still run: the figure is of the app at rest.
        let rest = Instant::now();
        while rendering() && rest.elapsed() < Duration::from_secs(180) {
            std::thread::sleep(Duration::from_millis(250));
        }
        std::thread::sleep(Duration::from_secs(10));
        let (used, used_procs) = memory();
        after.push(used);
        println!(
            "round {round}: fresh {mb:.0} MB ({}); after {n} rounds of use in {:.0} s, back on the Library: {used:.0} MB ({})",
            procs.join(", "),
            t0.elapsed().as_secs_f64(),
            used_procs.join(", ")
        );
        d.quit();
        let t = Instant::now();
        while app_pid().is_some() && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let (f, f_procs) = floor(&display);
        println!(
            "round {round}: the minimal Tauri app: {f:.0} MB ({})",
            f_procs.join(", ")
        );
        floors.push(f);
    }
    drop(driver);
    let (fresh, after, floor) = (median(fresh), median(after), median(floors));
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("median of {}:", rounds());
    println!("  fresh, idle on the Library with one project: {fresh:.0} MB");
    println!("  a minimal Tauri 2 app showing one scripted page: {floor:.0} MB");
    println!(
        "  fresh ≤ floor + 30 MB = {:.0} MB: {}",
        floor + 30.0,
        verdict(fresh <= floor + 30.0)
    );
    println!(
        "  after {} s of use with playback, back on the Library: {after:.0} MB; ≤ fresh + 50 MB = {:.0} MB: {}",
        use_secs(),
        fresh + 50.0,
        verdict(after <= fresh + 50.0)
    );
}
