//! A project's pieces in a folder of the person's: each scene's picture (`scene-001.jpg`) and
//! narration (`scene-001.wav`), the person's own clip (`scene-002.clip.mp4`), the video's subtitles (`subtitles.srt`, `subtitles.vtt`) when
//! it has them, the cast's reference pictures (`cast-01-mira.png`), and a `manifest.json`
//! describing the cast and every scene (its words and their times
//! included). The folder must be new, empty, or an earlier export (its manifest says so): a
//! file StoryReel did not write is never replaced. Each file goes under a temporary name
//! first, and files an earlier export left that this one no longer lists are removed, with any
//! temporary file an interrupted export left. An earlier export of another project is never
//! written over. With the video (the app's "Show files"), `story.mp4` is listed like the rest.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::assets::place_file;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::{Project, WordMark};

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub dir: PathBuf,
    pub files: Vec<String>,
    pub missing: Vec<u32>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    project: &'a Project,
    scenes: Vec<ManifestScene>,
    /// The subtitle files written, when the project has a video with subtitles.
    subtitles: Vec<String>,
    /// The video's file, when it was exported too.
    #[serde(skip_serializing_if = "Option::is_none")]
    video: Option<String>,
    /// The reference pictures of the cast and the look, as exported (`cast-mira.png`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<ManifestReference>,
}

#[derive(Serialize)]
struct ManifestReference {
    /// The character's name, or "the look".
    who: String,
    file: String,
}

#[derive(Serialize)]
struct ManifestScene {
    index: u32,
    title: Option<String>,
    text: String,
    prompt: String,
    duration_s: Option<f32>,
    file: Option<String>,
    provider: Option<String>,
    placeholder: bool,
    hash: Option<String>,
    narration: Option<ManifestNarration>,
    /// The person's own picture or clip it shows: its name, fit and how the clip plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    media: Option<crate::model::OwnMedia>,
    /// The person's own clip, as exported (`scene-002.mp4`); `file` is its first frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    clip: Option<String>,
    /// The characters the scene shows and the seed its picture was asked for with.
    characters: Vec<String>,
    seed: u64,
    /// What the scene says about how its picture was asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

/// A scene's narration as exported: its file, who spoke it, and each word's time in it.
#[derive(Serialize)]
struct ManifestNarration {
    file: String,
    provider: String,
    voice: String,
    language: String,
    seconds: f32,
    /// True when the word times were estimated (the person's own recording, a voice that
    /// reports none).
    estimated: bool,
    words: Vec<WordMark>,
}

/// Names of the subtitle files an export writes.
const SUBTITLES: [(&str, &str); 2] = [("subtitles.srt", "srt"), ("subtitles.vtt", "vtt")];

/// The video's name in an export that carries it.
pub const VIDEO_FILE: &str = "story.mp4";

impl Engine {
    /// Exports `project` into `dir` (see the module's notes).
    pub fn export(&self, project: &Project, dir: &Path) -> Result<ExportReport> {
        self.export_with(project, dir, false)
    }

    /// Exports `project` into `dir` with its latest video as `story.mp4`, when it has one.
    pub fn export_with_video(&self, project: &Project, dir: &Path) -> Result<ExportReport> {
        self.export_with(project, dir, true)
    }

