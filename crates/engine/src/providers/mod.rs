//! Image providers. Each one turns a scene's prompt into a picture; the chain tries them in
//! order and always ends in `titlecard`, which needs no network and cannot fail short of a bug.

pub mod automatic1111;
pub mod build;
pub mod chain;
pub mod comfyui;
pub mod fal;
pub mod openai;
pub mod stability;
pub mod titlecard;

use async_trait::async_trait;
use image::RgbImage;
use uuid::Uuid;

use crate::model::{Frame, UserError};
pub use crate::remote::ProviderError;

/// Everything a provider needs to draw one scene.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    pub project_id: Uuid,
    pub scene_index: u32,
    pub scene_count: u32,
    pub title: Option<String>,
    pub text: String,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub style: String,
    pub frame: Frame,
    /// Which try this is (the job's attempt): providers that take a seed vary it, so that
    /// regenerating a scene gives a new picture.
    pub variation: u32,
    /// The characters the scene names and the story's look, and its seed.
    pub cast: SceneCast,
}

/// What a scene's picture shares with the story's other pictures.
#[derive(Debug, Clone, Default)]
pub struct SceneCast {
    /// The characters the scene's words name, each with their description.
    pub characters: Vec<crate::model::Character>,
    /// The story's look, as prompt words.
    pub look: Option<String>,
    /// The scene's seed (none: a provider keeps its own way of choosing one).
    pub seed: Option<u64>,
    /// Pictures of the characters shown, for providers with a reference field.
    pub references: Vec<RefPicture>,
    /// The look's picture, for providers with a style reference.
    pub style_reference: Option<RefPicture>,
    /// The look's palette, as colours (a title card is drawn in them).
    pub palette: Vec<[u8; 3]>,
}

/// A reference picture as sent: PNG bytes, and whom or what it shows.
#[derive(Debug, Clone)]
pub struct RefPicture {
    /// The character's name, or "the look".
    pub who: String,
    pub png: std::sync::Arc<Vec<u8>>,
}

impl SceneCast {
    /// Every reference picture: the characters', then the look's.
    pub fn all_references(&self) -> Vec<&RefPicture> {
        self.references
            .iter()
            .chain(self.style_reference.as_ref())
            .collect()
    }
}

/// A reference picture as a multipart file part (`image/png`, named for whom it shows; a
/// service refuses a part without its type).
pub fn png_part(r: &RefPicture) -> Result<reqwest::multipart::Part, ProviderError> {
    let name: String = r
        .who
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    png_part_named(r, format!("{name}.png"))
}

/// A reference picture as a multipart file part called `file_name`.
pub fn png_part_named(
    r: &RefPicture,
    file_name: String,
) -> Result<reqwest::multipart::Part, ProviderError> {
    reqwest::multipart::Part::bytes(r.png.as_ref().clone())
        .file_name(file_name)
        .mime_str("image/png")
        .map_err(|_| {
            ProviderError::terminal("bad_request", "A reference picture could not be sent.")
        })
}

