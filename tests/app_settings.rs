//! Settings through IPC: the chain, keys in the keychain (never in answers, events, the config
//! file or sled), the storage target with its Test, and an engine that cannot open.

mod app;

use app::{TestApp, STORY};
use serde_json::{json, Value};
use storyreel_app::keychain::{provider_account, KeyStore};

fn input(s: &Value) -> Value {
    json!({
        "chain": s["chain"],
        "providers": s["providers"].as_array().unwrap().iter().map(|p| json!({
            "name": p["name"], "enabled": p["enabled"], "model": p["model"], "base_url": p["base_url"]
        })).collect::<Vec<_>>(),
        "storage": {
            "target": s["storage"]["target"], "endpoint": s["storage"]["endpoint"],
            "region": s["storage"]["region"], "create_bucket": s["storage"]["create_bucket"],
            "public_url_base": s["storage"]["public_url_base"]
        },
        "concurrency": s["concurrency"],
        "data_dir": s["data_dir"],
        "theme": s["theme"],
    })
}

#[test]
fn settings_save_to_the_config_and_restart_the_engine() {
    let t = TestApp::new(false);
    let s = t.ok("get_settings", json!({}));
    assert_eq!(s["chain"], json!([]), "offline default: title cards only");
    assert_eq!(s["providers"].as_array().unwrap().len(), 5);
    assert_eq!(s["theme"], "system");
    let mut i = input(&s);
    i["chain"] = json!(["automatic1111", "openai"]);
    i["providers"][0]["model"] = json!("dall-e-3");
    i["concurrency"]["generate"] = json!(2);
    i["theme"] = json!("dark");
    let before = t.events_of("reset").len();
    let s = t.ok("save_settings", json!({"settings": i}));
    assert_eq!(s["chain"], json!(["automatic1111", "openai"]));
    assert_eq!(s["theme"], "dark");
    assert_eq!(s["concurrency"]["generate"], 2);
    assert_eq!(
        t.events_of("reset").len(),
        before + 1,
        "the UI is told to refetch"
    );
    let toml = std::fs::read_to_string(t.dir.path().join("config/config.toml")).unwrap();
    assert!(
        toml.contains("automatic1111") && toml.contains("dall-e-3"),
        "{toml}"
    );
    // The reopened engine uses the new chain (openai is skipped: it has no key).
    let snap = t.ok("snapshot", json!({}));
    let a1111 = app::named(&snap["providers"], "automatic1111");
    assert_eq!(a1111["in_chain"], true);
    assert!(
        snap["notices"]
            .to_string()
            .to_lowercase()
            .contains("openai"),
        "{}",
        snap["notices"]
    );
    // Bad settings are refused with a sentence, and nothing is written.
    let mut bad = input(&s);
    bad["chain"] = json!(["midjourney"]);
    let e = t.err("save_settings", json!({"settings": bad}));
    assert!(e["message"].as_str().unwrap().contains("midjourney"), "{e}");
    let mut bad = input(&s);
    bad["concurrency"]["render"] = json!(0);
    assert_eq!(
        t.err("save_settings", json!({"settings": bad}))["code"],
        "input"
    );
    let mut bad = input(&s);
    bad["data_dir"] = json!("relative/dir");
    assert!(t.err("save_settings", json!({"settings": bad}))["message"]
        .as_str()
        .unwrap()
        .contains("full path"));
    assert_eq!(
        std::fs::read_to_string(t.dir.path().join("config/config.toml")).unwrap(),
        toml
    );
}

