//! No IPC answer and no event carries a key, even when the provider and the storage server echo
//! it back in their error texts (as real ones do: "Incorrect API key provided: sk-…",
//! `<AWSAccessKeyId>`): the app shows the servers' words with the key masked.

mod app;

use std::time::{Duration, Instant};

use app::{TestApp, STORY};
use serde_json::json;
use storyreel_engine::config::Config;
use storyreel_testkit::s3::S3Server;
use storyreel_testkit::{Fault, FaultServer, RawAnswer, Route};

const KEY: &str = "sk-app-echoed-secret-31337";
const ACCESS: &str = "AKIAAPPECHOEDACCESSID";
const SECRET: &str = "app-wrong-secret-that-must-stay-inside";

fn echo(status: u16) -> Fault {
    let body = format!(
        r#"{{"error": {{"message": "Incorrect API key provided: {KEY}. See https://api.example/v1/x?token={KEY}", "code": "invalid_api_key"}}}}"#
    );
    Fault::Raw(RawAnswer {
        status,
        headers: vec![],
        body: body.into_bytes(),
    })
}

#[test]
fn no_answer_or_event_carries_a_key_that_a_server_echoes() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, echo(400));
    server.set_default(Route::OpenAiModels, echo(401));
    let s3 = S3Server::start();
    s3.create_bucket("secrets");
    let mut cfg = Config::default();
    cfg.generation.providers = vec!["openai".into()];
    cfg.providers.openai.base_url = Some(format!("{}/v1", server.url()));
    cfg.providers.openai.timeout_s = Some(2);
    cfg.sync.target = Some("s3://secrets/p".into());
    cfg.sync.endpoint = Some(s3.endpoint());
    cfg.sync.region = Some("us-east-1".into());
    cfg.sync.timeout_s = 5;
    let toml = toml::to_string(&cfg).unwrap();
    let t = TestApp::in_dir(tempfile::tempdir().unwrap(), true, |dir| {
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::write(dir.join("config/config.toml"), &toml).unwrap();
    });
    t.ok("set_provider_key", json!({"name": "openai", "key": KEY}));
    t.ok(
        "set_storage_credentials",
        json!({"accessKey": ACCESS, "secretKey": SECRET}),
    );
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    // Every scene falls back to a title card; every upload is refused.
    let t0 = Instant::now();
    loop {
        let p = t.ok("get_project", json!({"id": id}));
        let settled = p["card"]["status"] == "done"
            && p["scenes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["sync"]["state"] == "failed");
        if settled {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "not settled: {p}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut seen = String::new();
    for (cmd, args) in [
        ("snapshot", json!({})),
        ("list_projects", json!({})),
        ("get_project", json!({"id": id})),
        ("get_settings", json!({})),
        ("stats", json!({})),
        ("sync_status", json!({})),
        ("activity", json!({})),
        ("test_provider", json!({"name": "openai"})),
        ("test_storage", json!({})),
    ] {
        let answer = match t.call(cmd, args) {
            Ok(v) | Err(v) => v,
        };
        seen.push_str(&answer.to_string());
    }
    seen.push_str(&serde_json::to_string(&*t.events.lock().unwrap()).unwrap());
    assert!(
        seen.contains("Incorrect API key provided: ***"),
        "the provider's own words reached the app, masked"
    );
    for secret in [KEY, ACCESS, SECRET, "token="] {
        assert!(!seen.contains(secret), "{secret} crossed IPC or an event");
    }
}

/// Where no system keychain runs, saving a key says so and offers the other way; a key moved to
/// an environment variable is read from it (and used by the engine), is never written, never
/// crosses IPC, and goes back to the keychain when the person switches back.
#[test]
fn keys_work_without_a_keychain_through_a_variable_the_person_names() {
    const VAR: &str = "STORYREEL_APP_TEST_OPENAI_KEY_FROM_ENV";
    const VALUE: &str = "sk-from-the-environment-4242";
    std::env::set_var(VAR, VALUE);
    let t = TestApp::new(false);
    t.keys.set_unavailable(true);

    let e = t.err(
        "set_provider_key",
        json!({"name": "openai", "key": "sk-typed"}),
    );
    assert_eq!(e["code"], "keychain", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("environment variable"),
        "the way out is named: {e}"
    );

    let e = t.err("set_key_env", json!({"key": "openai", "var": "1 BAD"}));
    assert_eq!(e["code"], "input", "{e}");
    let e = t.err("set_key_env", json!({"key": "nobody", "var": VAR}));
    assert_eq!(e["code"], "input", "{e}");

    let s = t.ok("set_key_env", json!({"key": "openai", "var": VAR}));
    let openai = app::named(&s["providers"], "openai");
    assert_eq!(openai["key_env"], VAR, "{openai}");
    assert_eq!(openai["key_set"], true, "{openai}");
    // The engine reopened with the key: the provider's key is there.
    let snap = t.ok("snapshot", json!({}));
    let p = app::named(&snap["providers"], "openai");
    assert_eq!(p["key"], "present", "{p}");
    // Typing a key for it now says where it comes from.
    let e = t.err(
        "set_provider_key",
        json!({"name": "openai", "key": "sk-typed"}),
    );
    assert!(e["message"].as_str().unwrap().contains(VAR), "{e}");
    // The preference names the variable, never its value; no answer carries the value.
    let prefs = std::fs::read_to_string(t.dir.path().join("config/app.json")).unwrap();
    assert!(prefs.contains(VAR) && !prefs.contains(VALUE), "{prefs}");
    let mut seen = String::new();
    for cmd in ["snapshot", "get_settings"] {
        seen.push_str(&t.ok(cmd, json!({})).to_string());
    }
    assert!(!seen.contains(VALUE));

    // Storage credentials can come from variables too.
    let s = t.ok(
        "set_key_env",
        json!({"key": "storage_access", "var": "STORYREEL_APP_TEST_NO_SUCH_VAR"}),
    );
    assert_eq!(
        s["storage"]["access_key_env"],
        "STORYREEL_APP_TEST_NO_SUCH_VAR"
    );
    assert_eq!(s["storage"]["access_key_set"], false, "an unset variable");

    // Back to the keychain (still unavailable here): the key is no longer there.
    let s = t.ok("set_key_env", json!({"key": "openai", "var": null}));
    let openai = app::named(&s["providers"], "openai");
    assert_eq!(openai["key_env"], serde_json::Value::Null);
    assert_eq!(openai["key_set"], false);
    std::env::remove_var(VAR);
}

/// Without a keychain, the start-up notice about it shows only when a key is wanted (a provider
/// in the chain without one): with title cards alone it would be noise at every start.
#[test]
fn a_missing_keychain_is_mentioned_only_when_a_key_is_wanted() {
    use tauri::Manager;
    let keychain_notice = |t: &TestApp| {
        let snap = t.ok("snapshot", json!({}));
        snap["notices"].to_string().contains("system keychain")
    };
    let t = TestApp::new(false);
    t.keys.set_unavailable(true);
    let state = t.app.state::<storyreel_app::AppState>();
    tauri::async_runtime::block_on(state.restart());
    assert!(
        !keychain_notice(&t),
        "no key is wanted, yet the keychain is mentioned"
    );

    let dir = tempfile::tempdir().unwrap();
    let t = TestApp::in_dir(dir, false, |d| {
        std::fs::create_dir_all(d.join("config")).unwrap();
        std::fs::write(
            d.join("config/config.toml"),
            "[generation]\nproviders = [\"openai\", \"titlecard\"]\n",
        )
        .unwrap();
    });
    t.keys.set_unavailable(true);
    let state = t.app.state::<storyreel_app::AppState>();
    tauri::async_runtime::block_on(state.restart());
    assert!(
        keychain_notice(&t),
        "OpenAI wants a key: the keychain's trouble is said"
    );
}
