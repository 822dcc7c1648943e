//! The desktop app's budgets, measured on the real binary in a window under Xvfb, driven by
//! tauri-driver and WebKitWebDriver:
//! - cold start to first paint: from the moment the WebDriver session is asked for (which
//!   launches the app) to the first paint of the Library with the engine's data in it (the UI
//!   notes the wall-clock time of that paint on `window.__storyreelTimings`); an upper bound,
//!   since it includes WebKitWebDriver launching the app;
//! - idle memory: the proportional set size (PSS) of `storyreel-app` and every process under it
//!   (WebKit's web and network processes), 5 s after the first paint of a Library of 20
//!   projects, and again with the 500-scene project open; its budget is WebKitGTK's own floor
//!   (MiniBrowser on a blank page, measured the same way in the same run) + 30 MB;
//! - opening a 500-scene project: from the click on its card to the first paint of its grid,
//!   timed by the UI with `performance.now()`; the first opening after start and a second one.
//!
//! `npm --prefix ui ci && npm --prefix ui run build && cargo bench -p storyreel-app --bench app_budgets`
//! (Xvfb, webkit2gtk-driver and tauri-driver: `.ci/run` installs them; `BENCH_ROUNDS=N`).
//!
//! For finding what a paint costs: `BENCH_INJECT_CSS='…'` adds a style sheet to the page after
//! start (e.g. `.card{box-shadow:none !important}`), and `WEBKIT_DISABLE_COMPOSITING_MODE=0`
//! runs WebKit with GL compositing (on Xvfb's software GL) instead of without.

#[path = "support/mod.rs"]
mod support;
#[path = "../tests/window/mod.rs"]
mod window;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use storyreel_engine::config::Config;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use support::{app_pid, epoch_ms, median, memory, memory_of, poll};
use window::{start_driver, start_xvfb, which, Driver};

const SCENES: usize = 500;

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
}

/// How many projects the Library holds: the 500-scene one and small ones.
const PROJECTS: usize = 20;

/// A Library of 20 projects with every title card made, in `data`: 19 of six scenes, then one
/// of 500 (the most recent, so the first card).
fn prepare(data: &Path) {
    let story: Vec<String> = (1..=SCENES)
        .map(|i| format!("Scene {i}. The night market opens stall by stall under paper lanterns."))
        .collect();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let e =
        Engine::open(EngineOptions::new(data.to_path_buf(), Config::default())).expect("engine");
    rt.block_on(async {
        for n in 1..PROJECTS {
            let small: Vec<String> = (1..=6)
                .map(|i| format!("Story {n}, scene {i}. A lantern is lit on the quay."))
                .collect();
            e.import(
                small.join("\n\n").as_bytes(),
                &format!("story-{n}.txt"),
                ImportOptions::default(),
            )
            .await
            .expect("import");
        }
        let r = e
            .import(
                story.join("\n\n").as_bytes(),
                "night-market.txt",
                ImportOptions::default(),
            )
            .await
            .expect("import");
        assert_eq!(e.scenes(r.project.id).expect("scenes").len(), SCENES);
        let w = e.start();
        while !e.is_idle().expect("idle") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        w.shutdown().await;
    });
}

/// WebKitGTK's own MiniBrowser, as Debian ships it: the floor under any app on this WebKit.
const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// The PSS of WebKitGTK's MiniBrowser showing a blank page, measured as the app is (same display,
/// same compositing setting, 6 s after start): what any WebKitGTK app here costs before its
/// own code and page.
fn webkit_floor(display: &str) -> Option<(f64, Vec<String>)> {
    if !Path::new(MINIBROWSER).is_file() {
        return None;
    }
    let mut cmd = std::process::Command::new(MINIBROWSER);
    window::webkit_env(&mut cmd, display)
        .arg("about:blank")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let browser = window::Proc(cmd.spawn().ok()?, "MiniBrowser");
    std::thread::sleep(Duration::from_secs(6));
    let m = memory_of(browser.0.id());
    drop(browser);
    Some(m)
}

/// One opening as the UI timed it (ms from the click).
struct Open {
    /// To the first paint of the grid.
    painted: f64,
    /// To the grid's cards being in the DOM.
    dom: f64,
    /// To the scenes arriving from the shell (none when the grid came from scenes held).
    fetched: Option<f64>,
}

impl std::fmt::Display for Open {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.0} ms (", self.painted)?;
        if let Some(x) = self.fetched {
            write!(f, "scenes in at {x:.0}, ")?;
        }
        write!(f, "cards in the DOM at {:.0})", self.dom)
    }
}

/// Opens the project from the Library and reads the UI's timing of it.
fn open_project(d: &Driver, nth: usize) -> Open {
    d.click("[data-testid=project-open]");
    let js = format!(
        "const t = window.__storyreelTimings; return t && t.opens.length > {nth} ? t.opens[{nth}] : null"
    );
    let t = poll(d, &js, 30);
    assert!(
        !d.find_all("[data-testid=scene-card]").is_empty(),
        "the grid shows no cards"
    );
    let num = |k: &str| t[k].as_f64();
    Open {
        painted: num("ms").unwrap_or(f64::NAN),
        dom: num("dom").unwrap_or(f64::NAN),
        fetched: num("fetched"),
    }
}

