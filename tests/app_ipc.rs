//! The desktop app's IPC commands through Tauri's mock runtime (no display needed): every
//! command, with its error cases, on a real engine in a temp folder.

mod app;

use app::{TestApp, STORY};
use serde_json::json;

#[test]
fn app_info_names_the_app_its_engine_and_data_folder() {
    let t = TestApp::new(false);
    let v = t.ok("app_info", json!({}));
    assert_eq!(v["name"], "StoryReel");
    assert_eq!(v["engine_version"], storyreel_engine::VERSION);
    assert!(v["data_dir"].as_str().unwrap().ends_with("data"), "{v}");
}

#[test]
fn unknown_commands_and_remote_pages_are_refused() {
    let t = TestApp::new(false);
    assert!(t.call("no_such_command", json!({})).is_err());
    let err = t
        .call_from("snapshot", json!({}), "https://example.com")
        .expect_err("remote origins are refused");
    assert!(err.to_string().contains("not allowed"), "{err}");
}

#[test]
fn preview_splits_the_story_and_names_the_line_of_a_mistake() {
    let t = TestApp::new(false);
    let p = t.ok("preview_story", json!({"text": STORY, "name": "ferry.md"}));
    assert_eq!(p["title"], "The Ferry");
    assert_eq!(p["scenes"].as_array().unwrap().len(), 3);
    assert_eq!(p["scenes"][1]["text"], "Gulls follow it across the bay.");
    let bad = "[\n {\"text\": \"one\"},\n {\"text\": 5}\n]";
    let e = t.err("preview_story", json!({"text": bad, "name": "s.json"}));
    assert_eq!(e["code"], "story", "{e}");
    assert_eq!(e["line"], 3, "{e}");
    let e = t.err("preview_story", json!({"text": "   \n\n", "name": ""}));
    assert_eq!(e["code"], "story");
    assert!(
        e["message"].as_str().unwrap().contains("no story text"),
        "{e}"
    );
    // A pasted story has no file: its messages never name one.
    assert!(
        e["message"].as_str().unwrap().starts_with("Your story has"),
        "{e}"
    );
    let e = t.err(
        "preview_story",
        json!({"text": "[\n {\"text\": 5}\n]", "name": ""}),
    );
    let msg = e["message"].as_str().unwrap();
    assert!(msg.starts_with("Your story, line 2"), "{e}");
    assert!(!msg.contains("story.txt"), "{e}");
}

#[test]
fn a_created_project_is_queued_with_positions_and_listed() {
    let t = TestApp::new(false);
    let card = t.create(STORY);
    assert_eq!(card["title"], "The Ferry");
    assert_eq!(card["total"], 3);
    assert_eq!(card["status"], "queued");
    let id = card["id"].as_str().unwrap().to_string();
    let list = t.ok("list_projects", json!({}));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let p = t.ok("get_project", json!({"id": id}));
    let positions: Vec<_> = p["scenes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["queue_position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3]);
    let snap = t.ok("snapshot", json!({}));
    assert_eq!(snap["projects"].as_array().unwrap().len(), 1);
    assert_eq!(snap["activity"]["lanes"][0]["queued_total"], 3);
    assert_eq!(snap["sync"]["health"]["state"], "local");
    assert_eq!(snap["connectivity"]["offline"], false);
    assert!(snap["styles"].as_array().unwrap().len() > 1);
    // Creating the same story again opens the same project rather than a duplicate.
    let again = t.create(STORY);
    assert_eq!(again["id"], card["id"]);
    // Edited drafts: an empty scene is dropped, a prompt is kept.
    let made = t.ok(
        "create_project",
        json!({"project": {"title": "Edited", "aspect": "1:1", "style": "noir", "scenes": [
            {"title": null, "text": "A lighthouse.", "prompt": "a lighthouse, oil painting", "duration_s": null, "line": 1},
            {"title": null, "text": "  ", "prompt": null, "duration_s": null, "line": 3}
        ]}}),
    );
    assert_eq!(
        (made["total"].as_u64(), made["aspect"].as_str()),
        (Some(1), Some("1:1"))
    );
    let p = t.ok("get_project", json!({"id": made["id"]}));
    assert_eq!(p["scenes"][0]["prompt"], "a lighthouse, oil painting");
    let e = t.err(
        "create_project",
        json!({"project": {"title": null, "aspect": "9:16", "style": "no-such", "scenes": [
            {"title": null, "text": "x", "prompt": null, "duration_s": null, "line": 1}]}}),
    );
    assert!(e["message"].as_str().unwrap().contains("no-such"), "{e}");
    let e = t.err(
        "create_project",
        json!({"project": {"title": null, "aspect": "9:16", "style": null, "scenes": []}}),
    );
    assert_eq!(e["code"], "input");
    let e = t.err("create_project", json!({"project": {"aspect": "4:3"}}));
    assert!(e.to_string().contains("project"), "{e}");
}

