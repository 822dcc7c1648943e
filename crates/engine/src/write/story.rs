//! The story a model writes: the JSON schema it is asked to follow, the check of its answer,
//! and the Markdown the person reads and edits before making it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A written story, as the schema asks for it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Written {
    pub title: String,
    /// Style words every picture shares.
    pub look: String,
    pub cast: Vec<WrittenCharacter>,
    pub scenes: Vec<WrittenScene>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct WrittenCharacter {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct WrittenScene {
    pub title: String,
    /// What the narrator says.
    pub words: String,
    /// What the scene's picture shows.
    pub picture: String,
}

/// The longest a scene's words, a description or a picture prompt may be.
const MAX_WORDS: usize = 1500;
const MAX_LINE: usize = 600;

/// The JSON schema the answer must follow (strict: every field required, nothing else).
pub fn schema() -> Value {
    let text = json!({ "type": "string" });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["title", "look", "cast", "scenes"],
        "properties": {
            "title": text,
            "look": text,
            "cast": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "description"],
                    "properties": { "name": text, "description": text }
                }
            },
            "scenes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["title", "words", "picture"],
                    "properties": { "title": text, "words": text, "picture": text }
                }
            }
        }
    })
}

/// What is wrong with an answer, in a sentence the model is shown on the next try (and the
/// person, when no try is left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(pub String);

/// Reads and checks an answer; `scenes` is how many were asked for.
pub fn check(answer: &str, scenes: u32) -> Result<Written, Problem> {
    let body = strip_fence(answer);
    let value: Value = serde_json::from_str(body).map_err(|e| {
        Problem(match e.classify() {
            serde_json::error::Category::Eof => "the answer stops part-way through".into(),
            _ => format!(
                "the answer is not valid JSON ({})",
                crate::remote::http::json_problem(&e)
            ),
        })
    })?;
    let Value::Object(map) = &value else {
        return Err(Problem("the answer is not a JSON object".into()));
    };
    for key in ["title", "scenes"] {
        if !map.contains_key(key) {
            return Err(Problem(format!("the answer has no `{key}`")));
        }
    }
    let w: Written = serde_json::from_value(value).map_err(|e| {
        Problem(format!(
            "the answer does not follow the schema ({})",
            crate::remote::http::json_problem(&e)
        ))
    })?;
    let w = tidy(w);
    if w.title.is_empty() {
        return Err(Problem("the story has no title".into()));
    }
    if w.scenes.is_empty() {
        return Err(Problem("the story has no scenes".into()));
    }
    if w.scenes.len() != scenes as usize {
        return Err(Problem(format!(
            "the story has {} scenes, and {scenes} were asked for",
            w.scenes.len()
        )));
    }
    for (i, s) in w.scenes.iter().enumerate() {
        let n = i + 1;
        if s.words.is_empty() {
            return Err(Problem(format!("scene {n} has no words")));
        }
        if s.picture.is_empty() {
            return Err(Problem(format!("scene {n} has no picture")));
        }
        if s.words.chars().count() > MAX_WORDS {
            return Err(Problem(format!(
                "scene {n}'s words are longer than {MAX_WORDS} characters"
            )));
        }
    }
    let mut names: Vec<String> = Vec::new();
    for c in &w.cast {
        if c.name.is_empty() {
            return Err(Problem("a character has no name".into()));
        }
        let lower = c.name.to_lowercase();
        if names.contains(&lower) {
            return Err(Problem(format!("the cast names {} twice", c.name)));
        }
        names.push(lower);
    }
    Ok(w)
}

/// The JSON inside a Markdown code fence some models wrap their answer in.
fn strip_fence(answer: &str) -> &str {
    let t = answer.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let rest = rest.split_once('\n').map_or(rest, |(_, r)| r);
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}

/// One line of text, trimmed and cut to `max` characters.
fn line(s: &str, max: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    one.chars().take(max).collect()
}

/// Whitespace tidied, lines capped; empty characters and scenes dropped.
pub fn tidy(w: Written) -> Written {
    Written {
        title: line(&w.title, crate::story::MAX_TITLE_CHARS),
        look: line(&w.look, MAX_LINE),
        cast: w
            .cast
            .into_iter()
            .map(|c| WrittenCharacter {
                name: line(&c.name, 80),
                description: line(&c.description, MAX_LINE),
            })
            .filter(|c| !c.name.is_empty())
            .collect(),
        scenes: w
            .scenes
            .into_iter()
            .map(|s| WrittenScene {
                title: line(&s.title, crate::story::MAX_TITLE_CHARS),
                words: s
                    .words
                    .split("\n\n")
                    .map(|p| line(p, MAX_WORDS))
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n\n"),
                picture: line(&s.picture, MAX_LINE),
            })
            .filter(|s| !(s.words.is_empty() && s.picture.is_empty() && s.title.is_empty()))
            .collect(),
    }
}

