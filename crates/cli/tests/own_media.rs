//! `storyreel make` with the creator's own pictures and clips, end to end with the real binary,
//! ffmpeg and espeak-ng: a media folder (`--media-dir`), Markdown picture and video links and a
//! script's `media` field; the summary says no image provider was asked; the video shows the
//! clip; a bad file is one sentence naming the scene and the file; and kill -9 while a large
//! clip is being kept leaves nothing half, the next `make` keeping it whole.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{duration_of, Sandbox};
use image::{Rgb, RgbImage};
use storyreel_engine::config::Config;
use storyreel_engine::model::{ClipEnd, Fit, Scene, OWN_MEDIA};
use storyreel_engine::{Engine, EngineOptions};

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(args)
        .output()
        .expect("ffmpeg runs (apt-get install ffmpeg)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 320x240 clip, red for a second then blue for a second.
fn red_then_blue(file: &Path) {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=320x240:r=30:d=1",
        "-f",
        "lavfi",
        "-i",
        "color=c=blue:s=320x240:r=30:d=1",
        "-filter_complex",
        "[0][1]concat=n=2:v=1:a=0",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        file.to_str().unwrap(),
    ]);
}

fn green(w: u32, h: u32) -> RgbImage {
    RgbImage::from_pixel(w, h, Rgb([20, 200, 20]))
}

/// The plain colour of the upper middle of `file`'s frame at `t` s (none when mixed).
fn colour_at(file: &Path, t: f64) -> Option<&'static str> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-ss", &format!("{t:.3}"), "-i"])
        .arg(file)
        .args([
            "-frames:v",
            "1",
            "-vf",
            "crop=iw/2:ih/3:iw/4:ih/6,scale=1:1",
        ])
        .args(["-pix_fmt", "rgb24", "-f", "rawvideo", "-"])
        .output()
        .unwrap();
    let c: Vec<i32> = out.stdout.iter().map(|b| *b as i32).collect();
    assert_eq!(c.len(), 3, "{}", String::from_utf8_lossy(&out.stderr));
    let top = (0..3).max_by_key(|i| c[*i]).unwrap();
    let plain = c[top] > 110 && (0..3).all(|i| i == top || c[i] < c[top] - 80);
    plain.then_some(["red", "green", "blue"][top])
}

/// The data folder's projects and their scenes, read by an engine of this test's own (the
/// binary has exited).
fn stored(sb: &Sandbox) -> Vec<(storyreel_engine::model::Project, Vec<Scene>)> {
    let e = Engine::open(EngineOptions::new(sb.data(), Config::default())).unwrap();
    let mut out: Vec<_> = e
        .projects()
        .unwrap()
        .into_iter()
        .map(|p| {
            let scenes = e.scenes(p.id).unwrap();
            (p, scenes)
        })
        .collect();
    out.sort_by_key(|(p, _)| p.created_at);
    out
}

fn provider(s: &Scene) -> &str {
    s.image.as_ref().map_or("", |i| i.provider.as_str())
}

