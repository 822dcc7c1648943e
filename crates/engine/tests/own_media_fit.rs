//! How the creator's own media sits in the rendered video, read back from the MP4's frames
//! (real ffmpeg and sled): a clip plays from its in point and stops at its out point (holding
//! that frame or looping back to the in point), a clip longer than its scene is cut where the
//! scene ends, a clip of an odd size (Matroska, 4:4:4) fills its frame; a picture covers the frame around its focus point, or sits whole over a
//! blurred and dimmed fill; an own picture moves (the Ken Burns motion) as a made one does.

mod media;
mod work;

use std::path::Path;

use image::{Rgb, RgbImage};
use media::*;
use storyreel_engine::config::Config;
use storyreel_engine::model::{Aspect, Project};
use storyreel_engine::render::RenderRequest;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

/// Narrated by espeak-ng when `voice`: a narrated scene lasts its narration, whatever its
/// clip's length (without one, a clip's scene lasts the clip).
fn engine(dir: &Path, voice: bool) -> Engine {
    let cfg = if voice { Config::default() } else { quiet() };
    Engine::open(EngineOptions::new(dir.join("data"), cfg)).unwrap()
}

/// Imports `script` (JSON scenes) as a square project whose media is found beside it.
async fn import(e: &Engine, dir: &Path, script: &str) -> Project {
    let p = e
        .import(
            script.as_bytes(),
            "story.json",
            ImportOptions {
                aspect: Aspect::Square,
                story_dir: Some(dir.to_path_buf()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work::work_until_ended(e).await;
    p
}

/// Renders `p` at 10 fps without captions; the video and where each scene's own media
/// starts in it (a scene's clip starts with the crossfade into it), and where each scene ends.
async fn render(e: &Engine, p: &Project) -> (std::path::PathBuf, Vec<f64>, Vec<f64>) {
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
    let p = e.store().project(p.id).unwrap().unwrap();
    let v = p.video.clone().unwrap_or_else(|| panic!("no video: {p:?}"));
    let file = e.assets().path(&v.hash, "mp4").unwrap();
    let xfade = e.config().render.crossfade_ms as f64 / 1000.0;
    let starts: Vec<f64> = v.scene_starts.iter().map(|s| *s as f64).collect();
    let from: Vec<f64> = starts
        .iter()
        .enumerate()
        .map(|(i, s)| s - if i == 0 { 0.0 } else { xfade / 2.0 })
        .collect();
    let ends: Vec<f64> = (0..starts.len())
        .map(|i| {
            starts
                .get(i + 1)
                .map(|s| s - xfade / 2.0)
                .unwrap_or(v.duration_s as f64)
        })
        .collect();
    (file, from, ends)
}

const SENTENCE: &str =
    "The harbour lights come on one by one as the boats return slowly to the quay at dusk";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clip_plays_between_its_in_and_out_points_and_one_longer_than_its_scene_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    // Six seconds: a colour a second.
    colour_clip(
        dir.path(),
        "six.mp4",
        &["red", "green", "blue", "red", "green", "blue"],
        1.0,
        None,
    );
    // An odd size (333x187, which 4:2:0 video cannot have) in another container and codec.
    ff(
        "-f lavfi -i color=c=blue:s=333x187:r=24:d=1 -f lavfi -i color=c=red:s=333x187:r=24:d=1 \
         -filter_complex [0][1]concat=n=2:v=1:a=0 -c:v libx264 -preset ultrafast -pix_fmt yuv444p",
        &dir.path().join("odd.mkv"),
    );
    let script = format!(
        r#"[
      {{"text": "{SENTENCE}.", "media": {{"file": "six.mp4", "in": 1, "out": 2, "end": "hold"}}}},
      {{"text": "{SENTENCE}, and again.", "media": {{"file": "six.mp4", "in": 1, "out": 3, "end": "loop"}}}},
      {{"text": "Then the night comes down.", "media": "six.mp4"}},
      {{"text": "{SENTENCE}, and the last one.", "media": {{"file": "odd.mkv", "end": "loop"}}}}
    ]"#
    );
    let e = engine(dir.path(), true);
    let p = import(&e, dir.path(), &script).await;
    let (video, from, ends) = render(&e, &p).await;
    let colours = |i: usize, cs: &[f64]| -> Vec<Option<&str>> {
        cs.iter()
            .map(|c| {
                assert!(
                    from[i] + c < ends[i] - 0.2,
                    "scene {} is long enough for {c} s: {from:?} {ends:?}",
                    i + 1
                );
                colour_at(&video, from[i] + c)
            })
            .collect()
    };
    // From its in point (green, not the red it starts with) to its out point, then that frame
    // held: never the blue that follows in the file.
    let held = ends[0] - from[0] - 0.5;
    assert!(held > 2.5, "scene 1 outlasts its clip: {from:?} {ends:?}");
    assert_eq!(colours(0, &[0.2, 0.7, 1.5, 2.2, held]), [Some("green"); 5]);
    // Looping between its points: green, blue, green again; never the file's red.
    assert!(ends[1] - from[1] > 3.8, "{from:?} {ends:?}");
    assert_eq!(
        colours(1, &[0.5, 1.5, 2.5, 3.5]),
        [Some("green"), Some("blue"), Some("green"), Some("blue")]
    );
    // A six-second clip in a short scene: it plays from its start at its own speed, and the
    // scene keeps its narration's length (the clip is cut, the video does not wait for it).
    let short = ends[2] - from[2];
    assert!(
        short < 4.5,
        "the scene lasts its words, not the clip: {short} s"
    );
    assert_eq!(colours(2, &[0.5, 1.5]), [Some("red"), Some("green")]);
    // The odd-sized clip fills its square frame, blue then red, looping.
    assert_eq!(
        colours(3, &[0.5, 1.5, 2.5, 3.5]),
        [Some("blue"), Some("red"), Some("blue"), Some("red")]
    );
    let f = frame(&video, from[3] + 0.5, 64, 64);
    assert_eq!(
        hues(&f, &[(0.15, 0.15), (0.85, 0.85)]),
        [Some("blue"), Some("blue")],
        "cropped to fill the frame, no bars"
    );
}

/// Left half red, right half blue, twice as wide as high.
fn halves(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, _| Rgb(if x < w / 2 { RED } else { BLUE }))
}

