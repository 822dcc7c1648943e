//! Undo in the real window: a person deletes a scene from its editor (at once: it can be
//! undone), sees "Undo: Delete scene 2" in the project's header, clicks it and has the three
//! scenes back; then changes scene 1's words and takes them back with Ctrl+Z. "Add a scene
//! after" opens an empty new scene in the editor: cancelled, nothing is added; saved with
//! words, it joins the story in its place.

mod window;

use serde_json::json;
use window::{needs, until, Driver, WindowApp};

const STORY: &str =
    "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nThe town wakes as it docks.";

fn scene_texts(d: &Driver) -> Vec<String> {
    d.script(
        "return Array.from(document.querySelectorAll('[data-testid=scene-card] .text')).map(t => t.textContent.trim())",
        json!([]),
    )
    .as_array()
    .map(|a| a.iter().map(|v| v.as_str().unwrap_or("").to_string()).collect())
    .unwrap_or_default()
}

fn edit_scene(d: &Driver, index: u32) {
    d.script(
        "document.querySelector(`[data-testid=scene-card][data-index='${arguments[0]}'] [data-testid=scene-edit]`).click(); return true",
        json!([index]),
    );
    d.wait("[data-testid=scene-text-input]", 10);
}

#[test]
fn a_deleted_scene_and_changed_words_come_back_with_undo() {
    if !needs(
        "the undo window test",
        &["Xvfb", "WebKitWebDriver", "tauri-driver"],
    ) {
        return;
    }
    let app = WindowApp::start("app-undo.log");
    let d = &app.d;
    app.generate(STORY, 3);
    let start = scene_texts(d);
    assert_eq!(start.len(), 3, "{start:?}");
    assert!(
        d.find_all("[data-testid=undo-button]").is_empty(),
        "nothing to undo yet"
    );

    edit_scene(d, 2);
    d.click("[data-testid=scene-delete]");
    until(20, "two scenes are left", d, || scene_texts(d).len() == 2);
    until(10, "the header offers to undo it", d, || {
        d.texts("[data-testid=undo-button]") == ["Undo: Delete scene 2"]
    });
    d.shot("undo-offered");
    d.click("[data-testid=undo-button]");
    until(20, "the three scenes are back", d, || {
        scene_texts(d) == start
    });

    edit_scene(d, 1);
    d.script(
        "const t = document.querySelector('[data-testid=scene-text-input]'); t.value = 'The ferry leaves at noon.'; \
         t.dispatchEvent(new Event('input', {bubbles: true})); return true",
        json!([]),
    );
    d.click("[data-testid=scene-save]");
    until(20, "scene 1 has its new words", d, || {
        scene_texts(d).first().map(String::as_str) == Some("The ferry leaves at noon.")
    });
    until(10, "the header offers to undo the words", d, || {
        d.texts("[data-testid=undo-button]") == ["Undo: Edit scene 1"]
    });
    d.script(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'z', ctrlKey: true, bubbles: true})); return true",
        json!([]),
    );
    until(20, "Ctrl+Z brings the old words back", d, || {
        scene_texts(d) == start
    });
    d.shot("undo-done");

    edit_scene(d, 1);
    d.click("[data-testid=scene-add-after]");
    d.wait("[data-testid=new-scene-hint]", 10);
    let empty = d.script(
        "return [document.querySelector('[data-testid=scene-text-input]').value, document.querySelector('[data-testid=scene-save]').disabled]",
        json!([]),
    );
    assert_eq!(
        empty,
        json!(["", true]),
        "a new scene starts empty and cannot be saved so"
    );
    d.shot("new-scene-editor");
    d.click("[data-testid=scene-dialog] [data-testid=scene-cancel]");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(scene_texts(d), start, "cancelled: nothing added");
    edit_scene(d, 1);
    d.click("[data-testid=scene-add-after]");
    d.wait("[data-testid=new-scene-hint]", 10);
    d.script(
        "const t = document.querySelector('[data-testid=scene-text-input]'); t.value = 'A boy waves from the deck.'; \
         t.dispatchEvent(new Event('input', {bubbles: true})); return true",
        json!([]),
    );
    d.click("[data-testid=scene-save]");
    until(20, "the new scene is second", d, || {
        let t = scene_texts(d);
        t.len() == 4 && t[1] == "A boy waves from the deck." && t[0] == start[0] && t[2] == start[1]
    });
    app.quit();
}
