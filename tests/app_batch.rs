//! A batch in the real window: three story files dropped on New story at once (one of them a
//! broken script) become one batch with one progress; its table ends with two stories made,
//! each with its scenes, voice and video, and the broken one with its reason; the made ones
//! open from their rows, and the data folder holds exactly two projects, each with a video.

mod own_media_window;
mod window;

use window::{needs, until, WindowApp};

#[test]
fn dropped_stories_make_one_batch_with_one_table() {
    if !needs(
        "the batch window test",
        &["Xvfb", "WebKitWebDriver", "tauri-driver", "ffmpeg"],
    ) {
        return;
    }
    let app = WindowApp::start("app-batch.log");
    let d = &app.d;
    d.click("[data-testid=nav-new]");
    d.wait("[data-testid=screen-new]", 10);
    let story = |n: u32| {
        format!(
            "# Harbour {n}\n\nThe boats came home on day {n}.\n\nA gull watched from the lamp.\n"
        )
        .into_bytes()
    };
    own_media_window::drop_files(
        d,
        "[data-testid=screen-new]",
        &[
            ("harbour-1.md", "text/markdown", story(1)),
            (
                "broken.json",
                "application/json",
                b"[{\"text\": \"unclosed\"".to_vec(),
            ),
            ("harbour-2.md", "text/markdown", story(2)),
        ],
    );
    d.wait("[data-testid=batch-panel] [data-testid=batch-progress]", 20);
    until(180, "the batch is made", d, || {
        !d.find_all("[data-testid=batch-summary]").is_empty()
    });
    d.shot("batch-made");
    let rows = d.texts("[data-testid=batch-row]");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r.contains(name))
            .cloned()
            .unwrap_or_default()
    };
    assert!(
        row("broken.json").contains("not a valid JSON script"),
        "{rows:?}"
    );
    for name in ["harbour-1.md", "harbour-2.md"] {
        let r = row(name);
        assert!(r.contains("made") && r.contains('2'), "{name}: {r}");
    }
    assert!(d
        .texts("[data-testid=batch-summary]")
        .join(" ")
        .contains("2 of 3 made"));

    // A made story opens from its row.
    d.script(
        "Array.from(document.querySelectorAll('[data-testid=batch-row] button')).find(b => b.textContent.includes('harbour-2.md')).click()",
        serde_json::json!([]),
    );
    until(20, "its project opens", d, || {
        d.texts("[data-testid=project-title], h1")
            .iter()
            .any(|t| t.contains("Harbour 2"))
    });

    let work = app.quit_keeping();
    let engine = storyreel_engine::Engine::open(storyreel_engine::EngineOptions::new(
        work.path().join("data"),
        storyreel_engine::Config::default(),
    ))
    .unwrap();
    let projects = engine.projects().unwrap();
    assert_eq!(projects.len(), 2);
    for p in &projects {
        assert!(p.video.is_some(), "{} has no video", p.title);
    }
}
