//! A StoryReel app on Tauri's mock runtime (no display), with its data, config and keychain in a
//! temp folder, and every event it sends to the window recorded.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use storyreel_app::bridge::AppEvent;
use storyreel_app::error::ApiResult;
use storyreel_app::keychain::{KeyStore, MemoryKeys};
use storyreel_app::state::Desktop;
use storyreel_app::{AppOptions, AppState};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager;

/// The app's own pages are served from `tauri://localhost` on Linux and macOS.
pub const LOCAL: &str = "tauri://localhost";

#[derive(Default)]
pub struct FakeDesktop {
    pub pick: Mutex<Option<PathBuf>>,
    pub revealed: Mutex<Vec<PathBuf>>,
    pub opened: Mutex<Vec<PathBuf>>,
    pub save_to: Mutex<Option<PathBuf>>,
    pub save_asked: Mutex<Vec<String>>,
    /// The folder each save dialog opened in.
    pub save_dirs: Mutex<Vec<Option<PathBuf>>>,
    pub notified: Mutex<Vec<String>>,
    /// The folder the folder dialog answers with.
    pub folder: Mutex<Option<PathBuf>>,
}

impl Desktop for FakeDesktop {
    fn pick_folder(&self, _title: &str) -> Option<PathBuf> {
        self.folder.lock().unwrap().clone()
    }
    fn pick_story_file(&self) -> Option<PathBuf> {
        self.pick.lock().unwrap().clone()
    }
    fn reveal(&self, path: &Path) -> ApiResult<()> {
        self.revealed.lock().unwrap().push(path.to_path_buf());
        Ok(())
    }
    fn reveal_file(&self, path: &Path) -> ApiResult<()> {
        self.revealed.lock().unwrap().push(path.to_path_buf());
        Ok(())
    }
    fn open_file(&self, path: &Path) -> ApiResult<()> {
        self.opened.lock().unwrap().push(path.to_path_buf());
        Ok(())
    }
    fn pick_save_path(&self, _: &str, suggested: &str, dir: Option<&Path>) -> Option<PathBuf> {
        self.save_asked.lock().unwrap().push(suggested.into());
        self.save_dirs
            .lock()
            .unwrap()
            .push(dir.map(Path::to_path_buf));
        self.save_to.lock().unwrap().clone()
    }
    fn notify(&self, title: &str, _: &str) {
        self.notified.lock().unwrap().push(title.into());
    }
}

/// The entry called `name` in a list of records (providers in a snapshot or in Settings).
pub fn named(list: &Value, name: &str) -> Value {
    list.as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no `{name}` in {list}"))
        .clone()
}

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub app: tauri::App<tauri::test::MockRuntime>,
    pub webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    pub events: Arc<Mutex<Vec<Value>>>,
    pub keys: Arc<MemoryKeys>,
    pub desktop: Arc<FakeDesktop>,
}

pub fn options(dir: &Path, keys: Arc<MemoryKeys>, workers: bool) -> AppOptions {
    AppOptions {
        config_file: dir.join("config/config.toml"),
        prefs_file: dir.join("config/app.json"),
        data_dir: Some(dir.join("data")),
        keys: keys as Arc<dyn KeyStore>,
        workers,
    }
}

impl TestApp {
    pub fn new(workers: bool) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::in_dir(dir, workers, |_| {})
    }

    /// An app over `dir`, with `prepare` run on the folder before the engine opens.
    pub fn in_dir(dir: tempfile::TempDir, workers: bool, prepare: impl FnOnce(&Path)) -> TestApp {
        prepare(dir.path());
        let keys = Arc::new(MemoryKeys::default());
        let state = AppState::new(options(dir.path(), keys.clone(), workers));
        let events = Arc::new(Mutex::new(Vec::new()));
        let rec = events.clone();
        state.set_sink(Arc::new(move |e: AppEvent| {
            rec.lock()
                .unwrap()
                .push(serde_json::to_value(&e).expect("events serialise"));
        }));
        let desktop = Arc::new(FakeDesktop::default());
        state.set_desktop(desktop.clone());
        let app = storyreel_app::setup(mock_builder(), state)
            .build(mock_context(noop_assets()))
            .expect("the app builds");
        storyreel_app::scope_assets(app.handle());
        tauri::async_runtime::block_on(app.state::<AppState>().start());
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("a window");
        TestApp {
            dir,
            app,
            webview,
            events,
            keys,
            desktop,
        }
    }

    pub fn call_from(&self, cmd: &str, args: Value, origin: &str) -> Result<Value, Value> {
        self.invoke(
            cmd,
            tauri::ipc::InvokeBody::Json(args),
            Default::default(),
            origin,
        )
    }

    /// Calls a command with a raw body and headers, as the UI sends a file's bytes.
    pub fn call_raw(
        &self,
        cmd: &str,
        body: Vec<u8>,
        headers: &[(&'static str, &str)],
    ) -> Result<Value, Value> {
        let mut map = tauri::http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().expect("a header value"));
        }
        self.invoke(cmd, tauri::ipc::InvokeBody::Raw(body), map, LOCAL)
    }

    /// One IPC request as the window sends it, answered as JSON.
    fn invoke(
        &self,
        cmd: &str,
        body: tauri::ipc::InvokeBody,
        headers: tauri::http::HeaderMap,
        origin: &str,
    ) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: origin.parse().expect("url"),
                body,
                headers,
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("json"))
    }

    /// Calls a command as the UI does; Err is the `{code, message}` the UI gets.
    pub fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.call_from(cmd, args, LOCAL)
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Ok(v) => v,
            Err(e) => panic!("{cmd} failed: {e}"),
        }
    }

    /// The error a command answers with (it must fail).
    pub fn err(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Ok(v) => panic!("{cmd} should fail, answered {v}"),
            Err(e) => e,
        }
    }

    pub fn create(&self, story: &str) -> Value {
        let preview = self.ok("preview_story", json!({"text": story, "name": "story.md"}));
        self.ok(
            "create_project",
            json!({"project": {"title": preview["title"], "aspect": "9:16", "style": null,
                               "scenes": preview["scenes"]}}),
        )
    }

    /// Polls `get_project` until `done` says yes (at most 60 s).
    pub fn wait_project(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let t0 = Instant::now();
        loop {
            // While the engine reopens (new settings, space back on the disk), commands answer
            // "starting or stopping" for a moment; the UI asks again on the reset that follows.
            let p = match self.call("get_project", json!({"id": id})) {
                Ok(p) => p,
                Err(e)
                    if e["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("starting or stopping")) =>
                {
                    assert!(
                        t0.elapsed() < Duration::from_secs(60),
                        "the engine never reopened: {e}"
                    );
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(e) => panic!("get_project failed: {e}"),
            };
            if done(&p) {
                return p;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "project did not get there: {p}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn events_of(&self, kind: &str) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == kind)
            .cloned()
            .collect()
    }

    pub fn stop(&self) {
        tauri::async_runtime::block_on(self.app.state::<AppState>().stop());
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

pub const STORY: &str = "# The Ferry\n\nThe ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nThe town wakes as it docks.\n";