/// The story as Markdown: front matter with its title, cast and look, then a heading, a
/// `> Picture:` line and the words for each scene.
pub fn to_markdown(w: &Written) -> String {
    /// The front matter in the order a person reads it: title, cast, look.
    #[derive(Serialize)]
    struct Front<'a> {
        title: &'a str,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        cast: &'a [WrittenCharacter],
        #[serde(skip_serializing_if = "Option::is_none")]
        look: Option<LookWords<'a>>,
    }
    #[derive(Serialize)]
    struct LookWords<'a> {
        words: &'a str,
    }
    let front = Front {
        title: &w.title,
        cast: &w.cast,
        look: (!w.look.is_empty()).then_some(LookWords { words: &w.look }),
    };
    let yaml = serde_norway::to_string(&front).unwrap_or_default();
    let mut out = format!("---\n{}\n---\n", yaml.trim_end());
    for (i, s) in w.scenes.iter().enumerate() {
        let title = if s.title.is_empty() {
            format!("Scene {}", i + 1)
        } else {
            // A heading is one line, and a leading `#` would deepen it.
            s.title.trim_start_matches('#').trim().to_string()
        };
        out.push_str(&format!("\n## {title}\n\n"));
        if !s.picture.is_empty() {
            out.push_str(&format!("> Picture: {}\n\n", s.picture));
        }
        for p in s.words.split("\n\n").filter(|p| !p.trim().is_empty()) {
            out.push_str(&escape_line(p));
            out.push_str("\n\n");
        }
    }
    out.trim_end().to_string() + "\n"
}

/// A paragraph that would read as Markdown structure (a heading, a separator, a quote) is
/// kept as words.
fn escape_line(p: &str) -> String {
    let t = p.trim_start();
    let structural = t.starts_with('#')
        || t.starts_with('>')
        || t.starts_with("---")
        || t.starts_with("***")
        || t.starts_with("___");
    if structural {
        format!("\\{t}")
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoryConfig;

    fn good(n: usize) -> String {
        let scenes: Vec<Value> = (1..=n)
            .map(|i| json!({"title": format!("Part {i}"), "words": format!("Elias climbs the stairs, step {i}."), "picture": format!("a lighthouse stair, step {i}")}))
            .collect();
        json!({"title": "The Last Night", "look": "oil painting, storm light", "cast": [{"name": "Elias", "description": "an old keeper: grey beard, \"blue\" coat"}], "scenes": scenes}).to_string()
    }

    #[test]
    fn a_good_answer_makes_markdown_that_reads_back_the_same() {
        let w = check(&good(4), 4).unwrap();
        let md = to_markdown(&w);
        assert!(
            md.starts_with("---\ntitle: The Last Night\ncast:\n- name: Elias\n"),
            "{md}"
        );
        let s = crate::story::parse(md.as_bytes(), "story.md", &StoryConfig::default()).unwrap();
        assert_eq!(s.title.as_deref(), Some("The Last Night"));
        assert_eq!(s.scenes.len(), 4);
        assert_eq!(
            s.scenes[2].prompt.as_deref(),
            Some("a lighthouse stair, step 3")
        );
        assert_eq!(s.scenes[2].text, "Elias climbs the stairs, step 3.");
        assert_eq!(s.cast.characters[0].name, "Elias");
        assert_eq!(
            s.cast.characters[0].description,
            "an old keeper: grey beard, \"blue\" coat"
        );
        assert_eq!(s.cast.look.words, "oil painting, storm light");
    }

    #[test]
    fn fenced_answers_are_read_and_bad_ones_are_said() {
        let fenced = format!("```json\n{}\n```", good(2));
        assert!(check(&fenced, 2).is_ok());
        let full = good(3);
        assert!(check(&full[..full.len() / 2], 3)
            .unwrap_err()
            .0
            .contains("stops part-way"));
        assert!(check("I cannot help", 3)
            .unwrap_err()
            .0
            .contains("not valid JSON"));
        assert!(check(&good(2), 3)
            .unwrap_err()
            .0
            .contains("has 2 scenes, and 3"));
        assert!(check("{\"title\": \"x\"}", 3)
            .unwrap_err()
            .0
            .contains("no `scenes`"));
        let no_words =
            json!({"title": "t", "scenes": [{"title": "a", "words": " ", "picture": "p"}]});
        assert!(check(&no_words.to_string(), 1)
            .unwrap_err()
            .0
            .contains("scene 1 has no words"));
        let twice = json!({"title": "t", "cast": [{"name": "A", "description": ""}, {"name": "a", "description": ""}], "scenes": [{"title": "a", "words": "w", "picture": "p"}]});
        assert!(check(&twice.to_string(), 1)
            .unwrap_err()
            .0
            .contains("twice"));
        let wrong_type = json!({"title": "t", "scenes": "many"});
        assert!(check(&wrong_type.to_string(), 1)
            .unwrap_err()
            .0
            .contains("schema"));
    }

    #[test]
    fn words_that_look_like_markdown_stay_words() {
        let w = Written {
            title: "T".into(),
            scenes: vec![WrittenScene {
                title: "# Odd".into(),
                words: "# not a heading\n\n---\n\n> Picture: not a prompt".into(),
                picture: "a cat".into(),
            }],
            ..Default::default()
        };
        let md = to_markdown(&w);
        let s = crate::story::parse(md.as_bytes(), "s.md", &StoryConfig::default()).unwrap();
        assert_eq!(s.scenes.len(), 1, "{md}");
        assert_eq!(s.scenes[0].prompt.as_deref(), Some("a cat"));
    }
}
