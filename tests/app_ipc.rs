//! The desktop app's IPC commands through Tauri's mock runtime (no display needed).

use storyreel_app::commands::system::AppInfo;
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;

/// The app's own pages are served from `tauri://localhost` on Linux and macOS.
const LOCAL: &str = "tauri://localhost";

fn invoke(cmd: &str) -> Result<serde_json::Value, serde_json::Value> {
    invoke_from(cmd, LOCAL)
}

fn invoke_from(cmd: &str, origin: &str) -> Result<serde_json::Value, serde_json::Value> {
    let app = storyreel_app::setup(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("a window");
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: origin.parse().expect("url"),
            body: tauri::ipc::InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<serde_json::Value>().expect("json"))
}

#[test]
fn app_info_names_the_app_and_its_engine() {
    let v = invoke("app_info").expect("app_info answers");
    let info: AppInfo = AppInfo {
        name: v["name"].as_str().unwrap_or_default().into(),
        version: v["version"].as_str().unwrap_or_default().into(),
        engine_version: v["engine_version"].as_str().unwrap_or_default().into(),
    };
    assert_eq!(info.name, "StoryReel");
    assert_eq!(info.engine_version, storyreel_engine::VERSION);
    assert!(!info.version.is_empty());
}

#[test]
fn an_unknown_command_is_an_error_not_a_crash() {
    assert!(invoke("no_such_command").is_err());
}

#[test]
fn a_remote_page_cannot_call_the_app() {
    let err =
        invoke_from("app_info", "https://example.com").expect_err("remote origins are refused");
    assert!(err.to_string().contains("not allowed"), "{err}");
}