/// Runs `start` in the page five times; each run sets `window.__probe` to `[ms, extra]` when it
/// is done. The median of the ms and the last extra.
fn probe(d: &Driver, start: &str, args: Value) -> (f64, f64) {
    let mut v = Vec::new();
    let mut extra = f64::NAN;
    for _ in 0..5 {
        d.script(
            &format!("window.__probe = null; {start}; return 1"),
            args.clone(),
        );
        let r = poll(d, "return window.__probe", 10);
        v.push(r[0].as_f64().unwrap_or(f64::NAN));
        extra = r[1].as_f64().unwrap_or(f64::NAN);
    }
    (median(v), extra)
}

/// How long the page takes from now to just after its next paint when nothing changes (ms):
/// the floor under every "to first paint" figure, the same wait the UI's timings use.
fn frame_floor(d: &Driver) -> f64 {
    probe(
        d,
        "const t = performance.now(); requestAnimationFrame(() => setTimeout(() => { window.__probe = [performance.now() - t, 0]; }, 0))",
        json!([]),
    )
    .0
}

/// The `get_project` round trip from the page (ms, median of 5) and the size of its answer (KB).
fn fetch_round_trip(d: &Driver, id: &str) -> (f64, f64) {
    probe(
        d,
        "const t = performance.now(); window.__TAURI_INTERNALS__.invoke('get_project', { id: arguments[0] }).then((r) => { window.__probe = [performance.now() - t, JSON.stringify(r).length / 1024]; })",
        json!([id]),
    )
}

fn main() {
    let ui_built = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui/dist/assets")
        .is_dir();
    let missing: Vec<_> = ["Xvfb", "WebKitWebDriver", "tauri-driver"]
        .into_iter()
        .filter(|n| which(n).is_none())
        .chain((!ui_built).then_some("the built UI (npm --prefix ui run build, then rebuild)"))
        .collect();
    if !missing.is_empty() {
        eprintln!("skipped: the app's budgets need {}", missing.join(", "));
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
    let (mut cold, mut idle, mut busy, mut first_open, mut again) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds() {
        let t0 = epoch_ms();
        let d = Driver::start(&base, &app);
        let painted = poll(
            &d,
            "const t = window.__storyreelTimings; return t && t.firstContent",
            30,
        );
        cold.push(painted.as_f64().unwrap_or(f64::NAN) - t0);
        if let Ok(css) = std::env::var("BENCH_INJECT_CSS") {
            d.script("const s = document.createElement('style'); s.textContent = arguments[0]; document.head.appendChild(s); return 1", json!([css]));
        }
        std::thread::sleep(Duration::from_secs(5));
        let (mb, procs) = memory();
        idle.push(mb);
        let first = open_project(&d, 0);
        std::thread::sleep(Duration::from_secs(5));
        busy.push(memory().0);
        let floor = frame_floor(&d);
        let id = d.script("return window.__storyreelTimings.opens[0].id", json!([]));
        let (rt, kb) = fetch_round_trip(&d, id.as_str().unwrap_or_default());
        d.click("[data-testid=nav-library]");
        d.wait("[data-testid=project-card]", 10);
        let second = open_project(&d, 1);
        println!(
            "round {round}: first paint {:.0} ms, idle {:.0} MB ({}), open {first} then {second}, with the project open {:.0} MB, idle frame {floor:.0} ms, get_project {rt:.0} ms for {kb:.0} KB",
            cold[round - 1],
            mb,
            procs.join(", "),
            busy[round - 1],
        );
        first_open.push(first.painted);
        again.push(second.painted);
        d.quit();
        // The app is gone before the next cold start.
        let t = Instant::now();
        while app_pid().is_some() && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    drop(driver);
    let floor = webkit_floor(&display);
    let n = cold.len();
    println!("median of {n}:");
    println!(
        "  cold start to first paint of the Library: {:.0} ms (budget 1500)",
        median(cold)
    );
    let idle_mb = median(idle);
    println!(
        "  idle memory, app and WebKit processes (PSS), the Library with {PROJECTS} projects: {idle_mb:.0} MB"
    );
    println!(
        "  the same with the {SCENES}-scene project open: {:.0} MB",
        median(busy)
    );
    match floor {
        Some((mb, procs)) => {
            println!(
                "  WebKitGTK's MiniBrowser on a blank page, measured the same way: {mb:.0} MB ({})",
                procs.join(", ")
            );
            println!(
                "  idle budget, the floor + 30 MB: {:.0} MB: {}",
                mb + 30.0,
                if idle_mb <= mb + 30.0 {
                    "met"
                } else {
                    "NOT met"
                }
            );
        }
        None => println!("  (no MiniBrowser at {MINIBROWSER}: WebKitGTK's own floor not measured)"),
    }
    println!(
        "  opening the {SCENES}-scene project to first paint of its grid: {:.0} ms the first time, {:.0} ms again (budget 300)",
        median(first_open),
        median(again)
    );
}
