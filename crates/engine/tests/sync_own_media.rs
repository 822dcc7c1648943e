//! The creator's own picture and clip go to the storage target like every picture (a real S3
//! server on 127.0.0.1): the picture (for a clip, its first frame) and the clip itself, the
//! same bytes under the project's prefix; and a target configured after the import catches up
//! with them too.

mod sync;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use storyreel_engine::model::JobStatus;
use storyreel_engine::ImportOptions;
use storyreel_testkit::s3::S3Server;
use sync::*;

fn media_dir(dir: &Path) -> std::path::PathBuf {
    let media = dir.join("media");
    std::fs::create_dir_all(&media).unwrap();
    let ok = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25:d=2",
        ])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(media.join("scene-002.mp4"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let ok = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=300x400",
        ])
        .args(["-frames:v", "1"])
        .arg(media.join("scene-001.png"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    media
}

async fn check_uploaded(
    e: &storyreel_engine::Engine,
    server: &S3Server,
    p: &storyreel_engine::model::Project,
) {
    let objects = server.objects(BUCKET, PREFIX).await;
    for s in scenes(e, p).iter().take(2) {
        let img = s.image.as_ref().unwrap();
        let own = img.own.as_ref().expect("own media");
        let mut files = vec![(img.hash.clone(), img.ext.clone())];
        files.extend(own.clip.as_ref().map(|c| (c.hash.clone(), c.ext.clone())));
        for (hash, ext) in files {
            let key = objects
                .iter()
                .map(|(k, _)| k.clone())
                .find(|k| k.ends_with(&format!("{}.{ext}", &hash[..8])))
                .unwrap_or_else(|| panic!("scene {}: no {hash}.{ext} among {objects:?}", s.index));
            let (bytes, _) = server.object(BUCKET, &key).await;
            let local = std::fs::read(e.assets().path(&hash, &ext).unwrap()).unwrap();
            assert!(
                bytes == local,
                "scene {}: {key} holds the same bytes",
                s.index
            );
        }
    }
}

fn uploads_settled(e: &storyreel_engine::Engine) -> bool {
    e.store()
        .all_jobs()
        .unwrap()
        .iter()
        .all(|j| j.status.is_terminal())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_pictures_and_clips_are_uploaded_like_every_picture() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let media = media_dir(dir.path());
    let e = engine(&dir.path().join("data"), config(&server, BUCKET));
    let p = e
        .import(
            story(3).as_bytes(),
            "bay.txt",
            ImportOptions {
                media_dir: Some(media),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .project;
    work_until(&e, Duration::from_secs(60), uploads_settled).await;
    check_uploaded(&e, &server, &p).await;
    assert!(e
        .store()
        .all_jobs()
        .unwrap()
        .iter()
        .all(|j| j.status == JobStatus::Succeeded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_set_later_catches_up_with_own_clips() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let media = media_dir(dir.path());
    let data = dir.path().join("data");
    let mut offline = config(&server, BUCKET);
    offline.sync.target = None;
    let p = {
        let e = engine(&data, offline);
        let p = e
            .import(
                story(3).as_bytes(),
                "bay.txt",
                ImportOptions {
                    media_dir: Some(media),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .project;
        work_until(&e, Duration::from_secs(60), uploads_settled).await;
        p
    };
    let e = engine(&data, config(&server, BUCKET));
    let queued = e.sync_backfill(Some(p.id)).await.unwrap();
    assert_eq!(queued, 3, "every scene's picture, the clip with its own");
    work_until(&e, Duration::from_secs(60), uploads_settled).await;
    check_uploaded(&e, &server, &p).await;
}
