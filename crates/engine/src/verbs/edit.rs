//! What a person edits after import: a project's title and a scene's prompt.

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::model::{now_ms, Project, Scene};
use crate::store::abort;

use crate::story::{MAX_PROMPT_CHARS, MAX_TITLE_CHARS};

/// A title a person typed (a rename, or one given at import), trimmed; an empty or over-long
/// one is refused with a sentence that does not quote it.
pub(crate) fn checked_title(title: &str) -> Result<&str> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::Input(
            "A project needs a title: type at least one character.".into(),
        ));
    }
    let n = title.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(Error::Input(format!(
            "That title is {n} characters long; keep it to {MAX_TITLE_CHARS}."
        )));
    }
    Ok(title)
}

/// A title found in the story (its heading, or its file's name), cut to the longest a title
/// may be, at a word where there is one.
pub(crate) fn fitted_title(title: &str) -> String {
    let title = title.trim();
    if title.chars().count() <= MAX_TITLE_CHARS {
        return title.to_string();
    }
    let cut: String = title.chars().take(MAX_TITLE_CHARS - 1).collect();
    let at_word = match cut.rfind(char::is_whitespace) {
        Some(i) if i > cut.len() / 2 => cut[..i].trim_end().to_string(),
        _ => cut,
    };
    format!("{at_word}…")
}

impl Engine {
    /// Renames a project. The title is trimmed; an empty or over-long one is refused.
    pub async fn rename_project(&self, project: &Project, title: &str) -> Result<Project> {
        let title = checked_title(title)?;
        let id = project.id;
        let p = self.store().transact(|tx| {
            let Some(mut p) = tx.project(id)? else {
                return abort(Error::NotFound(format!(
                    "The project {id} no longer exists."
                )));
            };
            p.title = title.to_string();
            p.updated_at = now_ms();
            tx.put_project(&p)?;
            Ok(p)
        })?;
        self.store().flush().await?;
        self.emit_project(p.id);
        Ok(p)
    }

    /// Sets the prompt that scene `index` is generated from next time (regenerate to use it).
    pub async fn set_scene_prompt(
        &self,
        project: &Project,
        index: u32,
        prompt: &str,
    ) -> Result<Scene> {
        let prompt = prompt.trim();
        if prompt.is_empty() {
            return Err(Error::Input(
                "A prompt cannot be empty: describe the picture you want for this scene.".into(),
            ));
        }
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(Error::Input(format!(
                "That prompt is {} characters long; keep it to {MAX_PROMPT_CHARS}.",
                prompt.chars().count()
            )));
        }
        let (id, title) = (project.id, project.title.clone());
        let scene = self.store().transact(|tx| {
            let Some(mut s) = tx.scene(id, index)? else {
                return abort(Error::NotFound(format!("{title} has no scene {index}.")));
            };
            s.prompt = prompt.to_string();
            s.updated_at = now_ms();
            tx.put_scene(&s)?;
            Ok(s)
        })?;
        self.store().flush().await?;
        self.emit(Event::Scene {
            scene: Box::new(scene.clone()),
        });
        Ok(scene)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::{Engine, EngineOptions, ImportOptions};

    async fn engine_with_story() -> (tempfile::TempDir, Engine, crate::model::Project) {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(EngineOptions::new(dir.path().join("d"), Config::default())).unwrap();
        let p = e
            .import(b"One.\n\nTwo.", "s.txt", ImportOptions::default())
            .await
            .unwrap()
            .project;
        (dir, e, p)
    }

    #[tokio::test]
    async fn rename_trims_and_persists_and_refuses_empty() {
        let (_d, e, p) = engine_with_story().await;
        let r = e.rename_project(&p, "  The Bay  ").await.unwrap();
        assert_eq!(r.title, "The Bay");
        assert_eq!(e.store().project(p.id).unwrap().unwrap().title, "The Bay");
        let err = e.rename_project(&p, "   ").await.unwrap_err();
        assert!(err.to_string().contains("needs a title"), "{err}");
        let long = "x".repeat(201);
        assert!(e.rename_project(&p, &long).await.is_err());
        assert_eq!(e.store().project(p.id).unwrap().unwrap().title, "The Bay");
    }

    #[tokio::test]
    async fn a_new_prompt_is_kept_and_bad_ones_change_nothing() {
        let (_d, e, p) = engine_with_story().await;
        let s = e
            .set_scene_prompt(&p, 2, "a lighthouse at dusk")
            .await
            .unwrap();
        assert_eq!(s.prompt, "a lighthouse at dusk");
        assert_eq!(
            e.store().scene(p.id, 2).unwrap().unwrap().prompt,
            "a lighthouse at dusk"
        );
        assert!(e.set_scene_prompt(&p, 2, " ").await.is_err());
        let err = e.set_scene_prompt(&p, 9, "x").await.unwrap_err();
        assert_eq!(err.code(), "not_found");
        assert_eq!(
            e.store().scene(p.id, 2).unwrap().unwrap().prompt,
            "a lighthouse at dusk"
        );
    }
}