#[test]
fn make_with_a_media_folder_shows_the_picture_and_the_clip_and_asks_no_provider() {
    let sb = Sandbox::new();
    let story = sb.write(
        "harbour.md",
        "The harbour is green at dawn.\n\nA red boat leaves, and then a blue one.\n\nThe town wakes.\n",
    );
    let media = sb.path("media");
    std::fs::create_dir(&media).unwrap();
    green(640, 480).save(media.join("scene-001.jpg")).unwrap();
    red_then_blue(&media.join("scene-002.mp4"));
    let out = sb.path("harbour.mp4");
    let r = sb.run(&[
        "make",
        story.to_str().unwrap(),
        "--media-dir",
        media.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--fps",
        "10",
    ]);
    r.expect(
        0,
        &[
            "Scenes 1 and 2 show your own pictures and clips; no image provider was asked for those.",
            "harbour.mp4",
        ],
    );
    assert!(duration_of(&out) > 4.0);
    let st = sb.status_json();
    let scenes = st["projects"][0]["scenes"].as_array().unwrap();
    let providers: Vec<&str> = scenes
        .iter()
        .map(|s| s["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers[..2], [OWN_MEDIA, OWN_MEDIA]);
    assert_ne!(providers[2], OWN_MEDIA);
    // The video: the picture in scene 1, the clip playing in scene 2 (it starts with the
    // crossfade into its scene, half a crossfade before the scene's start).
    let starts: Vec<f64> = st["projects"][0]["video"]["scene_starts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let clip = starts[1] - 0.25;
    assert_eq!(colour_at(&out, starts[1] / 2.0), Some("green"));
    assert_eq!(colour_at(&out, clip + 0.75), Some("red"));
    assert_eq!(colour_at(&out, clip + 1.5), Some("blue"));
}

#[test]
fn a_storys_own_links_and_a_scripts_media_field_are_found_from_the_storys_folder() {
    let sb = Sandbox::new();
    let tale = sb.path("tale");
    std::fs::create_dir_all(tale.join("pics")).unwrap();
    std::fs::create_dir_all(tale.join("clips")).unwrap();
    green(300, 500).save(tale.join("pics/a.png")).unwrap();
    red_then_blue(&tale.join("clips/b.mp4"));
    std::fs::write(
        tale.join("story.md"),
        "# The gull\n\n![a gull](pics/a.png) The gull turns over the water.\n\n[the harbour](clips/b.mp4) The harbour wakes.\n",
    )
    .unwrap();
    std::fs::write(
        tale.join("script.json"),
        r#"[
  {"text": "The boat comes in.", "media": {"file": "clips/b.mp4", "fit": "contain", "focus": [0.2, 0.8], "in": 0.5, "volume": 0.5, "end": "loop"}},
  {"text": "The gull lands.", "media": "pics/a.png"}
]"#,
    )
    .unwrap();
    // Named relative to where the command runs, the links relative to the story's folder.
    for name in ["tale/story.md", "tale/script.json"] {
        let r = common::Run::from(
            sb.cmd()
                .current_dir(sb.dir.path())
                .args(["make", name])
                .output()
                .unwrap(),
        );
        r.expect(
            0,
            &["Every scene shows your own pictures and clips; no image provider was asked for any of them."],
        );
    }
    let projects = stored(&sb);
    assert_eq!(projects.len(), 2);
    let (md, json) = (&projects[0].1, &projects[1].1);
    let own = |s: &Scene| s.image.as_ref().unwrap().own.clone().unwrap();
    assert_eq!(md[0].text, "The gull turns over the water.");
    assert_eq!(md[1].text, "The harbour wakes.");
    assert!(md.iter().chain(json).all(|s| provider(s) == OWN_MEDIA));
    assert_eq!(
        (own(&md[0]).name, own(&md[1]).name),
        ("a.png".into(), "b.mp4".into())
    );
    assert!(own(&md[0]).clip.is_none() && own(&md[1]).clip.is_some());
    let look = own(&json[0]).look;
    assert_eq!((look.fit, look.end), (Fit::Contain, ClipEnd::Loop));
    assert_eq!(
        (look.focus_x, look.focus_y, look.clip_in, look.volume),
        (0.2, 0.8, 0.5, 0.5)
    );
    // One clip, kept once.
    assert_eq!(
        own(&json[0]).clip.unwrap().hash,
        own(&md[1]).clip.unwrap().hash
    );
}

#[test]
fn a_bad_media_file_is_one_sentence_naming_the_scene_and_the_file() {
    let sb = Sandbox::new();
    let story = sb.write("story.md", "The ferry leaves.\n\nGulls follow it.\n");
    let media = sb.path("media");
    std::fs::create_dir(&media).unwrap();
    green(64, 64).save(media.join("scene-001.png")).unwrap();
    std::fs::write(media.join("scene-002.jpg"), "my notes, not a photo").unwrap();
    let r = sb.run(&[
        "make",
        story.to_str().unwrap(),
        "--media-dir",
        media.to_str().unwrap(),
    ]);
    r.expect(
        2,
        &["Scene 2: scene-002.jpg is not a picture or a video clip StoryReel can read. Choose a photo"],
    );
    let said: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(said.len(), 1, "one line: {}", r.stderr);
    // A linked file that is not there, and a media folder that is not there.
    let linked = sb.write("linked.md", "![x](pics/gone.png) The ferry leaves.\n");
    sb.run(&["make", linked.to_str().unwrap()]).expect(
        2,
        &["Scene 1: gone.png does not exist", "Choose the file again"],
    );
    sb.run(&[
        "make",
        story.to_str().unwrap(),
        "--media-dir",
        sb.path("nowhere").to_str().unwrap(),
    ])
    .expect(2, &["The media folder", "nowhere does not exist"]);
    // Nothing was made of any of them.
    sb.run(&["list"]).expect(0, &["No projects"]);
}

/// The `.tmp-` files in the data folder's scratch space, with their sizes.
fn temp_files(sb: &Sandbox) -> Vec<(PathBuf, u64)> {
    std::fs::read_dir(sb.data().join("assets/scratch"))
        .map(|r| {
            r.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
                .map(|e| (e.path(), e.metadata().map_or(0, |m| m.len())))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn kill_minus_nine_while_a_large_clip_is_kept_leaves_nothing_half_and_the_next_make_keeps_it() {
    let sb = Sandbox::new();
    let story = sb.write("story.md", "The ferry leaves.\n\nGulls follow it.\n");
    let media = sb.path("media");
    std::fs::create_dir(&media).unwrap();
    // About 276 MB: twenty seconds of uncompressed 640x480 pictures.
    let clip = media.join("scene-001.avi");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x480:r=30:d=20",
        "-c:v",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        clip.to_str().unwrap(),
    ]);
    let size = std::fs::metadata(&clip).unwrap().len();
    assert!(size > 250_000_000, "{size}");
    let args = [
        "make",
        story.to_str().unwrap(),
        "--media-dir",
        media.to_str().unwrap(),
    ];
    let mut child = sb
        .cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the copy is seen under its temporary name, growing (or whole, not yet
    // renamed into place).
    let t0 = Instant::now();
    let mut seen: Option<u64> = None;
    let at_kill = loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "make ended before its copy of the clip was seen (seen {seen:?})"
        );
        assert!(t0.elapsed() < Duration::from_secs(60), "no copy appeared");
        if let Some((_, len)) = temp_files(&sb)
            .into_iter()
            .find(|(p, _)| p.extension().is_some_and(|x| x == "avi"))
        {
            if len > 0 && (seen.is_some_and(|s| len > s) || len == size) {
                child.kill().unwrap(); // SIGKILL
                break len;
            }
            seen = Some(len);
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    child.wait().unwrap();
    let left = temp_files(&sb);
    assert_eq!(
        left.len(),
        1,
        "the killed copy is there, half made: {left:?}"
    );
    assert!(at_kill <= size);

    // Again: the clip is kept whole, the scene shows it, nothing half is left (the new start
    // cleared the old copy away).
    sb.run(&args)
        .expect(0, &["Scene 1 shows your own pictures and clips"]);
    assert!(temp_files(&sb).is_empty(), "{:?}", temp_files(&sb));
    let projects = stored(&sb);
    assert_eq!(projects.len(), 1);
    let scene = &projects[0].1[0];
    assert_eq!(provider(scene), OWN_MEDIA);
    let kept = scene
        .image
        .as_ref()
        .unwrap()
        .own
        .clone()
        .unwrap()
        .clip
        .unwrap();
    let want = storyreel_engine::imaging::hash(&std::fs::read(&clip).unwrap());
    assert_eq!(
        (kept.hash.as_str(), kept.bytes, kept.ext.as_str()),
        (want.as_str(), size, "avi")
    );
    let e = Engine::open(EngineOptions::new(sb.data(), Config::default())).unwrap();
    assert!(
        e.assets().verify(&kept.hash, &kept.ext).unwrap(),
        "the kept file hashes as the clip"
    );
}
