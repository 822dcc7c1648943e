//! A project's cast as the front ends show it: each character with the scenes that name them,
//! the look and the seed every provider that takes one is sent.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::Result;
use crate::model::{Look, Project};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CastView {
    pub project_id: Uuid,
    pub title: String,
    pub characters: Vec<CharacterView>,
    pub look: Look,
    /// The seed sent (the look's, or the one drawn from the project).
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharacterView {
    pub name: String,
    pub description: String,
    /// The scenes whose title or words name them (1-based).
    pub scenes: Vec<u32>,
}

impl Engine {
    /// `project`'s cast, each character with the scenes they appear in.
    pub fn cast_of(&self, project: &Project) -> Result<CastView> {
        let scenes = self.store().scenes_of(project.id)?;
        let cast = &project.cast;
        let characters = cast
            .characters
            .iter()
            .map(|c| CharacterView {
                name: c.name.clone(),
                description: c.description.clone(),
                scenes: scenes
                    .iter()
                    .filter(|s| {
                        let words = format!("{}\n{}", s.title.as_deref().unwrap_or(""), s.text);
                        crate::model::cast_names(&words, &c.name)
                    })
                    .map(|s| s.index)
                    .collect(),
            })
            .collect();
        Ok(CastView {
            project_id: project.id,
            title: project.title.clone(),
            characters,
            look: cast.look.clone(),
            seed: cast.seed(project.id),
        })
    }
}
