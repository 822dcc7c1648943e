//! Answering each kind of request, one function each (as the lanes have one handler per job):
//! [`handle`] only sends a request to its function and writes the answer as JSON.

use std::path::PathBuf;

use base64::Engine as _;
use serde::Serialize;
use uuid::Uuid;

use super::{
    CancelAnswer, Checks, Exported, Holder, Idle, ImportAsk, Imported, PauseAnswer, ProjectRef,
    Projects, Providers, Request, RetryAnswer, RetryAsk,
};
use crate::engine::{Engine, ImportOptions, VoiceOption};
use crate::error::{Error, Result};
use crate::model::{Project, ProjectProgress};
use crate::queue::RetryFilter;

/// Answers one request on an open folder. `holder` says who this process is.
pub async fn handle(engine: &Engine, holder: &Holder, req: Request) -> Result<serde_json::Value> {
    match req {
        Request::Hello => answer(holder),
        Request::Status { project } => answer(status(engine, project)?),
        Request::List => answer(Projects {
            queue_paused: engine.globally_paused()?,
            projects: engine.list(false)?,
        }),
        Request::Pause { project, paused } => answer(pause(engine, project, paused).await?),
        Request::Cancel { target } => answer(cancel(engine, &target).await?),
        Request::Retry(asked) => answer(retry(engine, asked).await?),
        Request::SyncStatus { project } => {
            let p = project
                .as_deref()
                .map(|q| engine.find_project(q))
                .transpose()?;
            answer(engine.sync_report(p.map(|p| p.id))?)
        }
        Request::Cast { project } => answer(engine.cast_of(&engine.find_project(&project)?)?),
        Request::Providers => answer(Providers {
            providers: engine.providers_report(),
        }),
        Request::Doctor { deep, providers } => answer(doctor(engine, deep, providers).await?),
        Request::Progress { project } => answer(progress(engine, project)?),
        Request::Idle => answer(Idle {
            idle: engine.is_idle()?,
        }),
        Request::Import(asked) => answer(import(engine, asked).await?),
        Request::Export { project, dir } => answer(export(engine, &project, dir).await?),
    }
}

/// An answer as the JSON that crosses the socket.
fn answer<T: Serialize>(v: T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::Db(format!("an answer could not be written: {e}")))
}

/// `status`: one project or all, with every scene.
fn status(engine: &Engine, project: Option<String>) -> Result<Projects> {
    let projects = match project {
        Some(q) => vec![engine.project_status(&engine.find_project(&q)?, true)?],
        None => engine.list(true)?,
    };
    Ok(Projects {
        queue_paused: engine.globally_paused()?,
        projects,
    })
}

/// `pause` and `resume`, of one project or the whole queue.
async fn pause(engine: &Engine, project: Option<String>, paused: bool) -> Result<PauseAnswer> {
    let p = project
        .as_deref()
        .map(|q| engine.find_project(q))
        .transpose()?;
    engine.set_paused(p.as_ref(), paused).await?;
    pause_answer(engine, p.as_ref(), paused)
}

/// `cancel`: one job by its id, or a project's unfinished jobs.
async fn cancel(engine: &Engine, target: &str) -> Result<CancelAnswer> {
    if let Ok(id) = Uuid::parse_str(target.trim()) {
        if engine.job(id)?.is_some() {
            let done = engine.cancel_job(id).await?;
            return Ok(CancelAnswer {
                job: Some(done),
                project: None,
                cancelled: usize::from(done),
            });
        }
    }
    let p = engine.find_project(target)?;
    let n = engine.cancel_project(&p).await?;
    Ok(CancelAnswer {
        job: None,
        project: Some((&p).into()),
        cancelled: n,
    })
}

/// `retry`: pictures again (failed ones, title cards, or one scene), or narration again, or a
/// new voice for the whole project.
async fn retry(engine: &Engine, asked: RetryAsk) -> Result<RetryAnswer> {
    let p = engine.find_project(&asked.project)?;
    let queued = match (asked.voices, asked.voice) {
        (true, Some(v)) => engine.choose_voice(&p, &v).await?,
        (true, None) => {
            let which = match asked.scene {
                Some(n) => crate::verbs::narration::Revoice::Scenes(vec![n]),
                None => crate::verbs::narration::Revoice::Fallbacks,
            };
            engine.revoice(p.id, which).await?
        }
        (false, _) => {
            let filter = RetryFilter {
                failed: asked.failed || (!asked.placeholders && asked.scene.is_none()),
                placeholders: asked.placeholders,
                scene: asked.scene,
            };
            engine.retry(&p, filter).await?
        }
    };
    Ok(RetryAnswer {
        project: (&p).into(),
        queued,
    })
}

