//! A choice being made is not lost when the project changes under it: in the real window, a
//! person opens the project's voice form while its video renders and unticks "Narrate this
//! story"; when the render finishes (the project is sent again), the box is still unticked, and
//! nothing was applied until they say so.

mod window;

use serde_json::json;
use window::{needs, WindowApp};

const STORY: &str = "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nA girl counts the waves.\n\nThe town wakes as it docks.";

#[test]
fn unticking_narration_during_a_render_survives_the_render() {
    if !needs(
        "the voice form window test",
        &["Xvfb", "WebKitWebDriver", "tauri-driver"],
    ) {
        return;
    }
    let app = WindowApp::start("app-voice-form.log");
    let d = &app.d;
    app.generate(STORY, 4);
    d.click("[data-testid=render-button]");
    d.click("[data-testid=voice-toggle]");
    d.wait("[data-testid=voice-enabled]", 10);
    let checked = || {
        d.script(
            "return document.querySelector('[data-testid=voice-enabled]').checked",
            json!([]),
        ) == json!(true)
    };
    assert!(checked(), "the story is narrated");
    d.click("[data-testid=voice-enabled]");
    assert!(!checked());
    d.wait("[data-testid=video-player]", 240);
    // The render has finished and the project was sent again; the form kept the choice.
    std::thread::sleep(std::time::Duration::from_millis(800));
    d.shot("voice-form-after-render");
    assert!(
        !checked(),
        "the unticked box stays unticked after the render"
    );
    let voice = d.texts("[data-testid=project-voice]");
    assert!(
        voice.len() == 1 && voice[0].contains("narrated"),
        "nothing was applied before the person applied it: {voice:?}"
    );
    app.quit();
}
