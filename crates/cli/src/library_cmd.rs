//! `storyreel voices library | install | remove | sample`: the voice library from the command
//! line. It works on the data folder's `voices/` only, so it runs beside an app or a make
//! that holds the folder.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use storyreel_engine::voices::library::{Kind, Library, LibraryRow};
use storyreel_engine::{Error, Result};

use crate::args::VoicesAction;
use crate::output;
use crate::setup::Context;

fn library(ctx: &Context) -> Result<Library> {
    let mirror = ctx.config()?.voice.neural.mirror.clone();
    Ok(Library::new(ctx.data_dir()?).with_mirror(mirror))
}

fn mb(bytes: u64) -> String {
    format!("{} MB", bytes.div_ceil(1_000_000))
}

pub async fn run(ctx: &Context, action: &VoicesAction, json: bool) -> Result<ExitCode> {
    let lib = library(ctx)?;
    match action {
        VoicesAction::Library => {
            let rows: Vec<LibraryRow> = lib
                .rows()
                .into_iter()
                .filter(|r| r.kind == Kind::Voice)
                .collect();
            if json {
                output::json(&serde_json::json!({ "library": rows }));
            } else {
                show(&rows);
            }
            Ok(ExitCode::SUCCESS)
        }
        VoicesAction::Install { id } => install(&lib, id, json).await,
        VoicesAction::Remove { id } => {
            let removed = lib.remove(id).map_err(|e| Error::Input(e.to_string()))?;
            let name = lib.catalogue().get(id).map_or(id.as_str(), |i| &i.name);
            if json {
                output::json(&serde_json::json!({ "removed": removed, "id": id }));
            } else if removed {
                println!("Removed {name} ({id}). `storyreel voices install {id}` brings it back.");
            } else {
                println!("{name} ({id}) is not installed.");
            }
            Ok(ExitCode::SUCCESS)
        }
        VoicesAction::Sample { id, out } => sample(ctx, lib, id, out.as_deref(), json).await,
    }
}

fn show(rows: &[LibraryRow]) {
    let width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut lang = None;
    for r in rows {
        let l = r.language.clone().unwrap_or_default();
        if lang.as_ref() != Some(&l) {
            let name = storyreel_engine::language::by_code(&l).map_or(l.as_str(), |x| x.name);
            println!("{name}:");
            lang = Some(l);
        }
        let state = if r.installed {
            "installed".to_string()
        } else if r.download_bytes > 0 {
            format!("{} to download", mb(r.download_bytes))
        } else {
            "ready to install".into()
        };
        println!(
            "  {:<26} {:<width$} {:<20} quality {:<6} {:<17} {}",
            r.id,
            r.name,
            r.accent.clone().unwrap_or_default(),
            r.quality.clone().unwrap_or_else(|| "-".into()),
            state,
            if r.commercial {
                r.license.as_str()
            } else {
                "not for commercial use"
            }
        );
        if let Some(note) = &r.license_note {
            println!("      {note}");
        }
    }
    println!("Install one with `storyreel voices install NAME`; hear it with `storyreel voices sample NAME`.");
}

async fn install(lib: &Library, id: &str, json: bool) -> Result<ExitCode> {
    if let Some(note) = lib
        .rows()
        .into_iter()
        .find(|r| r.id == id)
        .and_then(|r| r.license_note)
    {
        eprintln!("Note: {note}");
    }
    let bar = ProgressBar::new(0);
    if json || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{msg:24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let b = bar.clone();
    let got = lib
        .install(id, &move |p| {
            b.set_length(p.total_bytes);
            b.set_position(p.done_bytes);
            b.set_message(p.step);
        })
        .await;
    bar.finish_and_clear();
    let got = got.map_err(|e| Error::Input(e.to_string()))?;
    if json {
        output::json(&serde_json::json!({ "installed": got, "id": id }));
    } else if got.is_empty() {
        println!("{id} is already installed.");
    } else {
        println!(
            "Installed {}. New stories in its language are narrated with it; hear it with `storyreel voices sample {id}`.",
            got.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn sample(
    ctx: &Context,
    lib: Library,
    id: &str,
    out: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode> {
    let cfg = ctx.config()?;
    let (wav, seconds) =
        storyreel_engine::voices::neural::sample_wav(Arc::new(lib), id, &cfg.voice.neural)
            .await
            .map_err(|e| Error::Input(e.message))?;
    let path = match out {
        Some(p) => {
            if p.exists() {
                return Err(Error::Input(format!(
                    "{} already exists; choose another name so nothing is replaced.",
                    p.display()
                )));
            }
            p.to_path_buf()
        }
        None => std::env::temp_dir().join(format!("storyreel-sample-{id}.wav")),
    };
    std::fs::write(&path, wav).map_err(|e| {
        Error::Input(format!(
            "Cannot write {}: {}.",
            path.display(),
            storyreel_engine::error::os_words(&e)
        ))
    })?;
    if json {
        output::json(&serde_json::json!({ "path": path, "seconds": seconds }));
        return Ok(ExitCode::SUCCESS);
    }
    println!("{id}: {seconds:.1} s sample in {}", path.display());
    if out.is_none() && std::io::stdout().is_terminal() {
        play(&path);
    }
    Ok(ExitCode::SUCCESS)
}

/// Plays a WAV with the first player found (none: the path above is the answer).
fn play(path: &std::path::Path) {
    for (prog, args) in [
        ("paplay", &[][..]),
        ("aplay", &["-q"][..]),
        ("afplay", &[][..]),
        (
            "ffplay",
            &["-nodisp", "-autoexit", "-loglevel", "quiet"][..],
        ),
    ] {
        let ok = std::process::Command::new(prog)
            .args(args)
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return;
        }
    }
}
