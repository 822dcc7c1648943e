//! "Start from an idea" in the real window, against a fake chat server on 127.0.0.1: the
//! story box already holds the person's words, so the app asks before replacing them; the
//! story then arrives in the box scene by scene while it streams, the scenes preview from it,
//! and generating makes a project whose scenes carry the written picture prompts and cast.
//! With the server gone, the panel says no story writer answers in one sentence, points to
//! writing the story by hand, and the box keeps what it held.

mod window;

use serde_json::json;
use storyreel_testkit::chat::ChatServer;
use window::{needs, until, Driver, WindowApp};

fn story_text(d: &Driver) -> String {
    serde_json::from_value(d.script(
        "return document.querySelector('[data-testid=story-text]').value",
        json!([]),
    ))
    .unwrap_or_default()
}

#[test]
fn a_story_written_from_an_idea_streams_into_the_box_and_is_made() {
    if !needs(
        "the idea window test",
        &["Xvfb", "WebKitWebDriver", "tauri-driver", "ffmpeg"],
    ) {
        return;
    }
    let server = ChatServer::start(&["llama3.2"]);
    server.set_piece_delay(25);
    let url = server.base_url();
    let app = WindowApp::start_with("app-idea.log", |c| {
        c.write.endpoints = vec![url.clone()];
        c.write.idle_s = 5;
    });
    let d = &app.d;
    d.click("[data-testid=nav-new]");
    d.type_into("[data-testid=story-text]", "My own first line.");

    d.click("[data-testid=start-from-idea]");
    d.type_into(
        "[data-testid=idea-text]",
        "a lighthouse keeper's last night",
    );
    d.script(
        "const s = document.querySelector('[data-testid=idea-scenes]'); s.value = '3'; s.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([]),
    );
    d.click("[data-testid=idea-write]");
    // The person's words are not replaced without asking.
    d.wait(
        "[data-testid=confirm-dialog] [data-testid=confirm-button]",
        10,
    );
    assert_eq!(story_text(d), "My own first line.");
    d.click("[data-testid=confirm-button]");

    // While it streams, the box shows the story so far: the first scene before the last.
    until(30, "a part of the story is in the box", d, || {
        let t = story_text(d);
        t.contains("## Night 1") && !t.contains("## Night 3")
    });
    d.shot("idea-streaming");
    assert!(d
        .texts("[data-testid=idea-status]")
        .join(" ")
        .contains("llama3.2"));
    until(60, "the whole story is in the box", d, || {
        story_text(d).contains("## Night 3")
    });
    until(20, "the preview shows 3 scenes", d, || {
        d.find_all("[data-testid=draft-scene]").len() == 3
    });
    d.wait("[data-testid=idea-replaced] [data-testid=idea-undo]", 10);
    d.shot("idea-written");
    let req = &server.requests()[0];
    assert_eq!(req["stream"], json!(true));
    assert!(req["messages"].to_string().contains("exactly 3 scenes"));

    d.click("[data-testid=generate-button]");
    until(120, "the project is done", d, || {
        d.texts("[data-testid=project-status]")
            .iter()
            .any(|t| t.to_lowercase().contains("done"))
    });

    // No server: one sentence, a pointer to writing the story, and the box as it was.
    drop(server);
    d.click("[data-testid=nav-new]");
    d.script(
        "const t = document.querySelector('[data-testid=story-text]'); t.value = 'Kept words.'; t.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([]),
    );
    if d.find_all("[data-testid=idea-panel]").is_empty() {
        d.click("[data-testid=start-from-idea]");
    }
    d.type_into("[data-testid=idea-text]", "a cat's journey");
    d.click("[data-testid=idea-write]");
    d.wait(
        "[data-testid=confirm-dialog] [data-testid=confirm-button]",
        10,
    );
    d.click("[data-testid=confirm-button]");
    until(30, "no story writer answers", d, || {
        d.texts("[data-testid=idea-error]")
            .join(" ")
            .contains("No story writer answers")
    });
    d.wait("[data-testid=idea-offline]", 5);
    assert_eq!(story_text(d), "Kept words.");
    d.shot("idea-offline");

    let work = app.quit_keeping();
    let engine = storyreel_engine::Engine::open(storyreel_engine::EngineOptions::new(
        work.path().join("data"),
        storyreel_engine::Config::default(),
    ))
    .unwrap();
    let projects = engine.projects().unwrap();
    assert_eq!(projects.len(), 1);
    let p = &projects[0];
    assert_eq!(p.title, "The Keeper's Last Night");
    assert_eq!(p.cast.characters[0].name, "Elias");
    let scenes = engine.scenes(p.id).unwrap();
    assert_eq!(scenes.len(), 3);
    assert!(
        scenes
            .iter()
            .all(|s| s.prompt.contains("lighthouse keeper on a spiral stair")),
        "{:?}",
        scenes.iter().map(|s| &s.prompt).collect::<Vec<_>>()
    );
}
