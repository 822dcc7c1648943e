//! The engine inside the app: a restart waits for the old engine's last user instead of failing
//! on its own lock, and the webview may read the data folder's `assets/` and nothing else.

mod app;

use std::time::{Duration, Instant};

use app::TestApp;
use storyreel_app::AppState;
use tauri::Manager;

#[test]
fn a_restart_waits_for_the_old_engine_to_let_go() {
    let t = TestApp::new(false);
    let state = t.app.state::<AppState>();
    // A provider test or a render still holds the old engine for a few seconds.
    let held = tauri::async_runtime::block_on(state.engine()).unwrap();
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let t0 = Instant::now();
    tauri::async_runtime::block_on(state.restart());
    holder.join().unwrap();
    let engine = tauri::async_runtime::block_on(state.engine());
    assert!(
        engine.is_ok(),
        "the new engine opened once the old one let go: {:?}",
        engine.err()
    );
    assert!(
        t0.elapsed() >= Duration::from_secs(2),
        "it waited for the holder"
    );
}

#[test]
fn the_webview_reads_assets_and_nothing_else_of_the_data_folder() {
    let t = TestApp::new(false);
    let data = t.dir.path().join("data");
    let scope = t.app.asset_protocol_scope();
    assert!(scope.is_allowed(data.join("assets").join("ab").join("abcdef.jpg")));
    for private in ["db/conf", "db/blobs/1", "storyreel.lock", "storyreel-data"] {
        assert!(
            !scope.is_allowed(data.join(private)),
            "{private} must not be readable by the page"
        );
    }
}
