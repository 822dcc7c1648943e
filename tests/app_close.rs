//! The real app in a real X window, closed the way a person closes it (the window manager's
//! WM_DELETE_WINDOW): where no tray is shown it quits and lets go of its data folder; with a
//! tray host but no tray library it still starts, and closing still quits; a second launch
//! hands over to the first and ends.
//!
//! Needs Xvfb (and, for the tray and second-launch cases, dbus-daemon; for the missing tray
//! library, root to mask the library in a mount namespace). Without them a case says what is
//! missing and passes, except under CI=true, where it fails.

#![cfg(target_os = "linux")]

mod window;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use window::x11::Display;
use window::{needs, start_xvfb, webkit_env};

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn app_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_storyreel-app"))
}

/// The app's command on `display` with its own data and config, and the session bus given
/// (or none).
fn app_command(program: &Path, display: &str, dir: &Path, bus: Option<&str>) -> Command {
    let mut cmd = Command::new(program);
    webkit_env(&mut cmd, display)
        .env("STORYREEL_DATA_DIR", dir.join("data"))
        .env("STORYREEL_CONFIG", dir.join("config/config.toml"))
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            bus.map(str::to_string)
                .unwrap_or_else(|| format!("unix:path={}", dir.join("no-bus").display())),
        )
        .env("RUST_LOG", "info")
        .stdin(Stdio::null());
    cmd
}

struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(mut cmd: Command, log: &Path) -> App {
    let out = std::fs::File::create(log).unwrap();
    App(cmd
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("the app starts"))
}

