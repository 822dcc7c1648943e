//! A title card in the video shows its scene's place and the story's count as they are when
//! the video is made, whatever edits came between: moved, added and deleted scenes. Each
//! scene's frame in the video is compared with the card drawn for its place now and the card
//! drawn for the place it was made at.

mod work;

use std::path::Path;
use std::process::Command;

use storyreel_engine::config::Config;
use storyreel_engine::model::{Aspect, Project, Scene};
use storyreel_engine::providers::{titlecard, ImageRequest};
use storyreel_engine::render::RenderRequest;
use storyreel_engine::scene_edit::SceneEdit;
use storyreel_engine::{Engine, EngineOptions, ImportOptions, VoiceOption};

const SCRIPT: &str = r#"[
  {"text": "The ferry leaves the harbour at dawn.", "duration_s": 3},
  {"text": "Gulls follow the wake over grey water.", "duration_s": 3},
  {"text": "The island rises out of the mist.", "duration_s": 3},
  {"text": "A bell rings on the pier.", "duration_s": 3}
]"#;

/// The frame at `t` seconds, shrunk to 27x27 RGB.
fn frame_at(video: &Path, t: f32) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", &format!("{t:.2}"), "-i"])
        .arg(video)
        .args([
            "-frames:v",
            "1",
            "-vf",
            "scale=27:27:flags=area",
            "-f",
            "rawvideo",
        ])
        .args(["-pix_fmt", "rgb24", "-"])
        .output()
        .unwrap();
    assert_eq!(out.stdout.len(), 27 * 27 * 3);
    out.stdout
}

fn small(img: &image::RgbImage) -> Vec<u8> {
    image::imageops::resize(img, 27, 27, image::imageops::FilterType::Triangle).into_raw()
}

fn distance(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y) as f64)
        .sum::<f64>()
        / a.len() as f64
}

fn card(p: &Project, s: &Scene, index: u32, count: u32) -> image::RgbImage {
    titlecard::render(
        &ImageRequest {
            project_id: p.id,
            scene_index: index,
            scene_count: count,
            title: s.title.clone(),
            text: s.text.clone(),
            prompt: s.prompt.clone(),
            negative_prompt: None,
            style: p.style.clone(),
            frame: p.aspect.frame(),
            variation: 0,
            cast: Default::default(),
        },
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn title_cards_show_their_scenes_place_and_count_after_edits() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions::new(dir.path(), Config::default())).unwrap();
    let p = e
        .import(
            SCRIPT.as_bytes(),
            "ferry.json",
            ImportOptions {
                aspect: Aspect::Square,
                voice: VoiceOption::Off,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    let before = e.store().scenes_of(p.id).unwrap();
    // Scene 4 moves to the front, a scene is added after it, and the old scene 3 is deleted:
    // [4, new, 1, 2].
    let keep = |i: usize| SceneEdit {
        from: Some(before[i].index),
        title: None,
        text: before[i].text.clone(),
        prompt: None,
    };
    let edits = vec![
        keep(3),
        SceneEdit {
            from: None,
            title: None,
            text: "A boy waves from the deck.".into(),
            prompt: None,
        },
        keep(0),
        keep(1),
    ];
    e.edit_scenes(&p, edits).await.unwrap();
    work::work_until_ended(&e).await;
    let p = e.store().project(p.id).unwrap().unwrap();
    let job = match e
        .request_render(&p, e.config().render.spec())
        .await
        .unwrap()
    {
        RenderRequest::Queued(j) => j,
        RenderRequest::UpToDate(_) => panic!("expected a render"),
    };
    work::work_until_ended(&e).await;
    let done = e.store().job(job.id).unwrap().unwrap();
    assert!(done.error.is_none(), "{:?}", done.error);
    let p = e.store().project(p.id).unwrap().unwrap();
    let v = p.video.clone().unwrap();
    let video = e.assets().path(&v.hash, "mp4").unwrap();
    let scenes = e.store().scenes_of(p.id).unwrap();
    assert_eq!(scenes.len(), 4);
    // Scenes that kept their stored card from before (old places 4, 1, 2; now 1, 3, 4).
    for (now, was) in [(1u32, 4u32), (3, 1), (4, 2)] {
        let s = &scenes[now as usize - 1];
        let at = v.scene_starts[now as usize - 1] + 1.0;
        let shown = frame_at(&video, at);
        let right = distance(&shown, &small(&card(&p, s, now, 4)));
        let wrong = distance(&shown, &small(&card(&p, s, was, 4)));
        assert!(
            right * 2.0 < wrong,
            "scene {now} (made as scene {was}): {right:.1} from its card now, {wrong:.1} from the old one"
        );
    }
}
