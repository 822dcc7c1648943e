//! A storage target changed in the settings: uploads that failed against the old one are not
//! reported with its error, and go to the new one by themselves (a real S3 server on 127.0.0.1).

mod sync;

use std::time::Duration;

use storyreel_engine::model::SyncState;
use storyreel_testkit::s3::{self, S3Server};
use sync::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_that_failed_on_the_old_target_go_to_the_new_one_without_its_error() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let p;
    {
        // The first target refuses the key: every upload fails, waiting for the person.
        let e = engine_with(
            dir.path(),
            config(&server, BUCKET),
            keys(s3::ACCESS_KEY, "a-wrong-secret-key-1234"),
        );
        p = import(&e, 3).await;
        work_until(&e, Duration::from_secs(60), all_settled).await;
        let report = e.sync_report(None).unwrap();
        assert_eq!(report.counts.failed, 3, "{:?}", report.counts);
    }
    // The person points the sync at another bucket, with the right key.
    let cfg = config(&server, "reels-two");
    server.create_bucket("reels-two");
    let e = engine(dir.path(), cfg);
    let report = e.sync_report(None).unwrap();
    assert_eq!(report.counts.failed, 0, "{:?}", report.counts);
    assert!(
        report.items.iter().all(|i| i.sync.error.is_none()),
        "the old target's error is not this one's: {:?}",
        report.items
    );
    work_until(&e, Duration::from_secs(60), |e| {
        e.sync_report(None).unwrap().counts.synced == 3
    })
    .await;
    let objects = server
        .objects("reels-two", &format!("{PREFIX}/projects/{}", p.id))
        .await;
    assert_eq!(objects.len(), 3, "{objects:?}");
    for s in scenes(&e, &p) {
        let sync = s.sync.unwrap();
        assert_eq!(sync.state, SyncState::Synced);
        assert_eq!(sync.target, format!("s3://reels-two/{PREFIX}"));
    }
}