    fn export_with(&self, project: &Project, dir: &Path, with_video: bool) -> Result<ExportReport> {
        // The project as stored now (its video may be newer than the caller's copy).
        let project = &self
            .store()
            .project(project.id)?
            .unwrap_or_else(|| project.clone());
        let gone = self.requeue_missing_images(project)?;
        if !gone.is_empty() {
            return Err(Error::Input(format!(
                "The image files of scenes {} of '{}' are missing from the data folder; those scenes are queued to be made again. Export once they are done.",
                crate::render::short_list(&gone),
                project.title
            )));
        }
        let earlier = earlier_export(dir, project)?;
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::io(
                format!(
                    "Cannot create the export folder {} (check the path and its permissions)",
                    dir.display()
                ),
                e,
            )
        })?;
        let copy = |src: &Path, name: &str| -> Result<()> {
            let dest = dir.join(name);
            place_file(&dest, |tmp| std::fs::copy(src, tmp).map(|_| ()))
                .map_err(|e| Error::io(format!("Cannot write {}", dest.display()), e))
        };
        let mut files = Vec::new();
        let mut missing = Vec::new();
        let mut scenes = Vec::new();
        for s in self.store().scenes_of(project.id)? {
            let mut file = None;
            if let Some(img) = &s.image {
                let name = format!("scene-{:03}.{}", s.index, img.ext);
                copy(&self.assets().path(&img.hash, &img.ext)?, &name)?;
                files.push(name.clone());
                file = Some(name);
            } else {
                missing.push(s.index);
            }
            let own = s.image.as_ref().and_then(|i| i.own.clone());
            let mut clip = None;
            if let Some(c) = own.as_ref().and_then(|o| o.clip.as_ref()) {
                // Named for its scene and its own kind: `.clip.mp4` never meets a narration's name.
                let name = format!("scene-{:03}.clip.{}", s.index, c.ext);
                copy(&self.assets().path(&c.hash, &c.ext)?, &name)?;
                files.push(name.clone());
                clip = Some(name);
            }
            let speech = s.narration.as_ref().and_then(|n| n.speech.as_ref());
            let mut narration = None;
            if let Some((sp, a)) = speech.and_then(|sp| Some((sp, sp.audio.as_ref()?))) {
                let src = self.assets().path(&a.hash, &a.ext)?;
                // A narration file gone from the data folder is left out, not an error.
                if src.is_file() {
                    let name = format!("scene-{:03}.{}", s.index, a.ext);
                    copy(&src, &name)?;
                    files.push(name.clone());
                    narration = Some(ManifestNarration {
                        file: name,
                        provider: sp.provider.clone(),
                        voice: sp.voice.clone(),
                        language: sp.language.clone(),
                        seconds: sp.seconds,
                        estimated: sp.estimated,
                        words: sp.words.clone(),
                    });
                }
            }
            let part = project
                .cast
                .scene_part(project.id, &s.cast_words(), &s.choice);
            scenes.push(ManifestScene {
                characters: part.characters.iter().map(|c| c.name.clone()).collect(),
                seed: part.seed,
                notes: s
                    .image
                    .as_ref()
                    .map(|i| i.notes.clone())
                    .unwrap_or_default(),
                index: s.index,
                title: s.title,
                text: s.text,
                prompt: s.prompt,
                duration_s: s.duration_s,
                file,
                provider: s.image.as_ref().map(|i| i.provider.clone()),
                placeholder: s.image.as_ref().is_some_and(|i| i.placeholder),
                hash: s.image.as_ref().map(|i| i.hash.clone()),
                narration,
                media: own,
                clip,
            });
        }
        let mut subtitles = Vec::new();
        if let Some(subs) = project.video.as_ref().and_then(|v| v.subtitles.as_ref()) {
            for ((name, ext), hash) in SUBTITLES.iter().zip([&subs.srt, &subs.vtt]) {
                let src = self.assets().path(hash, ext)?;
                if src.is_file() {
                    copy(&src, name)?;
                    files.push(name.to_string());
                    subtitles.push(name.to_string());
                }
            }
        }
        let mut video = None;
        if let Some(v) = project.video.as_ref().filter(|_| with_video) {
            let src = self.assets().path(&v.hash, "mp4")?;
            if src.is_file() {
                copy(&src, VIDEO_FILE)?;
                files.push(VIDEO_FILE.to_string());
                video = Some(VIDEO_FILE.to_string());
            }
        }
        let mut references = Vec::new();
        let refs = project
            .cast
            .characters
            .iter()
            .filter_map(|c| Some((c.name.as_str(), c.reference.as_ref()?)))
            .chain(
                project
                    .cast
                    .look
                    .reference
                    .as_ref()
                    .map(|r| ("the look", r)),
            );
        for (i, (who, r)) in refs.enumerate() {
            let src = self.assets().path(&r.hash, &r.ext)?;
            if src.is_file() {
                let slug: String = who
                    .to_lowercase()
                    .chars()
                    .map(|c| if c.is_alphanumeric() { c } else { '-' })
                    .collect();
                let name = format!("cast-{:02}-{slug}.{}", i + 1, r.ext);
                copy(&src, &name)?;
                files.push(name.clone());
                references.push(ManifestReference {
                    who: who.to_string(),
                    file: name,
                });
            }
        }
        let manifest = serde_json::to_vec_pretty(&Manifest {
            project,
            scenes,
            subtitles,
            video,
            references,
        })
        .map_err(|e| Error::Db(e.to_string()))?;
        let dest = dir.join("manifest.json");
        place_file(&dest, |tmp| std::fs::write(tmp, &manifest))
            .map_err(|e| Error::io(format!("Cannot write {}", dest.display()), e))?;
        for stale in earlier.iter().filter(|f| !files.contains(f)) {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        remove_leftover_parts(dir);
        files.push("manifest.json".into());
        Ok(ExportReport {
            dir: dir.to_path_buf(),
            files,
            missing,
        })
    }
}

