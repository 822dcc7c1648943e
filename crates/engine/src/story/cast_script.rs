//! A JSON script with its cast: `{"cast": [{"name", "description"}], "look": {"words",
//! "palette", "seed"}, "scenes": [...]}`. Each field is checked, and a mistake is said in the
//! story's words, as the scenes' are.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::json_words::json_kind;
use crate::error::{Error, Result};
use crate::model::{
    Cast, Character, Look, MAX_CHARACTERS, MAX_COLOURS, MAX_DESCRIPTION_CHARS, MAX_LOOK_CHARS,
    MAX_NAME_CHARS, MAX_SEED,
};

const MAX_FILE_CHARS: usize = 1000;

const SHAPE: &str = r##"{"cast": [{"name": "Mira", "description": "a tall fisherwoman in a yellow coat"}], "look": {"words": "watercolour", "palette": ["#1d3557", "#f1faee"], "seed": 42}, "scenes": [{"text": "..."}]}"##;

#[derive(Deserialize)]
struct Story<'a> {
    #[serde(borrow)]
    scenes: Option<&'a RawValue>,
    cast: Option<serde_json::Value>,
    look: Option<serde_json::Value>,
}

/// Whether `text` is a story object (one with scenes, a cast or a look), not a lone scene.
pub(super) fn is_story(text: &str) -> bool {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).is_ok_and(|m| {
        ["scenes", "cast", "look"]
            .iter()
            .any(|k| m.contains_key(*k))
    })
}

/// The scenes' part of `text` (a list, to read as a script's) and the cast it gives.
pub(super) fn parse_object<'a>(text: &'a str, name: &str) -> Result<(&'a str, Cast, Vec<RefFile>)> {
    let wrong = |why: String| {
        Error::story(
            Some(1),
            format!("{name}: {why} A story with its cast is shaped like {SHAPE}."),
        )
    };
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| wrong(format!("line {}: not valid JSON ({e}).", e.line())))?;
    if let Some(k) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "scenes" | "cast" | "look"))
    {
        return Err(wrong(format!(
            "`{k}` is not part of a story; use scenes, cast and look."
        )));
    }
    let story: Story =
        serde_json::from_str(text).map_err(|_| wrong("it could not be read as a story.".into()))?;
    let scenes = story
        .scenes
        .ok_or_else(|| wrong("it has no `scenes`.".into()))?
        .get();
    let (cast, references) = cast_from(story.cast, story.look, &wrong)?;
    Ok((scenes, cast, references))
}

/// A reference picture a story names: whose (a character's name; none: the look's), and the
/// file as written (found from the story's folder when it is imported).
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize, ts_rs::TS)]
pub struct RefFile {
    pub who: Option<String>,
    pub file: String,
}

/// The cast and look from a story's `cast` and `look` values (a JSON script's, or Markdown
/// front matter read as the same values), each mistake said through `wrong`.
pub(super) fn cast_from(
    list: Option<serde_json::Value>,
    look: Option<serde_json::Value>,
    wrong: &dyn Fn(String) -> Error,
) -> Result<(Cast, Vec<RefFile>)> {
    let mut cast = Cast::default();
    let mut references = Vec::new();
    if let Some(list) = list.filter(|v| !v.is_null()) {
        let Some(list) = list.as_array() else {
            return Err(wrong(format!(
                "`cast` must be a list of characters, but it is {}.",
                json_kind(&list)
            )));
        };
        if list.len() > MAX_CHARACTERS {
            return Err(wrong(format!(
                "`cast` has {} characters; keep it to {MAX_CHARACTERS}.",
                list.len()
            )));
        }
        for (i, c) in list.iter().enumerate() {
            let (c, file) =
                character(c).map_err(|why| wrong(format!("character {}: {why}", i + 1)))?;
            if let Some(o) = cast
                .characters
                .iter()
                .find(|o| o.name.to_lowercase() == c.name.to_lowercase())
            {
                return Err(wrong(format!(
                    "character {}: {} is in the cast twice; give each character one entry.",
                    i + 1,
                    o.name
                )));
            }
            if let Some(file) = file {
                references.push(RefFile {
                    who: Some(c.name.clone()),
                    file,
                });
            }
            cast.characters.push(c);
        }
    }
    if let Some(v) = look.filter(|v| !v.is_null()) {
        let (l, file) = self::look(&v).map_err(|why| wrong(format!("`look`: {why}")))?;
        cast.look = l;
        if let Some(file) = file {
            references.push(RefFile { who: None, file });
        }
    }
    Ok((cast, references))
}

fn text_field(
    obj: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    max: usize,
) -> std::result::Result<String, String> {
    match obj.get(key) {
        None | Some(serde_json::Value::Null) => Ok(String::new()),
        Some(serde_json::Value::String(s)) => {
            let s = s.trim();
            let n = s.chars().count();
            if n > max {
                return Err(format!("its `{key}` has {n} characters; keep it to {max}."));
            }
            Ok(s.to_string())
        }
        Some(v) => Err(format!(
            "`{key}` must be text in quotes, but it is {}.",
            json_kind(v)
        )),
    }
}

