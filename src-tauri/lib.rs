//! The StoryReel desktop shell: a thin Tauri 2 layer over `storyreel-engine`. The engine runs
//! inside the app: while the app is open (or hidden in the tray) it works the queue and syncs.

pub mod bridge;
pub mod commands;
mod desktop;
pub mod dto;
pub mod error;
pub mod key_sources;
pub mod keychain;
pub mod media;
pub mod notify;
pub mod prefs;
pub mod state;
pub mod tray;

use std::sync::{Arc, Mutex};

use tauri::{Emitter, Manager, RunEvent, WindowEvent};

pub use state::{AppOptions, AppState};

/// Adds StoryReel's state and commands to a builder on any Tauri runtime (the real one, or the
/// mock runtime in tests).
pub fn setup<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    use commands::*;
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            system::app_info,
            system::snapshot,
            projects::list_projects,
            projects::get_project,
            projects::preview_story,
            projects::open_story_file,
            projects::create_project,
            projects::rename_project,
            projects::delete_project,
            projects::set_project_paused,
            projects::retry_failed,
            projects::regenerate_placeholders,
            projects::reveal_project,
            projects::render_video,
            video::open_video,
            video::show_video,
            video::save_video_as,
            story_edit::edit_scenes,
            story_edit::set_project_look,
            story_edit::undo_edit,
            scenes::update_scene_prompt,
            scenes::regenerate_scene,
            scenes::retry_scene,
            scenes::revoice_scene,
            scenes::cancel_scene,
            voice::voices,
            voice::voice_sample,
            voice_library::voice_library,
            voice_library::install_voice,
            voice_library::remove_voice,
            voice_library::library_sample,
            voice::set_project_voice,
            voice::set_scene_recording,
            own_media::put_media_piece,
            own_media::set_media_look,
            own_media::make_picture_instead,
            own_media::clip_strip,
            cast::get_cast,
            cast::cast_change,
            cast::set_cast,
            cast::set_scene_cast,
            cast::put_reference,
            activity::activity,
            activity::set_global_paused,
            activity::cancel_job,
            sync::sync_status,
            sync::sync_retry_all,
            sync::test_storage,
            settings::get_settings,
            settings::save_settings,
            settings::set_theme,
            settings::set_provider_key,
            settings::set_storage_credentials,
            settings::set_key_env,
            settings::test_provider,
            stats::stats,
            write::write_story,
            batch::batch_status,
            batch::batch_from_drop,
            batch::batch_from_folder,
            batch::batch_from_paths,
            write::stop_writing,
        ])
}

/// The sink of the real app: events to the window, progress to the tray, news as notifications.
fn app_sink<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    watcher: Arc<Mutex<notify::Watcher>>,
) -> bridge::Sink {
    Arc::new(move |ev: bridge::AppEvent| {
        if let bridge::AppEvent::Project { card } = &ev {
            let (news, tip) = match watcher.lock() {
                Ok(mut w) => (w.update(card.clone()), w.tooltip()),
                Err(_) => (None, String::new()),
            };
            tray::set_tooltip(&app, &tip);
            if let Some(n) = news {
                app.state::<AppState>().desktop().notify(&n.title, &n.body);
            }
        }
        if let Err(e) = app.emit(bridge::EVENT, &ev) {
            tracing::debug!(%e, "event not delivered to the window");
        }
    })
}

/// Runs the desktop app until it is quit.
/// Images and videos are shown straight from the data folder's `assets/`, and from nowhere
/// else (not the database beside it); a data folder chosen later is added when it opens.
pub fn scope_assets<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    let handle = app.clone();
    app.state::<AppState>()
        .set_on_open(std::sync::Arc::new(move |dir: &std::path::Path| {
            let _ = handle
                .asset_protocol_scope()
                .allow_directory(dir.join("assets"), true);
            if let Some(m) = handle.state::<AppState>().media() {
                m.allow(dir.join("assets"));
            }
        }));
}

/// How often a halted engine looks for room on its disk.
const SPACE_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Watches, for as long as the app runs, for a disk that was full to have room again; then the
/// engine reopens and the work goes on by itself.
pub fn watch_space<R: tauri::Runtime>(app: &tauri::AppHandle<R>, every: std::time::Duration) {
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            handle.state::<AppState>().resume_if_space().await;
        }
    });
}

pub fn run() -> Result<(), tauri::Error> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let opts = AppOptions::from_env(Arc::new(keychain::OsKeychain))
        .map_err(|e| tauri::Error::Anyhow(std::io::Error::other(e.message).into()))?;
    let builder = tauri::Builder::default()
        // First, so a second launch only brings the running window forward.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main(app)
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init());
    let app = setup(builder, AppState::new(opts))
        .setup(|app| {
            let handle = app.handle().clone();
            let state = app.state::<AppState>();
            let watcher = Arc::new(Mutex::new(notify::Watcher::default()));
            state.set_sink(app_sink(handle.clone(), watcher.clone()));
            state.set_desktop(Arc::new(desktop::RealDesktop {
                app: handle.clone(),
            }));
            match media::MediaServer::start() {
                Ok(m) => state.set_media(m),
                Err(e) => tracing::warn!(%e, "no video server: videos will not play in the window"),
            }
            scope_assets(&handle);
            watch_space(&handle, SPACE_CHECK);
            tauri::async_runtime::block_on(state.start());
            if let Ok(e) = tauri::async_runtime::block_on(state.engine()) {
                if let (Ok(cards), Ok(mut w)) = (commands::system::cards(&e), watcher.lock()) {
                    w.seed(cards);
                }
            }
            tray::start(&handle);
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // Closing hides to the tray, where one is shown: the queue and the uploads
                // keep going. Without one, closing quits (running jobs are handed back).
                if tray::shown() && window.app_handle().tray_by_id(tray::TRAY_ID).is_some() {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(tauri::generate_context!())?;
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            tauri::async_runtime::block_on(app.state::<AppState>().stop());
        }
    });
    Ok(())
}
