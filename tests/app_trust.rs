//! The engine inside the app: a restart waits for the old engine's last user instead of failing
//! on its own lock, the webview may read the data folder's `assets/` and nothing else, and work
//! halted by a full disk goes on by itself once there is room.

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

/// A full disk halts the work; once the person frees space the app reopens its engine by itself
/// and every scene finishes, with a notice saying so. Needs root for the small tmpfs.
#[test]
fn after_a_full_disk_the_work_goes_on_by_itself_once_there_is_room() {
    use storyreel_testkit::tmpfs::{is_root, Tmpfs};
    if !is_root() {
        eprintln!("not run: mounting a small tmpfs needs root");
        return;
    }
    let outer = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&outer.path().join("small"), "3m") else {
        panic!("running as root, but a tmpfs could not be mounted");
    };
    let t = TestApp::in_dir(tempfile::tempdir_in(&fs.0).unwrap(), true, |_| {});
    storyreel_app::watch_space(t.app.handle(), Duration::from_millis(200));
    let story: String = (1..=40)
        .map(|i| format!("Scene {i}: the tide rises over the causeway, slowly.\n\n"))
        .collect();
    let id = t.create(&story)["id"].as_str().unwrap().to_string();
    let state = t.app.state::<AppState>();
    let t0 = Instant::now();
    loop {
        let engine = tauri::async_runtime::block_on(state.engine()).unwrap();
        if engine.halted().is_some() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the disk never filled"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let p = t.ok("get_project", serde_json::json!({"id": id}));
    assert_ne!(p["card"]["status"], "done", "halted before the end: {p}");
    assert!(!said_room_again(&t), "not yet");

    fs.resize("64m");
    let p = t.wait_project(&id, |p| p["card"]["status"] == "done");
    for s in p["scenes"].as_array().unwrap() {
        assert_eq!(s["status"], "succeeded", "{s}");
    }
    assert!(said_room_again(&t), "{:?}", t.events_of("notice"));
    drop(t);
    drop(fs);
}

fn said_room_again(t: &TestApp) -> bool {
    t.events_of("notice")
        .iter()
        .any(|n| n["message"].as_str().unwrap_or("").contains("room again"))
}
