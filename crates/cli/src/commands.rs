//! What each subcommand does.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use storyreel_engine::model::short_id;
use storyreel_engine::model::{now_ms, JobStatus, Lane};
use storyreel_engine::{Engine, Error, Result};

use crate::args::Command;
use crate::folder::Folder;
use crate::output;
use crate::progress::Progress;
use crate::setup::Context;
use storyreel_engine::control::{Request, RetryAsk};

pub async fn run(ctx: Context) -> Result<ExitCode> {
    use crate::steer;
    let mut command = ctx.cli.command.clone();
    if let Command::Write(args) = &command {
        return crate::write_cmd::write(&ctx, args).await;
    }
    if let Command::Make(args) = &mut command {
        if let Some(idea) = args.idea.take() {
            // The story is written and saved in this folder first, then made as any story
            // file is.
            let idea = storyreel_engine::write::Idea {
                idea,
                scenes: args.scenes,
                language: args.opts.language.clone(),
                tone: args.tone.clone(),
            };
            let path = crate::write_cmd::write_to_file(&ctx, &idea, None, false).await?;
            args.stories = vec![path];
        }
    }
    if let Command::Doctor {
        deep,
        json,
        providers,
    } = command
    {
        return doctor(&ctx, deep, json, providers).await;
    }
    if let Command::Voices { json, action } = &command {
        return match action {
            None => crate::voices_cmd::voices(&ctx, *json).await,
            Some(a) => crate::library_cmd::run(&ctx, a, *json).await,
        };
    }
    if command.reads_only() && !data_dir_exists(&ctx)? {
        return nothing_here(&ctx);
    }
    let label = format!("`storyreel {}`", command.name());
    let working = matches!(command, Command::Make(_) | Command::Work { .. });
    let folder = Folder::open(&ctx, &label, working).await?;
    let holder_works = matches!(&folder, Folder::Held(c) if c.holder().working);
    match command {
        Command::Make(args) if storyreel_engine::batch::is_batch(&args.stories) => {
            crate::batch_cmd::make(folder.engine("A batch of stories")?, &args).await
        }
        Command::Make(args) => {
            let import = crate::args::ImportArgs {
                story: args.stories.first().cloned().unwrap_or_default(),
                opts: args.opts.clone(),
            };
            if let Folder::Held(client) = &folder {
                if let Some(code) = crate::follow::make(&folder, client, &args, &import).await? {
                    return Ok(code);
                }
            }
            // Here, or after the holder let go: the same story continues the same project.
            let folder = folder.or_again(&ctx, &label, working).await?;
            make(&folder, folder.engine(&label)?, &args, &import).await
        }
        Command::Work { until_idle } => {
            if let Folder::Held(client) = &folder {
                if let Some(code) = crate::follow::work(client, until_idle).await? {
                    return Ok(code);
                }
            }
            let folder = folder.or_again(&ctx, &label, working).await?;
            work(folder.engine(&label)?, until_idle).await
        }
        Command::Render {
            project,
            output,
            opts,
        } => {
            let engine = folder.engine("`storyreel render`")?;
            let p = crate::hints::find_project(engine, &project)?;
            crate::render_cmd::render(engine, &p, output.as_deref(), &opts).await
        }
        Command::Sync {
            project,
            status: true,
            json,
            ..
        } => steer::sync_status(&folder, project, json).await,
        Command::Sync {
            project,
            retry_now,
            timeout,
            json,
            ..
        } => {
            let engine = folder.engine("`storyreel sync`")?;
            crate::sync_cmd::sync(engine, project, retry_now, timeout, false, json).await
        }
        Command::Import(args) => {
            let out = steer::import(&folder, &args).await?;
            println!("{}", out.project.id);
            if out.created {
                eprintln!(
                    "Queued {} of '{}'.{}",
                    crate::output::plural(out.project.scene_count as usize, "scene"),
                    out.project.title,
                    if holder_works {
                        " The StoryReel holding the data folder makes them."
                    } else {
                        " `storyreel work` makes them."
                    }
                );
            } else {
                eprintln!("'{}' was imported before ({}); nothing new was queued. Use --new for a second copy.", out.project.title, out.project.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { project, json } => {
            steer::projects(&folder, Request::Status { project }, json).await
        }
        Command::List { json } => steer::projects(&folder, Request::List, json).await,
        Command::Retry {
            project,
            failed,
            placeholders,
            scene,
            voices,
            voice,
        } => {
            let asked = RetryAsk {
                project,
                failed,
                placeholders,
                scene,
                voices,
                voice,
            };
            steer::retry(&folder, asked, holder_works).await
        }
        Command::Cancel { target } => steer::cancel(&folder, target).await,
        Command::Pause { project } => steer::pause(&folder, project, true).await,
        Command::Resume { project } => steer::pause(&folder, project, false).await,
        Command::Export { project, dir } => steer::export(&folder, project, dir).await,
        Command::Providers { json } => steer::providers(&folder, json).await,
        Command::Cast { project, json } => steer::cast(&folder, project, json).await,
        Command::Doctor { .. } | Command::Voices { .. } | Command::Write(_) => {
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Whether the data folder is there (reading commands never make one).
fn data_dir_exists(ctx: &Context) -> Result<bool> {
    Ok(ctx.data_dir_path()?.is_dir())
}

/// A reading command on a folder that does not exist: nothing has been made there.
fn nothing_here(ctx: &Context) -> Result<ExitCode> {
    let (cli, dir) = (&ctx.cli, ctx.data_dir_path()?);
    if dir.exists() {
        // A file (or a link to one) where the folder should be.
        return Err(Error::Input(format!(
            "{} is a file, not a data folder. Point the data folder at a folder (it comes from --data-dir or STORYREEL_DATA_DIR), or move the file away.",
            dir.display()
        )));
    }
    if cli.data_dir.is_some() {
        return Err(Error::Input(format!(
            "There is no data folder at {}: nothing was made there, and it was not created. Check the path (it comes from --data-dir or STORYREEL_DATA_DIR).",
            dir.display()
        )));
    }
    match &cli.command {
        Command::Status {
            project: Some(q), ..
        }
        | Command::Export { project: q, .. } => Err(Error::NotFound(format!(
            "No project matches `{q}`: there are no projects yet."
        ))),
        Command::Status { json: true, .. } | Command::List { json: true } => {
            output::json(&storyreel_engine::control::Projects {
                queue_paused: false,
                projects: Vec::new(),
            });
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            println!("No projects yet. `storyreel make STORY.md` makes one.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn doctor(ctx: &Context, deep: bool, json: bool, providers: bool) -> Result<ExitCode> {
    use storyreel_engine::verbs::doctor::Check;
    let fail = |name: &str, e: &Error| Check {
        name: name.into(),
        ok: false,
        detail: e.to_string(),
    };
    let checks = match ctx.config() {
        Err(e) => vec![fail("config", &e)],
        Ok(_) => match ctx.open() {
            Err(e @ Error::Locked { .. }) => held_doctor(ctx, &e, deep, providers).await?,
            Err(e) if storyreel_engine::verbs::read_only::is_unwritable(&e) => {
                read_only_doctor(ctx, &e, deep, providers).await?
            }
            Err(e) if e.data_dir().is_some() => {
                let dir = e
                    .data_dir()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default();
                storyreel_engine::verbs::doctor::unopened(&dir, &e)
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

/// `doctor` on a folder that cannot be written: answered through a read-only copy of its
/// database, everything but writing checked; the folder itself is said as it is.
async fn read_only_doctor(
    ctx: &Context,
    why: &Error,
    deep: bool,
    providers: bool,
) -> Result<Vec<storyreel_engine::verbs::doctor::Check>> {
    use storyreel_engine::verbs::doctor::Check;
    let opts = ctx.options()?;
    let dir = opts.data_dir.clone();
    let folder = Check {
        name: "data folder".into(),
        ok: false,
        detail: format!(
            "{} cannot be written ({why}); the checks below were answered through a read-only copy of its database, and nothing can be made in it until it can be written",
            dir.display()
        ),
    };
    let engine = match tokio::task::block_in_place(|| Engine::open_read_only(opts)) {
        Ok(engine) => engine,
        Err(e) => {
            return Ok(vec![
                folder,
                Check {
                    name: "database".into(),
                    ok: false,
                    detail: e.to_string(),
                },
            ])
        }
    };
    // The copy's own "data folder" line is about the copy: the real folder's replaces it.
    let mut checks = vec![folder];
    checks.extend(
        tokio::task::block_in_place(|| engine.doctor(deep))?
            .into_iter()
            .filter(|c| c.name != "data folder"),
    );
    if providers {
        checks.extend(engine.doctor_providers().await);
    }
    Ok(checks)
}

/// `doctor` while another StoryReel holds the folder: its holder answers the checks, and the
/// hold itself is said as what it is (information, not a failure).
async fn held_doctor(
    ctx: &Context,
    locked: &Error,
    deep: bool,
    providers: bool,
) -> Result<Vec<storyreel_engine::verbs::doctor::Check>> {
    use storyreel_engine::verbs::doctor::Check;
    let dir = ctx.data_dir()?;
    let Some(client) = storyreel_engine::control::Client::connect(dir).await else {
        return Ok(storyreel_engine::verbs::doctor::unopened(dir, locked));
    };
    let h = client.holder().clone();
    let answer = client
        .call::<storyreel_engine::control::Checks>(&Request::Doctor { deep, providers })
        .await;
    let mut checks = vec![Check {
        name: "held by".into(),
        ok: true,
        detail: format!(
            "{} (pid {}, version {}) has the data folder open{}; it answered the checks below",
            h.front_end,
            h.pid,
            h.version,
            if h.working {
                " and works its queue"
            } else {
                ""
            }
        ),
    }];
    match answer {
        Ok(a) => checks.extend(a.checks),
        // An older holder, or one too busy to answer in time: what can be seen from here.
        Err(e) => {
            checks[0].detail = format!(
                "{} (pid {}) has the data folder open, but did not answer the checks: {e}",
                h.front_end, h.pid
            );
            checks.extend(
                storyreel_engine::verbs::doctor::unopened(dir, locked)
                    .into_iter()
                    .skip(1),
            );
        }
    }
    Ok(checks)
}

async fn make(
    folder: &Folder,
    engine: &Engine,
    make: &crate::args::MakeArgs,
    import: &crate::args::ImportArgs,
) -> Result<ExitCode> {
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
    let project = crate::summary::imported(folder, import).await?;
    let _ = engine.prune().await;
    // The creator's own recordings stand in before any voice is asked to read those scenes.
    crate::render_cmd::recordings(engine, &project, &make.render).await?;
    let progress = Progress::start(
        engine.subscribe(),
        Some(project.id),
        Some(engine.progress(&project)?),
        engine,
    );
    let made_before = engine.progress(&project)?.settled();
    let workers = engine.start();
    let mut stop = crate::signals::listen();
    loop {
        let p = engine.progress(&project)?;
        if p.settled() {
            break;
        }
        if engine.halted().is_some() {
            // The progress view has said why (the engine's notice): stop, without saying it again.
            workers.shutdown().await;
            progress.stop().await;
            return Ok(ExitCode::from(2));
        }
        if p.paused && p.counts.running == 0 {
            let status = engine.project_status(&project, false)?;
            workers.shutdown().await;
            progress.stop().await;
            return Ok(crate::summary::paused(&status));
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
    }
    workers.shutdown().await;
    progress.stop().await;
    let status = engine.project_status(&project, true)?;
    let secs = (!made_before).then(|| started.elapsed().as_secs_f64());
    let code = crate::summary::made(&status, secs);
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
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
            "Picked up {} that {} running when StoryReel last stopped.",
            crate::output::plural(engine.recovered_at_open(), "job"),
            if engine.recovered_at_open() == 1 {
                "was"
            } else {
                "were"
            }
        );
    }
    let progress = Progress::start(engine.subscribe(), None, None, engine);
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
    let jobs = engine.jobs()?;
    if let Some(made) = crate::summary::worked(&jobs, since) {
        println!("Made {made}.");
    }
    let failed: Vec<_> = jobs
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
            let what = match (j.lane(), j.scene_index) {
                (Lane::Render, _) => "video".to_string(),
                (Lane::Narrate, Some(i)) => format!("scene {i}'s narration"),
                (Lane::Upload, Some(i)) => format!("scene {i}'s upload"),
                (_, Some(i)) => format!("scene {i}"),
                (_, None) => j.lane().name().to_string(),
            };
            println!(
                "  {} {what}: {}",
                short_id(&j.project_id),
                j.error.as_ref().map_or("", |e| e.message.as_str())
            );
        }
        return Ok(ExitCode::from(1));
    }
    let queued = engine.queue_order(storyreel_engine::model::Lane::Generate)?;
    let uploads = engine.uploads_outstanding(None)?;
    if !queued.is_empty() && engine.globally_paused()? {
        println!(
            "Idle: the whole queue is paused, so {} wait{}. `storyreel resume` runs {}.",
            crate::output::plural(queued.len(), "queued job"),
            if queued.len() == 1 { "s" } else { "" },
            if queued.len() == 1 { "it" } else { "them" }
        );
        return Ok(ExitCode::SUCCESS);
    }
    let projects = engine.projects()?;
    let paused: Vec<_> = projects.iter().filter(|p| p.paused).collect();
    let of_paused = engine
        .jobs()?
        .into_iter()
        .filter(|j| queued.contains(&j.id) && paused.iter().any(|p| p.id == j.project_id))
        .count();
    let waiting = queued.len() - of_paused;
    if of_paused > 0 {
        let names: Vec<String> = paused
            .iter()
            .map(|p| format!("'{}' ({})", p.title, short_id(&p.id)))
            .collect();
        println!(
            "Idle: {} of paused projects wait: {}. `storyreel resume PROJECT` runs one.",
            crate::output::plural(of_paused, "queued job"),
            names.join(", ")
        );
    }
    if waiting > 0 {
        println!(
            "Idle; {} wait{} out a backoff and run on a later `storyreel work`.",
            crate::output::plural(waiting, "job"),
            if waiting == 1 { "s" } else { "" }
        );
    } else if uploads > 0 {
        println!(
            "Idle; {} wait{} ({}). `storyreel sync` uploads them.",
            crate::output::plural(uploads, "upload"),
            if uploads == 1 { "s" } else { "" },
            crate::output::health_line(&engine.sync_health())
        );
    } else if of_paused == 0 {
        println!("Idle: nothing queued.");
    }
    Ok(ExitCode::SUCCESS)
}
