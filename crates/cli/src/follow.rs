//! `make` and `work` on a folder another StoryReel holds: the story goes to that one, which
//! works the story (every lane runs, a render too), and this command follows its progress (Ctrl-C stops following only).
//! When the holder lets go of the folder before the work is done (another `make` that
//! finished), the command says so and the caller carries on with the folder itself.

use std::process::ExitCode;
use std::time::Duration;

use storyreel_engine::control::{Client, Idle, Projects, Request};
use storyreel_engine::model::{short_id, ProjectProgress};
use storyreel_engine::Result;

use crate::args::MakeArgs;
use crate::folder::{held_error, Folder};

/// How often the holder is asked how things stand.
const POLL: Duration = Duration::from_millis(250);

pub async fn make(
    folder: &Folder,
    client: &Client,
    args: &MakeArgs,
    import: &crate::args::ImportArgs,
) -> Result<Option<ExitCode>> {
    let h = client.holder().clone();
    if args.output.is_some() || args.wait_sync {
        // Rendering and waiting for uploads need the folder to this command alone.
        return Err(held_error(
            &h,
            "`storyreel make` with --output or --wait-sync",
        ));
    }
    if !h.working {
        return Err(held_error(&h, "`storyreel make`"));
    }
    let started = std::time::Instant::now();
    let project = crate::summary::imported(folder, import).await?;
    eprintln!(
        "{} (pid {}) has the data folder open and works its queue, this story's pictures and narration included (a video it renders does not hold them up); following it here. Ctrl-C stops following, not the work.",
        capital(&h.front_end),
        h.pid
    );
    let mut stop = crate::signals::listen();
    let mut last = None;
    let mut made_before = None;
    loop {
        let req = Request::Progress {
            project: project.id,
        };
        let Some(p) = ask::<ProjectProgress>(client, &req).await? else {
            return Ok(gone(&h));
        };
        show(&p, &mut last);
        made_before.get_or_insert(p.settled());
        if p.settled() {
            break;
        }
        if p.paused && p.counts.running == 0 {
            let s: Projects = client
                .call(&Request::Status {
                    project: Some(project.id.to_string()),
                })
                .await?;
            if let Some(s) = s.projects.first() {
                return Ok(Some(crate::summary::paused(s)));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            code = stop.wait() => {
                eprintln!("Stopped following. {} goes on making '{}': `storyreel status {}` shows it.", capital(&h.front_end), project.title, short_id(&project.id));
                return Ok(Some(ExitCode::from(code)));
            }
        }
    }
    let s: Projects = client
        .call(&Request::Status {
            project: Some(project.id.to_string()),
        })
        .await?;
    match s.projects.first() {
        Some(s) => Ok(Some(crate::summary::made(
            s,
            (made_before != Some(true)).then(|| started.elapsed().as_secs_f64()),
        ))),
        None => Ok(Some(ExitCode::from(2))),
    }
}

/// Asks the holder; None when it no longer answers (it has let go of the folder).
async fn ask<T: serde::de::DeserializeOwned>(client: &Client, req: &Request) -> Result<Option<T>> {
    match client.call(req).await {
        Ok(v) => Ok(Some(v)),
        Err(_) if !client.alive().await => Ok(None),
        Err(e) => Err(e),
    }
}

/// The holder stopped answering: said once; the caller opens the folder itself.
fn gone(h: &storyreel_engine::control::Holder) -> Option<ExitCode> {
    eprintln!(
        "{} (pid {}) has let go of the data folder; carrying on here.",
        capital(&h.front_end),
        h.pid
    );
    None
}

pub async fn work(client: &Client, until_idle: bool) -> Result<Option<ExitCode>> {
    let h = client.holder().clone();
    if !h.working {
        return Err(held_error(&h, "`storyreel work`"));
    }
    eprintln!(
        "{} (pid {}) has the data folder open and works the queue already; following it here. Ctrl-C stops following, not the work.",
        capital(&h.front_end),
        h.pid
    );
    let mut stop = crate::signals::listen();
    let mut last = None;
    loop {
        let Some(all) = ask::<Projects>(client, &Request::List).await? else {
            return Ok(gone(&h));
        };
        for p in &all.projects {
            let progress = ProjectProgress {
                project_id: p.id,
                title: p.title.clone(),
                status: p.status.clone(),
                paused: p.paused,
                total: p.total,
                counts: p.counts.clone(),
                placeholders: p.placeholders,
                narrating: 0,
            };
            if p.counts.queued + p.counts.running > 0 {
                show(&progress, &mut last);
            }
        }
        if until_idle {
            let idle: Idle = client.call(&Request::Idle).await?;
            if idle.idle {
                println!("Idle: the StoryReel holding the data folder has nothing to run now.");
                return Ok(Some(ExitCode::SUCCESS));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            code = stop.wait() => {
                eprintln!("Stopped following; the work goes on.");
                return Ok(Some(ExitCode::from(code)));
            }
        }
    }
}

/// A line for each change of a project's counts.
fn show(p: &ProjectProgress, last: &mut Option<(uuid::Uuid, String)>) {
    let c = &p.counts;
    let line = format!(
        "'{}': {}/{} scenes done, {} running, {} queued{}",
        p.title,
        c.succeeded,
        p.total,
        c.running,
        c.queued,
        if c.failed > 0 {
            format!(", {} failed", c.failed)
        } else {
            String::new()
        }
    );
    if last.as_ref() != Some(&(p.project_id, line.clone())) {
        eprintln!("{line}");
        *last = Some((p.project_id, line));
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