/// Waits for the StoryReel window; returns it and the pid that owns it.
fn wait_window(x: &Display, app: &mut App, log: &Path) -> (std::os::raw::c_ulong, u32) {
    let t0 = Instant::now();
    loop {
        if let Some(w) = x
            .windows("StoryReel")
            .into_iter()
            .find(|w| x.pid(*w).is_some())
        {
            return (w, x.pid(w).unwrap());
        }
        if let Ok(Some(status)) = app.0.try_wait() {
            panic!(
                "the app ended ({status}) before its window showed:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            t0.elapsed() < Duration::from_secs(40),
            "no window within 40 s:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Closes the window as a person does and waits for the app to end by itself.
fn close_and_wait(x: &Display, w: std::os::raw::c_ulong, app: &mut App, log: &Path) {
    // The UI needs a moment to be up before a close means anything to it.
    std::thread::sleep(Duration::from_secs(2));
    x.close(w);
    let t0 = Instant::now();
    loop {
        if let Ok(Some(status)) = app.0.try_wait() {
            assert!(status.success(), "the app quit with {status}");
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the app still runs 30 s after its window was closed (hidden to a tray nobody sees?):\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A session bus of our own, stopped on drop.
struct Bus(Child, String);

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_bus(dir: &Path) -> Bus {
    let sock = dir.join("bus.sock");
    let address = format!("unix:path={}", sock.display());
    let child = Command::new("dbus-daemon")
        .args([
            "--session",
            "--nofork",
            "--nopidfile",
            "--address",
            &address,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon starts");
    let t0 = Instant::now();
    while !sock.exists() {
        assert!(t0.elapsed() < Duration::from_secs(10), "no session bus");
        std::thread::sleep(Duration::from_millis(50));
    }
    Bus(child, address)
}

/// A status notifier host on the bus, as KDE and AppIndicator desktops have: the app then
/// tries to put up its tray icon.
struct Watcher;

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, _service: &str) {}
    fn register_status_notifier_host(&self, _service: &str) {}
    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        Vec::new()
    }
    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

fn serve_watcher(bus: &Bus) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(bus.1.as_str())
        .and_then(|b| b.name("org.kde.StatusNotifierWatcher"))
        .and_then(|b| b.serve_at("/StatusNotifierWatcher", Watcher))
        .and_then(|b| b.build())
        .expect("the status notifier watcher is on the bus")
}

#[test]
fn closing_the_window_where_no_tray_is_shown_quits_and_lets_go_of_the_folder() {
    if !needs("the close test", &["Xvfb"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_xvfb, display) = start_xvfb();
    let x = Display::open(&display).expect("the X display");
    for round in 1..=2 {
        // The second launch finds the folder free: the first let go of it when it quit.
        let log = dir.path().join(format!("app-{round}.log"));
        let mut app = spawn(app_command(&app_bin(), &display, dir.path(), None), &log);
        let (w, pid) = wait_window(&x, &mut app, &log);
        assert_eq!(pid, app.0.id(), "the window is this app's");
        close_and_wait(&x, w, &mut app, &log);
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            !text.contains("locked"),
            "round {round}: the data folder was free:\n{text}"
        );
    }
}

#[test]
fn with_a_tray_host_but_no_tray_library_the_app_starts_and_closing_quits() {
    if !needs(
        "the tray test",
        &["Xvfb", "dbus-daemon", "unshare", "mount"],
    ) {
        return;
    }
    // SAFETY: getuid has no preconditions.
    if unsafe { libc_getuid() } != 0 {
        assert!(
            !ci(),
            "masking the tray library needs root (CI runs as root)"
        );
        eprintln!("skipped: masking the tray library needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bus = start_bus(dir.path());
    let _watcher = serve_watcher(&bus);
    let (_xvfb, display) = start_xvfb();
    let x = Display::open(&display).expect("the X display");
    // The tray libraries are masked in a mount namespace of the app's own: to it they are
    // empty files, as on a machine that lacks them.
    let libs: Vec<String> = ["libayatana-appindicator3.so.1", "libappindicator3.so.1"]
        .iter()
        .flat_map(|l| {
            [
                "/usr/lib/x86_64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu",
                "/usr/lib",
            ]
            .map(|d| format!("{d}/{l}"))
        })
        .filter(|p| Path::new(p).exists())
        .collect();
    let mask: String = libs
        .iter()
        .map(|l| format!("mount --bind /dev/null {l} && "))
        .collect();
    let script = format!("{mask}exec \"$0\"");
    let mut cmd = app_command(Path::new("unshare"), &display, dir.path(), Some(&bus.1));
    cmd.args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .arg(app_bin());
    let log = dir.path().join("app.log");
    let mut app = spawn(cmd, &log);
    let (w, _) = wait_window(&x, &mut app, &log);
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "the app runs without its tray library:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    close_and_wait(&x, w, &mut app, &log);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("no tray icon") || text.contains("tray library"),
        "the log says why there is no tray:\n{text}"
    );
    // Said in one line: no panic message or backtrace from the tray crate.
    assert!(
        !text.contains("panicked") && !text.contains("backtrace"),
        "a caught panic was printed:\n{text}"
    );
}

#[test]
fn a_second_launch_hands_over_to_the_first_and_ends() {
    if !needs("the second-launch test", &["Xvfb", "dbus-daemon"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bus = start_bus(dir.path());
    let (_xvfb, display) = start_xvfb();
    let x = Display::open(&display).expect("the X display");
    let log = dir.path().join("first.log");
    let mut first = spawn(
        app_command(&app_bin(), &display, dir.path(), Some(&bus.1)),
        &log,
    );
    let (w, _) = wait_window(&x, &mut first, &log);
    let log2 = dir.path().join("second.log");
    let mut second = spawn(
        app_command(&app_bin(), &display, dir.path(), Some(&bus.1)),
        &log2,
    );
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = second.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the second launch is still running:\n{}",
            std::fs::read_to_string(&log2).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        status.success(),
        "the second launch ended cleanly ({status})"
    );
    assert!(
        first.0.try_wait().unwrap().is_none(),
        "the first still runs"
    );
    assert_eq!(x.windows("StoryReel").len(), 1, "one window, the first's");
    let text = std::fs::read_to_string(&log2).unwrap_or_default();
    assert!(
        !text.contains("locked"),
        "no folder-locked message:\n{text}"
    );
    close_and_wait(&x, w, &mut first, &log);
}

extern "C" {
    #[link_name = "getuid"]
    fn libc_getuid() -> u32;
}
