//! Trust in sync: pruning never strands an upload, started multipart uploads never leak, and
//! "not found" is read at the right depth — each against a real server on 127.0.0.1.

mod sync;

use std::time::Duration;

use storyreel_engine::model::{JobKind, JobStatus, SyncState};
use storyreel_testkit::s3::{self, S3Server};
use sync::{
    all_settled, assert_all_synced, config, engine, engine_with, import, keys, scenes, work_until,
    BUCKET,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_keeps_a_failed_upload_that_a_scene_still_points_to() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, BUCKET);
    let p;
    {
        // One refused key fails every upload of the project.
        let e = engine_with(
            dir.path(),
            cfg.clone(),
            keys(s3::ACCESS_KEY, "a-wrong-secret-key-1234"),
        );
        p = import(&e, 3).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
        for s in scenes(&e, &p) {
            assert_eq!(s.sync.unwrap().state, SyncState::Failed);
        }
    }
    // Days later (prune age 0: every finished job is "old"), the user fixes the key.
    cfg.queue.prune_after_days = 0;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let e = engine(dir.path(), cfg);
    e.prune().await.unwrap();
    let failed_uploads = e
        .store()
        .all_jobs()
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JobKind::UploadAsset && j.status == JobStatus::Failed)
        .count();
    assert_eq!(
        failed_uploads, 3,
        "prune kept the uploads the scenes point to"
    );
    assert_eq!(e.sync_retry_now(None).await.unwrap(), 3);
    work_until(&e, Duration::from_secs(60), all_settled).await;
    assert_all_synced(&e, &server, &p).await;
    // History nothing points to is still pruned (the control).
    let mut old = storyreel_engine::model::Job::new(JobKind::UploadAsset, p.id, Some(1), 1, 0);
    old.status = JobStatus::Succeeded;
    old.finished_at = Some(1);
    e.store().transact(|tx| tx.put_job_record(&old)).unwrap();
    assert_eq!(e.prune().await.unwrap(), 1);
    assert!(e.store().job(old.id).unwrap().is_none());
}