/// Squares of black and white `cell` pixels wide.
fn chequers(w: u32, h: u32, cell: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb(if (x / cell + y / cell).is_multiple_of(2) {
            [0; 3]
        } else {
            [255; 3]
        })
    })
}

/// The largest change of colour between two neighbouring pixels of the row at `y` (a fraction
/// of the height): large where a picture turns at once, small where it is blurred.
fn steepest(img: &RgbImage, y: f32) -> f64 {
    let row = (y * img.height() as f32) as u32;
    (1..img.width())
        .map(|x| {
            let (a, b) = (img.get_pixel(x - 1, row).0, img.get_pixel(x, row).0);
            (0..3)
                .map(|c| (a[c] as f64 - b[c] as f64).abs())
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_covers_around_its_focus_or_sits_whole_over_a_blurred_fill_and_moves() {
    let dir = tempfile::tempdir().unwrap();
    png(dir.path(), "halves.png", &halves(1600, 800));
    png(dir.path(), "chequers.png", &chequers(1080, 1080, 40));
    let script = format!(
        r#"[
      {{"text": "{SENTENCE}.", "media": {{"file": "halves.png", "fit": "cover", "focus": [0, 0.5]}}}},
      {{"text": "{SENTENCE}.", "media": {{"file": "halves.png", "fit": "cover", "focus": [1, 0.5]}}}},
      {{"text": "{SENTENCE}.", "media": {{"file": "halves.png", "fit": "contain"}}}},
      {{"text": "{SENTENCE}.", "media": "chequers.png"}}
    ]"#
    );
    let e = engine(dir.path(), false);
    let p = import(&e, dir.path(), &script).await;
    let (video, from, ends) = render(&e, &p).await;
    let mid = |i: usize| (from[i] + ends[i]) / 2.0;
    let whole = |f: &RgbImage| hue(mean(f, (0.05, 0.95), (0.05, 0.95)));
    // Cover, kept around the left edge: the square shows the red half only; around the right
    // edge, the blue half only; the whole way through the scene's move.
    for (i, colour) in [(0, "red"), (1, "blue")] {
        for t in [from[i] + 0.6, mid(i), ends[i] - 0.6] {
            assert_eq!(
                whole(&frame(&video, t, 64, 64)),
                Some(colour),
                "scene {i} at {t}"
            );
        }
    }
    // Contain: the picture whole across the middle (red then blue), over a fill above and
    // below it that is the same picture blurred (a wide way from red to blue where the
    // picture itself turns at once) and dimmed.
    let f = frame(&video, mid(2), 216, 216);
    assert_eq!(
        hues(&f, &[(0.2, 0.5), (0.8, 0.5)]),
        [Some("red"), Some("blue")]
    );
    let (sharp, blurred) = (steepest(&f, 0.5), steepest(&f, 0.04));
    assert!(sharp > 150.0, "the picture turns at once: {sharp}");
    assert!(
        blurred < sharp / 3.0,
        "the fill is blurred: at most {blurred} a pixel against {sharp}"
    );
    let bright = |y: (f32, f32)| {
        let m = mean(&f, (0.05, 0.35), y);
        m.iter().copied().fold(0.0, f64::max)
    };
    let (front, fill) = (bright((0.45, 0.55)), bright((0.01, 0.08)));
    assert!(
        fill < front * 0.8 && fill > 40.0,
        "the fill is the picture dimmed: {fill} against {front}"
    );
    // The person's own picture moves as a made picture does: frames far apart in its scene
    // differ much more than frames a tenth of a second apart.
    let at = |t: f64| frame(&video, t, 108, 108);
    let (a, b, c) = (at(from[3] + 0.7), at(from[3] + 0.8), at(ends[3] - 0.3));
    let (near, far) = (diff(&a, &b), diff(&a, &c));
    assert!(
        far > 20.0 && far > 3.0 * near,
        "the picture moves: {far} apart against {near} a frame apart"
    );
}
