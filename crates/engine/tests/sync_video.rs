//! The rendered video goes to the storage target with the images (a real S3 server on
//! 127.0.0.1): the same bytes under the project's prefix, its address kept with the video and
//! shown in the project's view; a later render uploads its own video.

mod sync;

use std::time::Duration;

use storyreel_engine::model::JobStatus;
use storyreel_testkit::s3::S3Server;
use sync::*;

fn video_done(e: &storyreel_engine::Engine, p: &storyreel_engine::model::Project) -> bool {
    e.store()
        .project(p.id)
        .unwrap()
        .and_then(|p| p.video)
        .is_some_and(|v| v.url.is_some())
        && e.store()
            .all_jobs()
            .unwrap()
            .iter()
            .all(|j| j.status.is_terminal())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_video_is_uploaded_beside_the_images() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, BUCKET));
    let p = import(&e, 2).await;
    work_until(&e, Duration::from_secs(60), all_settled).await;
    let spec = e.config().render.spec();
    e.request_render(&p, spec).await.unwrap();
    let pp = p.clone();
    work_until(&e, Duration::from_secs(180), move |e| video_done(e, &pp)).await;

    let project = e.store().project(p.id).unwrap().unwrap();
    let video = project.video.clone().unwrap();
    let objects = server.objects(BUCKET, PREFIX).await;
    let key = objects
        .iter()
        .map(|(k, _)| k.clone())
        .find(|k| k.ends_with(&format!("video-{}.mp4", &video.hash[..8])))
        .unwrap_or_else(|| panic!("no video among {objects:?}"));
    let (bytes, _) = server.object(BUCKET, &key).await;
    let local = std::fs::read(e.assets().path(&video.hash, "mp4").unwrap()).unwrap();
    assert!(bytes == local, "the same bytes as the rendered file");
    let url = video.url.unwrap();
    assert!(
        url.starts_with(&server.endpoint()) && url.ends_with(&key),
        "{url}"
    );
    // The project's view (what the app and `status` show) carries the address.
    let card = e
        .project_cards()
        .unwrap()
        .into_iter()
        .find(|c| c.id == p.id)
        .unwrap();
    assert_eq!(card.video.unwrap().url.as_deref(), Some(url.as_str()));
    // Every upload (two scenes, their video) succeeded.
    assert!(e
        .store()
        .all_jobs()
        .unwrap()
        .iter()
        .all(|j| j.status == JobStatus::Succeeded));
}
