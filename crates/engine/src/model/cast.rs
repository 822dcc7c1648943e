//! A story's cast and look: the characters who come back scene after scene (each a name and a
//! description), and the look every picture shares (style words, a palette, one seed). Each
//! scene's picture is asked for with the descriptions of the characters its words name and
//! with the look, so a real image provider draws the same people the same way throughout.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Cast {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub characters: Vec<Character>,
    #[serde(default, skip_serializing_if = "Look::is_empty")]
    pub look: Look,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Character {
    /// As the story names them; a scene whose words name them shows them.
    pub name: String,
    /// How they look, in the words a picture is asked for with.
    #[serde(default)]
    pub description: String,
    /// A picture of them, sent to every provider that takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    /// Why the picture the story named for them could not be used (they are drawn from their
    /// description alone until another is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_note: Option<String>,
    /// The voice that speaks their quoted lines (none: the narrator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
}

impl Character {
    /// A character with a name and a description, and no picture.
    pub fn new(name: &str, description: &str) -> Character {
        Character {
            name: name.trim().to_string(),
            description: description.trim().to_string(),
            reference: None,
            reference_note: None,
            voice: None,
        }
    }
}

/// A reference picture, kept in the data folder as a PNG no larger than
/// [`REFERENCE_SIDE`] on its longer side (a format every provider takes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Reference {
    /// Its content address in the data folder.
    pub hash: String,
    pub ext: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// The file's name as the person gave it.
    pub file: String,
}

/// The longer side a reference picture is kept at: what the providers look at, and small
/// enough to send with every scene.
pub const REFERENCE_SIDE: u32 = 1536;

/// A scene's own choices about the cast: its seed, and characters linked or unlinked by hand
/// (a character named in its words but not shown, or shown but not named).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SceneChoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Shown in the scene though its words do not name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    /// Not shown though its words name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub without: Vec<String>,
}

impl SceneChoice {
    pub fn is_empty(&self) -> bool {
        self.seed.is_none() && self.with.is_empty() && self.without.is_empty()
    }
}

/// What one scene's picture takes from the cast: the characters it shows, the look's words and
/// picture, and the seed. Two scenes' parts compare equal when their pictures would be asked
/// for alike, so an edit of the cast remakes exactly the scenes whose part it changes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenePart {
    pub characters: Vec<Character>,
    pub look: Option<String>,
    pub look_reference: Option<Reference>,
    pub seed: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Look {
    /// Style words every picture shares ("watercolour, soft morning light").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub words: String,
    /// Colours every picture keeps to (`#1d3557`, or a name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub palette: Vec<String>,
    /// The seed sent to every provider that takes one; none: one drawn from the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// A picture whose style every picture follows (for providers with a style reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    /// Why the picture the story named for the look could not be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_note: Option<String>,
}

impl Look {
    pub fn is_empty(&self) -> bool {
        self.words.trim().is_empty()
            && self.palette.is_empty()
            && self.seed.is_none()
            && self.reference.is_none()
    }

    /// The palette's colours this build can draw with (`#1d3557`, `#fff`, or a CSS colour
    /// name such as "sea green"); others are left to the words.
    pub fn colours(&self) -> Vec<[u8; 3]> {
        self.palette.iter().filter_map(|c| colour(c)).collect()
    }

