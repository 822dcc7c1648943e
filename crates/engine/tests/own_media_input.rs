//! Files that cannot be a scene's visual, with real ffmpeg and sled: a text file named .jpg,
//! random bytes, a 4 GB file, a clip cut short, sound without a picture, a picture of 20000×20000
//! pixels, a file that is not there, a folder and an empty file. Each is one sentence naming
//! the file and saying what to do; the scene keeps what it showed, nothing is queued or kept
//! half, and an import naming such a file records nothing. A picture in a format only ffmpeg
//! reads is taken.

mod media;
mod work;

use std::path::{Path, PathBuf};

use media::*;
use storyreel_engine::model::OWN_MEDIA;
use storyreel_engine::{Engine, EngineOptions, ImportOptions};

const STORY: &str =
    "The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nThe town wakes as it docks.\n";

/// CRC-32 (IEEE), for the PNG chunks made by hand.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for b in bytes {
        c ^= *b as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A PNG whose header says 20000×20000 (1-bit grey) over a few bytes of pixels: what a decoder
/// must refuse by its header, before any pixel is read.
fn enormous_png(dir: &Path) -> PathBuf {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        c.extend_from_slice(&body);
        c.extend_from_slice(&crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = 20_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, grey, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    let p = dir.join("poster.png");
    std::fs::write(&p, png).unwrap();
    p
}

/// Bytes that look like nothing (a fixed xorshift sequence, so every run is the same).
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The bad files, each with words its sentence must hold beyond the file's name.
fn bad_files(dir: &Path) -> Vec<(PathBuf, &'static [&'static str])> {
    let text = dir.join("notes.jpg");
    std::fs::write(&text, "these are my notes, not a photo\n").unwrap();
    let random = dir.join("noise.mp4");
    std::fs::write(&random, noise(200_000)).unwrap();
    // 4 GB on paper, nothing on disk.
    let huge = dir.join("holiday.mov");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    // A clip whose index is at the front (faststart) and whose last 40% is gone.
    let whole = testsrc_clip(dir, "whole.mp4", "640x360", 4.0, "", false);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let song = dir.join("song.m4a");
    let wav = dir.join("birds.wav");
    for f in [&song, &wav] {
        ff("-f lavfi -i sine=frequency=330:duration=2", f);
    }
    let folder = dir.join("photos.jpg");
    std::fs::create_dir(&folder).unwrap();
    let empty = dir.join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    vec![
        (
            text,
            &["not a picture or a video clip", "Choose a photo"][..],
        ),
        (random, &["not a picture or a video clip", "Choose a photo"]),
        (huge, &["4.0 GB", "at most 2.0 GB", "Trim it"]),
        (cut, &["damaged or cut short", "Choose the whole file"]),
        (song, &["sound but no picture", "choose a photo or a video"]),
        (wav, &["sound but no picture", "choose a photo or a video"]),
        (enormous_png(dir), &["20000×20000", "Save a smaller copy"]),
        (
            dir.join("gone.png"),
            &["does not exist", "Choose the file again"],
        ),
        (
            folder,
            &["is a folder", "choose a picture or a video clip in it"],
        ),
        (empty, &["is empty", "choose another file"]),
    ]
}

