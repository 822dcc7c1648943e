//! `storyreel sync`: drain the upload outbox now and wait for it, or show where it stands.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use storyreel_engine::model::{short_id, Lane, Project};
use storyreel_engine::{Engine, Error, Result};

use crate::output;
use crate::output::plural;

pub async fn sync(
    engine: &Engine,
    project: Option<String>,
    retry_now: bool,
    timeout: Duration,
    status: bool,
    json: bool,
) -> Result<ExitCode> {
    let p = project
        .map(|q| crate::hints::find_project(engine, &q))
        .transpose()?;
    if status {
        let report = engine.sync_report(p.as_ref().map(|p| p.id))?;
        if json {
            output::json(&report);
        } else {
            output::sync_report(&report);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if engine.sync_target().is_none() {
        return Err(Error::Config(
            "No storage target is configured, so images stay local. Add a [sync] section with a target (e.g. target = \"s3://my-bucket/storyreel\") to the config; the README shows every key.".into(),
        ));
    }
    crate::output::notices(engine);
    if retry_now {
        let n = engine.sync_retry_now(p.as_ref()).await?;
        if n > 0 {
            eprintln!("Queued {n} failed uploads again.");
        }
    }
    wait_for_uploads(engine, p.as_ref(), timeout).await
}

/// Runs the upload lane until `project`'s (or every) upload is done or `timeout` passes.
/// Exit 0 when everything is synced; 1 with a line per upload that is not.
pub async fn wait_for_uploads(
    engine: &Engine,
    project: Option<&Project>,
    timeout: Duration,
) -> Result<ExitCode> {
    let pid = project.map(|p| p.id);
    let Some(target) = engine.sync_target().map(|t| t.name.clone()) else {
        eprintln!("No storage target is configured ([sync] target): the images stay local.");
        return Ok(ExitCode::SUCCESS);
    };
    let queued = engine.sync_backfill(pid).await?;
    if queued > 0 {
        eprintln!(
            "Queued {} that {} not on {target} yet.",
            plural(queued, "image"),
            if queued == 1 { "was" } else { "were" }
        );
    }
    let started = Instant::now();
    let total = engine.uploads_outstanding(pid)?;
    if total > 0 {
        eprintln!("Uploading {} to {target}…", plural(total, "file"));
    }
    let workers = engine.start_lanes(&[Lane::Upload]);
    let mut rx = engine.subscribe();
    let mut stop = crate::signals::listen();
    let mut interrupted = None;
    while engine.uploads_outstanding(pid)? > 0 && started.elapsed() < timeout {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            ev = rx.recv() => {
                if let Ok(storyreel_engine::Event::Sync { health }) = ev {
                    eprintln!("{}", output::health_line(&health));
                }
            }
            code = stop.wait() => { interrupted = Some(code); break; }
        }
    }
    workers.shutdown().await;
    if let Some(code) = interrupted {
        eprintln!("Stopped. Nothing is lost: uploads carry on with the next `storyreel sync`, `work` or the app.");
        return Ok(ExitCode::from(code));
    }
    let report = engine.sync_report(pid)?;
    let secs = started.elapsed().as_secs_f64();
    if report.items.is_empty() {
        println!(
            "Synced: {} {} on {target} ({secs:.1} s).",
            // Pictures and their narration alike.
            plural(report.counts.synced as usize, "file"),
            if report.counts.synced == 1 {
                "is"
            } else {
                "are"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} of {} images are on {target}; {} not yet ({}):",
        report.counts.synced,
        report.counts.synced + report.items.len() as u32,
        report.items.len(),
        output::health_line(&report.health)
    );
    output::sync_items(&report.items, 50);
    let hint = match project {
        Some(p) => format!("storyreel sync {} --retry-now", short_id(&p.id)),
        None => "storyreel sync --retry-now".into(),
    };
    println!("`{hint}` tries them again now.");
    Ok(ExitCode::from(1))
}
