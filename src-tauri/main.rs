// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(err) = storyreel_app::run() {
        eprintln!("StoryReel could not start: {err}");
        std::process::exit(2);
    }
}
