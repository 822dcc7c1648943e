//! Running an engine's workers in a test until something holds, shared by the engine's tests.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use storyreel_engine::Engine;

/// How long a test waits for the workers before it fails (four minutes: narration and
/// rendering on a loaded two-core machine).
pub const PATIENCE: Duration = Duration::from_secs(240);

/// Whether every job in the store has ended (done, failed or cancelled).
pub fn jobs_ended(e: &Engine) -> bool {
    e.store()
        .all_jobs()
        .expect("the store lists its jobs")
        .iter()
        .all(|j| j.status.is_terminal())
}

/// Starts the workers, polls `done` until it holds (failing the test after `limit`), then
/// stops the workers. How long it took, from the start of the workers.
pub async fn work_until_within(
    e: &Engine,
    limit: Duration,
    done: impl Fn(&Engine) -> bool,
) -> Duration {
    let t0 = Instant::now();
    let w = e.start();
    while !done(e) {
        assert!(
            t0.elapsed() < limit,
            "the work did not finish within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = t0.elapsed();
    w.shutdown().await;
    took
}

/// [`work_until_within`] with the usual patience.
pub async fn work_until(e: &Engine, done: impl Fn(&Engine) -> bool) -> Duration {
    work_until_within(e, PATIENCE, done).await
}

/// Works until every job has ended.
pub async fn work_until_ended(e: &Engine) -> Duration {
    work_until(e, jobs_ended).await
}
