//! Markdown front matter: a YAML block between `---` lines at the very top of a story, giving
//! its title, cast and look in the same shape as a JSON script's:
//!
//! ```markdown
//! ---
//! title: The Lighthouse
//! cast:
//!   - name: Mira
//!     description: a tall fisherwoman in a yellow coat
//!     reference: mira.png
//! look:
//!   words: watercolour, soft morning light
//!   palette: ["#1d3557", "#f1faee"]
//!   seed: 42
//! ---
//! ```
//!
//! A story that merely starts with a `---` scene separator is not front matter: the block is
//! taken only when it reads as a mapping with a title, cast or look.

use serde_json::Value;

use super::cast_script::{cast_from, RefFile};
use super::json_words::json_kind;
use crate::error::{Error, Result};
use crate::model::Cast;

/// What the front matter gave, and the story below it (the block's lines left blank, so line
/// numbers still match the file).
pub(super) struct FrontMatter {
    pub title: Option<String>,
    pub cast: Cast,
    pub references: Vec<RefFile>,
    pub body: String,
}

const KEYS: [&str; 3] = ["title", "cast", "look"];

/// The front matter of `text`, if it has one.
pub(super) fn split(text: &str, name: &str) -> Result<Option<FrontMatter>> {
    let mut lines = text.split('\n');
    if lines.next().map(str::trim_end) != Some("---") {
        return Ok(None);
    }
    let Some(end) = text
        .split('\n')
        .enumerate()
        .skip(1)
        .find(|(_, l)| matches!(l.trim_end(), "---" | "..."))
        .map(|(i, _)| i)
    else {
        return Ok(None);
    };
    let block: Vec<&str> = text.split('\n').skip(1).take(end - 1).collect();
    let yaml = block.join("\n");
    // Not a mapping with one of our keys: an ordinary scene between separators.
    let Ok(Value::Object(fields)) = serde_norway::from_str::<Value>(&yaml) else {
        if looks_meant(&block) {
            return Err(unreadable(name, &yaml));
        }
        return Ok(None);
    };
    if !fields.keys().any(|k| KEYS.contains(&k.as_str())) {
        return Ok(None);
    }
    let wrong = |why: String| {
        Error::story(
            Some(2),
            format!("{name}: its front matter (the block between the first two `---` lines): {why} Front matter gives title, cast and look, like `cast:` then `  - name: Mira` and `    description: a tall fisherwoman`."),
        )
    };
    if let Some(k) = fields.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(wrong(format!(
            "`{k}` is not part of a story's front matter; use title, cast and look."
        )));
    }
    let title = match fields.get("title") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t.trim().chars().count() <= super::MAX_TITLE_CHARS => {
            Some(t.trim().to_string()).filter(|t| !t.is_empty())
        }
        Some(Value::String(_)) => {
            return Err(wrong(format!(
                "the title is too long; keep it to {} characters.",
                super::MAX_TITLE_CHARS
            )))
        }
        Some(v) => {
            return Err(wrong(format!(
                "the title must be text, but it is {}.",
                json_kind(v)
            )))
        }
    };
    let (cast, references) = cast_from(
        fields.get("cast").cloned(),
        fields.get("look").cloned(),
        &wrong,
    )?;
    let body: String = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| if i <= end { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Some(FrontMatter {
        title,
        cast,
        references,
        body,
    }))
}

/// Whether a block that is not valid YAML was still meant as front matter (a line starts with
/// one of its keys), so the mistake is said rather than the block read as a scene.
fn looks_meant(block: &[&str]) -> bool {
    block.iter().any(|l| {
        KEYS.iter()
            .any(|k| l.strip_prefix(k).is_some_and(|r| r.starts_with(':')))
    })
}

fn unreadable(name: &str, yaml: &str) -> Error {
    let why = match serde_norway::from_str::<Value>(yaml) {
        Err(e) => match e.location() {
            Some(at) => format!("line {} of the file is not valid YAML ({e})", at.line() + 1),
            None => format!("it is not valid YAML ({e})"),
        },
        Ok(_) => "it is not a list of fields".to_string(),
    };
    Error::story(
        Some(2),
        format!("{name}: its front matter cannot be read: {why}. Indent each character's fields under `- name:` with spaces, not tabs, and put text with a colon in quotes."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_gives_title_cast_and_look_and_keeps_line_numbers() {
        let text = "---\ntitle: The Lighthouse\ncast:\n  - name: Mira\n    description: a tall fisherwoman in a yellow coat\n    reference: mira.png\nlook:\n  words: watercolour\n  palette: [\"#1d3557\"]\n  seed: 42\n---\nMira climbs.\n\nThe lamp.\n";
        let f = split(text, "s.md").unwrap().unwrap();
        assert_eq!(f.title.as_deref(), Some("The Lighthouse"));
        assert_eq!(f.cast.characters[0].name, "Mira");
        assert_eq!(f.cast.look.seed, Some(42));
        assert_eq!(f.references[0].file, "mira.png");
        assert_eq!(f.references[0].who.as_deref(), Some("Mira"));
        assert_eq!(f.body.split('\n').nth(11), Some("Mira climbs."));
        assert_eq!(f.body.lines().filter(|l| !l.is_empty()).count(), 2);
    }

    #[test]
    fn a_story_opening_with_a_separator_is_not_front_matter() {
        assert!(split("---\nFirst scene.\n---\nSecond.", "s.md")
            .unwrap()
            .is_none());
        assert!(split("---\nNote: it rained.\n---\nSecond.", "s.md")
            .unwrap()
            .is_none());
        assert!(split("Just text.", "s.md").unwrap().is_none());
    }

    #[test]
    fn mistakes_in_front_matter_are_sentences() {
        let err = |t: &str| split(t, "s.md").err().unwrap().to_string();
        let e = err("---\ncast:\n\t- name: Mira\n---\nText.");
        assert!(e.contains("s.md") && e.contains("front matter"), "{e}");
        let e = err("---\ncast: Mira\n---\nText.");
        assert!(e.contains("`cast` must be a list"), "{e}");
        let e = err("---\ntitle: T\nauthor: me\n---\nText.");
        assert!(e.contains("`author` is not part"), "{e}");
        let e = err("---\ncast:\n  - name: Mira\n    eyes: green\n---\nText.");
        assert!(e.contains("`eyes` is not something a character has"), "{e}");
    }
}
