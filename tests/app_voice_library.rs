//! The voice library in the real window: a person opens Settings, installs the Kokoro voice
//! Heart (the registries' real files, served from 127.0.0.1 as the settings' mirror) and sees
//! its progress end in Installed; Play sample puts the voice's WAV in the player; a story made
//! next is narrated by Heart; Remove asks first, and only then are the voice's files gone.

mod window;

use std::path::PathBuf;
use std::time::Duration;

use storyreel_testkit::files::FileServer;
use storyreel_testkit::voice::need_registry;
use window::{artifacts, needs, start_driver, start_xvfb, until, Driver};

const HEART: &str = "[data-voice='kokoro-af_heart']";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_is_installed_heard_used_and_removed_in_the_window() {
    if !needs(
        "the voice library window test",
        &["Xvfb", "WebKitWebDriver", "tauri-driver"],
    ) {
        return;
    }
    let Some(registry) = need_registry() else {
        return;
    };
    let server = FileServer::start(registry).await;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let config = work.path().join("config/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let mut cfg = storyreel_engine::config::Config::default();
    cfg.voice.neural.mirror = Some(server.base.clone());
    std::fs::write(&config, toml::to_string(&cfg).unwrap()).unwrap();
    let (_xvfb, display) = start_xvfb();
    let (driver, base) = start_driver(
        &display,
        &data,
        &config,
        &work.path().join("driver.log"),
        &artifacts().join("app-voice-library.log"),
    );
    let app = PathBuf::from(env!("CARGO_BIN_EXE_storyreel-app"));
    let d = Driver::start(&base, &app).on_display(&display);
    let heart = |rest: &str| format!("{HEART} {rest}");
    tokio::task::block_in_place(|| {
        d.wait("[data-testid=nav-library]", 30);
        d.click("[data-testid=nav-settings]");
        d.wait(HEART, 30);
        d.script(
            "document.querySelector(arguments[0]).scrollIntoView(); return true",
            serde_json::json!([HEART]),
        );
        let license =
            d.texts("[data-voice='piper-en_US-joe-medium'] [data-testid=library-license]");
        assert!(
            license
                .iter()
                .any(|t| t.contains("not cleared for commercial use")),
            "{license:?}"
        );
        d.click(&heart("[data-testid=library-install]"));
        d.wait(&heart("[data-testid=library-progress]"), 20);
        d.shot("voice-library-installing");
        until(180, "Heart is installed", &d, || {
            !d.find_all(&heart("[data-testid=library-installed]"))
                .is_empty()
        });
        assert!(data.join("voices/kokoro-af_heart/installed.json").is_file());
        assert!(data
            .join("voices/kokoro-v1.0/kokoro-v1.0.int8.onnx")
            .is_file());

        d.click(&heart("[data-testid=library-sample]"));
        d.wait(&heart("[data-testid=library-sample-audio]"), 60);
        let src = d.script(
            "return document.querySelector(arguments[0]).src",
            serde_json::json!([heart("[data-testid=library-sample-audio]")]),
        );
        assert!(src.as_str().is_some_and(|s| s.ends_with(".wav")), "{src}");
        d.shot("voice-library-installed");

        // A story made now is narrated by Heart.
        d.click("[data-testid=nav-new]");
        d.type_into(
            "[data-testid=story-text]",
            "The ferry leaves the harbour at dawn.\n\nGulls follow the wake over the grey sea.",
        );
        until(20, "the preview shows two scenes", &d, || {
            d.find_all("[data-testid=draft-scene]").len() == 2
        });
        d.click("[data-testid=generate-button]");
        until(120, "the project is done", &d, || {
            d.texts("[data-testid=project-status]")
                .iter()
                .any(|t| t.to_lowercase().contains("done"))
        });
        d.shot("voice-library-story");

        // Remove asks first; cancelled, nothing changes; confirmed, the voice's files go.
        d.click("[data-testid=nav-settings]");
        d.wait(&heart("[data-testid=library-remove]"), 30);
        d.click(&heart("[data-testid=library-remove]"));
        d.wait("[data-testid=confirm-dialog]", 10);
        d.shot("voice-library-remove-asked");
        d.script(
            "[...document.querySelectorAll('[data-testid=confirm-dialog] button')].find(b => b.textContent.trim() === 'Cancel').click(); return true",
            serde_json::json!([]),
        );
        std::thread::sleep(Duration::from_millis(500));
        assert!(data.join("voices/kokoro-af_heart/installed.json").is_file());
        d.click(&heart("[data-testid=library-remove]"));
        d.wait("[data-testid=confirm-dialog]", 10);
        d.script(
            "[...document.querySelectorAll('[data-testid=confirm-dialog] button')].find(b => b.textContent.trim() === 'Remove').click(); return true",
            serde_json::json!([]),
        );
        until(20, "Heart can be installed again", &d, || {
            !d.find_all(&heart("[data-testid=library-install]"))
                .is_empty()
        });
        assert!(!data.join("voices/kokoro-af_heart").exists());
        d.quit();
    });
    drop(driver);
    // The story's scenes were narrated by Heart, read from the data folder once the app is gone.
    let e = storyreel_engine::Engine::open(storyreel_engine::EngineOptions::new(
        &data,
        storyreel_engine::config::Config::default(),
    ))
    .unwrap();
    let p = e.projects().unwrap();
    assert_eq!(p.len(), 1);
    for s in e.scenes(p[0].id).unwrap() {
        let sp = s.narration.unwrap().speech.unwrap();
        assert_eq!(
            sp.voice, "kokoro-af_heart",
            "scene {}: {:?}",
            s.index, sp.fallback
        );
    }
}