/// `doctor`, answered by the holder: its own checks.
async fn doctor(engine: &Engine, deep: bool, providers: bool) -> Result<Checks> {
    // Reading every stored file (`deep`) is blocking work: off the runtime that answers the
    // others.
    let e = engine.clone();
    let mut checks = tokio::task::spawn_blocking(move || e.doctor(deep))
        .await
        .map_err(|e| Error::Image(format!("the checks stopped: {e}")))??;
    if providers {
        checks.extend(engine.doctor_providers().await);
    }
    Ok(Checks { checks })
}

/// One project's progress, by id.
fn progress(engine: &Engine, project: Uuid) -> Result<ProjectProgress> {
    let p = engine
        .store()
        .project(project)?
        .ok_or_else(|| Error::NotFound("That project was deleted meanwhile.".into()))?;
    engine.progress(&p)
}

/// `import`: the story queued, the projects made before from the same file named, and the one
/// a replacement replaces deleted when asked.
async fn import(engine: &Engine, asked: ImportAsk) -> Result<Imported> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(asked.story.as_bytes())
        .map_err(|_| Error::Input("The story sent was not readable.".into()))?;
    let out = engine
        .import(
            &bytes,
            &asked.name,
            ImportOptions {
                title: asked.title,
                aspect: asked.aspect,
                style: asked.style,
                force_new: asked.force_new,
                voice: match asked.voice.as_deref() {
                    None => VoiceOption::Default,
                    Some("off") => VoiceOption::Off,
                    Some(v) => VoiceOption::Named(v.to_string()),
                },
                language: asked.language,
                media_dir: asked.media_dir,
                story_dir: asked.story_dir,
                ..Default::default()
            },
        )
        .await?;
    let (mut earlier, other_options) = earlier_projects(engine, &out)?;
    // The latest project made from this file whose story changed, unless it was made as a new
    // project on purpose: the only one a replacement replaces.
    let replaceable = earlier
        .iter()
        .filter(|p| !p.made_new)
        .max_by_key(|p| p.created_at)
        .cloned();
    let mut replaced = Vec::new();
    if let (true, Some(old)) = (asked.replace, &replaceable) {
        tracing::info!(project = %old.id, "replacing a project made before from this story file");
        engine.delete_project(old).await?;
        replaced.push(ProjectRef::from(old));
        earlier.retain(|p| p.id != old.id);
    }
    Ok(Imported {
        project: out.project,
        created: out.created,
        earlier: earlier.iter().map(ProjectRef::from).collect(),
        other_options: other_options.iter().map(ProjectRef::from).collect(),
        replaceable: replaceable
            .filter(|_| !asked.replace)
            .as_ref()
            .map(ProjectRef::from),
        replaced,
    })
}

/// `export`: a project's files copied to a folder, off the runtime that answers the others.
async fn export(engine: &Engine, project: &str, dir: PathBuf) -> Result<Exported> {
    let p = engine.find_project(project)?;
    let (e, p2) = (engine.clone(), p.clone());
    let report = tokio::task::spawn_blocking(move || e.export(&p2, &dir))
        .await
        .map_err(|e| Error::Image(format!("the export stopped: {e}")))??;
    Ok(Exported {
        project: (&p).into(),
        dir: report.dir,
        files: report.files.len(),
        missing: report.missing,
    })
}

/// Other projects made from the same story file as a newly made one: those whose story
/// changed since, and those made from the same story with other options.
fn earlier_projects(
    engine: &Engine,
    out: &crate::engine::ImportOutcome,
) -> Result<(Vec<Project>, Vec<Project>)> {
    let (Some(name), true) = (&out.project.source_name, out.created) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let same_file: Vec<Project> = engine
        .store()
        .projects()?
        .into_iter()
        .filter(|p| p.id != out.project.id && p.source_name.as_deref() == Some(name.as_str()))
        .collect();
    Ok(same_file
        .into_iter()
        .partition(|p| p.story_hash.is_none() || p.story_hash != out.project.story_hash))
}

/// Both pauses as they stand after `pause`/`resume`.
fn pause_answer(engine: &Engine, p: Option<&Project>, paused: bool) -> Result<PauseAnswer> {
    let projects = engine.store().projects()?;
    let running = engine
        .jobs()?
        .iter()
        .filter(|j| j.status == crate::model::JobStatus::Running)
        .count();
    let project_paused = p
        .and_then(|p| projects.iter().find(|q| q.id == p.id))
        .is_some_and(|p| p.paused);
    Ok(PauseAnswer {
        project: p.map(ProjectRef::from),
        paused,
        queue_paused: engine.globally_paused()?,
        project_paused,
        running: u32::try_from(running).unwrap_or(u32::MAX),
        paused_projects: projects
            .iter()
            .filter(|q| q.paused)
            .map(ProjectRef::from)
            .collect(),
    })
}
