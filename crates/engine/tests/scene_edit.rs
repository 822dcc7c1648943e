//! Editing a story after Generate, on a real sled and real workers: only what changed is made
//! again (a title card whose words changed is redrawn; a provider's picture is kept unless its
//! prompt changed), pictures follow their scenes through reorder, insert, delete, split and
//! merge, the video no longer counts as current, and a bad edit changes nothing.

mod work;

use std::collections::HashMap;
use std::time::Duration;

use storyreel_engine::config::Config;
use storyreel_engine::model::{Aspect, JobStatus, Project};
use storyreel_engine::scene_edit::SceneEdit;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

const STORY: &str =
    "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nA girl counts the waves.";

/// Works until every job has ended; an edit of three scenes settles well within two minutes.
async fn settle(e: &Engine) {
    work::work_until_within(e, Duration::from_secs(120), work::jobs_ended).await;
}

async fn story(cfg: Config) -> (tempfile::TempDir, Engine, Project) {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(dir.path().join("d"), cfg)).unwrap();
    let p = e
        .import(STORY.as_bytes(), "ferry.txt", ImportOptions::default())
        .await
        .unwrap()
        .project;
    settle(&e).await;
    (dir, e, p)
}

/// Each scene's text and picture (hash), by index.
fn pictures(e: &Engine, p: &Project) -> Vec<(String, String)> {
    e.store()
        .scenes_of(p.id)
        .unwrap()
        .into_iter()
        .map(|s| {
            assert_eq!(s.status, JobStatus::Succeeded, "scene {} finished", s.index);
            (s.text, s.image.unwrap().hash)
        })
        .collect()
}

