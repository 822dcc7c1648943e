//! Projects and scenes as the Library and Project screens show them: the engine's views, and
//! the drafts of a story not yet imported.

use serde::{Deserialize, Serialize};
use storyreel_engine::model::{Aspect, Project};
use storyreel_engine::Engine;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::ApiResult;

pub use storyreel_engine::views::{ProjectCard, ProjectDetail, RenderView, SceneView, VideoView};

/// A scene as previewed (and edited) before the project exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DraftScene {
    pub title: Option<String>,
    pub text: String,
    pub prompt: Option<String>,
    pub duration_s: Option<f32>,
    pub line: u32,
    /// The picture or clip the story links to for this scene, as written in it (found from
    /// the story file's folder).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub media: Option<String>,
    /// How a script's `media` field said it fits and plays.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub media_look: Option<storyreel_engine::model::MediaLook>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StoryPreview {
    pub title: String,
    pub scenes: Vec<DraftScene>,
    /// The cast and look the story gives (front matter, a script's `cast`), and the reference
    /// pictures it names, sent back with the new project.
    pub cast: storyreel_engine::model::Cast,
    pub references: Vec<storyreel_engine::story::RefFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StoryFile {
    pub name: String,
    pub text: String,
    /// The folder the file is in: the pictures and clips it links to are found from there.
    #[ts(optional = nullable)]
    pub dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct NewProject {
    pub title: Option<String>,
    pub aspect: Aspect,
    pub style: Option<String>,
    pub scenes: Vec<DraftScene>,
    /// The story file's folder, when it was opened from one.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub story_dir: Option<String>,
    /// The story's cast and the reference pictures it names, as the preview gave them.
    #[serde(default)]
    #[ts(optional)]
    pub cast: Option<storyreel_engine::model::Cast>,
    #[serde(default)]
    #[ts(optional)]
    pub references: Option<Vec<storyreel_engine::story::RefFile>>,
}

/// A project's record; a deleted one is a sentence.
pub fn project_record(engine: &Engine, id: Uuid) -> ApiResult<Project> {
    engine.project(id)?.ok_or_else(|| {
        crate::error::ApiError::not_found("That project no longer exists: it was deleted.")
    })
}

/// A project's card, reading its record and scenes.
pub fn card_of(engine: &Engine, id: Uuid) -> ApiResult<ProjectCard> {
    let p = project_record(engine, id)?;
    let scenes = engine.scenes(id)?;
    Ok(engine.project_card(&p, &scenes)?)
}