    /// The look as prompt words ("watercolour; palette #1d3557, #f1faee"), if it has any.
    pub fn prompt_words(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.words.trim().is_empty() {
            parts.push(self.words.trim().to_string());
        }
        if !self.palette.is_empty() {
            parts.push(format!("palette {}", self.palette.join(", ")));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// A colour as a person writes it: `#rrggbb`, `#rgb`, or a CSS colour name (any case, spaces
/// ignored).
pub fn colour(text: &str) -> Option<[u8; 3]> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix('#') {
        let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
        return match hex.len() {
            6 => Some([digit(0, 2)?, digit(2, 2)?, digit(4, 2)?]),
            3 => Some([digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17]),
            _ => None,
        };
    }
    let name: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase();
    NAMED.iter().find(|(n, _)| *n == name).map(|(_, rgb)| *rgb)
}

/// CSS colour names a palette is likely to use.
const NAMED: &[(&str, [u8; 3])] = &[
    ("black", [0, 0, 0]),
    ("white", [255, 255, 255]),
    ("red", [255, 0, 0]),
    ("darkred", [139, 0, 0]),
    ("crimson", [220, 20, 60]),
    ("orange", [255, 165, 0]),
    ("gold", [255, 215, 0]),
    ("yellow", [255, 255, 0]),
    ("green", [0, 128, 0]),
    ("darkgreen", [0, 100, 0]),
    ("forestgreen", [34, 139, 34]),
    ("seagreen", [46, 139, 87]),
    ("olive", [128, 128, 0]),
    ("teal", [0, 128, 128]),
    ("turquoise", [64, 224, 208]),
    ("cyan", [0, 255, 255]),
    ("blue", [0, 0, 255]),
    ("navy", [0, 0, 128]),
    ("midnightblue", [25, 25, 112]),
    ("royalblue", [65, 105, 225]),
    ("skyblue", [135, 206, 235]),
    ("steelblue", [70, 130, 180]),
    ("purple", [128, 0, 128]),
    ("indigo", [75, 0, 130]),
    ("violet", [238, 130, 238]),
    ("magenta", [255, 0, 255]),
    ("pink", [255, 192, 203]),
    ("brown", [165, 42, 42]),
    ("sienna", [160, 82, 45]),
    ("chocolate", [210, 105, 30]),
    ("tan", [210, 180, 140]),
    ("beige", [245, 245, 220]),
    ("ivory", [255, 255, 240]),
    ("grey", [128, 128, 128]),
    ("gray", [128, 128, 128]),
    ("slategrey", [112, 128, 144]),
    ("slategray", [112, 128, 144]),
    ("silver", [192, 192, 192]),
    ("coral", [255, 127, 80]),
    ("salmon", [250, 128, 114]),
];

/// The longest name, description and look words a cast may have, and how many characters and
/// colours.
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const MAX_LOOK_CHARS: usize = 500;
pub const MAX_CHARACTERS: usize = 50;
pub const MAX_COLOURS: usize = 12;

/// The largest seed sent: providers take 32-bit seeds (Stability's limit is 4294967294).
pub const MAX_SEED: u64 = 4_294_967_294;

impl Cast {
    pub fn is_empty(&self) -> bool {
        self.characters.is_empty() && self.look.is_empty()
    }

    /// What is wrong with this cast, as a sentence, if anything (each limit a story's cast has).
    pub fn problem(&self) -> Option<String> {
        if self.characters.len() > MAX_CHARACTERS {
            return Some(format!(
                "The cast has {} characters; keep it to {MAX_CHARACTERS}.",
                self.characters.len()
            ));
        }
        for (i, c) in self.characters.iter().enumerate() {
            let n = c.name.trim();
            if n.is_empty() {
                return Some(format!(
                    "Character {} has no name; the scenes find a character by name.",
                    i + 1
                ));
            }
            if n.chars().count() > MAX_NAME_CHARS {
                return Some(format!(
                    "The name of character {} is too long; keep it to {MAX_NAME_CHARS} characters.",
                    i + 1
                ));
            }
            if c.description.chars().count() > MAX_DESCRIPTION_CHARS {
                return Some(format!(
                    "The description of {n} has {} characters; keep it to {MAX_DESCRIPTION_CHARS}.",
                    c.description.chars().count()
                ));
            }
            if c.voice
                .as_deref()
                .is_some_and(|v| v.trim().is_empty() || v.chars().count() > MAX_NAME_CHARS)
            {
                return Some(format!(
                    "The voice of {n} is not a voice's name; choose one of the voices, or none for the narrator's."
                ));
            }
            if self.characters[..i]
                .iter()
                .any(|o| o.name.trim().to_lowercase() == n.to_lowercase())
            {
                return Some(format!(
                    "{n} is in the cast twice; give each character one entry."
                ));
            }
        }
        if self.look.words.chars().count() > MAX_LOOK_CHARS {
            return Some(format!(
                "The look's words are too long; keep them to {MAX_LOOK_CHARS} characters."
            ));
        }
        if self.look.palette.len() > MAX_COLOURS {
            return Some(format!(
                "The palette has {} colours; keep it to {MAX_COLOURS}.",
                self.look.palette.len()
            ));
        }
        if self
            .look
            .palette
            .iter()
            .any(|c| c.trim().is_empty() || c.chars().count() > 32)
        {
            return Some(
                "Each colour of the palette is a short text, like #1d3557 or sea green.".into(),
            );
        }
        if self.look.seed.is_some_and(|s| s > MAX_SEED) {
            return Some(format!(
                "The seed must be a whole number from 0 to {MAX_SEED}."
            ));
        }
        None
    }

    /// The project's seed: the look's, or one drawn from the project's id (the same every time).
    pub fn seed(&self, project: Uuid) -> u64 {
        match self.look.seed {
            Some(s) => s.min(MAX_SEED),
            None => {
                let h = blake3::hash(project.as_bytes());
                let b = h.as_bytes();
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) % MAX_SEED
            }
        }
    }

    /// The characters `text` names, in the cast's order.
    pub fn named_in(&self, text: &str) -> Vec<&Character> {
        self.characters
            .iter()
            .filter(|c| names(text, &c.name))
            .collect()
    }

    /// The character called `name` (any case).
    pub fn character(&self, name: &str) -> Option<&Character> {
        let name = name.trim().to_lowercase();
        self.characters
            .iter()
            .find(|c| c.name.to_lowercase() == name)
    }

    /// The characters a scene shows: those its `words` name, with the scene's own links and
    /// unlinks, in the cast's order.
    pub fn shown_in(&self, words: &str, choice: &SceneChoice) -> Vec<&Character> {
        let has = |list: &[String], c: &Character| {
            list.iter()
                .any(|n| n.trim().to_lowercase() == c.name.to_lowercase())
        };
        self.characters
            .iter()
            .filter(|c| (names(words, &c.name) || has(&choice.with, c)) && !has(&choice.without, c))
            .collect()
    }

    /// What the picture of a scene with `words` and `choice` takes from the cast.
    pub fn scene_part(&self, project: Uuid, words: &str, choice: &SceneChoice) -> ScenePart {
        ScenePart {
            // What the picture is asked for with: a character's voice is not part of it.
            characters: self
                .shown_in(words, choice)
                .into_iter()
                .map(|c| Character {
                    voice: None,
                    ..c.clone()
                })
                .collect(),
            look: self.look.prompt_words(),
            look_reference: self.look.reference.clone(),
            seed: choice
                .seed
                .map_or_else(|| self.seed(project), |s| s.min(MAX_SEED)),
        }
    }
}

/// A letter or digit that joins with its neighbours into one word (not a character of a
/// script written without spaces, where any match is a word).
fn joins(c: char) -> bool {
    c.is_alphanumeric() && !without_spaces(c)
}

fn without_spaces(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0x0E00..=0x0E7F)
}

