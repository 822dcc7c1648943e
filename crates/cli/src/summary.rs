//! What `make` says: the project it made or continues, why it stopped, and how it ended. The
//! same whether this process made the pictures or followed the StoryReel holding the folder.

use std::collections::BTreeMap;
use std::process::ExitCode;

use storyreel_engine::control::{Imported, Request, RetryAnswer, RetryAsk};
use storyreel_engine::model::{short_id, JobStatus, Project};
use storyreel_engine::verbs::status::ProjectStatus;
use storyreel_engine::Result;

use crate::args::ImportArgs;
use crate::folder::Folder;
use crate::output::plural;

/// Imports the story for `make` and says what became of it: a new project (and why, when an
/// earlier one came from the same file), or the same one continued.
pub async fn imported(folder: &Folder, args: &ImportArgs) -> Result<Project> {
    let out: Imported = crate::steer::import(folder, args).await?;
    let p = &out.project;
    if out.created {
        eprintln!(
            "Imported '{}': {} (project {}).",
            p.title,
            plural(p.scene_count as usize, "scene"),
            short_id(&p.id)
        );
        for old in &out.replaced {
            eprintln!(
                "Replaced '{}' (project {}), made before from an earlier version of this story file; other projects made from it are kept.",
                old.title,
                short_id(&old.id)
            );
        }
        for o in &out.other_options {
            eprintln!(
                "Made a second project beside '{}' ({}), made from the same story with other options.",
                o.title,
                short_id(&o.id)
            );
        }
        if !out.earlier.is_empty() {
            let names: Vec<String> = out
                .earlier
                .iter()
                .map(|o| format!("'{}' ({})", o.title, short_id(&o.id)))
                .collect();
            let replace = match &out.replaceable {
                Some(r) => format!(
                    " `storyreel make {} --replace` replaces '{}' ({}) with it instead; nothing else is deleted.",
                    args.story.display(),
                    r.title,
                    short_id(&r.id)
                ),
                None => String::new(),
            };
            eprintln!(
                "The story changed since {} was made from it, so this is a new project beside it.{replace}",
                names.join(", ")
            );
        } else if args.opts.replace && out.replaced.is_empty() {
            eprintln!("Nothing was replaced: no earlier version of this story file was made into a project.");
        }
    } else {
        let again: RetryAnswer = folder
            .ask(Request::Retry(RetryAsk {
                project: p.id.to_string(),
                failed: true,
                placeholders: false,
                scene: None,
                voices: false,
                voice: None,
            }))
            .await?;
        eprintln!(
            "Continuing '{}' (project {}), imported before{}.",
            p.title,
            short_id(&p.id),
            if again.queued > 0 {
                format!("; {} queued again", plural(again.queued, "failed scene"))
            } else {
                String::new()
            }
        );
    }
    Ok(out.project)
}

/// The exit code of a `make` that stops because its project or the whole queue is paused: not
/// bad input, and not a failure.
pub const PAUSED: u8 = 3;

/// Says that nothing of the project runs because of a pause (which one, and what undoes it);
/// the exit code to end with.
pub fn paused(s: &ProjectStatus) -> ExitCode {
    eprintln!("{}", paused_sentence(s));
    ExitCode::from(PAUSED)
}

/// Nothing of the project runs because of a pause: which one, and what undoes it.
fn paused_sentence(s: &ProjectStatus) -> String {
    let own = format!("`storyreel resume {}`", short_id(&s.id));
    let advice = match (s.project_paused, s.queue_paused) {
        (true, true) => format!(
            "both it and the whole queue are paused: {own} and `storyreel resume` (without a project) run it"
        ),
        (true, false) => format!("it is paused: {own} runs it"),
        _ => "the whole queue is paused: `storyreel resume` (without a project) runs it".to_string(),
    };
    format!(
        "Nothing of '{}' runs, because {advice}. Nothing is lost: `storyreel make` with the same story carries on after that.",
        s.title
    )
}

