//! The `storyreel` command end to end on the examples, with `status --json` checked field by field.

mod common;

use common::{example, Sandbox};
use serde_json::Value;

const LIGHTHOUSE_TITLES: [&str; 7] = [
    "Dusk",
    "The Lamp",
    "The Storm",
    "The Signal",
    "Rocks",
    "Harbour",
    "Morning",
];

fn dims(path: &str) -> (u32, u32) {
    image::image_dimensions(path).unwrap()
}

#[test]
fn make_the_lighthouse_offline_and_check_status_json() {
    let sb = Sandbox::new();
    let r = sb.run(&["make", &example("the-lighthouse.md")]);
    r.expect(0, &["Done: 'The Lighthouse' has 7 scenes", "7 title cards"]);
    // Piped: plain progress lines, one per scene.
    assert_eq!(
        r.stderr.matches("done (title card)").count(),
        7,
        "{}",
        r.stderr
    );

    let v = sb.status_json();
    let projects = v["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1);
    let p = &projects[0];
    assert!(uuid::Uuid::parse_str(p["id"].as_str().unwrap()).is_ok());
    assert_eq!(p["title"], "The Lighthouse");
    assert_eq!(p["status"], "done");
    assert_eq!(
        p["counts"],
        serde_json::json!({"queued": 0, "running": 0, "succeeded": 7, "failed": 0, "cancelled": 0})
    );
    let scenes = p["scenes"].as_array().unwrap();
    assert_eq!(scenes.len(), 7);
    let data = sb.data().canonicalize().unwrap();
    for (i, s) in scenes.iter().enumerate() {
        assert_eq!(s["index"], i as u64 + 1);
        assert_eq!(s["title"], LIGHTHOUSE_TITLES[i]);
        assert_eq!(s["status"], "succeeded");
        assert_eq!(s["provider"], "titlecard");
        assert_eq!(s["placeholder"], true);
        assert_eq!(s["attempts"], 1);
        assert_eq!(s["queue_position"], Value::Null);
        assert_eq!(s["error"], Value::Null);
        let image = s["image"].as_str().unwrap();
        assert!(
            std::path::Path::new(image).is_absolute() && image.starts_with(data.to_str().unwrap()),
            "{image}"
        );
        assert_eq!(dims(image), (1080, 1920));
        assert_eq!(dims(s["thumbnail"].as_str().unwrap()), (202, 360));
    }

    // Again: the same project is found and nothing is redone.
    sb.run(&["make", &example("the-lighthouse.md")])
        .expect(0, &["Continuing 'The Lighthouse'"]);
    let again = sb.status_json();
    assert_eq!(again["projects"].as_array().unwrap().len(), 1);
    assert_eq!(again["projects"][0]["scenes"][0]["attempts"], 1);
}

#[test]
fn other_formats_aspects_and_styles() {
    let sb = Sandbox::new();
    sb.run(&[
        "make",
        &example("paper-boats.txt"),
        "--aspect",
        "16:9",
        "--title",
        "Boats",
    ])
    .expect(0, &["'Boats' has 5 scenes"]);
    sb.run(&[
        "make",
        &example("night-market.json"),
        "--aspect",
        "1:1",
        "--style",
        "noir",
    ])
    .expect(0, &["4 scenes"]);
    let v = sb.status_json();
    let boats = &v["projects"][0];
    assert_eq!(boats["aspect"], "16:9");
    assert_eq!(
        dims(boats["scenes"][0]["image"].as_str().unwrap()),
        (1920, 1080)
    );
    assert_eq!(boats["scenes"][0]["title"], Value::Null);
    let market = &v["projects"][1];
    assert_eq!(
        (market["title"].as_str(), market["style"].as_str()),
        (Some("night-market"), Some("noir"))
    );
    assert_eq!(
        dims(market["scenes"][3]["image"].as_str().unwrap()),
        (1080, 1080)
    );
    assert_eq!(market["scenes"][1]["title"], "The Noodle Stall");
    assert!(market["scenes"][0]["prompt"]
        .as_str()
        .unwrap()
        .starts_with("a bustling night market"));
    // No prompt in the script: the text plus the style preset.
    assert!(market["scenes"][2]["prompt"]
        .as_str()
        .unwrap()
        .contains("film noir"));

    let list = sb.run(&["list", "--json"]);
    list.expect(0, &[]);
    let l: Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(l["projects"].as_array().unwrap().len(), 2);
    assert!(l["projects"][0].get("scenes").is_none());
    sb.run(&["list"])
        .expect(0, &["Boats", "night-market", "done"]);
}

#[test]
fn import_then_work_retry_pause_cancel_export_doctor() {
    let sb = Sandbox::new();
    let imp = sb.run(&["import", &example("paper-boats.txt")]);
    imp.expect(0, &["Queued 5 scenes"]);
    let id = imp.stdout.trim().to_string();
    let v = sb.status_json();
    let positions: Vec<_> = v["projects"][0]["scenes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["queue_position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3, 4, 5]);
    assert_eq!(v["projects"][0]["status"], "queued");

    sb.run(&["pause", &id[id.len() - 8..]])
        .expect(0, &["paused"]);
    sb.run(&["work", "--until-idle"]).expect(0, &["Idle"]);
    assert_eq!(
        sb.status_json()["projects"][0]["counts"]["queued"],
        5,
        "a paused project does not run"
    );
    sb.run(&["resume", "paper-boats"])
        .expect(0, &["no longer paused: its jobs run"]);
    sb.run(&["work", "--until-idle"])
        .expect(0, &["Idle: nothing queued"]);
    assert_eq!(sb.status_json()["projects"][0]["status"], "done");

    sb.run(&["retry", &id, "--placeholders"])
        .expect(0, &["Queued 5 scenes of 'paper-boats' again"]);
    sb.run(&["cancel", &id]).expect(0, &["Cancelled 5 jobs"]);
    let v = sb.status_json();
    assert_eq!(v["projects"][0]["status"], "cancelled");
    sb.run(&["retry", &id, "--scene", "2"])
        .expect(0, &["Queued 1 scene"]);
    sb.run(&["retry", &id]).expect(0, &["Queued 4 scenes"]);
    sb.run(&["work", "--until-idle"]).expect(0, &[]);
    let v = sb.status_json();
    assert_eq!(v["projects"][0]["status"], "done");
    // A retry starts the count of tries again; the claims go on counting.
    assert_eq!(v["projects"][0]["scenes"][1]["attempts"], 1);
    assert_eq!(v["projects"][0]["scenes"][1]["claims"], 2);

    let out = sb.path("export");
    sb.run(&["export", &id, out.to_str().unwrap()])
        .expect(0, &["Exported 11 files"]);
    // Five pictures, five narrations and the manifest (subtitles come with a video).
    assert!(out.join("scene-005.jpg").is_file() && out.join("manifest.json").is_file());
    assert!(out.join("scene-005.wav").is_file() && !out.join("subtitles.srt").exists());
    sb.run(&["doctor", "--deep"]).expect(
        0,
        &["ok", "records", "queue", "5 images present and intact"],
    );
    sb.run(&["status", &id[..13]])
        .expect(0, &["paper-boats", "succeeded"]);
}

#[test]
fn help_lists_every_subcommand() {
    let sb = Sandbox::new();
    let r = sb.run(&["--help"]);
    r.expect(0, &[]);
    for c in [
        "make", "import", "work", "status", "list", "retry", "cancel", "pause", "resume", "export",
        "doctor",
    ] {
        assert!(r.stdout.contains(c), "{c} missing from help");
    }
}