fn character(v: &serde_json::Value) -> std::result::Result<(Character, Option<String>), String> {
    let Some(obj) = v.as_object() else {
        return Err(format!("each character is an object like {{\"name\": \"Mira\", \"description\": \"...\"}}, but this one is {}.", json_kind(v)));
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "name" | "description" | "reference" | "voice"))
    {
        return Err(format!(
            "`{k}` is not something a character has; use name, description, reference and voice."
        ));
    }
    let name = text_field(obj, "name", MAX_NAME_CHARS)?;
    if name.is_empty() {
        return Err("it has no `name`; the scenes find a character by name.".into());
    }
    let description = text_field(obj, "description", MAX_DESCRIPTION_CHARS)?;
    let reference = text_field(obj, "reference", MAX_FILE_CHARS)?;
    let voice = text_field(obj, "voice", MAX_NAME_CHARS)?;
    let mut character = Character::new(&name, &description);
    character.voice = (!voice.is_empty()).then_some(voice);
    Ok((character, (!reference.is_empty()).then_some(reference)))
}

fn look(v: &serde_json::Value) -> std::result::Result<(Look, Option<String>), String> {
    let Some(obj) = v.as_object() else {
        return Err(format!(
            "it must be an object like {{\"words\": \"watercolour\", \"seed\": 42}}, but it is {}.",
            json_kind(v)
        ));
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "words" | "palette" | "seed" | "reference"))
    {
        return Err(format!(
            "`{k}` is not part of a look; use words, palette, seed and reference."
        ));
    }
    let words = text_field(obj, "words", MAX_LOOK_CHARS)?;
    let palette = match obj.get("palette") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => {
            if items.len() > MAX_COLOURS {
                return Err(format!(
                    "its palette has {} colours; keep it to {MAX_COLOURS}.",
                    items.len()
                ));
            }
            items
                .iter()
                .map(|c| match c.as_str().map(str::trim) {
                    Some(c) if !c.is_empty() && c.chars().count() <= 32 => Ok(c.to_string()),
                    _ => Err("each colour of its palette is a short text, like \"#1d3557\" or \"sea green\".".to_string()),
                })
                .collect::<std::result::Result<_, _>>()?
        }
        Some(v) => {
            return Err(format!(
                "its palette must be a list of colours, but it is {}.",
                json_kind(v)
            ))
        }
    };
    let seed = match obj.get("seed") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => match v.as_u64().filter(|s| *s <= MAX_SEED) {
            Some(s) => Some(s),
            None => {
                return Err(format!(
                    "its seed must be a whole number from 0 to {MAX_SEED}."
                ))
            }
        },
    };
    let reference = text_field(obj, "reference", MAX_FILE_CHARS)?;
    Ok((
        Look {
            words,
            palette,
            seed,
            reference: None,
            reference_note: None,
        },
        (!reference.is_empty()).then_some(reference),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_gives_its_cast_and_look_and_each_mistake_is_a_sentence() {
        let text = r##"{"cast": [{"name": " Mira ", "description": "a tall fisherwoman in a yellow coat"}, {"name": "Tom"}],
            "look": {"words": "watercolour", "palette": ["#1d3557", "sea green"], "seed": 42},
            "scenes": [{"text": "Mira sails."}]}"##;
        let (scenes, cast, refs) = parse_object(text, "s.json").unwrap();
        assert!(refs.is_empty());
        assert!(scenes.trim_start().starts_with('['));
        assert_eq!(cast.characters[0].name, "Mira");
        assert_eq!(cast.characters[1].description, "");
        assert_eq!(cast.look.seed, Some(42));
        assert_eq!(
            cast.look.prompt_words().unwrap(),
            "watercolour; palette #1d3557, sea green"
        );
        let err = |t: &str| parse_object(t, "s.json").unwrap_err().to_string();
        for (t, says) in [
            (
                r#"{"scenes": [], "cats": []}"#,
                "`cats` is not part of a story",
            ),
            (r#"{"cast": []}"#, "it has no `scenes`"),
            (
                r#"{"scenes": [], "cast": {"name": "Mira"}}"#,
                "`cast` must be a list",
            ),
            (
                r#"{"scenes": [], "cast": [{"description": "x"}]}"#,
                "character 1: it has no `name`",
            ),
            (
                r#"{"scenes": [], "cast": [{"name": "Mira", "age": 3}]}"#,
                "`age` is not something a character has; use name, description, reference and voice",
            ),
            (
                r#"{"scenes": [], "cast": [{"name": "Mira"}, {"name": "MIRA"}]}"#,
                "in the cast twice",
            ),
            (
                r#"{"scenes": [], "look": {"seed": -1}}"#,
                "seed must be a whole number",
            ),
            (
                r#"{"scenes": [], "look": {"seed": 1.5}}"#,
                "seed must be a whole number",
            ),
            (
                r#"{"scenes": [], "look": {"palette": "red"}}"#,
                "palette must be a list",
            ),
            (r#"{"scenes": [], "look": {"palette": [3]}}"#, "each colour"),
        ] {
            let e = err(t);
            assert!(e.contains(says) && e.contains("s.json"), "{t}: {e}");
        }
        let long = format!(
            r#"{{"scenes": [], "cast": [{{"name": "Mira", "description": "{}"}}]}}"#,
            "x".repeat(1001)
        );
        assert!(err(&long).contains("keep it to 1000"));
    }
}
