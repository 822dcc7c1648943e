//! A story's cast and look: the characters who come back scene after scene (each a name and a
//! description), and the look every picture shares (style words, a palette, one seed). Each
//! scene's picture is asked for with the descriptions of the characters its words name and
//! with the look, so a real image provider draws the same people the same way throughout.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cast {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub characters: Vec<Character>,
    #[serde(default, skip_serializing_if = "Look::is_empty")]
    pub look: Look,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Character {
    /// As the story names them; a scene whose words name them shows them.
    pub name: String,
    /// How they look, in the words a picture is asked for with.
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
}

impl Look {
    pub fn is_empty(&self) -> bool {
        self.words.trim().is_empty() && self.palette.is_empty() && self.seed.is_none()
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

/// The largest seed sent: providers take 32-bit seeds (Stability's limit is 4294967294).
pub const MAX_SEED: u64 = 4_294_967_294;

impl Cast {
    pub fn is_empty(&self) -> bool {
        self.characters.is_empty() && self.look.is_empty()
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
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return false;
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
            return true;
        }
        from = at + name.chars().next().map_or(1, char::len_utf8);
    }
    false
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
