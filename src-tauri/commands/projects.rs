//! Library, New story and Project: list, preview, create, rename, delete, pause, retry,
//! regenerate placeholders, reveal, render.

use std::path::PathBuf;

use storyreel_engine::model::{JobStatus, Project};
use storyreel_engine::render::RenderRequest;
use storyreel_engine::story::SceneDraft;
use storyreel_engine::{Engine, ImportOptions, RetryFilter};
use tauri::State;

use super::project_id;
use crate::dto::{
    card_of, DraftScene, NewProject, ProjectCard, ProjectDetail, RenderView, StoryFile,
    StoryPreview,
};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The largest story file the app opens.
pub const MAX_STORY_BYTES: u64 = 4 * 1024 * 1024;

pub(crate) async fn project(state: &AppState, id: &str) -> ApiResult<(Engine, Project)> {
    let e = state.engine().await?;
    let p = crate::dto::project_record(&e, project_id(id)?)?;
    Ok((e, p))
}

#[tauri::command]
pub async fn list_projects(state: State<'_, AppState>) -> ApiResult<Vec<ProjectCard>> {
    super::system::cards(&state.engine().await?)
}

#[tauri::command]
pub async fn get_project(state: State<'_, AppState>, id: String) -> ApiResult<ProjectDetail> {
    let (e, p) = project(&state, &id).await?;
    Ok(e.project_detail(&p)?)
}

/// The longest automatic title, in characters.
const AUTO_TITLE_CHARS: usize = 60;

/// A title from the opening of a story, for one that has none: its first sentence when that
/// is short enough, else its first clause, else whole words up to the limit with an ellipsis;
/// never a phrase cut in the middle of a word.
pub fn title_from(text: &str) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let ends_sentence = |c: char| matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '\n');
    let ends_clause = |c: char| matches!(c, ',' | ';' | ':' | '—' | '–' | '、' | '，' | '；');
    let tidy = |t: &str| {
        t.trim()
            .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '"' && c != '”' && c != ')')
            .to_string()
    };
    let sentence = words
        .char_indices()
        .find(|(_, c)| ends_sentence(*c))
        .map(|(i, _)| &words[..i])
        .unwrap_or(&words);
    if sentence.chars().count() <= AUTO_TITLE_CHARS {
        return tidy(sentence);
    }
    // The last clause break that fits.
    let fits = |i: usize| words[..i].chars().count() <= AUTO_TITLE_CHARS;
    if let Some((i, _)) = sentence
        .char_indices()
        .rfind(|(i, c)| ends_clause(*c) && fits(*i) && *i > 0)
    {
        let t = tidy(&sentence[..i]);
        if t.chars().count() >= 12 {
            return t;
        }
    }
    let mut out = String::new();
    for w in sentence.split(' ') {
        if out.chars().count() + w.chars().count() + 1 > AUTO_TITLE_CHARS - 1 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        // One very long word (or a script without spaces): cut by characters.
        out = sentence.chars().take(AUTO_TITLE_CHARS - 1).collect();
    }
    format!("{}…", tidy(&out))
}

/// What the story's messages call it: its file's name, or "Your story" for a pasted one (which
/// has no file to name).
fn name_or_default(name: &str) -> &str {
    let n = name.trim();
    if n.is_empty() {
        PASTED
    } else {
        n
    }
}

/// How messages name a story that was pasted or typed.
pub const PASTED: &str = "Your story";

#[tauri::command]
pub async fn preview_story(
    state: State<'_, AppState>,
    text: String,
    name: String,
) -> ApiResult<StoryPreview> {
    let e = state.engine().await?;
    let name = name_or_default(&name);
    let story = storyreel_engine::story::parse(text.as_bytes(), name, &e.config().story)
        .map_err(ApiError::story)?;
    let title = story
        .title
        .clone()
        .unwrap_or_else(|| title_from(&story.scenes[0].text));
    Ok(StoryPreview {
        title,
        scenes: story
            .scenes
            .into_iter()
            .map(|s| DraftScene {
                title: s.title,
                text: s.text,
                prompt: s.prompt,
                duration_s: s.duration_s,
                line: s.line,
                media_look: s.media.as_ref().map(|m| m.look),
                media: s.media.map(|m| m.file),
            })
            .collect(),
        cast: story.cast,
        references: story.references,
    })
}

