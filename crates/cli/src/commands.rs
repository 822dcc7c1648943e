//! What each subcommand does.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use storyreel_engine::config::{default_config_file, default_data_dir};
use storyreel_engine::model::short_id;
use storyreel_engine::model::{now_ms, Aspect, JobStatus, Project};
use storyreel_engine::{
    Config, DebugKnobs, Engine, EngineOptions, Error, ImportOptions, Result, RetryFilter,
};
use uuid::Uuid;

use crate::args::{Cli, Command, ImportArgs};
use crate::output;
use crate::progress::Progress;

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let engine = match cli.command {
        Command::Doctor {
            deep,
            json,
            providers,
        } => return doctor(&cli, deep, json, providers).await,
        _ => open(&cli)?,
    };
    match cli.command {
        Command::Make(args) => make(&engine, &args).await,
        Command::Render {
            project,
            output,
            opts,
        } => {
            let p = crate::hints::find_project(&engine, &project)?;
            crate::render_cmd::render(&engine, &p, output.as_deref(), &opts).await
        }
        Command::Sync {
            project,
            retry_now,
            timeout,
            status,
            json,
        } => crate::sync_cmd::sync(&engine, project, retry_now, timeout, status, json).await,
        Command::Import(args) => {
            let (project, created) = import(&engine, &args).await?;
            if created {
                println!("{}", project.id);
                eprintln!(
                    "Queued {} scenes of '{}'. `storyreel work` makes them.",
                    project.scene_count, project.title
                );
            } else {
                println!("{}", project.id);
                eprintln!("'{}' was imported before ({}); nothing new was queued. Use --new for a second copy.", project.title, project.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Work { until_idle } => work(&engine, until_idle).await,
        Command::Status { project, json } => {
            let list = match project {
                Some(q) => {
                    vec![engine.project_status(&crate::hints::find_project(&engine, &q)?, true)?]
                }
                None => engine.list(true)?,
            };
            if json {
                output::json(&serde_json::json!({ "projects": list }));
            } else if list.is_empty() {
                println!("No projects yet. `storyreel make STORY.md` makes one.");
            } else {
                for p in &list {
                    output::project_details(p);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::List { json } => {
            let list = engine.list(false)?;
            if json {
                output::json(&serde_json::json!({ "projects": list }));
            } else if list.is_empty() {
                println!("No projects yet. `storyreel make STORY.md` makes one.");
            } else {
                for p in &list {
                    println!("{}", output::project_line(p));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Retry {
            project,
            failed,
            placeholders,
            scene,
        } => {
            let p = crate::hints::find_project(&engine, &project)?;
            let filter = RetryFilter {
                failed: failed || (!placeholders && scene.is_none()),
                placeholders,
                scene,
            };
            let n = engine.retry(&p, filter).await?;
            println!(
                "Queued {n} scene{} of '{}' again. `storyreel work` makes them.",
                if n == 1 { "" } else { "s" },
                p.title
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Cancel { target } => {
            if let Ok(id) = Uuid::parse_str(target.trim()) {
                if engine.job(id)?.is_some() {
                    let cancelled = engine.cancel_job(id).await?;
                    println!(
                        "{}",
                        if cancelled {
                            "Cancelled the job."
                        } else {
                            "The job had already finished."
                        }
                    );
                    return Ok(ExitCode::SUCCESS);
                }
            }
            let p = crate::hints::find_project(&engine, &target)?;
            let n = engine.cancel_project(&p).await?;
            println!(
                "Cancelled {n} job{} of '{}'. `storyreel retry {} --failed` queues them again.",
                if n == 1 { "" } else { "s" },
                p.title,
                short_id(&p.id)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Pause { project } => pause(&engine, project, true).await,
        Command::Resume { project } => pause(&engine, project, false).await,
        Command::Export { project, dir } => {
            let p = crate::hints::find_project(&engine, &project)?;
            let report = engine.export(&p, &dir)?;
            println!(
                "Exported {} files of '{}' to {}.",
                report.files.len(),
                p.title,
                report.dir.display()
            );
            if !report.missing.is_empty() {
                eprintln!(
                    "Scenes without an image yet (not exported): {:?}",
                    report.missing
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor {
            deep,
            json,
            providers,
        } => doctor(&cli, deep, json, providers).await,
        Command::Providers { json } => {
            let rows = engine.providers_report();
            if json {
                output::json(&serde_json::json!({ "providers": rows }));
            } else {
                output::providers(&rows);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    let dir = cli
        .data_dir
        .clone()
        .or_else(default_data_dir)
        .ok_or_else(|| {
            Error::Config(
                "There is no home folder to keep data in: set --data-dir or STORYREEL_DATA_DIR."
                    .into(),
            )
        })?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::io(
            format!(
                "Cannot create the data folder {} (pick another with --data-dir)",
                dir.display()
            ),
            e,
        )
    })?;
    Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
}

fn config(cli: &Cli) -> Result<Config> {
    match &cli.config {
        Some(path) => Config::load(path).map_err(crate::hints::config_unreadable),
        None => match default_config_file() {
            Some(p) if p.is_file() => Config::load(&p),
            _ => Ok(Config::default()),
        },
    }
}

/// Test hooks for crash-safety tests: a delay in each generate step, a log of step starts,
/// and (for the control run only) no flushing.
fn debug_knobs() -> (DebugKnobs, bool) {
    let delay = std::env::var("STORYREEL_DEBUG_STEP_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let log = std::env::var_os("STORYREEL_DEBUG_START_LOG").map(PathBuf::from);
    let no_flush = std::env::var("STORYREEL_DEBUG_NO_FLUSH").is_ok_and(|v| v == "1");
    let upload_delay = std::env::var("STORYREEL_DEBUG_UPLOAD_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let upload_log = std::env::var_os("STORYREEL_DEBUG_UPLOAD_LOG").map(PathBuf::from);
    (
        DebugKnobs {
            step_delay: delay,
            start_log: log,
            upload_delay,
            upload_log,
            panic_on_attempt: None,
        },
        !no_flush,
    )
}

fn open(cli: &Cli) -> Result<Engine> {
    let config = config(cli)?;
    let (debug, durable) = debug_knobs();
    // The CLI takes provider keys from the environment variables the config names.
    let secrets = std::sync::Arc::new(storyreel_engine::secrets::EnvSecrets);
    Engine::open(EngineOptions {
        data_dir: data_dir(cli)?,
        config,
        durable,
        debug,
        secrets,
    })
}

async fn doctor(cli: &Cli, deep: bool, json: bool, providers: bool) -> Result<ExitCode> {
    use storyreel_engine::doctor::Check;
    let fail = |name: &str, e: &Error| Check {
        name: name.into(),
        ok: false,
        detail: e.to_string(),
    };
    let checks = match config(cli) {
        Err(e) => vec![fail("config", &e)],
        Ok(_) => match open(cli) {
            Err(e) if e.data_dir().is_some() => {
                let dir = e
                    .data_dir()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default();
                storyreel_engine::doctor::unopened(&dir, &e)
            }
            Err(e) => vec![fail("database", &e)],
            Ok(engine) => {
                let mut checks = engine.doctor(deep)?;
                if providers {
                    checks.extend(engine.doctor_providers().await);
                }
                checks
            }
        },
    };
    if json {
        output::json(&serde_json::json!({ "checks": checks }));
    } else {
        output::checks(&checks);
    }
    Ok(if checks.iter().all(|c| c.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn import(engine: &Engine, args: &ImportArgs) -> Result<(Project, bool)> {
    let cannot = |e: std::io::Error| {
        Error::Input(format!(
            "Cannot read the story {}: {e}. Check the path.",
            args.story.display()
        ))
    };
    let name = args
        .story
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| args.story.display().to_string());
    // A file over the limit is refused before it is read into memory.
    let size = std::fs::metadata(&args.story).map_err(cannot)?.len();
    if size > storyreel_engine::story::MAX_STORY_BYTES as u64 {
        return Err(storyreel_engine::story::too_large(&name, size));
    }
    let bytes = std::fs::read(&args.story).map_err(cannot)?;
    let aspect = Aspect::parse(&args.aspect).ok_or_else(|| {
        Error::Input(format!(
            "Unknown aspect `{}`: use 9:16, 16:9 or 1:1.",
            args.aspect
        ))
    })?;
    let opts = ImportOptions {
        title: args.title.clone(),
        aspect,
        style: args.style.clone(),
        force_new: args.new,
    };
    let out = engine.import(&bytes, &name, opts).await?;
    Ok((out.project, out.created))
}

async fn make(engine: &Engine, make: &crate::args::MakeArgs) -> Result<ExitCode> {
    let args = &make.import;
    let wait_sync = make.wait_sync.then_some(make.sync_timeout);
    if make.wait_sync && engine.sync_target().is_none() {
        // Before any work: waiting for uploads that never happen would only end in a timeout.
        return Err(Error::Input(
            "--wait-sync waits for uploads, but no storage target is set: set [sync] target in the config (see `storyreel doctor`), or leave out --wait-sync.".into(),
        ));
    }
    if let Some(out) = &make.output {
        // Before any work: a bad option or audio file is said now, not after the images.
        crate::render_cmd::spec(engine, Some(out), &make.render)?;
    }
    let started = Instant::now();
    crate::output::notices(engine);
    let (project, created) = import(engine, args).await?;
    if created {
        eprintln!(
            "Imported '{}': {} scenes (project {}).",
            project.title,
            project.scene_count,
            short_id(&project.id)
        );
    } else {
        let again = engine
            .retry(
                &project,
                RetryFilter {
                    failed: true,
                    ..Default::default()
                },
            )
            .await?;
        eprintln!(
            "Continuing '{}' (project {}), imported before{}.",
            project.title,
            short_id(&project.id),
            if again > 0 {
                format!("; {again} failed scenes queued again")
            } else {
                String::new()
            }
        );
    }
    let _ = engine.prune().await;
    let progress = Progress::start(
        engine.subscribe(),
        Some(project.id),
        Some(engine.progress(&project)?),
    );
    let workers = engine.start();
    let mut stop = crate::signals::listen();
    let end = loop {
        let p = engine.progress(&project)?;
        if p.counts.queued == 0 && p.counts.running == 0 {
            break Ok(p);
        }
        if engine.halted().is_some() {
            // The progress view has said why (the engine's notice): stop, without saying it again.
            workers.shutdown().await;
            progress.stop().await;
            return Ok(ExitCode::from(2));
        }
        if p.paused && p.counts.running == 0 {
            break Err(Error::Input(format!(
                "'{}' is paused, so nothing runs. `storyreel resume {}` (or `storyreel resume` for the whole queue) continues it.",
                project.title,
                short_id(&project.id)
            )));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            code = stop.wait() => {
                workers.shutdown().await;
                progress.stop().await;
                eprintln!("Stopped. Nothing is lost: `storyreel make` with the same story, or `storyreel work`, carries on.");
                return Ok(ExitCode::from(code));
            }
        }
    };
    workers.shutdown().await;
    progress.stop().await;
    let p = end?;
    let status = engine.project_status(&project, true)?;
    let secs = started.elapsed().as_secs_f64();
    if p.counts.failed > 0 || p.counts.cancelled > 0 {
        println!(
            "'{}': {} of {} scenes have an image; {} failed, {} cancelled ({secs:.1} s).",
            p.title, p.counts.succeeded, p.total, p.counts.failed, p.counts.cancelled
        );
        for s in status
            .scenes
            .iter()
            .flatten()
            .filter(|s| matches!(s.status, JobStatus::Failed | JobStatus::Cancelled))
        {
            let why = s
                .error
                .as_ref()
                .map_or("cancelled".to_string(), |e| e.message.clone());
            println!("  scene {}: {why}", s.index);
        }
        println!(
            "`storyreel retry {} --failed` queues them again.",
            short_id(&p.project_id)
        );
        return Ok(ExitCode::from(1));
    }
    let cards = if p.placeholders > 0 {
        format!(" ({} title cards)", p.placeholders)
    } else {
        String::new()
    };
    println!(
        "Done: '{}' has {} scenes with images{cards} in {secs:.1} s.",
        p.title, p.total
    );
    println!(
        "Project {}. `storyreel export {} DIR` copies the images out.",
        p.project_id,
        short_id(&p.project_id)
    );
    if let Some(out) = &make.output {
        let code = crate::render_cmd::render(engine, &project, Some(out), &make.render).await?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    match wait_sync {
        Some(timeout) => crate::sync_cmd::wait_for_uploads(engine, Some(&project), timeout).await,
        None => Ok(ExitCode::SUCCESS),
    }
}

async fn work(engine: &Engine, until_idle: bool) -> Result<ExitCode> {
    let since = now_ms();
    crate::output::notices(engine);
    let _ = engine.prune().await;
    if engine.recovered_at_open() > 0 {
        eprintln!(
            "Picked up {} jobs that were running when StoryReel last stopped.",
            engine.recovered_at_open()
        );
    }
    let progress = Progress::start(engine.subscribe(), None, None);
    let workers = engine.start();
    let mut stop = crate::signals::listen();
    let mut interrupted = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            code = stop.wait() => { interrupted = Some(code); break; }
        }
        if engine.halted().is_some() {
            // The progress view has said why (the engine's notice).
            workers.shutdown().await;
            progress.stop().await;
            return Ok(ExitCode::from(2));
        }
        if until_idle && engine.is_idle()? {
            break;
        }
    }
    workers.shutdown().await;
    progress.stop().await;
    if let Some(code) = interrupted {
        eprintln!("Stopped. Running jobs went back to the queue.");
        return Ok(ExitCode::from(code));
    }
    let failed: Vec<_> = engine
        .jobs()?
        .into_iter()
        .filter(|j| j.status == JobStatus::Failed && j.finished_at.is_some_and(|t| t >= since))
        .collect();
    if !failed.is_empty() {
        println!(
            "{} job{} failed:",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" }
        );
        for j in &failed {
            println!(
                "  {} scene {}: {}",
                short_id(&j.project_id),
                j.scene_index.unwrap_or(0),
                j.error.as_ref().map_or("", |e| e.message.as_str())
            );
        }
        return Ok(ExitCode::from(1));
    }
    let waiting = engine
        .queue_order(storyreel_engine::model::Lane::Generate)?
        .len();
    let uploads = engine.uploads_outstanding(None)?;
    if waiting > 0 {
        println!("Idle; {waiting} jobs wait out a backoff and run on a later `storyreel work`.");
    } else if uploads > 0 {
        println!(
            "Idle; {uploads} uploads wait ({}). `storyreel sync` uploads them.",
            crate::output::health_line(&engine.sync_health())
        );
    } else {
        println!("Idle: nothing queued.");
    }
    Ok(ExitCode::SUCCESS)
}

async fn pause(engine: &Engine, project: Option<String>, paused: bool) -> Result<ExitCode> {
    let p = project
        .map(|q| crate::hints::find_project(engine, &q))
        .transpose()?;
    engine.set_paused(p.as_ref(), paused).await?;
    let what = p
        .as_ref()
        .map_or("The whole queue".to_string(), |p| format!("'{}'", p.title));
    println!(
        "{what} is {}.",
        if paused {
            "paused: running jobs finish, no new one starts"
        } else {
            "running again"
        }
    );
    Ok(ExitCode::SUCCESS)
}
