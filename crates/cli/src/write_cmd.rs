//! `storyreel write` (and `make --idea`): a story from an idea, shown scene by scene as it
//! arrives, saved as Markdown to read and edit before it is made. A file already there is
//! never replaced unless asked, and that is said before the model is asked anything.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use storyreel_engine::secrets::EnvSecrets;
use storyreel_engine::write::{write_story, Idea, WriteEvent};
use storyreel_engine::{Error, Result};

use crate::args::WriteArgs;
use crate::setup::Context;

pub async fn write(ctx: &Context, a: &WriteArgs) -> Result<ExitCode> {
    let idea = Idea {
        idea: a.idea.clone(),
        scenes: a.scenes,
        language: a.language.clone(),
        tone: a.tone.clone(),
    };
    let path = write_to_file(ctx, &idea, a.output.as_deref(), a.force).await?;
    println!("{}", path.display());
    eprintln!(
        "Read it and change what you like, then `storyreel make {}` makes the video.",
        shell_word(&path)
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the story and saves it: at `output`, or under its title in this folder (a free
/// name: `title.md`, `title-2.md`…). Returns where.
pub async fn write_to_file(
    ctx: &Context,
    idea: &Idea,
    output: Option<&Path>,
    force: bool,
) -> Result<PathBuf> {
    let cfg = ctx.config()?;
    if let Some(out) = output {
        check_place(out, force)?;
    }
    let tries = cfg.write.tries;
    let mut shown = 0usize;
    let mut on = |e: WriteEvent| match e {
        WriteEvent::Asking { endpoint, model } => {
            eprintln!("Writing the story with {endpoint} ({model})…")
        }
        WriteEvent::Draft { markdown, scenes } => {
            // A scene is whole once the next one has begun (or the story has ended).
            let titles = headings(&markdown);
            let whole = (scenes as usize).saturating_sub(1).min(titles.len());
            for t in titles.iter().take(whole).skip(shown) {
                shown += 1;
                eprintln!("  scene {shown}: {t}");
            }
        }
        WriteEvent::Again { attempt, why } => {
            shown = 0;
            eprintln!(
                "That answer could not be used ({why}); asking again (try {attempt} of {tries})."
            );
        }
    };
    let written = write_story(idea, &cfg.write, cfg.story.max_scenes, &EnvSecrets, &mut on).await?;
    for t in headings(&written.markdown).iter().skip(shown) {
        shown += 1;
        eprintln!("  scene {shown}: {t}");
    }
    let path = match output {
        Some(out) => {
            storyreel_engine::assets::place_file(out, |tmp| std::fs::write(tmp, &written.markdown))
                .map_err(|e| Error::Io {
                    context: format!("Cannot save the story as {}", out.display()),
                    source: e,
                })?;
            out.to_path_buf()
        }
        None => save_new(&slug(&written.story.title), &written.markdown)?,
    };
    let cast: Vec<&str> = written.story.cast.iter().map(|c| c.name.as_str()).collect();
    eprintln!(
        "Wrote '{}': {} scenes{}, saved as {}.",
        written.story.title,
        written.story.scenes.len(),
        if cast.is_empty() {
            String::new()
        } else {
            format!(", with {}", cast.join(", "))
        },
        path.display()
    );
    Ok(path)
}

/// A file of the person's at `out` stays unless `force`; a folder or a missing folder is said.
fn check_place(out: &Path, force: bool) -> Result<()> {
    if out.is_dir() {
        return Err(Error::Input(format!(
            "{} is a folder; give the story a file name in it, such as {}.",
            out.display(),
            out.join("story.md").display()
        )));
    }
    if out.exists() && !force {
        return Err(Error::Input(format!(
            "{} already exists, and it was left as it is; give another name, or --force to replace it.",
            out.display()
        )));
    }
    let parent = std::path::absolute(out)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    if parent.as_ref().is_some_and(|d| !d.is_dir()) {
        return Err(Error::Input(format!(
            "Cannot save the story as {}: its folder does not exist.",
            out.display()
        )));
    }
    Ok(())
}

/// Saves under a name nobody has taken in this folder (never replacing a file).
fn save_new(stem: &str, text: &str) -> Result<PathBuf> {
    for n in 1..1000u32 {
        let name = if n == 1 {
            format!("{stem}.md")
        } else {
            format!("{stem}-{n}.md")
        };
        let path = PathBuf::from(&name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                return f
                    .write_all(text.as_bytes())
                    .map(|_| path.clone())
                    .map_err(|e| {
                        let _ = std::fs::remove_file(&path);
                        Error::Io {
                            context: format!("Cannot save the story as {name}"),
                            source: e,
                        }
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Error::Io {
                    context: format!("Cannot save the story as {name}"),
                    source: e,
                })
            }
        }
    }
    Err(Error::Input(format!(
        "Every name from {stem}.md to {stem}-999.md is taken here; give the story a name with --output."
    )))
}

/// A file name from a title: letters and digits, words joined by `-`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(60).collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "story".into()
    } else {
        out
    }
}

/// The scene headings of a written story.
fn headings(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::to_string)
        .collect()
}

/// A path as typed in a shell (quoted when it has spaces or quotes).
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .any(|c| c.is_whitespace() || "'\"$`\\".contains(c))
    {
        format!("'{}'", s.replace('\'', "'\\''"))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_file_names() {
        assert_eq!(slug("The Keeper's Last Night!"), "the-keeper-s-last-night");
        assert_eq!(slug("灯台守の最後の夜"), "灯台守の最後の夜");
        assert_eq!(slug("../.."), "story");
        assert_eq!(slug(&"a ".repeat(100)).len(), 59);
    }
}
