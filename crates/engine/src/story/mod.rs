//! Story import: plain text, Markdown and a JSON script, into scene drafts.
//!
//! Text and Markdown: when the story uses headings or `---` separators, those split it into
//! scenes (a heading becomes the scene's title, blank lines inside a scene are paragraph breaks);
//! otherwise every blank-line-separated paragraph is a scene. A lone `# Title` on the first line
//! is the story's title, not a scene. JSON: `[{"text", "prompt"?, "negative_prompt"?,
//! "duration_s"?, "title"?}]`. Errors name the file and the line.

use crate::config::StoryConfig;
use crate::error::{Error, Result};

mod cast_script;
mod file;
mod front_matter;
mod json_words;
mod markdown;
mod media_ref;
mod script;
pub use cast_script::RefFile;
pub use file::{read_file, utf16_to_utf8};
pub use media_ref::MediaRef;
pub use script::show_number;

#[derive(Debug, Clone, PartialEq)]
pub struct SceneDraft {
    pub title: Option<String>,
    pub text: String,
    pub prompt: Option<String>,
    pub negative_prompt: Option<String>,
    pub duration_s: Option<f32>,
    /// 1-based line where the scene starts in the source.
    pub line: u32,
    /// The person's own picture or clip for it, as the story names it.
    pub media: Option<MediaRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedStory {
    pub title: Option<String>,
    pub scenes: Vec<SceneDraft>,
    /// Its characters and look, as the story gives them (a script's `cast` and `look`).
    pub cast: crate::model::Cast,
    /// The reference pictures it names, for its characters and its look.
    pub references: Vec<RefFile>,
}

/// The largest story file StoryReel reads (the app's file picker says the same).
pub const MAX_STORY_BYTES: usize = 4 * 1024 * 1024;

/// The longest title or prompt accepted from a person (in a script or in the editor).
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_PROMPT_CHARS: usize = 4000;

/// Characters that show nothing: a paragraph of only these is blank.
pub(super) fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
        )
}

/// The error for a story file of `size` bytes, over `MAX_STORY_BYTES`.
pub fn too_large(name: &str, size: u64) -> Error {
    Error::story(
        None,
        format!(
            "{name} is {:.1} MB; a story may be at most {} MB. Split it into several stories.",
            size as f64 / (1024.0 * 1024.0),
            MAX_STORY_BYTES / (1024 * 1024)
        ),
    )
}

pub(crate) fn is_blank(s: &str) -> bool {
    s.chars().all(invisible)
}

