//! Undo, with the real engine, sled, title cards and espeak-ng: each kind of edit a person makes
//! (delete, add, move, the words, the look, the voice, a recording, their own picture) is undone
//! to the project as it was, its pictures and narrations the same files, nothing left queued for
//! the undone edit, and nothing made again that did not need it. The history says what each
//! step undoes, is kept across a restart, and stops at its limit.

mod work;

use std::path::Path;

use storyreel_engine::config::Config;
use storyreel_engine::model::{JobStatus, Project, Scene};
use storyreel_engine::scene_edit::SceneEdit;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

const STORY: &str =
    "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nThe town wakes as it docks.";

fn engine(dir: &Path) -> Engine {
    Engine::open(EngineOptions::new(dir, Config::default())).unwrap()
}

/// What a person sees of a scene: its words, its picture, its narration's audio.
fn looks(e: &Engine, p: &Project) -> Vec<(String, String, Option<String>)> {
    e.store()
        .scenes_of(p.id)
        .unwrap()
        .iter()
        .map(|s: &Scene| {
            (
                s.text.clone(),
                s.image.as_ref().map(|i| i.hash.clone()).unwrap_or_default(),
                s.narration
                    .as_ref()
                    .and_then(|n| n.speech.as_ref()?.audio.as_ref())
                    .map(|a| a.hash.clone()),
            )
        })
        .collect()
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

/// Nothing is left to run, and every scene shows a picture and its narration.
fn settled(e: &Engine, p: &Project) {
    for j in e.store().all_jobs().unwrap() {
        assert!(j.status.is_terminal(), "a job still runs: {j:?}");
    }
    for s in e.store().scenes_of(p.id).unwrap() {
        assert_eq!(s.status, JobStatus::Succeeded, "scene {}", s.index);
        assert!(s.image.is_some());
        assert!(s.narration_settled());
    }
}

async fn undo(e: &Engine, p: &Project, label: &str) {
    let card = e
        .project_cards()
        .unwrap()
        .into_iter()
        .find(|c| c.id == p.id)
        .unwrap();
    assert_eq!(card.undo.as_deref(), Some(label));
    assert_eq!(e.undo(p.id).await.unwrap().as_deref(), Some(label));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_edit_is_undone_to_the_project_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    let p = e
        .import(STORY.as_bytes(), "ferry.md", ImportOptions::default())
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    settled(&e, &p);
    let start = looks(&e, &p);
    assert_eq!(e.undo_label(p.id).unwrap(), None, "nothing to undo yet");
    assert_eq!(e.undo(p.id).await.unwrap(), None);

    // Delete scene 2, then undo: the same three scenes, the same files, nothing made again.
    let mark = storyreel_engine::model::now_ms();
    let mut l = edits(&e, &p);
    l.remove(1);
    e.edit_scenes(&p, l).await.unwrap();
    work::work_until_ended(&e).await;
    undo(&e, &p, "Delete scene 2").await;
    work::work_until_ended(&e).await;
    assert_eq!(looks(&e, &p), start);
    settled(&e, &p);
    let made_again = e
        .store()
        .all_jobs()
        .unwrap()
        .into_iter()
        .filter(|j| j.created_at >= mark && j.started_at.is_some())
        .count();
    // Deleting scene 2 redraws the later cards' numbers in the video only, not as pictures;
    // undoing puts records back: no picture or narration was made for either step.
    assert_eq!(
        made_again, 0,
        "nothing made again for a delete and its undo"
    );

    // New words for scene 1: its card and narration are made again; undo brings the old ones.
    let mut l = edits(&e, &p);
    l[0].text = "The ferry leaves at noon.".into();
    e.edit_scenes(&p, l).await.unwrap();
    work::work_until_ended(&e).await;
    assert_ne!(looks(&e, &p)[0], start[0]);
    undo(&e, &p, "Edit scene 1").await;
    work::work_until_ended(&e).await;
    assert_eq!(looks(&e, &p), start);
    settled(&e, &p);

    // Undone before the edit's work finished: what it queued is cancelled.
    let mut l = edits(&e, &p);
    l.swap(0, 2);
    l.push(SceneEdit {
        from: None,
        title: None,
        text: "A bell rings on the pier.".into(),
        prompt: None,
    });
    e.edit_scenes(&p, l).await.unwrap();
    assert_eq!(e.store().scenes_of(p.id).unwrap().len(), 4);
    undo(&e, &p, "Edit the scenes").await;
    assert_eq!(e.store().scenes_of(p.id).unwrap().len(), 3);
    work::work_until_ended(&e).await;
    assert_eq!(looks(&e, &p), start);
    settled(&e, &p);

    // The look: every card drawn again in the new style; undo brings the old cards back.
    e.set_project_look(&p, Some("noir"), None).await.unwrap();
    work::work_until_ended(&e).await;
    undo(&e, &p, "Change the look").await;
    work::work_until_ended(&e).await;
    assert_eq!(looks(&e, &p), start);
    assert_eq!(e.store().project(p.id).unwrap().unwrap().style, "cinematic");

    // The voice off, then undone: the narration is back, the same audio.
    e.set_project_voice(p.id, None).await.unwrap();
    work::work_until_ended(&e).await;
    undo(&e, &p, "Turn the voice off").await;
    work::work_until_ended(&e).await;
    assert_eq!(looks(&e, &p), start);
    assert!(e.store().project(p.id).unwrap().unwrap().voice.is_some());
    settled(&e, &p);

    // Three steps, then three undos, newest first; the history survives a restart.
    let mut l = edits(&e, &p);
    l.remove(2);
    e.edit_scenes(&p, l).await.unwrap();
    let mut l = edits(&e, &p);
    l.remove(0);
    e.edit_scenes(&p, l).await.unwrap();
    work::work_until_ended(&e).await;
    drop(e);
    let e = engine(dir.path());
    assert_eq!(
        e.undo_label(p.id).unwrap().as_deref(),
        Some("Delete scene 1")
    );
    undo(&e, &p, "Delete scene 1").await;
    undo(&e, &p, "Delete scene 3").await;
    work::work_until_ended(&e).await;
    assert_eq!(looks(&e, &p), start);
    settled(&e, &p);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_keeps_its_last_steps_and_goes_with_its_project() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    let p = e
        .import(
            STORY.as_bytes(),
            "ferry.md",
            ImportOptions {
                voice: storyreel_engine::VoiceOption::Off,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    for i in 0..(storyreel_engine::undo::KEEP + 5) {
        let mut l = edits(&e, &p);
        l[0].text = format!("The ferry leaves at {i} o'clock.");
        e.edit_scenes(&p, l).await.unwrap();
    }
    let mut undone = 0;
    while e.undo(p.id).await.unwrap().is_some() {
        undone += 1;
    }
    assert_eq!(undone, storyreel_engine::undo::KEEP);
    // The oldest step kept was the sixth edit: its words before were the fifth's.
    let s = e.store().scene(p.id, 1).unwrap().unwrap();
    assert_eq!(s.text, "The ferry leaves at 4 o'clock.");
    work::work_until_ended(&e).await;
    e.edit_scenes(&p, edits(&e, &p)).await.unwrap();
    e.delete_project(&p).await.unwrap();
    assert_eq!(e.undo_label(p.id).unwrap(), None);
}
