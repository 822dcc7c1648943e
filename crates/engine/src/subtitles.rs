//! Subtitle files beside the video: `.srt` and `.vtt`, one cue per phrase, timed from each
//! scene's time on screen. Word times are estimated (spread over the scene in proportion to
//! their length) until a voice gives exact ones; the cues follow the words either way.
//!
//! SRT: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line between cues.
//! WebVTT: a `WEBVTT` header line, then cues with `HH:MM:SS.mmm --> HH:MM:SS.mmm`.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::engine::Engine;
use crate::error::{Error, Result};
pub use crate::model::SubtitleFiles;
use crate::render::timeline::Timeline;

/// A cue holds at most this many characters (two short lines), and lasts at most this long.
const MAX_CHARS: usize = 42;
const MAX_SECONDS: f32 = 4.5;

/// One word (with the spaces after it) and when it is on screen, in seconds from the start.
pub type WordTime = crate::model::WordMark;

/// One subtitle: a phrase and its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    pub start: f32,
    pub end: f32,
    pub text: String,
}

/// The text cut where a line may break (see `voices::timing::words`).
pub use crate::voices::timing::words;

/// Words spread over `[start, end]` in proportion to their length.
pub fn estimate(text: &str, start: f32, end: f32) -> Vec<WordTime> {
    crate::voices::timing::estimate(&words(text), start, end)
}

/// Words grouped into phrases: a cue ends after a sentence's end, or before it would grow
/// past `MAX_CHARS` or `MAX_SECONDS`.
pub fn cues(words: &[WordTime]) -> Vec<Cue> {
    let mut out = Vec::new();
    let mut cur: Option<Cue> = None;
    for w in words {
        if let Some(c) = &mut cur {
            let longer = c.text.chars().count() + w.word.trim_end().chars().count() > MAX_CHARS;
            if longer || w.end - c.start > MAX_SECONDS {
                out.extend(cur.take());
            }
        }
        let c = cur.get_or_insert(Cue {
            start: w.start,
            end: w.end,
            text: String::new(),
        });
        c.text.push_str(&w.word);
        c.end = w.end;
        if crate::voices::timing::ends_sentence(&w.word) {
            out.extend(cur.take());
        }
    }
    out.extend(cur);
    for c in &mut out {
        c.text = c.text.trim().to_string();
    }
    out.retain(|c| !c.text.is_empty() && c.end > c.start);
    out
}

/// Each scene's phrases: at its words' times where a voice timed them, else spread over its
/// time on screen (half of each crossfade to either side).
pub fn for_timeline(
    texts: &[Option<String>],
    timed: &[Option<Vec<WordTime>>],
    tl: &Timeline,
) -> Vec<Cue> {
    let half = tl.crossfade / 2.0;
    let last = texts.len().saturating_sub(1);
    let mut out = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let (Some(text), Some(start), Some(d)) = (text, tl.starts.get(i), tl.durations.get(i))
        else {
            continue;
        };
        if let Some(Some(w)) = timed
            .get(i)
            .filter(|w| w.as_ref().is_some_and(|w| !w.is_empty()))
        {
            out.extend(cues(w));
            continue;
        }
        let from = start + if i > 0 { half } else { 0.0 };
        let to = start + d - if i < last { half } else { 0.0 };
        out.extend(cues(&estimate(text, from, to)));
    }
    out
}

