//! The StoryReel desktop shell: a thin Tauri 2 layer over `storyreel-engine`.

pub mod commands;

/// Adds StoryReel's commands to a builder on any Tauri runtime (the real one, or the mock
/// runtime in tests).
pub fn setup<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![commands::system::app_info])
}

/// Runs the desktop app until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    setup(tauri::Builder::default()).run(tauri::generate_context!())
}