/// The files an earlier export wrote into `dir`, if `dir` is one; an error if `dir` holds
/// anything else (nothing of the user's is ever replaced).
fn earlier_export(dir: &Path, project: &Project) -> Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let refuse = || {
        Error::Input(format!(
            "The folder {} already holds files that are not a StoryReel export, so nothing was written there; export into an empty or new folder.",
            dir.display()
        ))
    };
    let manifest: serde_json::Value = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(refuse)?;
    let scenes = manifest["scenes"].as_array().ok_or_else(refuse)?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let mut listed: Vec<String> = scenes.iter().filter_map(|s| text(&s["file"])).collect();
    listed.extend(scenes.iter().filter_map(|s| text(&s["narration"]["file"])));
    listed.extend(scenes.iter().filter_map(|s| text(&s["clip"])));
    if let Some(subs) = manifest["subtitles"].as_array() {
        listed.extend(subs.iter().filter_map(text));
    }
    if let Some(refs) = manifest["references"].as_array() {
        listed.extend(refs.iter().filter_map(|r| text(&r["file"])));
    }
    match manifest["project"]["id"].as_str() {
        None => return Err(refuse()),
        Some(id) if id != project.id.to_string() => {
            let title = manifest["project"]["title"]
                .as_str()
                .unwrap_or("another project");
            let title: String = title.chars().take(80).collect();
            return Err(Error::Input(format!(
                "The folder {} holds the export of another project ('{title}'), so nothing was written there; export '{}' into an empty or new folder.",
                dir.display(),
                project.title
            )));
        }
        Some(_) => {}
    }
    if let Some(v) = manifest["video"].as_str() {
        listed.push(v.to_string());
    }
    // Only the manifest, its files, and our own temporary files may be there; a name the
    // manifest lists must be one an export writes (a doctored manifest cannot name others).
    let writes = |n: &String| {
        (n.starts_with("scene-") && !n.contains(['/', '\\']))
            || SUBTITLES.iter().any(|(s, _)| s == n)
            || n == VIDEO_FILE
    };
    listed.retain(writes);
    let ours = |n: &String| n == "manifest.json" || listed.contains(n) || n.ends_with(".part");
    if !names.iter().all(ours) {
        return Err(refuse());
    }
    Ok(listed)
}

/// Removes the temporary files (`.NAME.….part`) an interrupted export left in `dir`.
fn remove_leftover_parts(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let plain = e.file_type().is_ok_and(|t| t.is_file());
        if plain && name.starts_with('.') && name.ends_with(".part") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
