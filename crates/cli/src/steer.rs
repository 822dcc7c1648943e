//! The commands that read and steer a folder (`status`, `list`, `pause`, `resume`, `cancel`,
//! `retry`, `providers`, `export`, `import`, `sync --status`): each is one request, answered
//! here or by the StoryReel holding the folder, and printed the same way.

use std::path::PathBuf;
use std::process::ExitCode;

use storyreel_engine::control::{
    encode_story, CancelAnswer, Exported, ImportAsk, Imported, PauseAnswer, Projects, Providers,
    Request, RetryAnswer, RetryAsk,
};
use storyreel_engine::model::{short_id, Aspect};
use storyreel_engine::sync::report::SyncReport;
use storyreel_engine::{Error, Result};

use crate::args::ImportArgs;
use crate::folder::Folder;
use crate::output::{self, plural};

/// `status` (one project or all, with scenes) and `list` (without).
pub async fn projects(folder: &Folder, req: Request, json: bool) -> Result<ExitCode> {
    let details = matches!(req, Request::Status { .. });
    let answer: Projects = folder.ask(req).await?;
    if json {
        output::json(&answer);
        return Ok(ExitCode::SUCCESS);
    }
    if answer.queue_paused {
        println!(
            "The whole queue is paused: nothing new starts. `storyreel resume` runs it again."
        );
    }
    if answer.projects.is_empty() {
        println!("No projects yet. `storyreel make STORY.md` makes one.");
    }
    for p in &answer.projects {
        if details {
            output::project_details(p);
        } else {
            println!("{}", output::project_line(p));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `pause` and `resume`: says what changed, and what is still paused and how to undo it.
pub async fn pause(folder: &Folder, project: Option<String>, paused: bool) -> Result<ExitCode> {
    let a: PauseAnswer = folder.ask(Request::Pause { project, paused }).await?;
    println!("{}", pause_sentence(&a));
    Ok(ExitCode::SUCCESS)
}

fn pause_sentence(a: &PauseAnswer) -> String {
    let running = match a.running {
        0 => String::new(),
        1 => " The job running now finishes.".to_string(),
        n => format!(" The {n} jobs running now finish."),
    };
    match (&a.project, a.paused) {
        (Some(p), true) => format!(
            "'{}' is paused: none of its jobs start until `storyreel resume {}`.{running}",
            p.title,
            short_id(&p.id)
        ),
        (None, true) => format!(
            "The whole queue is paused: no job of any project starts until `storyreel resume` (without a project).{running}"
        ),
        (Some(p), false) if a.queue_paused => format!(
            "'{}' is no longer paused by itself, but the whole queue still is: `storyreel resume` (without a project) runs it.",
            p.title
        ),
        (Some(p), false) => format!("'{}' is no longer paused: its jobs run.", p.title),
        (None, false) if a.paused_projects.is_empty() => {
            "The whole queue runs again.".to_string()
        }
        (None, false) => {
            let names: Vec<String> = a
                .paused_projects
                .iter()
                .map(|p| format!("'{}' ({})", p.title, short_id(&p.id)))
                .collect();
            format!(
                "The whole queue runs again. Paused by themselves, and still paused: {} (`storyreel resume PROJECT` runs one).",
                names.join(", ")
            )
        }
    }
}

pub async fn cancel(folder: &Folder, target: String) -> Result<ExitCode> {
    let a: CancelAnswer = folder.ask(Request::Cancel { target }).await?;
    match (a.job, &a.project) {
        (Some(true), _) => println!("Cancelled the job."),
        (Some(false), _) => println!("The job had already finished."),
        (None, Some(p)) => println!(
            "Cancelled {} of '{}'. `storyreel retry {} --failed` queues them again.",
            plural(a.cancelled, "job"),
            p.title,
            short_id(&p.id)
        ),
        (None, None) => println!("Nothing was cancelled."),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn retry(folder: &Folder, asked: RetryAsk, working: bool) -> Result<ExitCode> {
    let asked_voices = (asked.voices && asked.voice.is_none()).then(|| asked.project.clone());
    let a: RetryAnswer = match folder.ask(Request::Retry(asked)).await {
        Ok(a) => a,
        // A project made without a voice: say how to give it one here.
        Err(Error::Input(m)) if asked_voices.is_some() && voiceless(folder, &asked_voices).await => {
            return Err(Error::Input(format!(
                "{m} `storyreel retry {} --voices --voice auto` narrates it with the configured voices, or --voice NAME with one of them (`storyreel voices` lists them).",
                asked_voices
                    .map(|p| if p.contains(char::is_whitespace) { format!("'{p}'") } else { p })
                    .unwrap_or_default()
            )))
        }
        Err(e) => return Err(e),
    };
    println!(
        "Queued {} of '{}' again.{}",
        plural(a.queued, "scene"),
        a.project.title,
        if working {
            " The StoryReel holding the data folder makes them."
        } else {
            " `storyreel work` makes them."
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Whether the project named has no voice.
async fn voiceless(folder: &Folder, project: &Option<String>) -> bool {
    let req = Request::Status {
        project: project.clone(),
    };
    match folder.ask::<Projects>(req).await {
        Ok(a) => a.projects.first().is_some_and(|p| p.voice.is_none()),
        Err(_) => false,
    }
}

pub async fn providers(folder: &Folder, json: bool) -> Result<ExitCode> {
    let a: Providers = folder.ask(Request::Providers).await?;
    if json {
        output::json(&a);
    } else {
        output::providers(&a.providers);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn cast(folder: &Folder, project: String, json: bool) -> Result<ExitCode> {
    let c: storyreel_engine::verbs::cast::CastView = folder.ask(Request::Cast { project }).await?;
    if json {
        output::json(&c);
        return Ok(ExitCode::SUCCESS);
    }
    if c.characters.is_empty() {
        println!("'{}' has no cast: a JSON script gives one as {{\"cast\": [{{\"name\": \"...\", \"description\": \"...\", \"reference\": \"picture.png\"}}], \"scenes\": [...]}}, a Markdown story in front matter (`cast:` between `---` lines at the top).", c.title);
    } else {
        println!(
            "'{}': {}",
            c.title,
            output::plural(c.characters.len(), "character")
        );
    }
    for ch in &c.characters {
        let scenes = match ch.scenes.as_slice() {
            [] => "in no scene yet".to_string(),
            [one] => format!("scene {one}"),
            many => format!(
                "scenes {}",
                many.iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let description = if ch.description.is_empty() {
            "(no description: named, not described)"
        } else {
            ch.description.as_str()
        };
        println!("  {}: {description} ({scenes})", ch.name);
        if let Some(r) = &ch.reference {
            println!("    picture: {} ({}x{})", r.file, r.width, r.height);
        }
        if let Some(note) = &ch.reference_note {
            println!("    {note}");
        }
        if let Some(v) = &ch.voice {
            println!("    voice of their lines in quotes: {v}");
        }
    }
    if let Some(look) = c.look.prompt_words() {
        println!("Look: {look}");
    }
    if let Some(r) = &c.look.reference {
        println!("Look picture: {} ({}x{})", r.file, r.width, r.height);
    }
    if let Some(note) = &c.look.reference_note {
        println!("{note}");
    }
    println!(
        "Seed: {}{}",
        c.seed,
        if c.look.seed.is_some() {
            ""
        } else {
            " (drawn from the project)"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn sync_status(folder: &Folder, project: Option<String>, json: bool) -> Result<ExitCode> {
    let report: SyncReport = folder.ask(Request::SyncStatus { project }).await?;
    if json {
        output::json(&report);
    } else {
        output::sync_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn export(folder: &Folder, project: String, dir: PathBuf) -> Result<ExitCode> {
    // The holder writes the files: give it a path that means the same there.
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let a: Exported = folder.ask(Request::Export { project, dir }).await?;
    println!(
        "Exported {} of '{}' to {}.",
        plural(a.files, "file"),
        a.project.title,
        a.dir.display()
    );
    if !a.missing.is_empty() {
        eprintln!(
            "Scenes without an image yet (not exported): {}",
            a.missing
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Imports a story through the folder; the project and whether it is new.
pub async fn import(folder: &Folder, story: &ImportArgs) -> Result<Imported> {
    let args = &story.opts;
    let (bytes, name) = crate::story_file::read(&story.story)?;
    let aspect = Aspect::parse(&args.aspect).ok_or_else(|| {
        Error::Input(format!(
            "Unknown aspect `{}`: use 9:16, 16:9 or 1:1.",
            args.aspect
        ))
    })?;
    folder
        .ask(Request::Import(ImportAsk {
            story: encode_story(&bytes),
            name,
            title: args.title.clone(),
            aspect,
            style: args.style.clone(),
            force_new: args.new,
            replace: args.replace,
            voice: if args.no_voice {
                Some("off".into())
            } else {
                args.voice.clone()
            },
            language: args.language.clone(),
            // The holder reads the files: give it paths that mean the same there.
            media_dir: args
                .media_dir
                .as_ref()
                .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.clone())),
            story_dir: (story.story.as_os_str() != "-")
                .then(|| std::path::absolute(&story.story).ok())
                .flatten()
                .and_then(|p| p.parent().map(|d| d.to_path_buf())),
        }))
        .await
}