/// Reads a story the person picked (size-capped, UTF-8 checked).
pub(crate) fn read_story(path: &std::path::Path) -> ApiResult<StoryFile> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| {
        ApiError::new(
            crate::error::ErrorCode::Io,
            format!("Cannot open {shown}: {e}."),
        )
    })?;
    if meta.len() > MAX_STORY_BYTES {
        return Err(ApiError::input(format!(
            "{shown} is {} MB; a story file can be at most 4 MB. Split it into several stories.",
            meta.len() / (1024 * 1024)
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        ApiError::new(
            crate::error::ErrorCode::Io,
            format!("Cannot read {shown}: {e}."),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        ApiError::input(format!(
            "{shown} is not UTF-8 text. Save it as UTF-8 (any editor's \"Save as\" offers it) and open it again."
        ))
    })?;
    Ok(StoryFile {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "story.txt".into()),
        text,
        dir: std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(|d| d.display().to_string())),
    })
}

#[tauri::command]
pub async fn open_story_file(state: State<'_, AppState>) -> ApiResult<Option<StoryFile>> {
    let desktop = state.desktop();
    let picked = tokio::task::spawn_blocking(move || desktop.pick_story_file())
        .await
        .map_err(|_| {
            ApiError::new(
                crate::error::ErrorCode::Engine,
                "The file dialog closed unexpectedly.",
            )
        })?;
    picked.map(|p| read_story(&p)).transpose()
}

#[tauri::command]
pub async fn create_project(
    state: State<'_, AppState>,
    project: NewProject,
) -> ApiResult<ProjectCard> {
    let e = state.engine().await?;
    if project.scenes.iter().all(|s| s.text.trim().is_empty()) {
        return Err(ApiError::input(
            "The story has no scenes: write or paste some text first.",
        ));
    }
    let style = project.style.filter(|s| !s.trim().is_empty());
    if let Some(s) = &style {
        if storyreel_engine::style::Style::by_name(s).is_none() {
            return Err(ApiError::input(format!(
                "There is no style preset called `{s}`."
            )));
        }
    }
    let title = project.title.filter(|t| !t.trim().is_empty()).or_else(|| {
        let first = project.scenes.iter().find(|s| !s.text.trim().is_empty())?;
        Some(title_from(first.text.trim()))
    });
    let drafts = project
        .scenes
        .into_iter()
        .map(|s| SceneDraft {
            title: s.title,
            text: s.text,
            prompt: s.prompt,
            negative_prompt: None,
            duration_s: s.duration_s,
            line: s.line,
            media: s.media.filter(|m| !m.trim().is_empty()).map(|file| {
                storyreel_engine::story::MediaRef {
                    file,
                    look: s.media_look.unwrap_or_default(),
                }
            }),
        })
        .collect();
    let opts = ImportOptions {
        title,
        aspect: project.aspect,
        style,
        force_new: false,
        // Only a folder the app named itself (the story file's): a relative one means nothing.
        story_dir: project
            .story_dir
            .map(std::path::PathBuf::from)
            .filter(|d| d.is_absolute()),
        cast: project.cast.unwrap_or_default(),
        references: project.references.unwrap_or_default(),
        ..Default::default()
    };
    let out = e
        .import_scenes(None, drafts, opts)
        .await
        .map_err(ApiError::story)?;
    card_of(&e, out.project.id)
}

#[tauri::command]
pub async fn rename_project(
    state: State<'_, AppState>,
    id: String,
    title: String,
) -> ApiResult<ProjectCard> {
    let (e, p) = project(&state, &id).await?;
    e.rename_project(&p, &title).await?;
    card_of(&e, p.id)
}

#[tauri::command]
pub async fn delete_project(state: State<'_, AppState>, id: String) -> ApiResult<()> {
    let (e, p) = project(&state, &id).await?;
    e.delete_project(&p).await?;
    Ok(())
}