fn stamp(t: f32, sep: char) -> String {
    let ms = (f64::from(t.max(0.0)) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

pub fn to_srt(cues: &[Cue]) -> String {
    let mut s = String::new();
    for (n, c) in cues.iter().enumerate() {
        let _ = write!(
            s,
            "{}\n{} --> {}\n{}\n\n",
            n + 1,
            stamp(c.start, ','),
            stamp(c.end, ','),
            c.text.replace("-->", "->")
        );
    }
    s
}

pub fn to_vtt(cues: &[Cue]) -> String {
    let mut s = String::from("WEBVTT\n\n");
    for c in cues {
        let text = c
            .text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let _ = write!(
            s,
            "{} --> {}\n{}\n\n",
            stamp(c.start, '.'),
            stamp(c.end, '.'),
            text
        );
    }
    s
}

/// The subtitle files written beside a video: `story.mp4` → `story.srt`, `story.vtt`.
pub fn beside(video: &Path) -> (PathBuf, PathBuf) {
    (video.with_extension("srt"), video.with_extension("vtt"))
}

/// Whether `path` reads as a subtitle file of its kind (WebVTT's header; an SRT's first cue
/// number and times), and is small enough to be one.
fn looks_like_subtitles(path: &Path, ext: &str) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.len() > 16 * 1024 * 1024 {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let text = text.trim_start_matches('\u{feff}');
    match ext {
        "vtt" => text.starts_with("WEBVTT"),
        _ => {
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            lines.next() == Some("1") && lines.next().is_some_and(|l| l.contains(" --> "))
        }
    }
}

/// The subtitle files saved beside a video, and those left alone (a file of the person's was
/// there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedSubtitles {
    pub written: Vec<std::path::PathBuf>,
    pub kept: Vec<std::path::PathBuf>,
}

impl Engine {
    /// Stores a video's subtitles (both formats) and returns their names in the data folder.
    pub(crate) fn store_subtitles(&self, cues: &[Cue]) -> Result<Option<SubtitleFiles>> {
        if cues.is_empty() {
            return Ok(None);
        }
        let srt = self.assets().put(to_srt(cues).as_bytes(), "srt")?;
        let vtt = self.assets().put(to_vtt(cues).as_bytes(), "vtt")?;
        Ok(Some(SubtitleFiles { srt, vtt }))
    }

    /// Writes the subtitles of `project`'s video beside `video`, a copy of it saved elsewhere.
    /// Each file is judged on its own: written where nothing is in its way (or a subtitle file
    /// StoryReel made is), and left alone where a file of the person's is (said in `kept`).
    pub fn save_subtitles_beside(
        &self,
        project: &crate::model::Project,
        video: &Path,
    ) -> Result<SavedSubtitles> {
        let p = self
            .store()
            .project(project.id)?
            .unwrap_or_else(|| project.clone());
        let mut saved = SavedSubtitles::default();
        let Some(files) = p.video.as_ref().and_then(|v| v.subtitles.as_ref()) else {
            return Ok(saved);
        };
        let (srt, vtt) = beside(video);
        for (out, hash, ext) in [(srt, &files.srt, "srt"), (vtt, &files.vtt, "vtt")] {
            if out.exists() && !self.made_here_as(&out, ext) {
                saved.kept.push(out);
                continue;
            }
            self.copy_subtitles(&out, hash, ext)?;
            saved.written.push(out);
        }
        Ok(saved)
    }

    /// Writes the subtitle files beside `video` (each through a temporary name). A file of the
    /// user's already there is left alone unless `overwrite`: checked for both before either
    /// is written.
    pub(crate) fn save_subtitles(
        &self,
        files: &SubtitleFiles,
        video: &Path,
        overwrite: bool,
    ) -> Result<()> {
        let (srt, vtt) = beside(video);
        let pairs = [(srt, &files.srt, "srt"), (vtt, &files.vtt, "vtt")];
        // Subtitles beside a StoryReel video (made in any data folder) are that video's.
        let ours_beside = || self.is_storyreel_video(video);
        for (out, _, ext) in &pairs {
            let may_replace = overwrite
                || self.made_here_as(out, ext)
                || (looks_like_subtitles(out, ext) && ours_beside());
            if out.exists() && !may_replace {
                return Err(Error::Input(format!(
                    "{} already exists and is not a subtitle file StoryReel made, so it was left as it is; choose another name for the video, or move that file away.",
                    out.display()
                )));
            }
        }
        for (out, hash, ext) in &pairs {
            self.copy_subtitles(out, hash, ext)?;
        }
        Ok(())
    }

    /// Copies the data folder's subtitle file `hash.ext` to `out`, through a temporary name.
    fn copy_subtitles(&self, out: &Path, hash: &str, ext: &str) -> Result<()> {
        let src = self.assets().path(hash, ext)?;
        crate::assets::place_file(out, |tmp| std::fs::copy(&src, tmp).map(|_| ())).map_err(|e| {
            Error::Input(format!(
                "Cannot write the subtitles to {} ({e}); check the folder is writable.",
                out.display()
            ))
        })
    }

    /// Whether the file at `path` is one of the data folder's `ext` files (read in pieces:
    /// it may be any size).
    pub(crate) fn made_here_as(&self, path: &Path, ext: &str) -> bool {
        let Ok(file) = std::fs::File::open(path) else {
            return false;
        };
        let mut h = blake3::Hasher::new();
        if h.update_reader(file).is_err() {
            return false;
        }
        self.assets()
            .path(&h.finalize().to_hex(), ext)
            .is_ok_and(|p| p.is_file())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_both_formats() {
        assert_eq!(stamp(0.0, ','), "00:00:00,000");
        assert_eq!(stamp(3723.4567, '.'), "01:02:03.457");
        assert_eq!(stamp(-1.0, ','), "00:00:00,000");
    }

    #[test]
    fn words_spread_over_the_span_in_order() {
        let w = estimate("The ferry leaves at dawn.", 2.0, 5.0);
        assert_eq!(w.len(), 5);
        assert!((w[0].start - 2.0).abs() < 1e-4);
        assert!((w[4].end - 5.0).abs() < 1e-3);
        for pair in w.windows(2) {
            assert!(pair[0].end <= pair[1].start + 1e-4 && pair[0].start < pair[0].end);
        }
        // Scripts without spaces still break into pieces.
        assert!(words("渡し船は夜明けに出る。町が目を覚ます。").len() > 4);
        assert!(words("เรือออกตอนรุ่งสาง").len() > 1);
    }

    #[test]
    fn phrases_end_at_sentences_and_stay_short() {
        let text = "One. Two words here! And then a much longer sentence that goes on past what one subtitle can hold at once.";
        let c = cues(&estimate(text, 0.0, 12.0));
        assert_eq!(c[0].text, "One.");
        assert_eq!(c[1].text, "Two words here!");
        for cue in &c {
            assert!(cue.text.chars().count() <= MAX_CHARS + 12, "{cue:?}");
            assert!(cue.end - cue.start <= MAX_SECONDS + 1e-3, "{cue:?}");
        }
        let joined: Vec<String> = c.iter().map(|c| c.text.clone()).collect();
        assert_eq!(joined.join(" "), text);
    }

    #[test]
    fn files_follow_their_formats() {
        let c = vec![
            Cue {
                start: 0.0,
                end: 1.5,
                text: "a <b> & c --> d".into(),
            },
            Cue {
                start: 1.5,
                end: 2.0,
                text: "e".into(),
            },
        ];
        assert_eq!(
            to_srt(&c),
            "1\n00:00:00,000 --> 00:00:01,500\na <b> & c -> d\n\n2\n00:00:01,500 --> 00:00:02,000\ne\n\n"
        );
        let v = to_vtt(&c);
        assert!(
            v.starts_with(
                "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\na &lt;b&gt; &amp; c --&gt; d\n"
            ),
            "{v}"
        );
    }

    #[test]
    fn scenes_get_their_own_time_on_screen() {
        let tl = Timeline::new(vec![3.0, 4.0], 0.5, 30);
        let c = for_timeline(
            &[Some("First scene.".into()), Some("Second scene.".into())],
            &[],
            &tl,
        );
        assert_eq!(c.len(), 2);
        assert!(
            (c[0].start - 0.0).abs() < 1e-4 && (c[0].end - 2.75).abs() < 1e-3,
            "{c:?}"
        );
        assert!(
            (c[1].start - 2.75).abs() < 1e-3 && (c[1].end - 6.5).abs() < 1e-3,
            "{c:?}"
        );
    }
}
