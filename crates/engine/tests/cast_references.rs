//! Reference pictures and cast edits, against the fault server speaking each provider's wire
//! format: every request for a scene showing a character carries that character's picture (the
//! very bytes the data folder keeps: counted, all of them) and description; the look's picture
//! goes to every scene; a provider without a reference field, a server without the ControlNet
//! extension, a picture refused by the provider, and reference files that are not pictures or
//! are too large each leave a sentence on the scene, and every scene still finishes. Editing a
//! character remakes exactly the scenes they appear in; a scene's own seed and links remake it.

mod providers;

use base64::Engine as _;
use providers::{config, engine, outcome, work_until_idle};
use storyreel_engine::model::{Aspect, Project, Scene, SceneChoice};
use storyreel_engine::{Engine, ImportOptions};
use storyreel_testkit::{form_parts, Fault, FaultServer, Route};

const MIRA: &str = "a tall fisherwoman in a yellow oilskin coat";

fn picture(path: &std::path::Path, colour: [u8; 3], w: u32, h: u32) {
    image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            colour[0],
            colour[1].wrapping_add((x ^ y) as u8 & 15),
            colour[2],
        ])
    })
    .save(path)
    .unwrap();
}

/// A story folder: the script naming Mira's and Tom's pictures and the look's, and the files.
fn folder(dir: &std::path::Path, mira: &str, look: Option<&str>) -> std::path::PathBuf {
    let story_dir = dir.join("story");
    std::fs::create_dir_all(&story_dir).unwrap();
    picture(&story_dir.join("mira.png"), [200, 40, 40], 300, 400);
    picture(&story_dir.join("tom.jpg"), [40, 40, 200], 2000, 1000);
    picture(&story_dir.join("style.png"), [40, 160, 40], 256, 256);
    let look = look.map_or(String::new(), |f| format!(r#", "reference": "{f}""#));
    let script = format!(
        r#"{{"cast": [{{"name": "Mira", "description": "{MIRA}", "reference": "{mira}"}},
                     {{"name": "Tom", "description": "a small boy", "reference": "tom.jpg"}}],
            "look": {{"words": "watercolour", "seed": 4242{look}}},
            "scenes": [{{"text": "Mira pushes the boat out."}},
                       {{"text": "Tom waves as Mira rows away."}},
                       {{"text": "The lighthouse stands alone."}},
                       {{"text": "Mira comes home at dusk."}}]}}"#
    );
    std::fs::write(story_dir.join("harbour.json"), script).unwrap();
    story_dir
}

async fn import(e: &Engine, story_dir: &std::path::Path) -> Project {
    let bytes = std::fs::read(story_dir.join("harbour.json")).unwrap();
    let opts = ImportOptions {
        force_new: true,
        aspect: Aspect::Portrait,
        story_dir: Some(story_dir.to_path_buf()),
        ..Default::default()
    };
    let p = e
        .import(&bytes, "harbour.json", opts)
        .await
        .unwrap()
        .project;
    work_until_idle(e).await;
    p
}

/// The PNG the data folder keeps for `name`'s reference (the look's when `name` is none).
fn kept(e: &Engine, p: &Project, name: Option<&str>) -> Vec<u8> {
    let p = e.project(p.id).unwrap().unwrap();
    let r = match name {
        Some(n) => p.cast.character(n).unwrap().reference.clone().unwrap(),
        None => p.cast.look.reference.clone().unwrap(),
    };
    std::fs::read(e.assets().path(&r.hash, &r.ext).unwrap()).unwrap()
}

fn scenes(e: &Engine, p: &Project) -> Vec<Scene> {
    let s = e.scenes(p.id).unwrap();
    for s in &s {
        assert!(s.image.is_some(), "scene {} finished", s.index);
    }
    s
}

fn notes(s: &Scene) -> String {
    s.image.as_ref().unwrap().notes.join(" | ")
}