#[test]
fn keys_go_to_the_keychain_and_nowhere_else() {
    let t = TestApp::new(true);
    const KEY: &str = "sk-test-very-secret-4242";
    let s = t.ok("set_provider_key", json!({"name": "openai", "key": KEY}));
    let openai = app::named(&s["providers"], "openai");
    assert_eq!(openai["key_set"], true);
    assert_eq!(
        t.keys
            .get(&provider_account("openai"))
            .unwrap()
            .unwrap()
            .expose(),
        KEY
    );
    let e = t.err("set_provider_key", json!({"name": "nope", "key": KEY}));
    assert_eq!(e["code"], "input");
    assert!(!e.to_string().contains(KEY));
    assert_eq!(
        t.err("set_provider_key", json!({"name": "fal", "key": "a\nb"}))["code"],
        "input"
    );
    let s = t.ok(
        "set_storage_credentials",
        json!({"accessKey": "AKIDEXAMPLE", "secretKey": "storage-secret-777"}),
    );
    assert_eq!(s["storage"]["secret_key_set"], true);
    // Work happens, settings are read, a test runs: no answer, event, file or database holds a key.
    t.create(STORY);
    let mut seen = String::new();
    for cmd in [
        "snapshot",
        "get_settings",
        "stats",
        "sync_status",
        "activity",
    ] {
        seen.push_str(&t.ok(cmd, json!({})).to_string());
    }
    seen.push_str(&t.ok("test_provider", json!({"name": "openai"})).to_string());
    seen.push_str(&serde_json::to_string(&*t.events.lock().unwrap()).unwrap());
    t.stop();
    for secret in [KEY, "storage-secret-777"] {
        assert!(!seen.contains(secret), "a secret crossed IPC");
        for entry in walk(t.dir.path()) {
            let bytes = std::fs::read(&entry).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a secret",
                entry.display()
            );
        }
    }
    // Removing a key.
    let t2 = TestApp::new(false);
    t2.ok("set_provider_key", json!({"name": "fal", "key": "k"}));
    let s = t2.ok("set_provider_key", json!({"name": "fal", "key": null}));
    let fal = app::named(&s["providers"], "fal");
    assert_eq!(fal["key_set"], false);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn test_provider_says_why_when_it_cannot_test() {
    let t = TestApp::new(false);
    let r = t.ok("test_provider", json!({"name": "stability"}));
    assert_eq!(r["ok"], false);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("not in the provider chain"),
        "{r}"
    );
    assert_eq!(
        t.err("test_provider", json!({"name": "titlecard"}))["code"],
        "input"
    );
}

#[test]
fn a_folder_target_syncs_every_scene_and_tests_ok() {
    let t = TestApp::new(true);
    let r = t.ok("test_storage", json!({}));
    assert_eq!(r["ok"], false);
    assert!(
        r["message"].as_str().unwrap().contains("No storage target"),
        "{r}"
    );
    let remote = t.dir.path().join("remote");
    let mut i = input(&t.ok("get_settings", json!({})));
    i["storage"]["target"] = json!(format!("file://{}", remote.display()));
    i["storage"]["create_bucket"] = json!(true);
    t.ok("save_settings", json!({"settings": i}));
    let r = t.ok("test_storage", json!({}));
    assert_eq!(r["ok"], true, "{r}");
    assert!(
        !remote.join(".storyreel-probe").exists(),
        "the probe is removed"
    );
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    let p = t.wait_project(&id, |p| {
        p["scenes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["sync"]["state"] == "synced")
    });
    assert_eq!(p["card"]["synced"], 3);
    assert_eq!(p["card"]["sync_enabled"], true);
    for s in p["scenes"].as_array().unwrap() {
        let url = s["sync"]["url"].as_str().unwrap();
        let file = url.strip_prefix("file://").unwrap();
        assert!(std::path::Path::new(file).is_file(), "{url}");
    }
    let v = t.ok("sync_status", json!({}));
    assert_eq!(v["health"]["state"], "ok");
    // A picture and a narration per scene.
    assert_eq!(v["counts"]["synced"], 6, "{v}");
    assert!(v["items"].as_array().unwrap().is_empty());
    assert_eq!(v["uploads"], 6, "{v}");
    assert_eq!(t.ok("sync_retry_all", json!({})), 0);
}

#[test]
fn a_locked_data_folder_is_a_sentence_on_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let held = storyreel_engine::Engine::open(storyreel_engine::EngineOptions::new(
        dir.path().join("data"),
        storyreel_engine::Config::default(),
    ))
    .unwrap();
    let t = TestApp::in_dir(dir, false, |_| {});
    for cmd in ["snapshot", "list_projects", "activity", "stats"] {
        let e = t.err(cmd, json!({}));
        assert_eq!(e["code"], "busy", "{cmd}: {e}");
        assert!(
            e["message"].as_str().unwrap().contains("already open"),
            "{e}"
        );
    }
    // Settings still open, so the person can choose another folder.
    assert!(t.ok("get_settings", json!({}))["data_dir"].is_string());
    drop(held);
}

