//! Subtitle files beside the video: `-o story.mp4` writes `story.srt` and `story.vtt`; ffmpeg
//! (a real parser of both formats) reads them, their cues follow one another inside the video,
//! and together they say every scene's text. A file of the user's there is never replaced.

mod common;

use std::path::Path;
use std::process::Command;

use common::{duration_of, example, Sandbox};

/// Each cue's (start, end) as ffprobe reads the file.
fn cue_times(file: &Path) -> Vec<(f64, f64)> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "packet=pts_time,duration_time",
        ])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split(',').map(|v| v.trim().parse::<f64>());
            match (it.next(), it.next()) {
                (Some(Ok(s)), Some(Ok(d))) => Some((s, s + d)),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn subtitles_are_written_beside_the_video_and_parse() {
    let sb = Sandbox::new();
    let out = sb.path("boats.mp4");
    let r = sb.run(&[
        "make",
        &example("paper-boats.txt"),
        "-o",
        out.to_str().unwrap(),
    ]);
    r.expect(0, &["Subtitles:", "boats.srt", "boats.vtt"]);
    let (srt, vtt) = (sb.path("boats.srt"), sb.path("boats.vtt"));
    let video = duration_of(&out);
    for file in [&srt, &vtt] {
        let cues = cue_times(file);
        assert!(cues.len() >= 5, "a cue per scene at least: {cues:?}");
        let mut last_end = 0.0;
        for (s, e) in &cues {
            assert!(s < e, "{file:?}: {cues:?}");
            assert!(*s >= last_end - 0.002, "cues overlap: {cues:?}");
            assert!(
                *e <= video + 0.05,
                "a cue after the video ends ({video} s): {cues:?}"
            );
            last_end = *e;
        }
    }
    assert_eq!(cue_times(&srt), cue_times(&vtt), "both formats agree");
    // The words: every scene's text, in order.
    let text = std::fs::read_to_string(&srt).unwrap();
    let said: Vec<&str> = text
        .split("\n\n")
        .filter_map(|cue| cue.lines().nth(2))
        .collect();
    let story = std::fs::read_to_string(example("paper-boats.txt")).unwrap();
    let joined = said.join(" ");
    let first_words: Vec<&str> = joined.split_whitespace().take(6).collect();
    assert!(
        story
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(&first_words.join(" ")),
        "{first_words:?}"
    );
    assert!(std::fs::read_to_string(&vtt)
        .unwrap()
        .starts_with("WEBVTT\n"));

    // A subtitle file of the user's is left as it is, and the video is not written either.
    let mine = sb.path("mine.mp4");
    std::fs::write(sb.path("mine.srt"), "my own subtitles").unwrap();
    let r = sb.run(&["render", "paper-boats", "-o", mine.to_str().unwrap()]);
    r.expect(1, &["mine.srt already exists", "--force"]);
    assert_eq!(
        std::fs::read_to_string(sb.path("mine.srt")).unwrap(),
        "my own subtitles"
    );
    assert!(!mine.exists());
    // Rendering again to the same name replaces StoryReel's own files.
    sb.run(&["render", "paper-boats", "-o", out.to_str().unwrap()])
        .expect(0, &["Subtitles:"]);
}
