//! The StoryReel desktop shell: a thin Tauri 2 layer over `storyreel-engine`.

pub mod commands;

/// Builds the app with its commands on any Tauri runtime (the real one, or the mock one in tests).
pub fn builder<R: tauri::Runtime>() -> tauri::Builder<R> {
    tauri::Builder::<R>::new().invoke_handler(tauri::generate_handler![commands::system::app_info])
}

/// Runs the desktop app until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    builder::<tauri::Wry>().run(tauri::generate_context!())
}