/// Whether `text` names `name` as a word of its own (any case: "Mira", "MIRA's", not "Miracle").
pub fn names(text: &str, name: &str) -> bool {
    !named_at(text, name).is_empty()
}

/// Where in `text` (byte offsets into its lower-case form) `name` stands as a word of its own.
pub fn named_at(text: &str, name: &str) -> Vec<usize> {
    let name = name.trim().to_lowercase();
    let mut found = Vec::new();
    if name.is_empty() {
        return found;
    }
    let text = text.to_lowercase();
    let mut from = 0;
    while let Some(i) = text[from..].find(&name) {
        let at = from + i;
        let end = at + name.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let first = name.chars().next();
        let last = name.chars().next_back();
        let open = !(before.is_some_and(joins) && first.is_some_and(joins));
        let close = !(after.is_some_and(joins) && last.is_some_and(joins));
        if open && close {
            found.push(at);
        }
        from = at + name.chars().next().map_or(1, char::len_utf8);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_as_a_word_in_any_case_and_script() {
        assert!(names("Mira walks to the pier.", "Mira"));
        assert!(names("At dawn, MIRA's boat leaves.", "mira"));
        assert!(names("«Mira!» he calls.", "Mira"));
        assert!(!names("A miracle happens.", "Mira"));
        assert!(!names("Samira waves.", "Mira"));
        assert!(names("Old Tom and the sea", "Old Tom"));
        assert!(names("灯台守の健太は海を見る。", "健太"));
        assert!(!names("Nobody here.", "  "));
    }

    #[test]
    fn palette_colours_are_read_as_people_write_them() {
        assert_eq!(colour("#1d3557"), Some([0x1d, 0x35, 0x57]));
        assert_eq!(colour(" #FFF "), Some([255, 255, 255]));
        assert_eq!(colour("Sea Green"), Some([46, 139, 87]));
        assert_eq!(colour("midnight-blue"), Some([25, 25, 112]));
        assert_eq!(colour("#12345"), None);
        assert_eq!(colour("#gg0000"), None);
        assert_eq!(colour("moonlight"), None);
        assert_eq!(colour("#é"), None);
    }

    #[test]
    fn the_seed_is_the_looks_or_the_projects_own_and_always_in_range() {
        let p = Uuid::from_u128(7);
        let mut c = Cast::default();
        let drawn = c.seed(p);
        assert_eq!(drawn, c.seed(p), "the same every time");
        assert!(drawn <= MAX_SEED);
        c.look.seed = Some(42);
        assert_eq!(c.seed(p), 42);
        c.look.seed = Some(u64::MAX);
        assert_eq!(c.seed(p), MAX_SEED);
    }
}
