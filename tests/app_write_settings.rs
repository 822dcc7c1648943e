//! Settings → Story writer over IPC: the servers and model are saved to the config's `[write]`,
//! a bad address is refused in words with nothing saved, the key goes to the keychain (never
//! into the settings or the config), and "Start from an idea" then asks the named server with
//! that key, its drafts going out as `writing` events.

mod app;

use app::TestApp;
use serde_json::{json, Value};
use storyreel_testkit::chat::ChatServer;

#[test]
fn the_story_writer_is_set_in_settings_and_used_with_its_key() {
    let server = ChatServer::start(&["llama3.2"]);
    let app = TestApp::new(true);
    let mut input = app.ok("get_settings", json!({}));
    assert_eq!(input["writer"]["endpoints"], json!("local"));
    let bad = app.err(
        "save_settings",
        json!({"settings": with_writer(&input, "ollama")}),
    );
    assert!(
        bad["message"].as_str().unwrap().contains("http://"),
        "{bad}"
    );
    let config = app.dir.path().join("config/config.toml");
    let before = std::fs::read_to_string(&config).unwrap_or_default();
    assert!(!before.contains("ollama"));

    input = app.ok(
        "save_settings",
        json!({"settings": with_writer(&input, &server.base_url())}),
    );
    assert_eq!(input["writer"]["endpoints"], json!(server.base_url()));
    assert_eq!(input["writer"]["model"], json!("llama3.2"));
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(
        saved.contains("[write]") && saved.contains(&server.base_url()),
        "{saved}"
    );

    let with_key = app.ok(
        "set_provider_key",
        json!({"name": "write", "key": "sk-writer-9"}),
    );
    assert_eq!(with_key["writer"]["key_set"], json!(true));
    assert!(!with_key.to_string().contains("sk-writer-9"));
    assert!(!std::fs::read_to_string(&config)
        .unwrap()
        .contains("sk-writer-9"));

    let written = app.ok(
        "write_story",
        json!({"idea": {"idea": "a lighthouse keeper's last night", "scenes": 2, "language": null, "tone": null}}),
    );
    assert_eq!(written["story"]["scenes"].as_array().unwrap().len(), 2);
    assert!(written["markdown"].as_str().unwrap().contains("> Picture:"));
    assert_eq!(server.auth(), vec![Some("Bearer sk-writer-9".into())]);
    let drafts = app.events_of("writing");
    assert!(
        drafts.iter().any(|e| e["event"]["kind"] == "draft"),
        "{drafts:?}"
    );
    app.stop();
}

/// What the window sends: the settings as they were read, the writer's fields changed.
fn with_writer(view: &Value, endpoints: &str) -> Value {
    let mut s = view.clone();
    s["writer"] = json!({"endpoints": endpoints, "model": "llama3.2"});
    s
}
