//! Text and Markdown stories: headings, `---` separators or blank lines split scenes; links
//! to pictures and clips are the scenes' own media; a `> Picture: …` line is the scene's
//! picture prompt (what its picture shows, in place of its words).

use super::media_ref::{self, MediaRef};
use super::{invisible, is_blank, ParsedStory, SceneDraft};

enum Mark {
    Heading(u8, String),
    Separator,
    Blank,
    /// Text, and the file of a picture or video link taken out of it.
    Text(String, Option<String>),
    /// `> Picture: …`: what the scene's picture shows.
    Prompt(String),
}

/// The picture prompt of a `> Picture: …` line (any case, `Image:` too), if it is one.
fn prompt_line(t: &str) -> Option<String> {
    let quoted = t.strip_prefix('>')?.trim_start();
    let colon = quoted.find(':')?;
    let key = quoted[..colon].trim().to_lowercase();
    matches!(
        key.as_str(),
        "picture" | "image" | "**picture**" | "*picture*"
    )
    .then(|| clean_inline(quoted[colon + 1..].trim()))
}

fn classify(line: &str) -> Mark {
    let t = line.trim_matches(invisible);
    if t.is_empty() {
        return Mark::Blank;
    }
    if t.len() >= 3
        && (t.chars().all(|c| c == '-')
            || t.chars().all(|c| c == '*')
            || t.chars().all(|c| c == '_'))
    {
        return Mark::Separator;
    }
    let hashes = t.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) {
        let rest = &t[hashes..];
        if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') {
            let title = rest.trim().trim_end_matches('#').trim().to_string();
            return Mark::Heading(hashes as u8, clean_inline(&title));
        }
    }
    // `\# words`, `\> words`, `\---`: the person's words, not Markdown structure.
    if let Some(rest) = t.strip_prefix('\\') {
        if rest.starts_with(['#', '>', '-', '*', '_']) {
            let (text, media) = media_ref::take_links(rest);
            return Mark::Text(clean_inline(&text), media);
        }
    }
    if let Some(prompt) = prompt_line(t) {
        return Mark::Prompt(prompt);
    }
    let (text, media) = media_ref::take_links(t.trim_start_matches('>').trim());
    Mark::Text(clean_inline(&text), media)
}

/// Drops Markdown emphasis markers; the words stay.
fn clean_inline(s: &str) -> String {
    s.replace("**", "").replace("__", "").replace('`', "")
}

pub(super) fn parse_markdown(text: &str) -> ParsedStory {
    let marks: Vec<(u32, Mark)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u32 + 1, classify(l)))
        .collect();

    // A single H1 before any text is the story's title.
    let mut title = None;
    let mut skip_line = 0;
    let h1_count = marks
        .iter()
        .filter(|(_, m)| matches!(m, Mark::Heading(1, _)))
        .count();
    if h1_count == 1 {
        if let Some((line, Mark::Heading(1, t))) =
            marks.iter().find(|(_, m)| !matches!(m, Mark::Blank))
        {
            if !t.is_empty() {
                title = Some(t.clone());
                skip_line = *line;
            }
        }
    }
    let structured = marks.iter().any(|(line, m)| {
        matches!(m, Mark::Separator) || (matches!(m, Mark::Heading(..)) && *line != skip_line)
    });

    let mut scenes = Vec::new();
    let mut cur = Builder::default();
    for (line, mark) in marks {
        if line == skip_line {
            continue;
        }
        match mark {
            Mark::Heading(_, t) => {
                cur.finish(&mut scenes);
                cur.title = (!t.is_empty()).then_some(t);
                cur.line = line;
            }
            Mark::Separator => cur.finish(&mut scenes),
            Mark::Blank if structured => cur.paragraph_break(),
            Mark::Blank => cur.finish(&mut scenes),
            Mark::Prompt(p) => {
                if !is_blank(&p) {
                    let prompt = cur.prompt.get_or_insert_with(String::new);
                    if !prompt.is_empty() {
                        prompt.push(' ');
                    }
                    prompt.push_str(&p);
                }
            }
            Mark::Text(t, media) => {
                if cur.line == 0 {
                    cur.line = line;
                }
                if let Some(m) = media {
                    cur.media.get_or_insert(m);
                }
                if !is_blank(&t) {
                    cur.push(line, &t);
                }
            }
        }
    }
    cur.finish(&mut scenes);
    ParsedStory {
        title,
        scenes,
        cast: Default::default(),
        references: Vec::new(),
    }
}

#[derive(Default)]
struct Builder {
    title: Option<String>,
    paragraphs: Vec<String>,
    current: String,
    line: u32,
    /// A picture or clip linked in the scene (one alone before any text goes with the next).
    media: Option<String>,
    /// The scene's `> Picture:` prompt (one before any text goes with the next, as a link does).
    prompt: Option<String>,
}

impl Builder {
    fn push(&mut self, line: u32, text: &str) {
        if self.line == 0 {
            self.line = line;
        }
        if !self.current.is_empty() {
            self.current.push(' ');
        }
        self.current.push_str(text);
    }
    fn paragraph_break(&mut self) {
        if !self.current.is_empty() {
            self.paragraphs.push(std::mem::take(&mut self.current));
        }
    }
    fn finish(&mut self, out: &mut Vec<SceneDraft>) {
        self.paragraph_break();
        let mut b = std::mem::take(self);
        let text = b.paragraphs.join("\n");
        if is_blank(&text) {
            // A link with no words yet belongs to the scene that follows.
            self.media = b.media.take();
            self.prompt = b.prompt.take();
        } else {
            out.push(SceneDraft {
                title: b.title,
                text,
                prompt: b.prompt,
                negative_prompt: None,
                duration_s: None,
                line: b.line.max(1),
                media: b.media.map(|file| MediaRef {
                    file,
                    look: crate::model::MediaLook::default(),
                }),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::StoryConfig;

    fn p(s: &str) -> crate::story::ParsedStory {
        crate::story::parse(s.as_bytes(), "story.md", &StoryConfig::default()).unwrap()
    }

    #[test]
    fn picture_lines_are_prompts_not_words() {
        let s = p("# Night\n\n## Storm\n\n> Picture: a lighthouse in a storm, **dark**\n> picture: rain\n\nThe lamp burns.\n\n## Dawn\n\nCalm.\n> Quoted words stay words.\n");
        assert_eq!(s.scenes.len(), 2);
        assert_eq!(
            s.scenes[0].prompt.as_deref(),
            Some("a lighthouse in a storm, dark rain")
        );
        assert_eq!(s.scenes[0].text, "The lamp burns.");
        assert_eq!(s.scenes[1].prompt, None);
        assert!(s.scenes[1].text.contains("Quoted words stay words."));
    }

    #[test]
    fn a_picture_line_before_a_separator_goes_with_the_next_scene() {
        let s = p("One.\n\n---\n\n> Image: a gull\n\n---\n\nTwo.\n");
        assert_eq!(s.scenes.len(), 2);
        assert_eq!(s.scenes[0].prompt, None);
        assert_eq!(s.scenes[1].prompt.as_deref(), Some("a gull"));
    }
}