fn keep(from: u32, text: &str) -> SceneEdit {
    SceneEdit {
        from: Some(from),
        title: None,
        text: text.into(),
        prompt: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_title_card_is_redrawn_and_the_others_are_kept() {
    let (_d, e, p) = story(quiet()).await;
    let before = pictures(&e, &p);
    let out = e
        .edit_scenes(
            &p,
            vec![
                keep(1, "The ferry leaves at dawn."),
                keep(2, "Gulls circle the mast."),
                keep(3, "A girl counts the waves."),
            ],
        )
        .await
        .unwrap();
    assert_eq!(out.remade, vec![2]);
    settle(&e).await;
    let after = pictures(&e, &p);
    assert_eq!(after[0], before[0]);
    assert_eq!(after[2], before[2]);
    assert_eq!(after[1].0, "Gulls circle the mast.");
    assert_ne!(after[1].1, before[1].1, "the card shows the new words");
    // The prompt made from the text and the style follows the new text.
    let s2 = e.store().scene(p.id, 2).unwrap().unwrap();
    assert!(
        s2.prompt.starts_with("Gulls circle the mast"),
        "{}",
        s2.prompt
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_follow_their_scenes_through_reorder_insert_split_merge_and_delete() {
    let (_d, e, p) = story(quiet()).await;
    let before = pictures(&e, &p);
    let by_text: HashMap<String, String> = before.iter().cloned().collect();

    // Reorder: nothing is made again, every picture moves with its words.
    let out = e
        .edit_scenes(
            &p,
            vec![
                keep(3, "A girl counts the waves."),
                keep(1, "The ferry leaves at dawn."),
                keep(2, "Gulls follow it across the bay."),
            ],
        )
        .await
        .unwrap();
    assert!(out.remade.is_empty(), "{:?}", out.remade);
    for (text, hash) in pictures(&e, &p) {
        assert_eq!(by_text[&text], hash, "{text}");
    }
    // Regenerating a moved scene makes that scene again, at its new place.
    let s1 = e.store().scene(p.id, 1).unwrap().unwrap();
    let j = e.store().job(s1.job_id).unwrap().unwrap();
    assert_eq!(j.scene_index, Some(1), "its job moved with it");

    // Insert a new scene second, split the last, merge nothing else.
    let out = e
        .edit_scenes(
            &p,
            vec![
                keep(1, "A girl counts the waves."),
                SceneEdit {
                    from: None,
                    title: Some("Fog".into()),
                    text: "Fog rolls in.".into(),
                    prompt: None,
                },
                keep(2, "The ferry leaves at dawn."),
                keep(3, "Gulls follow it."),
                SceneEdit {
                    from: None,
                    title: None,
                    text: "Across the bay.".into(),
                    prompt: None,
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(out.remade, vec![2, 4, 5]);
    assert_eq!(out.project.scene_count, 5);
    settle(&e).await;
    let now = pictures(&e, &p);
    assert_eq!(now.len(), 5);
    assert_eq!(now[0].1, by_text["A girl counts the waves."]);
    assert_eq!(now[2].1, by_text["The ferry leaves at dawn."]);
    assert_eq!(
        e.store().scene(p.id, 2).unwrap().unwrap().title.as_deref(),
        Some("Fog")
    );

    // Merge the last two and delete the fog: three scenes, the rest kept.
    let out = e
        .edit_scenes(
            &p,
            vec![
                keep(1, "A girl counts the waves."),
                keep(3, "The ferry leaves at dawn."),
                keep(4, "Gulls follow it. Across the bay."),
            ],
        )
        .await
        .unwrap();
    assert_eq!(out.remade, vec![3]);
    settle(&e).await;
    let last = pictures(&e, &p);
    assert_eq!(last.len(), 3);
    assert_eq!(last[0].1, now[0].1);
    assert_eq!(last[1].1, now[2].1);
    assert!(
        e.store().scene(p.id, 4).unwrap().is_none(),
        "no scene is left behind"
    );
    assert!(e.store().scene(p.id, 5).unwrap().is_none());
    assert_eq!(e.store().project(p.id).unwrap().unwrap().scene_count, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_edit_says_why_and_changes_nothing() {
    let (_d, e, p) = story(quiet()).await;
    let before = pictures(&e, &p);
    for (edit, words) in [
        (vec![], "at least one scene"),
        (vec![keep(1, "   ")], "has no text"),
        (vec![keep(1, "a"), keep(1, "b")], "used twice"),
        (vec![keep(9, "a")], "does not have"),
        (
            vec![SceneEdit {
                prompt: Some("  ".into()),
                ..keep(1, "a")
            }],
            "prompt of scene 1 is empty",
        ),
        (vec![keep(1, &"x".repeat(20_000))], "characters"),
    ] {
        let err = e.edit_scenes(&p, edit).await.unwrap_err();
        assert!(err.to_string().contains(words), "{err}");
        assert_eq!(err.code(), "input");
    }
    assert_eq!(pictures(&e, &p), before);
    assert_eq!(e.store().project(p.id).unwrap().unwrap().scene_count, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_while_scenes_wait_replaces_their_jobs_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(dir.path().join("d"), quiet())).unwrap();
    let p = e
        .import(STORY.as_bytes(), "ferry.txt", ImportOptions::default())
        .await
        .unwrap()
        .project;
    // No worker has run: all three are queued. Swap the first two and add one.
    let out = e
        .edit_scenes(
            &p,
            vec![
                keep(2, "Gulls follow it across the bay."),
                keep(1, "The ferry leaves at dawn."),
                keep(3, "A girl counts the waves."),
                SceneEdit {
                    from: None,
                    title: None,
                    text: "Home at dusk.".into(),
                    prompt: None,
                },
            ],
        )
        .await
        .unwrap();
    // The two that moved follow with new jobs; the third keeps its place in the queue.
    assert_eq!(out.remade, vec![1, 2, 4]);
    let active = e
        .store()
        .all_jobs()
        .unwrap()
        .into_iter()
        .filter(|j| !j.status.is_terminal())
        .count();
    assert_eq!(active, 4, "one job per scene, the replaced ones cancelled");
    // A cancelled scene stays cancelled when another one is edited.
    let s3 = e.store().scene(p.id, 3).unwrap().unwrap();
    e.cancel_job(s3.job_id).await.unwrap();
    let out = e
        .edit_scenes(
            &p,
            vec![
                keep(1, "Gulls over the bay."),
                keep(2, "The ferry leaves at dawn."),
                keep(3, "A girl counts the waves."),
                keep(4, "Home at dusk."),
            ],
        )
        .await
        .unwrap();
    assert_eq!(out.remade, vec![1]);
    assert_eq!(
        e.store().scene(p.id, 3).unwrap().unwrap().status,
        JobStatus::Cancelled
    );
    e.retry(
        &p,
        storyreel_engine::RetryFilter {
            scene: Some(3),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    settle(&e).await;
    let now = pictures(&e, &p);
    assert_eq!(now[0].0, "Gulls over the bay.");
    assert_eq!(now[3].0, "Home at dusk.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_picture_is_kept_unless_its_prompt_changes_and_a_new_style_remakes_all() {
    let server = storyreel_testkit::FaultServer::start();
    let mut cfg = quiet();
    cfg.generation.providers = vec!["automatic1111".into()];
    cfg.providers.automatic1111.base_url = Some(server.url());
    let (_d, e, p) = story(cfg).await;
    let before = pictures(&e, &p);
    assert!(
        !e.store()
            .scene(p.id, 1)
            .unwrap()
            .unwrap()
            .image
            .unwrap()
            .placeholder
    );

    // A new title (words on screen, not in the picture) keeps the picture; a new prompt remakes it.
    let out = e
        .edit_scenes(
            &p,
            vec![
                SceneEdit {
                    title: Some("Dawn".into()),
                    ..keep(1, "The ferry leaves at dawn.")
                },
                SceneEdit {
                    prompt: Some("gulls over a grey sea, watercolour".into()),
                    ..keep(2, "Gulls follow it across the bay.")
                },
                keep(3, "A girl counts the waves."),
            ],
        )
        .await
        .unwrap();
    assert_eq!(out.remade, vec![2]);
    settle(&e).await;
    let after = pictures(&e, &p);
    assert_eq!(
        (after[0].1.as_str(), after[2].1.as_str()),
        (before[0].1.as_str(), before[2].1.as_str())
    );
    assert_eq!(
        e.store().scene(p.id, 2).unwrap().unwrap().prompt,
        "gulls over a grey sea, watercolour",
        "a written prompt is sent as written"
    );

    // A new style: every picture is made again; prompts from the old style follow the new one,
    // the written one stays.
    let p = e.store().project(p.id).unwrap().unwrap();
    let out = e.set_project_look(&p, Some("noir"), None).await.unwrap();
    assert_eq!(out.remade, vec![1, 2, 3]);
    assert_eq!(out.project.style, "noir");
    let s1 = e.store().scene(p.id, 1).unwrap().unwrap();
    let noir = storyreel_engine::style::Style::by_name("noir").unwrap();
    assert_eq!(s1.prompt, noir.prompt_for("The ferry leaves at dawn."));
    assert_eq!(
        e.store().scene(p.id, 2).unwrap().unwrap().prompt,
        "gulls over a grey sea, watercolour"
    );
    let err = e
        .set_project_look(&p, Some("no-such-style"), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Unknown style"), "{err}");
    let out = e
        .set_project_look(&out.project, None, Some(Aspect::Square))
        .await
        .unwrap();
    assert_eq!(out.project.aspect, Aspect::Square);
    assert_eq!(out.remade.len(), 3);
    settle(&e).await;
}

/// The settings of these tests: no narration (voices have their own tests).
fn quiet() -> storyreel_engine::config::Config {
    let mut c = storyreel_engine::config::Config::default();
    c.voice.enabled = false;
    c
}