#[test]
fn rename_pause_delete_and_bad_ids() {
    let t = TestApp::new(false);
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    let c = t.ok(
        "rename_project",
        json!({"id": id, "title": "  Dawn Ferry "}),
    );
    assert_eq!(c["title"], "Dawn Ferry");
    let e = t.err("rename_project", json!({"id": id, "title": " "}));
    assert_eq!(e["code"], "input");
    let c = t.ok("set_project_paused", json!({"id": id, "paused": true}));
    assert_eq!(
        (c["paused"].as_bool(), c["status"].as_str()),
        (Some(true), Some("paused"))
    );
    let c = t.ok("set_project_paused", json!({"id": id, "paused": false}));
    assert_eq!(c["status"], "queued");
    let e = t.err("get_project", json!({"id": "not-an-id"}));
    assert_eq!(e["code"], "input");
    assert!(e["message"].as_str().unwrap().contains("not a project id"));
    t.ok("delete_project", json!({"id": id}));
    let e = t.err("get_project", json!({"id": id}));
    assert_eq!(e["code"], "not_found");
    assert!(t
        .ok("list_projects", json!({}))
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn activity_cancel_and_retry_of_scenes_and_jobs() {
    let t = TestApp::new(false);
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    let a = t.ok("activity", json!({}));
    let gen = &a["lanes"][0];
    assert_eq!(gen["lane"], "generate");
    assert_eq!(gen["concurrency"], 3);
    assert_eq!(gen["queued"][0]["position"], 1);
    assert_eq!(gen["queued"][0]["project_title"], "The Ferry");
    let s = t.ok("cancel_scene", json!({"projectId": id, "index": 2}));
    assert_eq!(s["status"], "cancelled");
    let e = t.err("retry_scene", json!({"projectId": id, "index": 1}));
    assert!(
        e["message"].as_str().unwrap().contains("has not failed"),
        "{e}"
    );
    let s = t.ok("retry_scene", json!({"projectId": id, "index": 2}));
    assert_eq!(s["status"], "queued");
    assert_eq!(
        s["queue_position"], 1,
        "a scene retried by itself goes first"
    );
    let e = t.err("regenerate_scene", json!({"projectId": id, "index": 3}));
    assert!(
        e["message"].as_str().unwrap().contains("already queued"),
        "{e}"
    );
    let e = t.err("cancel_scene", json!({"projectId": id, "index": 9}));
    assert_eq!(e["code"], "not_found");
    let job = a["lanes"][0]["queued"][2]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(t.ok("cancel_job", json!({"id": job})), true);
    assert_eq!(
        t.ok("cancel_job", json!({"id": job})),
        false,
        "already cancelled"
    );
    assert_eq!(t.err("cancel_job", json!({"id": "x"}))["code"], "input");
    assert_eq!(t.ok("set_global_paused", json!({"paused": true})), true);
    assert_eq!(t.ok("activity", json!({}))["paused"], true);
    assert_eq!(t.ok("set_global_paused", json!({"paused": false})), false);
    let s = t.ok(
        "update_scene_prompt",
        json!({"projectId": id, "index": 1, "prompt": "a ferry in fog"}),
    );
    assert_eq!(s["prompt"], "a ferry in fog");
    let e = t.err(
        "update_scene_prompt",
        json!({"projectId": id, "index": 1, "prompt": ""}),
    );
    assert_eq!(e["code"], "input");
}

#[test]
fn the_engine_works_in_the_background_and_events_carry_whole_records() {
    let t = TestApp::new(true);
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    let p = t.wait_project(&id, |p| p["card"]["status"] == "done");
    for s in p["scenes"].as_array().unwrap() {
        assert_eq!(s["status"], "succeeded");
        assert_eq!(s["placeholder"], true, "offline: title cards");
        assert_eq!(s["provider"], "titlecard");
        let thumb = s["thumbnail"].as_str().unwrap();
        assert!(std::path::Path::new(thumb).is_file(), "{thumb}");
        assert_eq!(s["sync"]["state"], "local");
    }
    assert_eq!(p["card"]["placeholders"], 3);
    assert!(p["card"]["cover"].is_string());
    // Scene events are whole SceneViews; the last one of each scene says it succeeded.
    let t0 = std::time::Instant::now();
    while t
        .events_of("project")
        .last()
        .map(|e| e["card"]["status"].clone())
        != Some("done".into())
    {
        assert!(t0.elapsed().as_secs() < 10, "no done project event");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let scenes = t.events_of("scene");
    for i in 1..=3 {
        let last = scenes
            .iter()
            .rev()
            .find(|e| e["scene"]["index"] == i)
            .unwrap_or_else(|| panic!("no event for scene {i}"));
        assert_eq!(last["scene"]["status"], "succeeded");
        assert!(last["scene"]["text"].is_string() && last["scene"]["job_id"].is_string());
    }
    assert!(t
        .events_of("scene")
        .iter()
        .any(|e| e["scene"]["status"] == "running" && e["scene"]["phase"].is_string()));
    let stats = t.ok("stats", json!({}));
    assert_eq!(stats["scenes_done"], 3);
    assert_eq!(stats["success_rate"], 1.0);
    assert_eq!(stats["placeholder_rate"], 1.0);
    // Regenerate goes to the front and gets a new picture.
    let s = t.ok("regenerate_scene", json!({"projectId": id, "index": 2}));
    // The scene's job is queued again; the workers may already have taken it (a title card is
    // drawn in milliseconds), so its state may be past "queued" by the time it is read.
    assert!(
        ["queued", "running", "succeeded"].contains(&s["status"].as_str().unwrap_or("")),
        "{s}"
    );
    t.wait_project(&id, |p| p["card"]["status"] == "done");
    // Reveal exports the finished files to the project's folder and shows it.
    let dir = t.ok("reveal_project", json!({"id": id}));
    let dir = std::path::PathBuf::from(dir.as_str().unwrap());
    assert!(dir.join("scene-001.jpg").is_file() && dir.join("scene-003.jpg").is_file());
    assert_eq!(t.desktop.revealed.lock().unwrap().as_slice(), [dir]);
    assert_eq!(t.ok("retry_failed", json!({"id": id})), 0);
    assert_eq!(t.ok("regenerate_placeholders", json!({"id": id})), 3);
}

#[test]
fn a_story_file_from_the_dialog_is_read_and_bad_files_say_why() {
    let t = TestApp::new(false);
    assert!(
        t.ok("open_story_file", json!({})).is_null(),
        "cancelled dialog"
    );
    let f = t.dir.path().join("ferry.md");
    std::fs::write(&f, STORY).unwrap();
    *t.desktop.pick.lock().unwrap() = Some(f.clone());
    let v = t.ok("open_story_file", json!({}));
    assert_eq!(
        (v["name"].as_str(), v["text"].as_str()),
        (Some("ferry.md"), Some(STORY))
    );
    std::fs::write(&f, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let e = t.err("open_story_file", json!({}));
    assert!(e["message"].as_str().unwrap().contains("UTF-8"), "{e}");
    std::fs::remove_file(&f).unwrap();
    assert_eq!(t.err("open_story_file", json!({}))["code"], "io");
}

#[test]
fn the_video_is_refused_until_every_scene_has_a_picture_then_rendered_and_shown() {
    let t = TestApp::new(false);
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    let e = t.err("render_video", json!({"id": id}));
    assert_eq!(e["code"], "input", "{e}");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("3 of 3 scenes have no image"), "{msg}");
    assert!(t.ok("get_project", json!({"id": id}))["render"].is_null());
    let e = t.err("render_video", json!({"id": "not-an-id"}));
    assert!(e["message"].as_str().unwrap().contains("not-an-id"), "{e}");
    t.stop();
    drop(t);

    let t = TestApp::new(true);
    let id = t.create(STORY)["id"].as_str().unwrap().to_string();
    t.wait_project(&id, |p| p["card"]["status"] == "done");
    let first = t.ok("render_video", json!({"id": id}));
    assert_eq!(first["status"], "queued", "{first}");
    let p = t.wait_project(&id, |p| p["render"]["status"] == "succeeded");
    assert_eq!(p["render"]["job_id"], first["job_id"], "{p}");
    let frames = p["render"]["frames_total"].as_u64().unwrap();
    assert!(frames > 0 && p["render"]["frames_done"] == frames, "{p}");
    let video = &p["card"]["video"];
    assert_eq!(video["up_to_date"], true, "{p}");
    assert!(std::path::Path::new(video["path"].as_str().unwrap()).is_file());
    // Asked again with nothing changed: up to date, no new job.
    let again = t.ok("render_video", json!({"id": id}));
    assert_eq!(again["status"], "succeeded", "{again}");
    assert_eq!(again["frames_total"], frames);
    let p = t.ok("get_project", json!({"id": id}));
    assert_eq!(p["render"]["job_id"], first["job_id"], "{p}");
}

#[test]
fn the_command_line_reaches_the_running_app_through_the_data_folder() {
    use storyreel_engine::control::{Client, Holder, PauseAnswer, Projects, Request};
    let t = TestApp::new(false);
    let p = t.create(STORY);
    let id = p["id"].as_str().unwrap().to_string();
    let data = t.dir.path().join("data");
    tauri::async_runtime::block_on(async {
        let client = Client::connect(&data).await.expect("the app answers");
        let hello: Holder = client.call(&Request::Hello).await.unwrap();
        assert_eq!(hello.front_end, "the StoryReel app");
        assert_eq!(hello.pid, std::process::id());
        let list: Projects = client.call(&Request::List).await.unwrap();
        assert_eq!(list.projects.len(), 1);
        assert_eq!(list.projects[0].id.to_string(), id);
        let paused: PauseAnswer = client
            .call(&Request::Pause {
                project: Some(id.clone()),
                paused: true,
            })
            .await
            .unwrap();
        assert!(paused.project_paused && !paused.queue_paused);
        // An unknown project is the engine's sentence, through the socket.
        let err = client
            .call::<Projects>(&Request::Status {
                project: Some("no such story".into()),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), storyreel_engine::ErrorCode::NotFound, "{err}");
    });
    // The app shows what the command line did.
    let shown = t.ok("get_project", json!({"id": id}));
    assert_eq!(shown["card"]["paused"], true, "{shown}");
}