#[tauri::command]
pub async fn set_project_paused(
    state: State<'_, AppState>,
    id: String,
    paused: bool,
) -> ApiResult<ProjectCard> {
    let (e, p) = project(&state, &id).await?;
    e.set_paused(Some(&p), paused).await?;
    card_of(&e, p.id)
}

#[tauri::command]
pub async fn retry_failed(state: State<'_, AppState>, id: String) -> ApiResult<u32> {
    let (e, p) = project(&state, &id).await?;
    let filter = RetryFilter {
        failed: true,
        ..Default::default()
    };
    Ok(e.retry(&p, filter).await? as u32)
}

#[tauri::command]
pub async fn regenerate_placeholders(state: State<'_, AppState>, id: String) -> ApiResult<u32> {
    let (e, p) = project(&state, &id).await?;
    let filter = RetryFilter {
        placeholders: true,
        ..Default::default()
    };
    Ok(e.retry(&p, filter).await? as u32)
}

/// The project's folder of finished files (images, manifest, video), refreshed on each reveal.
pub(crate) fn output_dir(e: &Engine, p: &Project) -> PathBuf {
    let slug: String = p
        .title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let short = p.id.simple().to_string();
    e.data_dir()
        .join("exports")
        .join(format!("{slug}-{}", &short[short.len() - 6..]))
}

#[tauri::command]
pub async fn reveal_project(state: State<'_, AppState>, id: String) -> ApiResult<String> {
    let (e, p) = project(&state, &id).await?;
    let dir = output_dir(&e, &p);
    // The video is listed in the export's manifest like the pictures, so the next reveal
    // finds an export of this project (a file it did not list made it refuse the folder).
    let (e2, p2, dir2) = (e.clone(), p.clone(), dir.clone());
    tokio::task::spawn_blocking(move || e2.export_with_video(&p2, &dir2))
        .await
        .map_err(|err| {
            ApiError::new(
                crate::error::ErrorCode::Io,
                format!("Exporting the files stopped: {err}."),
            )
        })??;
    state.desktop().reveal(&dir)?;
    Ok(dir.display().to_string())
}

#[tauri::command]
pub async fn render_video(state: State<'_, AppState>, id: String) -> ApiResult<RenderView> {
    let (e, p) = project(&state, &id).await?;
    let spec = p.render.clone().unwrap_or_else(|| e.config().render.spec());
    Ok(match e.request_render(&p, spec).await? {
        RenderRequest::UpToDate(v) => RenderView {
            job_id: uuid::Uuid::nil(),
            status: JobStatus::Succeeded,
            frames_done: v.frames,
            frames_total: v.frames,
            error: None,
        },
        RenderRequest::Queued(j) => RenderView {
            job_id: j.id,
            status: j.status,
            frames_done: 0,
            frames_total: 0,
            error: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::title_from;

    #[test]
    fn automatic_titles_end_where_a_phrase_ends() {
        assert_eq!(
            title_from("The ferry leaves at dawn.\n\nGulls."),
            "The ferry leaves at dawn"
        );
        assert_eq!(title_from("Who is there?"), "Who is there");
        let long = "When the old lighthouse keeper finally climbed the stairs, the lamp had been dark for three nights and the sea was rising.";
        assert_eq!(
            title_from(long),
            "When the old lighthouse keeper finally climbed the stairs"
        );
        let no_breaks = "Lanterns drift over the water while the children of the harbour town count them one by one until morning";
        let t = title_from(no_breaks);
        assert!(t.ends_with('…') && t.chars().count() <= 60, "{t}");
        assert!(no_breaks.starts_with(t.trim_end_matches('…')), "{t}");
        assert!(!t.trim_end_matches('…').ends_with(' '), "{t}");
        assert_eq!(title_from("渡し舟が出る。かもめが追う。"), "渡し舟が出る");
        let unbroken = "あ".repeat(200);
        assert_eq!(title_from(&unbroken).chars().count(), 60);
        assert_eq!(title_from("   "), "");
    }
}