#[test]
fn a_damaged_config_file_is_reported_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestApp::in_dir(dir, false, |d| {
        std::fs::create_dir_all(d.join("config")).unwrap();
        std::fs::write(
            d.join("config/config.toml"),
            "[generation]\nconcurrency = \"many\"\n",
        )
        .unwrap();
    });
    let e = t.err("snapshot", json!({}));
    assert_eq!(e["code"], "config", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("config.toml"),
        "{e}"
    );
}

/// A font chosen in Settings is written to the config and draws the next cards; a file that is
/// not a font is refused with a sentence and the config stays as it was.
#[test]
fn a_chosen_font_draws_the_cards() {
    let font = std::path::Path::new("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf");
    assert!(font.is_file(), "the CI installs fonts-noto-core");
    let first_card = |t: &TestApp| {
        let id = t.create(STORY)["id"].as_str().unwrap().to_string();
        let p = t.wait_project(&id, |p| p["card"]["status"] == "done");
        let path = p["scenes"][0]["image"].as_str().unwrap().to_string();
        std::fs::read(path).unwrap()
    };
    let plain = first_card(&TestApp::new(true));

    let t = TestApp::new(true);
    let mut i = input(&t.ok("get_settings", json!({})));
    let config = t.dir.path().join("config/config.toml");
    let before = std::fs::read_to_string(&config).unwrap_or_default();
    let not_a_font = t.dir.path().join("notes.ttf");
    std::fs::write(&not_a_font, "shopping list").unwrap();
    i["font"] = json!(not_a_font);
    let e = t.err("save_settings", json!({"settings": i}));
    assert_eq!(e["code"], "input");
    assert!(
        e["message"].as_str().unwrap().contains("not a font file"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap_or_default(), before);

    i["font"] = json!(font);
    let s = t.ok("save_settings", json!({"settings": i}));
    assert_eq!(s["font"], json!(font));
    let toml = std::fs::read_to_string(&config).unwrap();
    assert!(toml.contains("NotoSerif-Regular.ttf"), "{toml}");
    assert_ne!(first_card(&t), plain, "the card is set in the chosen font");
}

/// The theme is kept at once and on its own: the config is not touched and the engine does not
/// reopen.
#[test]
fn the_theme_is_kept_at_once_without_reopening_the_engine() {
    let t = TestApp::new(false);
    let config = t.dir.path().join("config/config.toml");
    let before = std::fs::read_to_string(&config).ok();
    let resets = t.events_of("reset").len();
    t.ok("set_theme", json!({"theme": "dark"}));
    assert_eq!(t.ok("get_settings", json!({}))["theme"], "dark");
    assert_eq!(std::fs::read_to_string(&config).ok(), before);
    assert_eq!(t.events_of("reset").len(), resets, "no restart");
    // An unknown theme is refused by the command's own argument check (the UI sees it as `ipc`).
    let e = t.err("set_theme", json!({"theme": "neon"}));
    assert!(e.to_string().contains("neon"), "{e}");
    assert_eq!(t.ok("get_settings", json!({}))["theme"], "dark");
}

/// Silent clients holding connections to the app's control socket never stop its engine from
/// restarting (a Settings save): the server owns their tasks and ends them with it.
#[test]
fn silent_clients_on_the_socket_never_stop_a_restart() {
    let t = TestApp::new(false);
    let sock = t.dir.path().join("data/control.sock");
    assert!(sock.exists(), "the app serves the command line");
    let silent: Vec<std::os::unix::net::UnixStream> = (0..20)
        .map(|_| std::os::unix::net::UnixStream::connect(&sock).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let s = t.ok("get_settings", json!({}));
    let t0 = std::time::Instant::now();
    t.ok("save_settings", json!({"settings": input(&s)}));
    // The engine is open again: a story can be made, and nobody is said to hold the folder.
    let p = t.create(STORY);
    assert!(p["id"].is_string(), "{p}");
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(10),
        "the restart took {:?}",
        t0.elapsed()
    );
    drop(silent);
}
