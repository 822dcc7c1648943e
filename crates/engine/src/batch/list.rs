//! What a batch makes: story files named one by one, every story in a folder, or a manifest
//! (`*.toml`) listing stories with options of their own. Each story gets the video name it is
//! written to (its file's stem, made unique within the batch).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The endings a story file has.
pub const STORY_ENDINGS: &[&str] = &["md", "markdown", "txt", "json"];

/// The most stories one batch takes.
pub const MAX_BATCH: usize = 500;

/// One story of a batch, with the options it has of its own (from a manifest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BatchStory {
    #[ts(type = "string")]
    pub file: PathBuf,
    /// The video's file name (`lighthouse.mp4`).
    pub video_name: String,
    pub title: Option<String>,
    pub voice: Option<String>,
    pub style: Option<String>,
    pub aspect: Option<String>,
    pub language: Option<String>,
    #[ts(type = "string | null")]
    pub media_dir: Option<PathBuf>,
}

/// A manifest: `[[story]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    story: Vec<ManifestStory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestStory {
    file: PathBuf,
    output: Option<String>,
    title: Option<String>,
    voice: Option<String>,
    style: Option<String>,
    aspect: Option<String>,
    language: Option<String>,
    media_dir: Option<PathBuf>,
}

/// Whether `path` names a manifest rather than a story.
pub fn is_manifest(path: &Path) -> bool {
    ending(path).as_deref() == Some("toml")
}

/// Whether `paths` make a batch (several stories, a folder or a manifest) rather than one story.
pub fn is_batch(paths: &[PathBuf]) -> bool {
    paths.len() > 1 || paths.iter().any(|p| p.is_dir() || is_manifest(p))
}

fn ending(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// The stories `paths` name, in order, each once.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<BatchStory>> {
    let mut out: Vec<BatchStory> = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(folder(p)?);
        } else if is_manifest(p) {
            out.extend(manifest(p)?);
        } else {
            out.push(BatchStory {
                file: p.clone(),
                ..Default::default()
            });
        }
    }
    // The same file named twice (by itself and in its folder) is made once.
    let mut seen: Vec<PathBuf> = Vec::new();
    out.retain(|s| {
        let key = std::path::absolute(&s.file).unwrap_or_else(|_| s.file.clone());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    if out.is_empty() {
        return Err(Error::Input(format!(
            "There is no story to make: {} holds no .md, .txt or .json file.",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if out.len() > MAX_BATCH {
        return Err(Error::Input(format!(
            "A batch takes at most {MAX_BATCH} stories, and these are {}; make them in several batches.",
            out.len()
        )));
    }
    name_videos(&mut out);
    Ok(out)
}

/// Every story file directly in `dir`, by name; hidden files and other files are passed over.
fn folder(dir: &Path) -> Result<Vec<BatchStory>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::Io {
        context: format!("Cannot read the folder {}", dir.display()),
        source: e,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let hidden = p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            // A link is followed to see what it is; a link to a folder is not a story.
            !hidden && p.is_file() && ending(p).is_some_and(|e| STORY_ENDINGS.contains(&e.as_str()))
        })
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .map(|file| BatchStory {
            file,
            ..Default::default()
        })
        .collect())
}

/// The stories a manifest lists, their files and folders relative to the manifest.
fn manifest(path: &Path) -> Result<Vec<BatchStory>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        context: format!("Cannot read the batch list {}", path.display()),
        source: e,
    })?;
    let m: Manifest = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text.get(..s.start).unwrap_or(&text).matches('\n').count() + 1);
        Error::Input(format!(
            "The batch list {}{} cannot be read: {}. It lists stories as [[story]] tables with file = \"one.md\" and, if wanted, output, title, voice, style, aspect, language and media_dir.",
            path.display(),
            line.map(|l| format!(" (line {l})")).unwrap_or_default(),
            e.message().trim_end().trim_end_matches('.')
        ))
    })?;
    if m.story.is_empty() {
        return Err(Error::Input(format!(
            "The batch list {} lists no story: add [[story]] tables with file = \"one.md\".",
            path.display()
        )));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(m.story
        .into_iter()
        .map(|s| BatchStory {
            file: base.join(&s.file),
            video_name: s.output.map(|o| with_mp4(&o)).unwrap_or_default(),
            title: s.title,
            voice: s.voice,
            style: s.style,
            aspect: s.aspect,
            language: s.language,
            media_dir: s.media_dir.map(|d| base.join(d)),
        })
        .collect())
}

fn with_mp4(name: &str) -> String {
    // A name, not a path: the video goes into the batch's folder.
    let name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "story".into());
    if name.to_ascii_lowercase().ends_with(".mp4") {
        name
    } else {
        format!("{name}.mp4")
    }
}

/// Each story's video name: its own (from the manifest) or its file's stem; a name taken
/// already gets `-2`, `-3`…
fn name_videos(stories: &mut [BatchStory]) {
    let mut taken: Vec<String> = Vec::new();
    for s in stories.iter_mut() {
        let wanted = if s.video_name.is_empty() {
            let stem = s
                .file
                .file_stem()
                .map(|n| n.to_string_lossy().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "story".into());
            format!("{stem}.mp4")
        } else {
            s.video_name.clone()
        };
        let stem = wanted.trim_end_matches(".mp4").to_string();
        let mut name = wanted;
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            name = format!("{stem}-{n}.mp4");
            n += 1;
        }
        taken.push(name.to_lowercase());
        s.video_name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_manifests_and_files_expand_in_order_each_once() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        for f in ["b.md", "a.txt", "a.md", ".hidden.md", "notes.pdf", "c.json"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        std::fs::create_dir(dir.join("sub.md")).unwrap();
        std::fs::write(
            dir.join("list.toml"),
            "[[story]]\nfile = \"b.md\"\nvoice = \"piper\"\noutput = \"bee\"\n\n[[story]]\nfile = \"a.md\"\n",
        )
        .unwrap();
        let all = expand(&[dir.join("list.toml"), dir.to_path_buf(), dir.join("a.md")]).unwrap();
        let names: Vec<String> = all
            .iter()
            .map(|s| s.file.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, ["b.md", "a.md", "a.txt", "c.json"]);
        assert_eq!(all[0].voice.as_deref(), Some("piper"));
        let videos: Vec<&str> = all.iter().map(|s| s.video_name.as_str()).collect();
        assert_eq!(videos, ["bee.mp4", "a.mp4", "a-2.mp4", "c.mp4"]);
        assert!(is_batch(&[dir.to_path_buf()]));
        assert!(!is_batch(&[dir.join("a.md")]));
    }

    #[test]
    fn bad_manifests_and_empty_folders_are_said() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("l.toml"), "[[story]]\nfiel = \"a.md\"\n").unwrap();
        let m = expand(&[d.path().join("l.toml")]).unwrap_err().to_string();
        assert!(m.contains("line 2") && m.contains("fiel"), "{m}");
        let empty = tempfile::tempdir().unwrap();
        let m = expand(&[empty.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(m.contains("no .md, .txt or .json"), "{m}");
    }
}