/// `make`'s closing lines, from the project as it ended; exit 1 when a scene failed.
/// `secs`: how long this command made the scenes; none when they were all made before it.
pub fn made(s: &ProjectStatus, secs: Option<f64>) -> ExitCode {
    let scenes = s.scenes.as_deref().unwrap_or_default();
    let c = &s.counts;
    if c.failed > 0 || c.cancelled > 0 {
        let took = secs.map_or_else(String::new, |t| format!(" ({t:.1} s)"));
        println!(
            "'{}': {} of {} have an image; {} failed, {} cancelled{took}.",
            s.title,
            c.succeeded,
            plural(s.total as usize, "scene"),
            c.failed,
            c.cancelled
        );
        for sc in scenes
            .iter()
            .filter(|sc| matches!(sc.status, JobStatus::Failed | JobStatus::Cancelled))
        {
            let why = sc
                .error
                .as_ref()
                .map_or("cancelled".to_string(), |e| e.message.clone());
            println!("  scene {}: {why}", sc.index);
        }
        println!(
            "`storyreel retry {} --failed` queues them again.",
            short_id(&s.id)
        );
        return ExitCode::from(1);
    }
    let cards = match s.placeholders {
        0 => String::new(),
        n => format!(" ({})", plural(n as usize, "title card")),
    };
    match secs {
        Some(secs) => println!(
            "Done: '{}' has {} with images{cards} in {secs:.1} s.",
            s.title,
            plural(s.total as usize, "scene")
        ),
        None => println!(
            "Done: '{}' has {} with images{cards}, all made before: nothing was left to make.",
            s.title,
            plural(s.total as usize, "scene")
        ),
    }
    // Why scenes became title cards, once per reason (none when no provider is set up: a
    // title card is then the intended picture).
    let mut reasons: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for sc in scenes.iter().filter(|sc| sc.placeholder) {
        if let Some(e) = sc.error.as_ref().filter(|e| e.code != "font_missing") {
            reasons.entry(e.message.clone()).or_default().push(sc.index);
        }
    }
    for (why, idx) in &reasons {
        println!("Title cards for {}: {why}", scene_list(idx));
    }
    if !reasons.is_empty() {
        println!(
            "`storyreel retry {} --placeholders` tries the image providers again.",
            short_id(&s.id)
        );
    }
    let own: Vec<u32> = scenes
        .iter()
        .filter(|sc| sc.provider.as_deref() == Some(storyreel_engine::model::OWN_MEDIA))
        .map(|sc| sc.index)
        .collect();
    if !own.is_empty() {
        let all = own.len() == scenes.len();
        println!(
            "{} your own pictures and clips; no image provider was asked for {}.",
            match (all, own.len()) {
                (true, _) => "Every scene shows".to_string(),
                (false, 1) => format!("Scene {} shows", own[0]),
                (false, _) => {
                    let list = scene_list(&own);
                    format!("S{} show", list.strip_prefix('s').unwrap_or(&list))
                }
            },
            if all { "any of them" } else { "those" }
        );
    }
    narrated(s, scenes);
    println!(
        "Project {}. `storyreel export {} DIR` copies its pictures, narrations and subtitles out.",
        s.id,
        short_id(&s.id)
    );
    ExitCode::SUCCESS
}

/// Who narrated the scenes, and why a fallback voice spoke where one did.
fn narrated(s: &ProjectStatus, scenes: &[storyreel_engine::verbs::status::SceneStatus]) {
    let Some(voice) = &s.voice else {
        return;
    };
    let mut by: BTreeMap<String, (usize, f32)> = BTreeMap::new();
    let mut reasons: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut passed: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for sc in scenes {
        let Some(n) = &sc.narration else { continue };
        if let Some(why) = n.passed_reasons.first() {
            passed
                .entry(why.message.clone())
                .or_default()
                .push(sc.index);
        }
        let who = match (&n.provider, &n.voice) {
            (Some(p), _) if p == "silence" => "no voice (silence)".to_string(),
            (Some(p), _) if p == storyreel_engine::verbs::recording::RECORDING => {
                "your own recordings".to_string()
            }
            (Some(p), Some(v)) => {
                // A voice from the library by its name ("Kokoro voice Heart").
                match storyreel_engine::voices::library::Catalogue::builtin().get(v) {
                    Some(item) => format!(
                        "{} voice {} ({v})",
                        storyreel_engine::voices::label(p),
                        item.name
                    ),
                    None => format!("{p} ({v})"),
                }
            }
            _ => continue,
        };
        let e = by.entry(who).or_default();
        e.0 += 1;
        e.1 += n.seconds;
        if n.fallback {
            if let Some(why) = n.fallback_reasons.first() {
                reasons
                    .entry(why.message.clone())
                    .or_default()
                    .push(sc.index);
            }
        }
    }
    let parts: Vec<String> = by
        .iter()
        .map(|(who, (n, secs))| {
            if *secs > 0.0 {
                format!("{} by {who}, {secs:.1} s", plural(*n, "scene"))
            } else {
                format!("{} by {who}", plural(*n, "scene"))
            }
        })
        .collect();
    if !parts.is_empty() {
        println!("Narration ({}): {}.", voice.language, parts.join("; "));
    }
    for why in passed.keys() {
        // The engine's sentence, with where the CLI finds the library.
        println!("{why} (`storyreel voices library` lists them.)");
    }
    for (why, idx) in &reasons {
        println!("A later voice spoke {}: {why}", scene_list(idx));
    }
    if !reasons.is_empty() {
        println!(
            "`storyreel retry {} --voices` tries the voices again.",
            short_id(&s.id)
        );
    }
}

/// "scene 3", "scenes 1, 2 and 5".
fn scene_list(idx: &[u32]) -> String {
    let n: Vec<String> = idx.iter().map(u32::to_string).collect();
    match n.as_slice() {
        [one] => format!("scene {one}"),
        [rest @ .., last] => format!("scenes {} and {last}", rest.join(", ")),
        [] => "no scene".to_string(),
    }
}

/// What a `work` run finished, lane by lane ("3 pictures, 2 narrations and 1 video"); none
/// when it finished nothing.
pub fn worked(jobs: &[storyreel_engine::model::Job], since: u64) -> Option<String> {
    use storyreel_engine::model::Lane;
    let mut n = [0usize; 4];
    for j in jobs
        .iter()
        .filter(|j| j.status == JobStatus::Succeeded && j.finished_at.is_some_and(|t| t >= since))
    {
        n[j.lane().as_u8() as usize] += 1;
    }
    let parts: Vec<String> = Lane::ALL
        .iter()
        .filter(|l| n[l.as_u8() as usize] > 0)
        .map(|l| {
            let word = match l {
                Lane::Generate => "picture",
                Lane::Narrate => "narration",
                Lane::Render => "video",
                Lane::Upload => "upload",
            };
            plural(n[l.as_u8() as usize], word)
        })
        .collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}
