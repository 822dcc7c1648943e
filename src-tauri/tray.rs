//! The tray icon: progress in its tooltip, show the window, pause or resume all, quit.
//! Closing the window hides it here; the queue keeps working.

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
