//! JSON scripts: a list of scenes, each checked field by field so a mistake is said in the
//! story's words ("scene 3: `duration_s` must be a number of seconds"), with its line.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::json_words::json_kind;
use super::{is_blank, ParsedStory, SceneDraft, MAX_PROMPT_CHARS, MAX_TITLE_CHARS};
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonScene {
    #[serde(default)]
    text: String,
    title: Option<String>,
    prompt: Option<String>,
    negative_prompt: Option<String>,
    duration_s: Option<f64>,
    #[serde(skip)]
    media: Option<super::MediaRef>,
}

/// One script item as a scene, or what is wrong with it in the story's words.
fn json_scene(raw: &str) -> std::result::Result<JsonScene, String> {
    let v: serde_json::Value =
        serde_json::from_str(raw).map_err(|_| "it is not valid JSON.".to_string())?;
    let Some(fields) = v.as_object() else {
        return Err(format!(
            "each scene is an object like {{\"text\": \"...\"}}, but this one is {}.",
            json_kind(&v)
        ));
    };
    for (key, value) in fields {
        match key.as_str() {
            "text" | "title" | "prompt" | "negative_prompt" => {
                if !(value.is_string() || value.is_null()) {
                    return Err(format!(
                        "`{key}` must be text in quotes, but it is {}.",
                        json_kind(value)
                    ));
                }
            }
            "media" => {}
            "duration_s" => {
                if !(value.is_number() || value.is_null()) {
                    return Err(format!(
                        "`duration_s` must be a number of seconds (like 4), but it is {}.",
                        json_kind(value)
                    ));
                }
            }
            other => {
                return Err(format!(
                    "`{other}` is not something a scene has; use text, title, prompt, negative_prompt, duration_s and media."
                ))
            }
        }
    }
    let media =
        super::media_ref::from_json(fields.get("media").unwrap_or(&serde_json::Value::Null))?;
    let mut fields = fields.clone();
    fields.remove("media");
    let mut scene: JsonScene = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|_| "it could not be read as a scene.".to_string())?;
    scene.media = media;
    Ok(scene)
}

/// A number as a person reads it: huge or tiny ones in exponent form, not hundreds of digits.
pub fn show_number(d: f64) -> String {
    if d != 0.0 && !(1e-3..1e6).contains(&d.abs()) {
        format!("{d:e}")
    } else {
        format!("{d}")
    }
}

const JSON_SHAPE: &str =
    r#"[{"text": "...", "prompt": "...", "negative_prompt": "...", "duration_s": 4}]"#;

pub(super) fn parse_json(text: &str, name: &str) -> Result<ParsedStory> {
    if text.trim_start().starts_with('{') && super::cast_script::is_story(text) {
        // `{"cast": [...], "look": {...}, "scenes": [...]}`: a story with its cast.
        let (scenes, cast, references) = super::cast_script::parse_object(text, name)?;
        let mut story = parse_list(text, scenes, name)?;
        story.cast = cast;
        story.references = references;
        return Ok(story);
    }
    parse_list(text, text, name)
}

/// The scenes of `list` (all of `text`, or its `scenes` part), their lines counted in `text`.
fn parse_list(text: &str, list: &str, name: &str) -> Result<ParsedStory> {
    let items: Vec<&RawValue> = serde_json::from_str(list).map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            // Valid JSON, but not a list.
            let what = serde_json::from_str::<serde_json::Value>(list)
                .map(|v| json_kind(&v))
                .unwrap_or("something else");
            return Error::story(Some(1), format!(
                "{name}: a script is a list of scenes like {JSON_SHAPE}, but this file holds {what}."
            ));
        }
        Error::story(Some(e.line() as u32), format!(
            "{name}, line {} column {}: not a valid JSON script ({}). A script is a list like {JSON_SHAPE}.",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        ))
    })?;
    let base = text.as_ptr() as usize;
    let mut scenes = Vec::new();
    for (i, raw) in items.iter().enumerate() {
        let offset = (raw.get().as_ptr() as usize).saturating_sub(base);
        let line = text[..offset.min(text.len())].matches('\n').count() as u32 + 1;
        let item = json_scene(raw.get()).map_err(|why| {
            Error::story(
                Some(line),
                format!("{name}, line {line}: scene {}: {why}", i + 1),
            )
        })?;
        if let Some(d) = item.duration_s {
            if !d.is_finite() || !(0.5..=60.0).contains(&d) {
                return Err(Error::story(Some(line), format!(
                    "{name}, line {line}: scene {}: `duration_s` is {}; use a number of seconds from 0.5 to 60.",
                    i + 1,
                    show_number(d)
                )));
            }
        }
        let nonempty = |s: Option<String>| s.filter(|s| !is_blank(s)).map(|s| s.trim().to_string());
        let prompt = nonempty(item.prompt);
        let text = if is_blank(&item.text) {
            String::new()
        } else {
            item.text.trim().to_string()
        };
        if text.is_empty() && prompt.is_none() {
            continue;
        }
        if text.is_empty() {
            return Err(Error::story(Some(line), format!(
                "{name}, line {line}: item {} has a prompt but no `text`; every scene needs the words it shows. Add \"text\": \"...\" to it.",
                i + 1
            )));
        }
        let caps = [
            ("title", item.title.as_deref(), MAX_TITLE_CHARS),
            ("prompt", prompt.as_deref(), MAX_PROMPT_CHARS),
            (
                "negative_prompt",
                item.negative_prompt.as_deref(),
                MAX_PROMPT_CHARS,
            ),
        ];
        for (field, value, max) in caps {
            let n = value.map_or(0, |v| v.chars().count());
            if n > max {
                return Err(Error::story(Some(line), format!(
                    "{name}, line {line}: item {} has a `{field}` of {n} characters; keep it to {max}.",
                    i + 1
                )));
            }
        }
        scenes.push(SceneDraft {
            title: nonempty(item.title),
            text,
            prompt,
            negative_prompt: nonempty(item.negative_prompt),
            duration_s: item.duration_s.map(|d| d as f32),
            line,
            media: item.media,
        });
    }
    Ok(ParsedStory {
        title: None,
        scenes,
        cast: Default::default(),
        references: Vec::new(),
    })
}

/// serde_json appends " at line L column C"; we say the position ourselves.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
