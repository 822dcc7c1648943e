//! The creator's own pictures and clips as scenes' visuals, with real ffmpeg, sled and
//! espeak-ng: a JPEG turned by its EXIF orientation and PNGs of odd sizes are kept upright at
//! their size and need no image provider; clips play in the video at their own speed (a
//! variable frame rate included), turned upright, holding or looping, their sound heard only
//! when asked; the media stays through edits, a new style, export and prune, and gives way to a
//! provider's picture only when asked.

mod media;
mod work;

use std::path::Path;

use media::*;
use storyreel_engine::config::Config;
use storyreel_engine::model::{
    Aspect, ClipEnd, Fit, JobKind, JobStatus, MediaLook, Project, OWN_MEDIA,
};
use storyreel_engine::render::RenderRequest;
use storyreel_engine::scene_edit::SceneEdit;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

const STORY: &str =
    "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nThe town wakes as it docks.\n";

fn engine(dir: &Path, cfg: Config) -> Engine {
    Engine::open(EngineOptions::new(dir.join("data"), cfg)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_pictures_are_kept_upright_at_their_size_and_no_provider_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    // Stored landscape, tagged "turn 90° clockwise to show".
    exif_jpeg(&media, "scene-001.jpg", &marked(400, 200), 6);
    png(&media, "scene-002.png", &marked(1001, 1777));
    let wide = png(dir.path(), "wide.png", &marked(1919, 1077));
    let e = engine(dir.path(), quiet());
    let p = e
        .import(
            STORY.as_bytes(),
            "ferry.md",
            ImportOptions {
                media_dir: Some(media.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;

    // Before any work: both scenes are done, each by a finished job that never ran.
    let scenes = e.store().scenes_of(p.id).unwrap();
    assert_own(&scenes[0], "scene-001.jpg");
    assert_own(&scenes[1], "scene-002.png");
    assert_eq!(scenes[2].status, JobStatus::Queued);
    let generate = |e: &Engine, index: u32| -> Vec<storyreel_engine::model::Job> {
        e.store()
            .all_jobs()
            .unwrap()
            .into_iter()
            .filter(|j| j.kind() == JobKind::GenerateScene && j.scene_index == Some(index))
            .collect()
    };
    for s in &scenes[..2] {
        let jobs = generate(&e, s.index);
        assert_eq!(jobs.len(), 1, "scene {}: {jobs:?}", s.index);
        let j = &jobs[0];
        assert_eq!(
            (j.id, j.status, j.attempt),
            (s.job_id, JobStatus::Succeeded, 0)
        );
        assert!(j.started_at.is_none());
    }

    // The JPEG was turned: 200x400, blue on the left, green over red on the right.
    let turned = picture(&e, &scenes[0]);
    assert_eq!(turned.dimensions(), (200, 400));
    assert_eq!(
        hues(&turned, &[(0.25, 0.5), (0.75, 0.25), (0.75, 0.75)]),
        [Some("blue"), Some("green"), Some("red")]
    );
    let img = scenes[0].image.as_ref().unwrap();
    assert_eq!((img.width, img.height), (200, 400));
    assert!(e.assets().path(&img.thumb_hash, "jpg").unwrap().is_file());
    // The portrait PNG is kept at its odd size, the way up it was.
    let tall = picture(&e, &scenes[1]);
    assert_eq!(tall.dimensions(), (1001, 1777));
    assert_eq!(
        hues(&tall, &[(0.25, 0.25), (0.75, 0.25), (0.5, 0.75)]),
        [Some("green"), Some("red"), Some("blue")]
    );

    // The workers make scene 3's title card and leave the own pictures alone.
    work::work_until_ended(&e).await;
    let after = e.store().scenes_of(p.id).unwrap();
    assert_eq!(after[0].image, scenes[0].image);
    assert_eq!(after[1].image, scenes[1].image);
    for i in [1, 2] {
        let jobs = generate(&e, i);
        assert!(jobs.iter().all(|j| j.attempt == 0), "{jobs:?}");
    }
    let card = after[2].image.clone().unwrap();
    assert!(card.placeholder && card.provider != OWN_MEDIA, "{card:?}");

    // A landscape PNG of odd size made scene 3's visual in place of its title card.
    let s = e.set_scene_media(p.id, 3, &wide, None).await.unwrap();
    assert_own(&s, "wide.png");
    assert_eq!(s, e.store().scene(p.id, 3).unwrap().unwrap());
    let w = picture(&e, &s);
    assert_eq!(w.dimensions(), (1919, 1077));
    assert_eq!(
        hues(&w, &[(0.25, 0.25), (0.75, 0.25), (0.5, 0.75)]),
        [Some("green"), Some("red"), Some("blue")]
    );
    let stand_in = e.store().job(s.job_id).unwrap().unwrap();
    assert_eq!(
        (stand_in.status, stand_in.attempt),
        (JobStatus::Succeeded, 0)
    );
    // Nothing was queued for it: the workers have nothing to do.
    assert!(work::jobs_ended(&e));
}

/// Renders `p` at 10 fps without captions; the video file and the project after.
async fn render(e: &Engine, p: &Project) -> (std::path::PathBuf, Project) {
    let mut spec = e.config().render.spec();
    spec.fps = 10;
    spec.captions = false;
    let job = match e.request_render(p, spec).await.unwrap() {
        RenderRequest::Queued(j) => j,
        RenderRequest::UpToDate(_) => panic!("expected a render"),
    };
    work::work_until(e, |e| {
        e.store()
            .job(job.id)
            .unwrap()
            .is_some_and(|j| j.status.is_terminal())
    })
    .await;
    let j = e.store().job(job.id).unwrap().unwrap();
    assert_eq!(j.status, JobStatus::Succeeded, "{:?}", j.error);
    let p = e.store().project(p.id).unwrap().unwrap();
    let file = e
        .assets()
        .path(&p.video.as_ref().unwrap().hash, "mp4")
        .unwrap();
    (file, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clips_play_at_their_own_speed_upright_holding_or_looping_with_their_sound_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let clips = dir.path().join("clips");
    std::fs::create_dir(&clips).unwrap();
    // Red for half a second, then blue, with a 440 Hz tone.
    colour_clip(&clips, "rb.mp4", &["red", "blue"], 0.5, Some(440));
    vfr_clip(&clips, "vfr.mp4");
    // The test picture, its hue turning half round a second, with the tone.
    let moving = testsrc_clip(
        dir.path(),
        "moving.mp4",
        "1280x720",
        3.0,
        ",hue=H=PI*t",
        true,
    );
    rotated_clip(&clips, "turned.mov");
    // Each scene about five seconds of espeak-ng.
    let script = r#"[
      {"text": "The red boat sails out of the harbour and into the morning light.", "media": {"file": "clips/rb.mp4", "volume": 1, "end": "hold"}},
      {"text": "It turns once around the lighthouse and comes back again to the quay.", "media": {"file": "clips/rb.mp4", "end": "loop"}},
      {"text": "The wind changes, slowly at first, and then all at once over the water.", "media": {"file": "clips/vfr.mp4", "volume": 1, "end": "loop"}},
      {"text": "Colours run across the sky as the evening comes down over the town."},
      {"text": "At last the fisherman holds his phone up high to film the whole bay."}
    ]"#;
    let e = engine(dir.path(), Config::default());
    let p = e
        .import(
            script.as_bytes(),
            "boats.json",
            ImportOptions {
                aspect: Aspect::Square,
                story_dir: Some(dir.path().to_path_buf()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    // Scene 4 by the engine's call, as the app makes it; the rotated clip from the script's
    // folder is scene 5's.
    e.set_scene_media(p.id, 4, &moving, None).await.unwrap();
    let s5 = e
        .set_scene_media(p.id, 5, &clips.join("turned.mov"), None)
        .await
        .unwrap();
    work::work_until_ended(&e).await;
    let scenes = e.store().scenes_of(p.id).unwrap();
    for (s, name) in scenes
        .iter()
        .zip(["rb.mp4", "rb.mp4", "vfr.mp4", "moving.mp4", "turned.mov"])
    {
        assert_own(s, name);
        assert_eq!(s.narration.as_ref().unwrap().status, JobStatus::Succeeded);
    }
    let own = |i: usize| scenes[i].image.as_ref().unwrap().own.clone().unwrap();
    let (c1, c2) = (own(0).clip.unwrap(), own(1).clip.unwrap());
    assert_eq!(c1.hash, c2.hash, "one clip, kept once");
    assert!(c1.audio && (c1.seconds - 1.0).abs() < 0.05, "{c1:?}");
    assert_eq!((own(0).look.volume, own(0).look.end), (1.0, ClipEnd::Hold));
    assert_eq!((own(1).look.volume, own(1).look.end), (0.0, ClipEnd::Loop));
    assert!(!own(2).clip.unwrap().audio);
    // The turned clip is a portrait 720x1280, and so is its picture, the way a player shows it.
    let turned = own(4).clip.unwrap();
    assert_eq!((turned.width, turned.height), (720, 1280));
    let poster = picture(&e, &s5);
    assert_eq!(poster.dimensions(), (720, 1280));
    let shown = frame(&clips.join("turned.mov"), 0.5, 36, 64);
    let (top, bottom) = (
        hue(mean(&shown, (0.2, 0.8), (0.05, 0.45))),
        hue(mean(&shown, (0.2, 0.8), (0.55, 0.95))),
    );
    assert!(
        top.is_some() && bottom.is_some() && top != bottom,
        "{top:?} {bottom:?}"
    );
    assert_eq!(hues(&poster, &[(0.5, 0.25), (0.5, 0.75)]), [top, bottom]);

    let (video, p) = render(&e, &p).await;
    let v = p.video.clone().unwrap();
    assert!(v.audio);
    let xfade = e.config().render.crossfade_ms as f64 / 1000.0;
    let starts: Vec<f64> = v.scene_starts.iter().map(|s| *s as f64).collect();
    let end = |i: usize| starts.get(i + 1).copied().unwrap_or(v.duration_s as f64);
    for i in 0..5 {
        assert!(
            end(i) - starts[i] > 3.5,
            "scene {} is narrated: {starts:?}",
            i + 1
        );
    }
    // A clip plays from its scene's first frame (the start of the crossfade into it): `c`
    // seconds into scene `i`'s clip is this far into the video.
    let at = |i: usize, c: f64| starts[i] - if i == 0 { 0.0 } else { xfade / 2.0 } + c;
    let colours = |i: usize, cs: &[f64]| -> Vec<Option<&str>> {
        cs.iter().map(|c| colour_at(&video, at(i, *c))).collect()
    };
    // Holding: red, blue, then blue to the scene's end.
    let last = end(0) - starts[0] - xfade;
    assert_eq!(
        colours(0, &[0.25, 0.75, 1.25, 2.25, last]),
        [
            Some("red"),
            Some("blue"),
            Some("blue"),
            Some("blue"),
            Some("blue")
        ]
    );
    // Looping: red again from a second in.
    assert_eq!(
        colours(1, &[0.75, 1.25, 1.75, 2.25, 2.75]),
        [
            Some("blue"),
            Some("red"),
            Some("blue"),
            Some("red"),
            Some("blue")
        ]
    );
    // Ten red frames a second, then thirty blue ones: by time, not by count (counted, the
    // loop would still be blue at 2.5 s).
    assert_eq!(
        colours(2, &[0.75, 1.5, 2.5, 3.5]),
        [Some("red"), Some("blue"), Some("red"), Some("blue")]
    );
    // The moving clip moves, frame for frame with its own pictures, not its still.
    let crop = "crop=720:720,scale=64:64";
    let still = frame_with(
        &e.assets()
            .path(&scenes[3].image.as_ref().unwrap().hash, "jpg")
            .unwrap(),
        0.0,
        crop,
        64,
        64,
    );
    // Frames of the video by number, each beside the clip's own frames it should show (the
    // nearest at the video's rate, give or take one of the clip's). Its hue turns half round a
    // second: the still is far off.
    let shots: Vec<(f64, image::RgbImage)> = [0.7, 1.2, 1.7]
        .iter()
        .map(|c| {
            let n = (at(3, *c) * 10.0).round() as u64;
            let c = (n as f64 - at(3, 0.0) * 10.0).round() / 10.0;
            (c, frame_no(&video, n, "scale=64:64", 64, 64))
        })
        .collect();
    assert!(diff(&shots[0].1, &shots[1].1) > 30.0, "it moves");
    for (c, shown) in &shots {
        let k = (c * 30.0).round() as u64;
        let d_own = (k - 1..=k + 1)
            .map(|k| diff(shown, &frame_no(&moving, k, crop, 64, 64)))
            .fold(f64::INFINITY, f64::min);
        let d_still = diff(shown, &still);
        assert!(
            d_own < 6.0 && d_own < d_still / 4.0,
            "{c} s: {d_own} {d_still}"
        );
    }
    // The turned clip is upright in the video as well: its top and bottom where a player puts them.
    let f = frame(&video, at(4, 1.0), 64, 64);
    assert_eq!(
        (
            hue(mean(&f, (0.2, 0.8), (0.05, 0.4))),
            hue(mean(&f, (0.2, 0.8), (0.6, 0.95)))
        ),
        (top, bottom)
    );
    // The tone is heard under scene 1's narration (volume 1), not under scenes 2 and 4's (0).
    let loud = tone_db(&video, at(0, 0.2), at(0, 0.7), 440);
    let muted = [
        tone_db(&video, at(1, 1.2), at(1, 1.7), 440),
        tone_db(&video, at(3, 1.0), at(3, 2.5), 440),
    ];
    assert!(loud > -32.0, "the tone at volume 1: {loud} dB");
    for m in muted {
        assert!(
            m < loud - 15.0,
            "a muted clip's tone: {m} dB against {loud} dB"
        );
    }
    // A held clip's sound ends with it, faded out rather than cut off (a cut clicks).
    let tail = tone_db(&video, at(0, 0.88), at(0, 1.0), 440);
    assert!(
        tail < loud - 6.0,
        "the tone's last tenth of a second: {tail} dB against {loud} dB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_media_stays_through_edits_restyles_export_and_prune_until_a_picture_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    png(&media, "scene-001.png", &marked(640, 480));
    let clip = colour_clip(&media, "scene-002.mp4", &["red", "blue"], 0.5, None);
    let mut cfg = quiet();
    cfg.queue.prune_after_days = 0;
    let e = engine(dir.path(), cfg);
    let p = e
        .import(
            STORY.as_bytes(),
            "ferry.md",
            ImportOptions {
                media_dir: Some(media.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    let before = e.store().scenes_of(p.id).unwrap();
    let (pic, vid) = (
        before[0].image.clone().unwrap(),
        before[1].image.clone().unwrap(),
    );
    let kept = vid.own.as_ref().unwrap().clip.clone().unwrap();
    assert_eq!(
        blake3::hash(&std::fs::read(&clip).unwrap())
            .to_hex()
            .to_string(),
        kept.hash,
        "the clip is kept whole, under its own hash"
    );
    assert!(e.assets().path(&kept.hash, &kept.ext).unwrap().is_file());

    // A new first scene, and the picture's words changed: the own media moves with its
    // scenes, and only the new scene gets a picture made.
    let edits = vec![
        SceneEdit {
            from: None,
            title: None,
            text: "Before dawn, the harbour is quiet.".into(),
            prompt: None,
        },
        SceneEdit {
            from: Some(1),
            title: None,
            text: "The ferry leaves, late, at dawn.".into(),
            prompt: None,
        },
        SceneEdit {
            from: Some(2),
            title: None,
            text: before[1].text.clone(),
            prompt: None,
        },
        SceneEdit {
            from: Some(3),
            title: None,
            text: before[2].text.clone(),
            prompt: None,
        },
    ];
    let out = e.edit_scenes(&p, edits).await.unwrap();
    assert_eq!(out.remade, [1]);
    work::work_until_ended(&e).await;
    let check = |e: &Engine| {
        let s = e.store().scenes_of(p.id).unwrap();
        assert_own(&s[1], "scene-001.png");
        assert_own(&s[2], "scene-002.mp4");
        assert_eq!(s[1].image.as_ref().unwrap().hash, pic.hash);
        assert_eq!(s[2].image.as_ref().unwrap().own, vid.own);
        s
    };
    let s = check(&e);
    assert_eq!(s[1].text, "The ferry leaves, late, at dawn.");
    // A new style: every scene but the own ones gets a new picture.
    let p = e.store().project(p.id).unwrap().unwrap();
    let out = e.set_project_look(&p, Some("noir"), None).await.unwrap();
    assert_eq!(out.remade, [1, 4]);
    work::work_until_ended(&e).await;
    check(&e);
    // A voice for the story, then none again: every scene is narrated anew and then silent,
    // and the own media stays through both with nothing made for them.
    let p = e.store().project(p.id).unwrap().unwrap();
    assert_eq!(e.choose_voice(&p, "espeak-ng").await.unwrap(), 4);
    work::work_until_ended(&e).await;
    let s = check(&e);
    for sc in &s {
        let n = sc.narration.as_ref().unwrap_or_else(|| panic!("{sc:?}"));
        assert_eq!(n.status, JobStatus::Succeeded, "scene {}", sc.index);
    }
    let p = e.store().project(p.id).unwrap().unwrap();
    e.choose_voice(&p, "off").await.unwrap();
    work::work_until_ended(&e).await;
    check(&e);
    // How the clip fits changes; the clip stays.
    let look = MediaLook {
        fit: Fit::Contain,
        end: ClipEnd::Loop,
        ..MediaLook::default()
    };
    e.set_media_look(p.id, 3, look).await.unwrap();
    let s3 = e.store().scene(p.id, 3).unwrap().unwrap();
    let own3 = s3.image.as_ref().unwrap().own.clone().unwrap();
    assert_eq!((own3.look, own3.clip), (look, Some(kept.clone())));
    let strip = e.clip_strip(p.id, 3, 4, 48).await.unwrap();
    assert_eq!(strip.len(), 4);

    // The export lists the own scenes' files, as the pictures they are.
    let p = e.store().project(p.id).unwrap().unwrap();
    let out_dir = dir.path().join("export");
    let r = e.export(&p, &out_dir).unwrap();
    for (name, img) in [("scene-002.jpg", &pic), ("scene-003.jpg", &vid)] {
        assert!(r.files.iter().any(|f| f == name), "{name} in {:?}", r.files);
        assert_eq!(
            std::fs::read(out_dir.join(name)).unwrap(),
            std::fs::read(e.assets().path(&img.hash, &img.ext).unwrap()).unwrap()
        );
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenes"][1]["provider"], OWN_MEDIA);
    assert_eq!(m["scenes"][2]["provider"], OWN_MEDIA);
    // The clip itself goes with its first frame, whole, and the manifest names it.
    assert!(
        r.files.iter().any(|f| f == "scene-003.clip.mp4"),
        "{:?}",
        r.files
    );
    assert_eq!(
        std::fs::read(out_dir.join("scene-003.clip.mp4")).unwrap(),
        std::fs::read(&clip).unwrap()
    );
    assert_eq!(m["scenes"][2]["clip"], "scene-003.clip.mp4");
    assert!(m["scenes"][1]["clip"].is_null());

    // Prune (everything finished is old enough): the jobs standing for the media stay.
    let pruned = e.prune().await.unwrap();
    assert!(pruned > 0, "the replaced title cards' jobs go");
    for i in [1, 2] {
        let j = e
            .store()
            .job(s[i].job_id)
            .unwrap()
            .expect("the stand-in stays");
        assert_eq!(
            (j.status, j.scene_index),
            (JobStatus::Succeeded, Some(i as u32 + 1))
        );
    }
    // The video still finds everything it needs.
    render(&e, &p).await;

    // Asked for: a picture made for scene 2 in place of the person's own.
    let job = e.make_picture_instead(p.id, 2).await.unwrap();
    assert_eq!(job.kind(), JobKind::GenerateScene);
    assert_eq!(
        e.store().scene(p.id, 2).unwrap().unwrap().status,
        JobStatus::Queued
    );
    work::work_until_ended(&e).await;
    let s = e.store().scenes_of(p.id).unwrap();
    let made = s[1].image.as_ref().unwrap();
    assert!(made.own.is_none() && made.provider != OWN_MEDIA, "{made:?}");
    assert_eq!(
        e.store().job(job.id).unwrap().unwrap().status,
        JobStatus::Succeeded
    );
    assert_own(&s[2], "scene-002.mp4");
    let err = e
        .make_picture_instead(p.id, 2)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("does not show a picture or clip of yours"),
        "{err}"
    );
}
