//! The tray icon: progress in its tooltip, show the window, pause or resume all, quit.
//! Closing the window hides it here, so the queue keeps working, but only where a tray is
//! really shown: without the tray library, without a D-Bus session or without a status
//! notifier host (stock GNOME), the app starts without one and closing the window quits.

use std::sync::atomic::{AtomicBool, Ordering};

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

pub const TRAY_ID: &str = "storyreel";

pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

static SHOWN: AtomicBool = AtomicBool::new(false);

/// Whether a tray icon is really shown, so that hiding the window to it leaves a way back.
pub fn shown() -> bool {
    SHOWN.load(Ordering::SeqCst)
}

/// Puts the tray icon up when the desktop can show it. Never fails the start: a missing tray
/// library (which panics inside the tray crate) or a desktop without a tray host is a line in
/// the log, and the app runs without a tray.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    if !host_present() {
        tracing::info!(
            "no tray on this desktop (no status notifier host); closing the window quits"
        );
        return;
    }
    let built = quietly(|| build(app));
    match built {
        Ok(Ok(_)) => SHOWN.store(true, Ordering::SeqCst),
        Ok(Err(e)) => tracing::warn!(%e, "no tray icon on this desktop; closing the window quits"),
        Err(_) => tracing::warn!(
            "the tray library (libayatana-appindicator3) is missing; closing the window quits"
        ),
    }
}

thread_local! {
    /// Set while this thread runs code whose panic is expected and reported by us.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning its panic into `Err` without the panic message and backtrace the default
/// hook prints (the tray crate panics when its library is missing; we say so in one line).
/// Panics on other threads meanwhile are printed as always.
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    out
}

/// Whether the session has a status notifier host that shows tray icons (KDE, most desktops
/// with an AppIndicator host; not stock GNOME, not a bare X server).
#[cfg(target_os = "linux")]
pub fn host_present() -> bool {
    let Ok(conn) = zbus::blocking::Connection::session() else {
        return false;
    };
    zbus::blocking::Proxy::new(
        &conn,
        "org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.kde.StatusNotifierWatcher",
    )
    .and_then(|p| p.get_property::<bool>("IsStatusNotifierHostRegistered"))
    .unwrap_or(false)
}

/// Windows and macOS always show tray (menu bar) icons.
#[cfg(not(target_os = "linux"))]
pub fn host_present() -> bool {
    true
}

pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<TrayIcon<R>> {
    let show = MenuItem::with_id(app, "show", "Show StoryReel", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", "Pause or resume all", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit StoryReel", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &pause, &quit])?;
    let mut b = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("StoryReel")
        .menu(&menu)
        .on_menu_event(|app, ev| match ev.id().as_ref() {
            "show" => show_main(app),
            "pause" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    if let Ok(e) = state.engine().await {
                        let paused = e.globally_paused().unwrap_or(false);
                        if let Err(err) = e.set_paused(None, !paused).await {
                            tracing::warn!(%err, "pause from the tray");
                        }
                        state.emit(crate::bridge::AppEvent::Reset);
                    }
                });
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        b = b.icon(icon.clone());
    }
    b.build(app)
}

pub fn set_tooltip<R: Runtime>(app: &AppHandle<R>, text: &str) {
    if let Some(t) = app.tray_by_id(TRAY_ID) {
        let _ = t.set_tooltip(Some(text));
    }
}
