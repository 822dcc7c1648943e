//! `storyreel cast`: a story's characters with the scenes that name them, its look and seed, as
//! text and as JSON, here and beside a StoryReel that holds the folder; a story without a cast
//! says how to give one; a bad cast is one sentence and nothing is made.

mod common;

use common::{Holder, Sandbox};

const STORY: &str = r##"{
  "cast": [
    {"name": "Mira", "description": "a tall fisherwoman in a yellow coat"},
    {"name": "Tom"}
  ],
  "look": {"words": "watercolour", "palette": ["#1d3557"], "seed": 77},
  "scenes": [
    {"text": "Mira pushes the boat out."},
    {"text": "Tom waves as Mira rows away."},
    {"text": "The lighthouse stands alone."}
  ]
}"##;

#[test]
fn the_cast_is_shown_with_its_scenes_look_and_seed() {
    let sb = Sandbox::new();
    let story = sb.write("harbour.json", STORY);
    sb.run(&["import", story.to_str().unwrap(), "--title", "Harbour"])
        .expect(0, &[]);
    sb.run(&["cast", "Harbour"]).expect(
        0,
        &[
            "'Harbour': 2 characters",
            "Mira: a tall fisherwoman in a yellow coat (scenes 1, 2)",
            "Tom: (no description: named, not described) (scene 2)",
            "Look: watercolour; palette #1d3557",
            "Seed: 77",
        ],
    );
    let r = sb.run(&["cast", "Harbour", "--json"]);
    r.expect(0, &[]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["seed"], 77);
    assert_eq!(v["characters"][0]["scenes"], serde_json::json!([1, 2]));
    assert_eq!(v["look"]["words"], "watercolour");

    // Beside a StoryReel holding the folder: the same answer, through it.
    let holder = Holder::start(&sb, 0);
    let beside = sb.run(&["cast", "Harbour", "--json"]);
    beside.expect(0, &[]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&beside.stdout).unwrap(),
        v
    );
    drop(holder);

    // A story without one says how to give one; its seed is drawn from the project.
    let plain = sb.write("plain.md", "The sea.\n\nThe sky.\n");
    sb.run(&["import", plain.to_str().unwrap(), "--title", "Plain"])
        .expect(0, &[]);
    sb.run(&["cast", "Plain"])
        .expect(0, &["'Plain' has no cast", "(drawn from the project)"]);
}

#[test]
fn a_cast_that_cannot_be_read_is_one_sentence_and_nothing_is_made() {
    let sb = Sandbox::new();
    let story = sb.write(
        "bad.json",
        r#"{"cast": [{"name": "Mira"}, {"name": "mira"}], "scenes": [{"text": "Mira."}]}"#,
    );
    sb.run(&["import", story.to_str().unwrap()])
        .expect(2, &["bad.json", "Mira is in the cast twice"]);
    sb.run(&["list"]).expect(0, &["No projects yet"]);
}

#[test]
fn markdown_front_matter_gives_the_cast_and_its_pictures_and_status_and_export_carry_it() {
    let sb = Sandbox::new();
    image::RgbImage::from_pixel(120, 160, image::Rgb([200, 40, 40]))
        .save(sb.path("mira.png"))
        .unwrap();
    sb.write("notes.png", "not a picture at all");
    let story = sb.write(
        "lighthouse.md",
        "---\ntitle: The Lighthouse\ncast:\n  - name: Mira\n    description: a tall fisherwoman\n    reference: mira.png\n  - name: Tom\n    reference: notes.png\nlook:\n  words: watercolour\n  seed: 9\n---\nMira climbs the stairs.\n\nTom waits below.\n",
    );
    sb.run(&["import", story.to_str().unwrap()]).expect(0, &[]);
    sb.run(&["cast", "The Lighthouse"]).expect(
        0,
        &[
            "'The Lighthouse': 2 characters",
            "Mira: a tall fisherwoman (scene 1)",
            "picture: mira.png (120x160)",
            "The reference picture of Tom could not be used: notes.png cannot be read as a picture",
            "Seed: 9",
        ],
    );
    let r = sb.run(&["status", "The Lighthouse", "--json"]);
    r.expect(0, &[]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let v = match &v {
        serde_json::Value::Array(a) => a[0].clone(),
        o if o["projects"].is_array() => o["projects"][0].clone(),
        o => o.clone(),
    };
    assert_eq!(v["cast"]["characters"][0]["name"], "Mira");
    assert_eq!(v["cast"]["characters"][0]["reference"]["width"], 120);
    assert_eq!(v["cast"]["seed"], 9);

    let out = sb.path("out");
    sb.run(&["export", "The Lighthouse", out.to_str().unwrap()])
        .expect(0, &[]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["references"][0]["who"], "Mira");
    let file = manifest["references"][0]["file"].as_str().unwrap();
    assert!(out.join(file).is_file(), "{file}");
    assert_eq!(manifest["project"]["cast"]["look"]["seed"], 9);
    assert_eq!(
        manifest["scenes"][0]["characters"],
        serde_json::json!(["Mira"])
    );
    assert_eq!(manifest["scenes"][1]["seed"], 9);
}