/// The ratio of `ratios` (each a name and its width / height) nearest the frame's shape, on a
/// log scale (so 2:1 and 1:2 are as far from 1:1).
pub fn nearest_ratio(frame: crate::model::Frame, ratios: &[(&'static str, f64)]) -> &'static str {
    let want = (frame.width.max(1) as f64 / frame.height.max(1) as f64).ln();
    let off = |r: f64| (r.ln() - want).abs();
    ratios
        .iter()
        .min_by(|a, b| off(a.1).total_cmp(&off(b.1)))
        .map_or("1:1", |r| r.0)
}

/// Names joined as a person says them: "Mira", "Mira and Tom", "Mira, Tom and the look".
pub fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl ImageRequest {
    /// The seed to send: the project's on a scene's first try, moved on by each later one (so
    /// a picture asked for again is a new one); none when the project has none.
    pub fn seed(&self) -> Option<u64> {
        let later = u64::from(self.variation.saturating_sub(1));
        self.cast
            .seed
            .map(|s| (s.min(crate::model::MAX_SEED) + later) % (crate::model::MAX_SEED + 1))
    }

    /// The prompt with the scene's characters and the look, within `limit` characters. When it
    /// does not fit, the descriptions are shortened first (each to an equal share, at a word),
    /// then the look, then the scene's own prompt; the flag says whether anything was cut.
    pub fn full_prompt(&self, limit: usize) -> (String, bool) {
        compose(&self.prompt, &self.cast, limit)
    }

    /// The prompt within `limit`, and the note a scene keeps when it had to be shortened.
    pub fn prompt_within(&self, label: &str, limit: usize, notes: &mut Vec<String>) -> String {
        let (p, cut) = self.full_prompt(limit);
        if cut {
            notes.push(shortened_note(label, limit, &self.cast));
        }
        p
    }

    /// The same request without reference pictures (a provider that refused them is asked again
    /// with the descriptions alone).
    pub fn without_references(&self) -> ImageRequest {
        let mut r = self.clone();
        r.cast.references.clear();
        r.cast.style_reference = None;
        r
    }

    /// The note for reference pictures a provider has no field for: the characters' when
    /// `characters` is false, the look's when `look` is false; none when all were sent.
    pub fn references_not_taken(
        &self,
        label: &str,
        characters: bool,
        look: bool,
    ) -> Option<String> {
        let mut who: Vec<&str> = Vec::new();
        if !characters {
            who.extend(self.cast.references.iter().map(|r| r.who.as_str()));
        }
        if !look {
            who.extend(self.cast.style_reference.iter().map(|r| r.who.as_str()));
        }
        (!who.is_empty()).then(|| {
            format!(
                "{label} takes no reference picture {}, so {} {} drawn from the words alone.",
                if look { "of a character" } else { "here" },
                and_list(&who),
                if who.len() == 1 { "was" } else { "were" }
            )
        })
    }
}

/// What a scene says when its prompt did not fit a provider's limit.
fn shortened_note(label: &str, limit: usize, cast: &SceneCast) -> String {
    let what = if cast
        .characters
        .iter()
        .any(|c| !c.description.trim().is_empty())
    {
        "the characters' descriptions were shortened first"
    } else {
        "its end was cut"
    };
    format!(
        "The prompt was longer than the {limit} characters {label} takes, so {what}; a shorter description or prompt keeps every word."
    )
}

/// The parts of a prompt joined: the scene's own words, each character as "Name: description",
/// and "Look: …".
fn compose(prompt: &str, cast: &SceneCast, limit: usize) -> (String, bool) {
    let people: Vec<(String, String)> = cast
        .characters
        .iter()
        .filter(|c| !c.description.trim().is_empty())
        .map(|c| (c.name.trim().to_string(), c.description.trim().to_string()))
        .collect();
    let look = cast.look.clone().unwrap_or_default();
    if people.is_empty() && look.is_empty() {
        // No cast: the prompt as the scene has it, only kept within the limit.
        let cut = prompt.chars().count() > limit;
        return (prompt.chars().take(limit).collect(), cut);
    }
    let join = |prompt: &str, people: &[(String, String)], look: &str| {
        let mut out = prompt.trim().trim_end_matches('.').to_string();
        for (name, d) in people {
            out.push_str(&format!(". {name}: {}", d.trim_end_matches('.')));
        }
        if !look.is_empty() {
            out.push_str(&format!(". Look: {look}"));
        }
        out
    };
    let whole = join(prompt, &people, &look);
    if whole.chars().count() <= limit {
        return (whole, false);
    }
    // Each description to an equal share of what is left after the prompt and the look.
    let fixed = join(prompt, &[], &look).chars().count()
        + people
            .iter()
            .map(|(n, _)| n.chars().count() + 4)
            .sum::<usize>();
    let share = limit.saturating_sub(fixed) / people.len().max(1);
    let people: Vec<(String, String)> = people
        .into_iter()
        .map(|(n, d)| (n, cut_at_word(&d, share)))
        .filter(|(_, d)| !d.is_empty())
        .collect();
    let shorter = join(prompt, &people, &look);
    if shorter.chars().count() <= limit {
        return (shorter, true);
    }
    let without_look = join(prompt, &people, "");
    if without_look.chars().count() <= limit {
        return (without_look, true);
    }
    (cut_at_word(&without_look, limit), true)
}

/// `text` within `max` characters, ending at a word where it is cut.
fn cut_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(char::is_whitespace) {
        Some(i) if i > 0 => cut[..i].trim_end_matches([',', ';', ' ']).to_string(),
        _ => cut,
    }
}

/// What a provider made: encoded bytes from a remote service, or pixels drawn here.
pub enum ImageData {
    Encoded(Vec<u8>),
    Pixels(RgbImage),
}

pub struct GeneratedImage {
    pub data: ImageData,
    pub provider: String,
    pub model: Option<String>,
    pub placeholder: bool,
    pub revised_prompt: Option<String>,
    /// Why the providers before this one did not deliver (set by the chain).
    pub fallback: Vec<UserError>,
    /// What the scene should say about how the picture was asked for (a shortened prompt, a
    /// reference picture not taken).
    pub notes: Vec<String>,
}

#[async_trait]
pub trait ImageProvider: Send + Sync {
    fn name(&self) -> &str;
    /// A placeholder provider stands in when the real ones cannot.
    fn is_placeholder(&self) -> bool {
        false
    }
    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError>;
    /// A check that spends no generation where the API allows (key valid, endpoint reachable).
    async fn check(&self) -> Result<String, ProviderError> {
        Ok("no check needed".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Character;

    fn cast(descriptions: &[(&str, &str)], look: Option<&str>) -> SceneCast {
        SceneCast {
            characters: descriptions
                .iter()
                .map(|(n, d)| Character::new(n, d))
                .collect(),
            look: look.map(str::to_string),
            seed: Some(7),
            ..SceneCast::default()
        }
    }

    #[test]
    fn a_prompt_carries_its_characters_and_look_and_is_shortened_to_fit() {
        let c = cast(
            &[
                ("Mira", "a tall fisherwoman in a yellow coat."),
                ("Tom", ""),
            ],
            Some("watercolour"),
        );
        let (p, cut) = compose("A boat at dawn.", &c, 1000);
        assert_eq!(
            p,
            "A boat at dawn. Mira: a tall fisherwoman in a yellow coat. Look: watercolour"
        );
        assert!(!cut);
        // Too long: the description gives way first, at a word, and the prompt stays whole.
        let (p, cut) = compose("A boat at dawn.", &c, 60);
        assert!(cut && p.chars().count() <= 60, "{p}");
        assert!(
            p.starts_with("A boat at dawn. Mira: a tall") && p.ends_with("Look: watercolour"),
            "{p}"
        );
        // Far too long: whatever it takes, never over the limit.
        let long = "word ".repeat(100);
        let (p, cut) = compose(&long, &c, 50);
        assert!(cut && p.chars().count() <= 50, "{p}");
        // No cast: the prompt as it was.
        assert_eq!(
            compose("A boat.", &SceneCast::default(), 10),
            ("A boat.".into(), false)
        );
    }
}
