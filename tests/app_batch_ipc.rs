//! A batch over IPC: a folder chosen in the dialog makes one batch whose `batch` events carry
//! the progress and the rows; a second batch while one runs is refused in words; a cancelled
//! dialog starts nothing; the latest batch is there for a screen that opens later.

mod app;

use std::time::{Duration, Instant};

use app::TestApp;
use serde_json::{json, Value};

#[test]
fn a_chosen_folder_makes_one_batch_with_its_table() {
    let app = TestApp::new(true);
    assert_eq!(
        app.ok("batch_from_folder", json!({})),
        Value::Null,
        "cancelled: nothing"
    );
    let dir = app.dir.path().join("stories");
    std::fs::create_dir(&dir).unwrap();
    for i in 1..=3 {
        std::fs::write(
            dir.join(format!("story-{i}.md")),
            format!("# Story {i}\n\nDay {i} at the harbour.\n\nThe gulls.\n"),
        )
        .unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "").unwrap();
    *app.desktop.folder.lock().unwrap() = Some(dir.clone());
    let first = app.ok("batch_from_folder", json!({}));
    assert_eq!(first["total"], json!(4));
    let again = app.err(
        "batch_from_paths",
        json!({"paths": [dir.display().to_string()]}),
    );
    assert_eq!(again["code"], json!("busy"), "{again}");

    let t0 = Instant::now();
    let last = loop {
        let v = app.ok("batch_status", json!({}));
        if v["finished"] == json!(true) {
            break v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the batch did not end: {v}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let rows = last["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{last}");
    let made: Vec<&Value> = rows.iter().filter(|r| r["state"] == "made").collect();
    assert_eq!(made.len(), 3, "{last}");
    for r in &made {
        assert!(
            r["video"].as_str().is_some_and(|v| v.ends_with(".mp4")),
            "{r}"
        );
        assert_eq!(r["scenes"], json!(2));
    }
    let empty = rows.iter().find(|r| r["story"] == "notes.txt").unwrap();
    assert!(
        empty["problem"].as_str().unwrap().contains("no story text"),
        "{empty}"
    );
    // The progress went out as events, ending with the finished table.
    let events = app.events_of("batch");
    assert!(events.len() >= 2, "{events:?}");
    assert_eq!(events.last().unwrap()["batch"], last);
    app.stop();
}