/// Nothing half-kept in the data folder's scratch space.
fn scratch_is_empty(data: &Path) {
    let left: Vec<_> = std::fs::read_dir(data.join("assets/scratch"))
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_shown_is_one_sentence_and_the_scene_keeps_its_visual() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let e = Engine::open(EngineOptions::new(&data, quiet())).unwrap();
    let p = e
        .import(STORY.as_bytes(), "ferry.md", ImportOptions::default())
        .await
        .unwrap()
        .project;
    work::work_until_ended(&e).await;
    // Scene 1 shows a picture of the person's, scene 2 a title card.
    let mine = png(dir.path(), "mine.png", &marked(300, 200));
    e.set_scene_media(p.id, 1, &mine, None).await.unwrap();
    let before = e.store().scenes_of(p.id).unwrap();
    assert_eq!(before[0].image.as_ref().unwrap().provider, OWN_MEDIA);
    let jobs = e.store().all_jobs().unwrap().len();
    let assets = std::fs::read_dir(data.join("assets")).unwrap().count();

    let bad = bad_files(dir.path());
    for (file, says) in &bad {
        let name = file.file_name().unwrap().to_str().unwrap();
        for index in [1, 2] {
            let err = e
                .set_scene_media(p.id, index, file, None)
                .await
                .expect_err(name);
            let msg = err.to_string();
            assert!(msg.contains(name), "names the file: {msg}");
            for s in *says {
                assert!(msg.contains(s), "{name}: {s:?} in {msg:?}");
            }
            // One sentence or two (what is wrong, what to do), in words: no debug output.
            assert!(!msg.contains('\n') && msg.ends_with('.'), "{msg:?}");
            for noise in ["panicked", "Os {", "Error(", "ffprobe", "stderr"] {
                assert!(!msg.contains(noise), "{msg}");
            }
        }
    }
    // Nothing lost, nothing queued, nothing kept.
    assert_eq!(e.store().scenes_of(p.id).unwrap(), before);
    assert_eq!(e.store().all_jobs().unwrap().len(), jobs);
    assert!(work::jobs_ended(&e));
    assert_eq!(
        std::fs::read_dir(data.join("assets")).unwrap().count(),
        assets,
        "no new asset folder"
    );
    scratch_is_empty(&data);

    // A scene that is not there is said as much.
    let err = e.set_scene_media(p.id, 9, &mine, None).await.unwrap_err();
    assert!(err.to_string().contains("no scene 9"), "{err}");

    // A picture in a format only ffmpeg reads here (BMP) is taken, upright.
    let bmp = dir.path().join("scan.bmp");
    let src = png(dir.path(), "scan-src.png", &marked(330, 210));
    ffmpeg(&["-i", src.to_str().unwrap(), bmp.to_str().unwrap()]);
    let s = e.set_scene_media(p.id, 2, &bmp, None).await.unwrap();
    let img = s.image.clone().unwrap();
    assert_eq!(
        (img.provider.as_str(), img.width, img.height),
        (OWN_MEDIA, 330, 210)
    );
    assert_eq!(
        hues(&picture(&e, &s), &[(0.25, 0.25), (0.75, 0.25), (0.5, 0.75)]),
        [Some("green"), Some("red"), Some("blue")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_naming_a_bad_file_says_which_scene_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let e = Engine::open(EngineOptions::new(&data, quiet())).unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    png(&media, "scene-001.png", &marked(300, 200));
    std::fs::write(media.join("scene-002.jpg"), "not a photo").unwrap();
    let opts = || ImportOptions {
        media_dir: Some(media.clone()),
        ..Default::default()
    };
    let err = e
        .import(STORY.as_bytes(), "ferry.md", opts())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("Scene 2: scene-002.jpg is not a picture or a video clip"),
        "{err}"
    );
    // A story linking a file that is not there, or a web address.
    let linked = "![the ferry](photos/ferry.jpg) The ferry leaves at dawn.\n\nGulls follow it.\n";
    let err = e
        .import(
            linked.as_bytes(),
            "linked.md",
            ImportOptions {
                story_dir: Some(dir.path().to_path_buf()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("Scene 1: ferry.jpg does not exist"),
        "{err}"
    );
    let web = "The ferry leaves.\n\n![gulls](https://example.com/gulls.jpg) Gulls follow it.\n";
    let err = e
        .import(web.as_bytes(), "web.md", ImportOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Scene 2 links to https://example.com/gulls.jpg"),
        "{err}"
    );
    let err = e
        .import(
            STORY.as_bytes(),
            "ferry.md",
            ImportOptions {
                media_dir: Some(dir.path().join("no-such-folder")),
                ..Default::default()
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no-such-folder does not exist"), "{err}");
    // Nothing was recorded, though scene 1's picture was read before scene 2's failed.
    assert!(e.store().projects().unwrap().is_empty());
    assert!(e.store().all_jobs().unwrap().is_empty());
    scratch_is_empty(&data);

    // Put right, the same import goes through.
    png(&media, "scene-002.png", &marked(200, 300));
    std::fs::remove_file(media.join("scene-002.jpg")).unwrap();
    let p = e
        .import(STORY.as_bytes(), "ferry.md", opts())
        .await
        .unwrap()
        .project;
    let scenes = e.store().scenes_of(p.id).unwrap();
    assert_eq!(scenes[1].image.as_ref().unwrap().provider, OWN_MEDIA);
}
