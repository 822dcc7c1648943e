//! The creator's own media chosen rather than dropped, in the real window: "Add your photos
//! and clips…" on a three-scene story takes a clip and a photo at once and gives them to the
//! scenes in the order of their names; choosing again over a scene that shows the person's own
//! file asks first (cancelled, nothing changes; confirmed, the new file takes its place); the
//! scene editor's own "Use my picture or clip…" takes a file for its scene; and a clip's out
//! point moved with the keyboard on its strip is what the engine keeps.

mod own_media_window;
mod window;

use std::path::Path;

use own_media_window::*;
use serde_json::json;
use window::{needs, post, until, Driver, WindowApp};

/// Chooses `files` in the file input `css` as the system's file dialog would.
fn choose(d: &Driver, css: &str, files: &[&Path]) {
    let input = d.wait(css, 10);
    let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    post(
        &d.url(&format!("/element/{input}/value")),
        json!({ "text": list.join("\n") }),
    );
}

fn open_editor(d: &Driver, index: u32) {
    d.script(
        "document.querySelector(`[data-testid=scene-card][data-index='${arguments[0]}'] [data-testid=scene-edit]`).click(); return true",
        json!([index]),
    );
    d.wait("[data-testid=scene-media]", 10);
}

fn close_editor(d: &Driver) {
    d.click("[data-testid=scene-dialog] [data-testid=scene-cancel]");
    until(10, "the scene editor is closed", d, || {
        d.find_all("[data-testid=scene-dialog][open]").is_empty()
    });
}

/// What scene `index`'s editor says it shows.
fn shown_in_editor(d: &Driver, index: u32) -> String {
    open_editor(d, index);
    let who = d.texts("[data-testid=media-who]").join("");
    close_editor(d);
    who
}

fn press(d: &Driver, css: &str, key: &str, shift: bool) {
    d.script(
        "const h = document.querySelector(arguments[0]); h.focus(); \
         h.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[1], shiftKey: arguments[2], bubbles: true})); return true",
        json!([css, key, shift]),
    );
}

#[test]
fn photos_and_clips_chosen_for_the_story_go_one_per_scene_and_a_clips_out_point_is_kept() {
    if !needs(
        "the own media picker window test",
        &["Xvfb", "WebKitWebDriver", "tauri-driver", "ffmpeg"],
    ) {
        return;
    }
    let app = WindowApp::start("app-own-media-pick.log");
    let (d, work) = (&app.d, app.work.path());
    let (photo_bytes, _) = (photo(work), clip(work));
    let (a_photo, b_clip) = (work.join("a-photo.png"), work.join("b-clip.mp4"));
    let c_photo = work.join("c-photo.png");
    std::fs::write(&c_photo, &photo_bytes).unwrap();
    app.generate(STORY, 3);

    // Both files chosen at once, the clip first: they go by name, the photo to scene 1.
    choose(d, "[data-testid=story-media-file]", &[&b_clip, &a_photo]);
    until(60, "scenes 1 and 2 show the person's files", d, || {
        let b = own_badges(d);
        b.len() == 3 && b[0] == "picture" && b[1] == "clip" && b[2] != "picture" && b[2] != "clip"
    });
    d.shot("own-media-chosen");

    // Chosen again for scene 1, which shows a file of the person's: asked first.
    choose(d, "[data-testid=story-media-file]", &[&c_photo]);
    d.wait("[data-testid=confirm-dialog][open]", 10);
    let asked = d.texts("[data-testid=confirm-dialog]").join(" ");
    assert!(
        asked.contains("Scene 1 already shows a file of yours"),
        "{asked}"
    );
    d.shot("own-media-replace-asked");
    d.script(
        "[...document.querySelectorAll('[data-testid=confirm-dialog] button')].find(b => b.textContent.trim() === 'Cancel').click(); return true",
        json!([]),
    );
    std::thread::sleep(std::time::Duration::from_millis(800));
    assert_eq!(shown_in_editor(d, 1), "Your picture: a-photo.png");
    choose(d, "[data-testid=story-media-file]", &[&c_photo]);
    d.wait("[data-testid=confirm-dialog][open]", 10);
    d.click("[data-testid=confirm-dialog] [data-testid=confirm-button]");
    until(60, "scene 1 shows the new photo", d, || {
        shown_in_editor(d, 1) == "Your picture: c-photo.png"
    });

    // The editor's own picker: scene 3 takes the photo.
    open_editor(d, 3);
    choose(
        d,
        "[data-testid=scene-media] [data-testid=media-file]",
        &[&a_photo],
    );
    until(60, "scene 3's editor shows the photo", d, || {
        d.texts("[data-testid=media-who]").join("") == "Your picture: a-photo.png"
    });
    close_editor(d);
    until(30, "scene 3 is marked as the person's", d, || {
        own_badges(d).get(2).is_some_and(|b| b == "picture")
    });

    // Scene 2's clip (3 s): its out point a second earlier with Shift+←.
    open_editor(d, 2);
    until(30, "the clip's frames show", d, || {
        d.find_all("[data-testid=clip-strip-frame]").len() >= 5
    });
    assert_eq!(d.texts("[data-testid=clip-out]"), ["3.0 s"]);
    press(d, "[data-testid=clip-out-handle]", "ArrowLeft", true);
    until(10, "the out point is at 2.0 s", d, || {
        d.texts("[data-testid=clip-out]") == ["2.0 s"]
    });
    d.shot("own-media-out-point");
    close_editor(d);
    // Opened again, the editor shows what the engine keeps.
    until(30, "the engine keeps the out point", d, || {
        open_editor(d, 2);
        until(30, "the clip's frames show again", d, || {
            !d.find_all("[data-testid=clip-out]").is_empty()
        });
        let kept = d.texts("[data-testid=clip-out]") == ["2.0 s"];
        close_editor(d);
        kept
    });
    app.quit();
}