/// Parses a story from the bytes of a file called `name` (used for format detection and errors).
pub fn parse(bytes: &[u8], name: &str, limits: &StoryConfig) -> Result<ParsedStory> {
    if bytes.len() > MAX_STORY_BYTES {
        return Err(too_large(name, bytes.len() as u64));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        Error::story(Some(line as u32), format!(
            "{name}: line {line} is not UTF-8 text. Save the story as UTF-8 (any editor's \"Save as\" offers it) and try again."
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let is_json =
        name.to_ascii_lowercase().ends_with(".json") || text.trim_start().starts_with('[');
    let story = if is_json {
        script::parse_json(&text, name)?
    } else {
        match front_matter::split(&text, name)? {
            Some(front) => {
                let mut story = markdown::parse_markdown(&front.body);
                story.title = front.title.or(story.title);
                story.cast = front.cast;
                story.references = front.references;
                story
            }
            None => markdown::parse_markdown(&text),
        }
    };
    check_limits(&story, name, limits)?;
    Ok(story)
}

/// Scenes as a person edited them (in the app's preview), checked as a story file's are:
/// blank fields are none, scenes without text are left out, lengths and durations are capped.
/// Errors name the scene's line in the story it was drafted from.
pub fn from_drafts(
    title: Option<String>,
    drafts: Vec<SceneDraft>,
    limits: &StoryConfig,
) -> Result<ParsedStory> {
    let nonempty = |s: Option<String>| s.filter(|s| !is_blank(s)).map(|s| s.trim().to_string());
    let mut scenes = Vec::with_capacity(drafts.len());
    for d in drafts.into_iter().filter(|d| !is_blank(&d.text)) {
        let n = scenes.len() + 1;
        if let Some(v) = d
            .duration_s
            .filter(|v| !v.is_finite() || !(0.5..=60.0).contains(v))
        {
            return Err(Error::story(
                Some(d.line),
                format!("Scene {n} lasts {v} seconds; use a number of seconds from 0.5 to 60."),
            ));
        }
        let caps = [
            ("title", d.title.as_deref(), MAX_TITLE_CHARS),
            ("prompt", d.prompt.as_deref(), MAX_PROMPT_CHARS),
            (
                "negative prompt",
                d.negative_prompt.as_deref(),
                MAX_PROMPT_CHARS,
            ),
        ];
        for (field, value, max) in caps {
            let chars = value.map_or(0, |v| v.chars().count());
            if chars > max {
                return Err(Error::story(
                    Some(d.line),
                    format!("Scene {n} has a {field} of {chars} characters; keep it to {max}."),
                ));
            }
        }
        scenes.push(SceneDraft {
            title: nonempty(d.title),
            text: d.text.trim().to_string(),
            prompt: nonempty(d.prompt),
            negative_prompt: nonempty(d.negative_prompt),
            duration_s: d.duration_s,
            line: d.line,
            media: d.media,
        });
    }
    let story = ParsedStory {
        title: nonempty(title),
        scenes,
        cast: Default::default(),
        references: Vec::new(),
    };
    check_limits(&story, "The story", limits)?;
    Ok(story)
}

fn check_limits(story: &ParsedStory, name: &str, limits: &StoryConfig) -> Result<()> {
    if story.scenes.is_empty() {
        return Err(Error::story(None, format!(
            "{name} has no story text: write at least one paragraph (scenes are separated by blank lines, `---` or headings)."
        )));
    }
    if story.scenes.len() > limits.max_scenes {
        return Err(Error::story(None, format!(
            "{name} has {} scenes; the limit is {}. Split the story into several files, or raise [story] max_scenes in the config.",
            story.scenes.len(),
            limits.max_scenes
        )));
    }
    for (i, s) in story.scenes.iter().enumerate() {
        let n = s.text.chars().count();
        if n > limits.max_scene_chars {
            return Err(Error::story(Some(s.line), format!(
                "{name}, line {}: scene {} has {n} characters; the limit is {}. Split it with a blank line or `---`, or raise [story] max_scene_chars.",
                s.line,
                i + 1,
                limits.max_scene_chars
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ParsedStory {
        parse(s.as_bytes(), "story.md", &StoryConfig::default()).unwrap()
    }
    fn err(s: &str, name: &str) -> String {
        parse(s.as_bytes(), name, &StoryConfig::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn blank_lines_split_plain_text() {
        let s = p("One line\ncontinues.\n\n\nTwo.\n\nThree.");
        let texts: Vec<_> = s.scenes.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["One line continues.", "Two.", "Three."]);
        assert_eq!(s.scenes[1].line, 5);
        assert_eq!(s.title, None);
    }

    #[test]
    fn headings_split_and_title_scenes() {
        let s = p("# The Lighthouse\n\n## Dusk\nThe lamp.\n\nA gull.\n\n## Night\nStorm.\n");
        assert_eq!(s.title.as_deref(), Some("The Lighthouse"));
        assert_eq!(s.scenes.len(), 2);
        assert_eq!(s.scenes[0].title.as_deref(), Some("Dusk"));
        assert_eq!(s.scenes[0].text, "The lamp.\nA gull.");
        assert_eq!(s.scenes[0].line, 3);
        assert_eq!(s.scenes[1].text, "Storm.");
    }

    #[test]
    fn separators_split_and_keep_paragraphs() {
        let s = p("First.\n\nStill first.\n---\nSecond.\n***\n\n---\nThird.");
        assert_eq!(s.scenes.len(), 3);
        assert_eq!(s.scenes[0].text, "First.\nStill first.");
    }

    #[test]
    fn several_h1_are_all_scenes() {
        let s = p("# A\nx\n# B\ny\n");
        assert_eq!(s.title, None);
        assert_eq!(s.scenes.len(), 2);
        assert_eq!(s.scenes[1].title.as_deref(), Some("B"));
    }

    #[test]
    fn crlf_bom_unicode_and_emoji() {
        let s = parse(
            "\u{feff}Caf\u{e9} \u{1f30a}\r\n\r\n\u{5149}\u{306e}\u{5854}\r\n".as_bytes(),
            "s.txt",
            &StoryConfig::default(),
        )
        .unwrap();
        assert_eq!(s.scenes.len(), 2);
        assert_eq!(s.scenes[0].text, "Caf\u{e9} \u{1f30a}");
        assert_eq!(s.scenes[1].text, "\u{5149}\u{306e}\u{5854}");
    }

    #[test]
    fn empty_scenes_are_dropped_and_an_empty_story_is_an_error() {
        let s = p("## Empty\n\n## Full\ntext\n");
        assert_eq!(s.scenes.len(), 1);
        let e = err("\n\n   \n---\n", "empty.md");
        assert!(e.contains("empty.md") && e.contains("no story text"), "{e}");
    }

    #[test]
    fn limits_name_the_scene_and_line() {
        let long = "x".repeat(4001);
        let e = err(&format!("ok\n\n{long}\n"), "long.md");
        assert!(
            e.contains("line 3") && e.contains("scene 2") && e.contains("4001"),
            "{e}"
        );
        let many: String = (0..501).map(|i| format!("s{i}\n\n")).collect();
        let e = err(&many, "many.md");
        assert!(e.contains("501 scenes") && e.contains("500"), "{e}");
        let small = StoryConfig {
            max_scenes: 2,
            max_scene_chars: 10,
        };
        assert!(parse(b"a\n\nb\n\nc", "x", &small).is_err());
    }

    #[test]
    fn json_script() {
        let s = p_json(
            r#"[
  {"text": "A", "prompt": "a lighthouse", "duration_s": 4},
  {"text": "  "},
  {"text": "B", "negative_prompt": "blurry", "title": "Bee"}
]"#,
        );
        assert_eq!(s.scenes.len(), 2);
        assert_eq!(s.scenes[0].prompt.as_deref(), Some("a lighthouse"));
        assert_eq!(s.scenes[0].duration_s, Some(4.0));
        assert_eq!(s.scenes[1].line, 4);
        assert_eq!(s.scenes[1].title.as_deref(), Some("Bee"));
    }

    fn p_json(s: &str) -> ParsedStory {
        parse(s.as_bytes(), "script.json", &StoryConfig::default()).unwrap()
    }

    #[test]
    fn json_errors_name_the_line() {
        let e = err("[\n {\"text\": \"a\"},\n {\"text\": \"b\",}\n]", "s.json");
        assert!(e.contains("s.json, line 3"), "{e}");
        let e = err("[\n {\"text\": \"a\"},\n {\"txt\": \"b\"}\n]", "s.json");
        assert!(
            e.contains("line 3") && e.contains("`txt`") && e.contains("scene 2"),
            "{e}"
        );
        let e = err("[{\"text\": \"a\", \"duration_s\": -1}]", "s.json");
        assert!(e.contains("duration_s"), "{e}");
        let e = err("{\"text\": 1}", "s.json");
        assert!(
            e.contains("a list of scenes") && e.contains("holds an object"),
            "{e}"
        );
        // The story's words, never Rust's ("invalid type: string, expected f64").
        let e = err(
            "[\n {\"text\": \"a\"},\n {\"text\": \"b\", \"duration_s\": \"x\"}\n]",
            "s.json",
        );
        assert!(
            e.contains("line 3: scene 2: `duration_s` must be a number of seconds (like 4), but it is text"),
            "{e}"
        );
        let e = err("[{\"text\": [\"a\"]}]", "s.json");
        assert!(
            e.contains("`text` must be text in quotes, but it is a list"),
            "{e}"
        );
        let e = err("[\"just text\"]", "s.json");
        assert!(e.contains("each scene is an object"), "{e}");
        for bad in ["expected", "invalid type", "f64", "map"] {
            assert!(!e.contains(bad), "{e}");
        }
        // Huge numbers as numbers, not 309 digits.
        let e = err("[{\"text\": \"a\", \"duration_s\": 1e308}]", "s.json");
        assert!(e.contains("`duration_s` is 1e308;"), "{e}");
    }

    #[test]
    fn caps_blanks_and_scenes_without_text() {
        let big = vec![b'a'; MAX_STORY_BYTES + 1];
        let e = parse(&big, "huge.txt", &StoryConfig::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("huge.txt") && e.contains("at most 4 MB"), "{e}");
        // A paragraph of zero-width characters is blank: it splits, it is no scene.
        let s = p("One.\n\n\u{200b}\u{200d}\n\n\u{feff}\u{2060}\n\nTwo.");
        assert_eq!(s.scenes.len(), 2);
        let e = err(
            "[\n {\"text\": \"a\"},\n {\"prompt\": \"a castle\"}\n]",
            "s.json",
        );
        assert!(
            e.contains("s.json, line 3") && e.contains("no `text`"),
            "{e}"
        );
        let long = "p".repeat(MAX_PROMPT_CHARS + 1);
        let e = err(
            &format!("[{{\"text\": \"a\", \"prompt\": \"{long}\"}}]"),
            "s.json",
        );
        assert!(
            e.contains("`prompt`") && e.contains("keep it to 4000"),
            "{e}"
        );
        let title = "t".repeat(MAX_TITLE_CHARS + 1);
        let e = err(
            &format!("[{{\"text\": \"a\", \"title\": \"{title}\"}}]"),
            "s.json",
        );
        assert!(e.contains("`title`"), "{e}");
        let e = err("[{\"text\": \"\\u200b\", \"prompt\": \"p\"}]", "s.json");
        assert!(e.contains("no `text`"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = parse(b"ok\n\xff\xfe", "bin.txt", &StoryConfig::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("UTF-8"), "{e}");
    }
}
