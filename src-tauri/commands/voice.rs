//! Narration from the window: the voices and languages to choose from, a voice's sample, a
//! project's voice and language, and a scene narrated by the person's own recording (the
//! file's bytes come as the request's body, its name and scene in headers).

use serde::Serialize;
use storyreel_engine::language;
use storyreel_engine::model::VoiceChoice;
use storyreel_engine::verbs::voice_sample::VoiceSample;
use tauri::State;
use ts_rs::TS;

use super::projects::project;
use crate::dto::{ProjectDetail, SceneView};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The largest recording the window sends (bytes): a long WAV.
const MAX_RECORDING: usize = 200 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VoiceOption {
    pub name: String,
    pub label: String,
    /// In the configured chain (tried when no voice is chosen).
    pub in_chain: bool,
    pub usable: bool,
    /// Why it cannot speak now, or what it needs.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LanguageOption {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VoicesView {
    pub voices: Vec<VoiceOption>,
    pub languages: Vec<LanguageOption>,
}

/// Every voice (usable now or why not) and every language StoryReel narrates.
#[tauri::command]
pub async fn voices(state: State<'_, AppState>) -> ApiResult<VoicesView> {
    let e = state.engine().await?;
    let voices = e
        .voices_report()
        .await
        .into_iter()
        .map(|r| VoiceOption {
            name: r.name,
            label: r.label,
            in_chain: r.in_chain,
            usable: r.usable,
            note: r.note,
        })
        .collect();
    let mut languages: Vec<LanguageOption> = language::LANGUAGES
        .iter()
        .map(|l| LanguageOption {
            code: l.code.into(),
            name: l.name.into(),
        })
        .collect();
    languages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(VoicesView { voices, languages })
}

/// `voice` (none: the chain) reading a short line in `language` (`auto`: English).
#[tauri::command]
pub async fn voice_sample(
    state: State<'_, AppState>,
    voice: Option<String>,
    language: String,
) -> ApiResult<VoiceSample> {
    let e = state.engine().await?;
    let voice = voice.filter(|v| !v.trim().is_empty());
    Ok(e.voice_sample(voice.as_deref(), &language).await?)
}

/// How a project is narrated: off, or a voice (none: the chain) and a language (`auto`:
/// detected from its scenes). Every scene without the person's own recording is narrated
/// again.
#[tauri::command]
pub async fn set_project_voice(
    state: State<'_, AppState>,
    id: String,
    enabled: bool,
    voice: Option<String>,
    language: String,
) -> ApiResult<ProjectDetail> {
    let (e, p) = project(&state, &id).await?;
    let choice = if enabled {
        let voice = voice
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty());
        if let Some(v) = &voice {
            if !storyreel_engine::config::KNOWN_VOICES.contains(&v.as_str()) {
                return Err(ApiError::input(format!("There is no voice called `{v}`.")));
            }
        }
        let (code, chosen) = match language.trim() {
            "" | "auto" => {
                let text: String = e
                    .scenes(p.id)?
                    .iter()
                    .map(|s| s.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                let l = language::detect(&text).unwrap_or_else(language::english);
                (l.code.to_string(), false)
            }
            code => (code.to_string(), true),
        };
        Some(VoiceChoice {
            voice,
            language: code,
            language_chosen: chosen,
        })
    } else {
        None
    };
    e.set_project_voice(p.id, choice).await?;
    let p = crate::dto::project_record(&e, p.id)?;
    Ok(e.project_detail(&p)?)
}

/// The request's header `name`, as text.
fn header(req: &tauri::ipc::Request<'_>, name: &str) -> ApiResult<String> {
    let v = req
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::input(format!("The recording came without its `{name}`.")))?;
    // Names are sent URI-encoded: headers carry ASCII only.
    Ok(percent_encoding::percent_decode_str(v)
        .decode_utf8_lossy()
        .into_owned())
}

/// Makes the file in the body (named by `x-file-name`) scene `x-scene`'s narration in project
/// `x-project-id`.
#[tauri::command]
pub async fn set_scene_recording(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> ApiResult<SceneView> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::input(
            "The recording came without its sound; drop the file again.",
        ));
    };
    if bytes.is_empty() {
        return Err(ApiError::input("The recording is an empty file."));
    }
    if bytes.len() > MAX_RECORDING {
        return Err(ApiError::input(format!(
            "The recording is {} MB; a scene takes at most {} MB (about ten minutes of WAV).",
            bytes.len() / (1024 * 1024),
            MAX_RECORDING / (1024 * 1024)
        )));
    }
    let (e, p) = project(&state, &header(&request, "x-project-id")?).await?;
    let index: u32 = header(&request, "x-scene")?
        .trim()
        .parse()
        .map_err(|_| ApiError::input("The recording came without a scene number."))?;
    let name = header(&request, "x-file-name")?;
    // Only the file's own name: nothing of a path it may carry.
    let name = std::path::Path::new(&name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "recording".into());
    let dir = tempfile::tempdir().map_err(|err| {
        ApiError::new(
            crate::error::ErrorCode::Io,
            format!("Cannot keep the recording to read it: {err}."),
        )
    })?;
    let file = dir.path().join(&name);
    std::fs::write(&file, bytes).map_err(|err| {
        ApiError::new(
            crate::error::ErrorCode::Io,
            format!("Cannot keep the recording to read it: {err}."),
        )
    })?;
    e.set_scene_recording(p.id, index, &file).await?;
    let scene = e
        .scene(p.id, index)?
        .ok_or_else(|| ApiError::not_found(format!("{} has no scene {index}.", p.title)))?;
    Ok(e.scene_view_of(&scene)?)
}
