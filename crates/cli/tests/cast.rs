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
