//! A project's cast as the front ends show it: each character with the scenes they appear in
//! (named in the scene's words, or linked by hand), their reference picture, the look and the
//! seed every provider that takes one is sent.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Cast, Look, Project, Reference};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CastView {
    pub project_id: Uuid,
    pub title: String,
    pub characters: Vec<CharacterView>,
    pub look: Look,
    /// The look's reference picture on disk, to show.
    pub look_picture: Option<String>,
    /// The seed sent (the look's, or the one drawn from the project).
    pub seed: u64,
    /// Whether the seed is the one drawn from the project (none was chosen).
    pub seed_drawn: bool,
    /// The cast as stored, for a front end to edit and send back whole.
    pub cast: Cast,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CharacterView {
    pub name: String,
    pub description: String,
    /// The scenes they appear in (1-based).
    pub scenes: Vec<u32>,
    pub reference: Option<Reference>,
    /// Their reference picture on disk, to show.
    pub picture: Option<String>,
    /// Why the picture the story named for them could not be used.
    pub reference_note: Option<String>,
    /// The voice of their quoted lines (none: the narrator's).
    pub voice: Option<String>,
}

impl Engine {
    /// `project`'s cast, each character with the scenes they appear in.
    pub fn cast_of(&self, project: &Project) -> Result<CastView> {
        let scenes = self.store().scenes_of(project.id)?;
        let cast = &project.cast;
        let on_disk = |r: &Option<Reference>| {
            r.as_ref()
                .and_then(|r| self.assets().path(&r.hash, &r.ext).ok())
                .filter(|p| p.is_file())
                .map(|p| p.display().to_string())
        };
        // Who each scene shows, worked out once a scene.
        let shown: Vec<(u32, Vec<&str>)> = scenes
            .iter()
            .map(|s| {
                let who = cast.shown_in(&s.cast_words(), &s.choice);
                (s.index, who.into_iter().map(|c| c.name.as_str()).collect())
            })
            .collect();
        let characters = cast
            .characters
            .iter()
            .map(|c| CharacterView {
                name: c.name.clone(),
                description: c.description.clone(),
                scenes: shown
                    .iter()
                    .filter(|(_, names)| names.contains(&c.name.as_str()))
                    .map(|(index, _)| *index)
                    .collect(),
                picture: on_disk(&c.reference),
                reference: c.reference.clone(),
                reference_note: c.reference_note.clone(),
                voice: c.voice.clone(),
            })
            .collect();
        Ok(CastView {
            project_id: project.id,
            title: project.title.clone(),
            characters,
            look: cast.look.clone(),
            look_picture: on_disk(&cast.look.reference),
            seed: cast.seed(project.id),
            seed_drawn: cast.look.seed.is_none(),
            cast: cast.clone(),
        })
    }
}
