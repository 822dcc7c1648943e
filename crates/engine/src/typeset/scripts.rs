//! Writing systems by name: which one a character no font covers belongs to, where a font for it
//! comes from, and which of them the installed fonts cover.

use serde::{Deserialize, Serialize};
use unicode_script::{Script, UnicodeScript};

use super::prepare::is_emoji;

/// A writing system as a person names it, with the Debian package that brings a font for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptName {
    pub name: String,
    pub package: &'static str,
}

/// The writing system of a character (or an emoji), for saying which one lacks a font.
pub fn script_of(c: char) -> ScriptName {
    let mut buf = [0u8; 4];
    if is_emoji(c.encode_utf8(&mut buf)) {
        return ScriptName {
            name: "emoji".into(),
            package: "fonts-noto-color-emoji",
        };
    }
    let script = c.script();
    let name = match script {
        Script::Han => "Chinese characters (Han)".to_string(),
        Script::Hiragana | Script::Katakana => "Japanese".to_string(),
        Script::Hangul => "Korean".to_string(),
        Script::Common | Script::Inherited | Script::Unknown => "symbols".to_string(),
        s => s.full_name().replace('_', " "),
    };
    let package = match script {
        Script::Han | Script::Hiragana | Script::Katakana | Script::Hangul | Script::Bopomofo => {
            "fonts-noto-cjk"
        }
        Script::Thai => "fonts-thai-tlwg",
        _ => "fonts-noto-core",
    };
    ScriptName { name, package }
}

/// The writing systems of `chars`, each once, in the order met.
pub fn scripts_of(chars: &[char]) -> Vec<ScriptName> {
    let mut out: Vec<ScriptName> = Vec::new();
    for c in chars {
        let s = script_of(*c);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The sentence a scene shows when part of its text could not be drawn.
pub fn missing_sentence(scripts: &[ScriptName]) -> Option<String> {
    if scripts.is_empty() {
        return None;
    }
    let names: Vec<&str> = scripts.iter().map(|s| s.name.as_str()).collect();
    let mut packages: Vec<&str> = scripts.iter().map(|s| s.package).collect();
    packages.dedup();
    Some(format!(
        "No installed font covers this scene's {}, so that part of the text is not drawn. \
         Install a font for it (on Debian: sudo apt install {}) or choose a font of your own in \
         the render settings, then make the picture again.",
        join(&names),
        packages.join(" ")
    ))
}

fn join(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A sample of each writing system a creator is likely to write in, for the fonts' report.
pub const SAMPLES: &[(&str, &str)] = &[
    ("Latin", "Storytelling"),
    ("Greek", "Ιστορία"),
    ("Cyrillic", "История"),
    ("Arabic", "قصة قصيرة"),
    ("Hebrew", "סיפור קצר"),
    ("Devanagari (Hindi)", "कहानी"),
    ("Bengali", "গল্প"),
    ("Tamil", "கதை"),
    ("Thai", "นิทาน"),
    ("Chinese", "故事"),
    ("Japanese", "ものがたり"),
    ("Korean", "이야기"),
    ("Georgian", "ამბავი"),
    ("Armenian", "պատմություն"),
    ("Ethiopic", "ታሪክ"),
    ("emoji", "😀🚀"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_packages() {
        assert_eq!(script_of('の').name, "Japanese");
        assert_eq!(script_of('の').package, "fonts-noto-cjk");
        assert_eq!(script_of('ก').name, "Thai");
        assert_eq!(script_of('🚀').name, "emoji");
        let s = missing_sentence(&scripts_of(&['の', 'ア', 'ก'])).unwrap();
        assert!(s.contains("Japanese and Thai"), "{s}");
        assert!(s.contains("fonts-noto-cjk fonts-thai-tlwg"), "{s}");
        assert!(missing_sentence(&[]).is_none());
    }
}
