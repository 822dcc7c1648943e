//! The Cast panel in the real window: a story typed with Markdown front matter arrives with
//! its cast; the panel lists Mira with the scenes that name her; a file that is not a picture
//! is refused in words and changes nothing; a real picture dropped on her picture's place shows
//! as her reference; a new description is saved only after the panel says how many pictures are
//! made again (exactly her scenes); scene 2, which does not name her, is linked to her by hand
//! with a seed of its own; and once the app is gone the data folder holds the cast, her picture,
//! the scene's choice, and new pictures for exactly the scenes each change touched.

mod own_media_window;
mod window;

use std::path::Path;

use serde_json::json;
use window::{needs, post, until, Driver, WindowApp};

const STORY: &str = "---\ncast:\n  - name: Mira\n    description: a tall fisherwoman in a yellow coat\nlook:\n  words: watercolour\n  seed: 31\n---\nMira pushes the boat out.\n\nThe lighthouse stands alone.\n\nMira comes home at dusk.\n";

fn choose(d: &Driver, css: &str, file: &Path) {
    let input = d.wait(css, 10);
    post(
        &d.url(&format!("/element/{input}/value")),
        json!({ "text": file.display().to_string() }),
    );
}

fn text(d: &Driver, css: &str) -> String {
    d.texts(css).join(" ")
}

#[test]
fn the_cast_panel_edits_a_character_and_remakes_only_their_scenes() {
    if !needs(
        "the cast panel window test",
        &["Xvfb", "WebKitWebDriver", "tauri-driver", "ffmpeg"],
    ) {
        return;
    }
    let app = WindowApp::start("app-cast-panel.log");
    let (d, work) = (&app.d, app.work.path().to_path_buf());
    let data = app.data.clone();
    own_media_window::photo(&work);
    let notes = work.join("notes.png");
    std::fs::write(&notes, "these are notes, not a picture").unwrap();
    app.generate(STORY, 3);

    d.click("[data-testid=cast-open]");
    d.wait(
        "[data-testid=cast-panel][open] [data-testid=cast-character]",
        20,
    );
    until(10, "Mira is listed with her scenes", d, || {
        text(d, "[data-testid=cast-scenes]") == "In scenes 1 and 3"
    });
    let name: String = serde_json::from_value(d.script(
        "return document.querySelector('[data-testid=cast-name]').value",
        json!([]),
    ))
    .unwrap();
    assert_eq!(name, "Mira", "the front matter's cast");

    // Not a picture: a sentence, and no picture is taken.
    choose(d, "[data-testid=cast-picture-file]", &notes);
    until(20, "the file is refused in words", d, || {
        text(d, "[data-testid=cast-panel]").contains("notes.png cannot be read as a picture")
    });
    assert!(d.find_all("[data-testid=cast-picture]").is_empty());

    // A real picture dropped on her picture's place shows as her reference.
    let photo = std::fs::read(work.join("a-photo.png")).unwrap();
    own_media_window::drop_files(
        d,
        "[data-testid=cast-picture-drop]",
        &[("a-photo.png", "image/png", photo)],
    );
    d.wait("[data-testid=cast-picture]", 20);

    // A new description: the panel says first which pictures are made again.
    d.script(
        "const t = document.querySelector('[data-testid=cast-description]'); \
         t.value = 'an old fisherwoman with a red scarf'; t.dispatchEvent(new Event('input', {bubbles: true})); return true",
        json!([]),
    );
    let edited = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    d.click("[data-testid=cast-save]");
    until(20, "the panel says how many pictures change", d, || {
        d.texts("dialog[open]")
            .iter()
            .any(|t| t.contains("2 pictures are made again (scenes 1 and 3)"))
    });
    d.shot("cast-panel-confirm");
    d.click("dialog[open] [data-testid=confirm-button]");
    until(20, "the panel is closed", d, || {
        d.find_all("[data-testid=cast-panel][open]").is_empty()
    });
    until(120, "the project is done again", d, || {
        d.texts("[data-testid=project-status]")
            .iter()
            .any(|t| t.to_lowercase().contains("done"))
    });
    // Opened again: the engine's cast, with her picture.
    d.click("[data-testid=cast-open]");
    d.wait(
        "[data-testid=cast-panel][open] [data-testid=cast-picture]",
        20,
    );
    d.shot("cast-panel-saved");
    d.click("[data-testid=cast-cancel]");
    until(20, "the panel is closed", d, || {
        d.find_all("[data-testid=cast-panel][open]").is_empty()
    });

    // Scene 2 does not name Mira: linked by hand with a seed of its own, it alone is made again.
    d.script(
        "document.querySelector(`[data-testid=scene-card][data-index='2'] [data-testid=scene-edit]`).click(); return true",
        json!([]),
    );
    d.wait(
        "[data-testid=scene-cast] [data-testid=scene-cast-character]",
        20,
    );
    let linked = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    d.script(
        "const b = document.querySelector('[data-testid=scene-cast-character]'); b.click(); \
         const s = document.querySelector('[data-testid=scene-seed]'); s.value = '5'; \
         s.dispatchEvent(new Event('input', {bubbles: true})); return b.checked",
        json!([]),
    );
    d.click("[data-testid=scene-cast-apply]");
    until(20, "the scene says Mira is in it by hand", d, || {
        text(d, "[data-testid=scene-cast]").contains("(by hand)")
    });
    d.shot("scene-cast-linked");
    d.click("[data-testid=scene-dialog] [data-testid=scene-cancel]");
    until(120, "the project is done once more", d, || {
        d.texts("[data-testid=project-status]")
            .iter()
            .any(|t| t.to_lowercase().contains("done"))
    });
    let _work = app.quit_keeping();

    let e = storyreel_engine::Engine::open(storyreel_engine::EngineOptions::new(
        &data,
        storyreel_engine::config::Config::default(),
    ))
    .unwrap();
    let p = e.projects().unwrap().remove(0);
    let mira = p.cast.character("Mira").unwrap();
    assert_eq!(mira.description, "an old fisherwoman with a red scarf");
    let r = mira.reference.as_ref().expect("her picture is kept");
    assert_eq!(r.file, "a-photo.png");
    assert!(e.assets().path(&r.hash, &r.ext).unwrap().is_file());
    assert_eq!(p.cast.look.seed, Some(31));
    let scenes = e.scenes(p.id).unwrap();
    let made = |after: u64| -> Vec<bool> {
        scenes
            .iter()
            .map(|s| s.image.as_ref().unwrap().created_at > after)
            .collect()
    };
    assert_eq!(made(edited), [true, true, true]);
    assert_eq!(
        made(linked),
        [false, true, false],
        "scene 2 alone for its link"
    );
    assert_eq!(scenes[1].choice.with, ["Mira"]);
    assert_eq!(scenes[1].choice.seed, Some(5));
    assert_eq!(e.cast_of(&p).unwrap().characters[0].scenes, [1, 2, 3]);
}
