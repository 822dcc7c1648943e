//! One rule for "the video is out of date": once a video was asked for, any change that alters
//! it renders it again by itself when every scene is ready: a deleted scene (nothing new to
//! make), the voice turned off, the voice back by Undo, new words (once they are drawn and
//! spoken). After each, the video matches the project.

mod work;

use storyreel_engine::config::Config;
use storyreel_engine::model::Project;
use storyreel_engine::scene_edit::SceneEdit;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

const SCRIPT: &str = r#"[
  {"text": "The ferry leaves the harbour at dawn.", "duration_s": 2},
  {"text": "Gulls follow the wake over grey water.", "duration_s": 2},
  {"text": "The island rises out of the mist.", "duration_s": 2}
]"#;

fn current(e: &Engine, p: &Project) -> (bool, usize, bool) {
    let p = e.store().project(p.id).unwrap().unwrap();
    let scenes = e.store().scenes_of(p.id).unwrap();
    let v = p.video.clone().expect("a video");
    (
        e.video_is_current(&p, &scenes),
        v.scene_starts.len(),
        v.audio,
    )
}

/// Works until nothing is left to run and the video matches the project (a render queued by a
/// finished narration is waited for too); fails after a minute.
async fn settle(e: &Engine, p: &Project) {
    let id = p.id;
    work::work_until_within(e, std::time::Duration::from_secs(120), move |e| {
        let p = e.store().project(id).unwrap().unwrap();
        let scenes = e.store().scenes_of(id).unwrap();
        work::jobs_ended(e) && e.video_is_current(&p, &scenes)
    })
    .await;
}

fn edits(e: &Engine, p: &Project) -> Vec<SceneEdit> {
    e.store()
        .scenes_of(p.id)
        .unwrap()
        .iter()
        .map(|s| SceneEdit {
            from: Some(s.index),
            title: s.title.clone(),
            text: s.text.clone(),
            prompt: None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_to_the_video_renders_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(dir.path(), Config::default())).unwrap();
    let p = e
        .import(SCRIPT.as_bytes(), "ferry.json", ImportOptions::default())
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    e.request_render(&p, e.config().render.spec())
        .await
        .unwrap();
    work::work_until_ended(&e).await;
    assert_eq!(current(&e, &p), (true, 3, true));

    // A delete makes nothing new: the video is made again at once.
    let mut l = edits(&e, &p);
    l.remove(1);
    e.edit_scenes(&p, l).await.unwrap();
    settle(&e, &p).await;
    assert_eq!(current(&e, &p), (true, 2, true), "after a delete");

    // The voice off: a silent video.
    e.set_project_voice(p.id, None).await.unwrap();
    settle(&e, &p).await;
    assert_eq!(
        current(&e, &p),
        (true, 2, false),
        "after the voice went off"
    );

    // Undo: the voice is back, and so is the sound.
    e.undo(p.id).await.unwrap();
    settle(&e, &p).await;
    assert_eq!(current(&e, &p), (true, 2, true), "after undo");

    // New words: drawn and spoken, then the video follows.
    let mut l = edits(&e, &p);
    l[0].text = "The ferry leaves the harbour at noon.".into();
    e.edit_scenes(&p, l).await.unwrap();
    settle(&e, &p).await;
    assert_eq!(current(&e, &p), (true, 2, true), "after new words");
}