/// Which scenes (1-based, in request order) carried Mira's picture, as `has` reads a body.
fn carriers(bodies: &[Vec<u8>], has: impl Fn(&[u8]) -> bool) -> Vec<usize> {
    bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| has(b))
        .map(|(i, _)| i + 1)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_gets_every_characters_picture_with_high_fidelity() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let story = folder(dir.path(), "mira.png", None);
    let e = engine(&dir.path().join("d"), config(&server, &["openai"]));
    let p = import(&e, &story).await;
    let mira = kept(&e, &p, Some("Mira"));
    assert!(mira.starts_with(b"\x89PNG"), "kept as PNG");
    let tom = kept(&e, &p, Some("Tom"));
    let tom_img = image::load_from_memory(&tom).unwrap();
    assert_eq!(
        (tom_img.width(), tom_img.height()),
        (1536, 768),
        "scaled down, shape kept"
    );
    let edits = server.bodies(Route::OpenAiEdits);
    let part_is = |b: &[u8], bytes: &[u8]| {
        form_parts(b)
            .iter()
            .any(|(h, c)| h.contains("name=\"image[]\"") && h.contains("image/png") && c == bytes)
    };
    // Scenes 1, 2 and 4 show Mira: all three edit requests carry her picture; scene 3, nobody.
    assert_eq!(edits.len(), 3, "one edit a scene with a character");
    assert_eq!(carriers(&edits, |b| part_is(b, &mira)), [1, 2, 3]);
    assert_eq!(carriers(&edits, |b| part_is(b, &tom)), [2]);
    for b in &edits {
        let text = String::from_utf8_lossy(b);
        assert!(text.contains(MIRA), "the description goes too");
        let fidelity = form_parts(b)
            .into_iter()
            .find(|(h, _)| h.contains("name=\"input_fidelity\""))
            .map(|(_, c)| c);
        assert_eq!(fidelity.as_deref(), Some(&b"high"[..]));
    }
    assert_eq!(
        server.bodies(Route::OpenAi).len(),
        1,
        "scene 3 by generations"
    );
    for s in scenes(&e, &p) {
        assert_eq!(outcome(&s).0, "openai");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fal_gets_the_pictures_as_data_uris_and_stability_the_looks_as_style() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let story = folder(dir.path(), "mira.png", Some("style.png"));
    let e = engine(&dir.path().join("d"), config(&server, &["fal"]));
    let p = import(&e, &story).await;
    let uri = |b: &[u8]| {
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(b)
        )
    };
    let (mira, look) = (uri(&kept(&e, &p, Some("Mira"))), uri(&kept(&e, &p, None)));
    let bodies = server.bodies(Route::FalSubmit);
    assert_eq!(bodies.len(), 4);
    let urls = |b: &[u8]| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(b).unwrap();
        let many = v["image_urls"].as_array().cloned().unwrap_or_default();
        many.iter()
            .chain(Some(&v["image_url"]))
            .filter_map(|u| u.as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(carriers(&bodies, |b| urls(b).contains(&mira)), [1, 2, 4]);
    assert_eq!(
        carriers(&bodies, |b| urls(b).contains(&look)),
        [1, 2, 3, 4],
        "the look's, every scene"
    );
    for b in &bodies {
        let v: serde_json::Value = serde_json::from_slice(b).unwrap();
        assert_eq!(v["seed"], 4242);
        assert_eq!(v["aspect_ratio"], "9:16");
    }

    // Stability: the look through the style control, the characters by their words.
    let server = FaultServer::start();
    let e2 = engine(&dir.path().join("d2"), config(&server, &["stability"]));
    let p2 = import(&e2, &story).await;
    let look = kept(&e2, &p2, None);
    let bodies = server.bodies(Route::StabilityControl);
    assert_eq!(bodies.len(), 4, "every scene through the style control");
    assert!(server.bodies(Route::Stability).is_empty());
    for b in &bodies {
        let parts = form_parts(b);
        assert!(parts
            .iter()
            .any(|(h, c)| h.contains("name=\"image\"") && *c == look));
        assert!(parts
            .iter()
            .any(|(h, c)| h.contains("name=\"seed\"") && c == b"4242"));
    }
    let s = scenes(&e2, &p2);
    assert!(notes(&s[0]).contains("Stability AI takes no reference picture of a character, so Mira was drawn from the words alone"), "{}", notes(&s[0]));
    assert!(
        notes(&s[1]).contains("Mira and Tom were"),
        "{}",
        notes(&s[1])
    );
    assert_eq!(notes(&s[2]), "", "scene 3 shows nobody");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic1111_uses_the_ip_adapter_when_the_server_has_one_and_says_when_not() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let story = folder(dir.path(), "mira.png", None);
    let e = engine(&dir.path().join("d"), config(&server, &["automatic1111"]));
    let p = import(&e, &story).await;
    let mira = base64::engine::general_purpose::STANDARD.encode(kept(&e, &p, Some("Mira")));
    let bodies = server.bodies(Route::A1111);
    let units = |b: &[u8]| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v["alwayson_scripts"]["controlnet"]["args"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        carriers(&bodies, |b| units(b)
            .iter()
            .any(|u| u["image"] == mira.as_str())),
        [1, 2, 4]
    );
    for u in bodies.iter().flat_map(|b| units(b)) {
        assert_eq!(u["module"], "ip-adapter_clip_h");
        assert_eq!(u["model"], "ip-adapter_sd15 [6a3f6166]");
        assert_eq!(u["enabled"], true);
    }
    assert!(units(&bodies[2]).is_empty(), "scene 3 shows nobody");

    // A server without the extension: the words alone, said on each scene with a picture.
    let server = FaultServer::start();
    server.set_default(Route::A1111ControlNet, Fault::Status(404));
    let e2 = engine(&dir.path().join("d2"), config(&server, &["automatic1111"]));
    let p2 = import(&e2, &story).await;
    assert!(server
        .bodies(Route::A1111)
        .iter()
        .all(|b| units(b).is_empty()));
    let s = scenes(&e2, &p2);
    assert!(
        notes(&s[0]).contains("without the ControlNet extension's IP-Adapter"),
        "{}",
        notes(&s[0])
    );
    assert_eq!(outcome(&s[0]).0, "automatic1111");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comfyui_uploads_the_picture_and_fills_the_reference_slot() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let story = folder(dir.path(), "mira.png", None);
    let wf = serde_json::json!({
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["4", 1]}},
        "10": {"class_type": "LoadImage", "inputs": {"image": "{{reference}}"}},
        "3": {"class_type": "KSampler", "inputs": {"seed": "{{seed}}", "steps": 20}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0]}}
    });
    let wf_path = dir.path().join("ipadapter.json");
    std::fs::write(&wf_path, wf.to_string()).unwrap();
    let mut c = config(&server, &["comfyui"]);
    c.providers.comfyui.reference_workflow = Some(wf_path);
    let e = engine(&dir.path().join("d"), c);
    let p = import(&e, &story).await;
    let mira = kept(&e, &p, Some("Mira"));
    let uploads = server.bodies(Route::ComfyUpload);
    assert_eq!(uploads.len(), 3, "one upload a scene with a picture");
    assert_eq!(
        carriers(&uploads, |b| form_parts(b).iter().any(|(_, c)| *c == mira)),
        [1, 2, 3]
    );
    let prompts = server.bodies(Route::ComfyPrompt);
    let slot = |b: &[u8]| {
        let v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v["prompt"]["10"]["inputs"]["image"]
            .as_str()
            .map(str::to_string)
    };
    let name = slot(&prompts[0]).unwrap();
    assert!(
        name.starts_with("storyreel-") && name.ends_with(".png"),
        "{name}"
    );
    assert_eq!(slot(&prompts[3]), Some(name), "the same picture for Mira");
    assert_eq!(slot(&prompts[2]), None, "scene 3: the ordinary workflow");
    let s = scenes(&e, &p);
    assert!(
        notes(&s[1]).contains("Tom went by the words alone"),
        "{}",
        notes(&s[1])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_references_and_a_refused_one_leave_a_sentence_and_every_scene_finishes() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let story = folder(dir.path(), "notes.png", None);
    std::fs::write(story.join("notes.png"), "these are my notes, not a picture").unwrap();
    let e = engine(&dir.path().join("d"), config(&server, &["openai"]));
    let p = import(&e, &story).await;
    let s = scenes(&e, &p);
    assert!(notes(&s[0]).contains("The reference picture of Mira could not be used: notes.png cannot be read as a picture"), "{}", notes(&s[0]));
    assert!(e
        .project(p.id)
        .unwrap()
        .unwrap()
        .cast
        .character("Mira")
        .unwrap()
        .reference
        .is_none());

    // 50 MB: refused before it is read.
    let big = dir.path().join("big");
    let story = folder(&big, "huge.png", None);
    let f = std::fs::File::create(story.join("huge.png")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let p = import(&e, &story).await;
    let s = scenes(&e, &p);
    assert!(
        notes(&s[0]).contains("huge.png is 50.0 MB; a reference picture may be at most 20 MB"),
        "{}",
        notes(&s[0])
    );

    // A picture the provider refuses: asked again without it, and the scene says so.
    server.set_default(Route::OpenAiEdits, Fault::Status(400));
    let ok = dir.path().join("ok");
    let story = folder(&ok, "mira.png", None);
    let p = import(&e, &story).await;
    for s in scenes(&e, &p) {
        assert_eq!(
            outcome(&s),
            ("openai".into(), false, None),
            "scene {}",
            s.index
        );
    }
    let s = scenes(&e, &p);
    assert!(
        notes(&s[0]).contains("OpenAI refused the request (400)")
            && notes(&s[0]).contains("the reference picture of Mira was left out"),
        "{}",
        notes(&s[0])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_character_remakes_exactly_their_scenes_and_undo_brings_them_back() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let story = folder(dir.path(), "mira.png", None);
    let e = engine(&dir.path().join("d"), config(&server, &["automatic1111"]));
    let p = import(&e, &story).await;
    assert_eq!(server.bodies(Route::A1111).len(), 4);
    let before = scenes(&e, &p);

    let mut cast = e.project(p.id).unwrap().unwrap().cast;
    cast.characters[0].description = "an old fisherwoman with a red scarf".into();
    let change = e.cast_change(&p, &cast).unwrap();
    assert_eq!(change.remade, [1, 2, 4]);
    assert_eq!(
        change.sentence(),
        "3 pictures are made again (scenes 1, 2 and 4)."
    );
    assert_eq!(
        server.bodies(Route::A1111).len(),
        4,
        "saying how many changes nothing"
    );
    let done = e.set_cast(&p, cast).await.unwrap();
    assert_eq!(done, change);
    work_until_idle(&e).await;
    let bodies = server.bodies(Route::A1111);
    assert_eq!(bodies.len(), 7, "exactly Mira's three scenes again");
    assert!(bodies[4..]
        .iter()
        .all(|b| String::from_utf8_lossy(b).contains("red scarf")));
    let after = scenes(&e, &p);
    assert_eq!(after[2].image, before[2].image, "scene 3 untouched");

    // A scene's own seed and a character linked by hand remake that scene alone.
    let choice = SceneChoice {
        seed: Some(7),
        with: vec!["tom".into()],
        without: vec![],
    };
    let change = e.set_scene_cast(&p, 3, choice).await.unwrap();
    assert_eq!(change.remade, [3]);
    work_until_idle(&e).await;
    let bodies = server.bodies(Route::A1111);
    assert_eq!(bodies.len(), 8);
    let last: serde_json::Value = serde_json::from_slice(&bodies[7]).unwrap();
    assert_eq!(last["seed"], 7);
    assert!(last["prompt"]
        .as_str()
        .unwrap()
        .contains("Tom: a small boy"));
    assert_eq!(e.scene(p.id, 3).unwrap().unwrap().choice.with, ["Tom"]);
    // Mistakes are sentences and change nothing.
    let bad = SceneChoice {
        with: vec!["Nobody".into()],
        ..Default::default()
    };
    let err = e.set_scene_cast(&p, 3, bad).await.unwrap_err().to_string();
    assert!(err.contains("Nobody is not in the cast"), "{err}");
    let mut twice = e.project(p.id).unwrap().unwrap().cast;
    twice.characters[1].name = "MIRA".into();
    let err = e.set_cast(&p, twice).await.unwrap_err().to_string();
    assert!(err.contains("in the cast twice"), "{err}");

    // Undo twice: the scene's choice, then the description, each with its pictures.
    e.undo(p.id).await.unwrap();
    e.undo(p.id).await.unwrap();
    let back = e.project(p.id).unwrap().unwrap();
    assert_eq!(back.cast.characters[0].description, MIRA);
    let s = e.scenes(p.id).unwrap();
    assert_eq!(s[0].image, before[0].image);
    assert!(s[2].choice.is_empty());
}
