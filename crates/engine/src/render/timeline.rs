//! When each scene is on screen: its duration (from the script, else from its text at a
//! reading pace, clamped to 2–8 s; narration stretches it), crossfades between neighbours, and
//! which scenes a frame shows.

/// Shortest and longest scene without narration.
pub const MIN_S: f32 = 2.0;
pub const MAX_S: f32 = 8.0;

/// A scene's duration from its text: words at `wps` words a second, plus a beat.
pub fn reading_duration(text: &str, wps: f32) -> f32 {
    (reading_words(text) / wps.max(0.5) + 0.8).clamp(MIN_S, MAX_S)
}

/// How many words' worth of reading `text` holds: one for each word of a script written with
/// spaces, and for scripts written without them a share of a word for each character (a
/// grapheme), after subtitle reading speeds: a Chinese character (or a kanji) is 0.4 of a
/// word, a kana 0.6, a Thai, Lao, Khmer or Myanmar character 0.25. Counting a Japanese sentence as one "word" kept it on screen for the
/// shortest time whatever its length.
pub fn reading_words(text: &str) -> f32 {
    use unicode_script::{Script, UnicodeScript};
    use unicode_segmentation::UnicodeSegmentation;
    let mut n = 0.0;
    for token in text.split_whitespace() {
        let mut spaced = false;
        let mut dense = 0.0;
        for g in token.graphemes(true) {
            let Some(c) = g.chars().next() else { continue };
            match c.script() {
                Script::Han | Script::Bopomofo => dense += 0.4,
                Script::Hiragana | Script::Katakana => dense += 0.6,
                Script::Thai | Script::Lao | Script::Khmer | Script::Myanmar => dense += 0.25,
                _ if c.is_alphanumeric() => spaced = true,
                _ => {}
            }
        }
        n += dense + if spaced || dense == 0.0 { 1.0 } else { 0.0 };
    }
    n
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Each scene's duration (s), and when it starts.
    pub durations: Vec<f32>,
    pub starts: Vec<f32>,
    pub crossfade: f32,
    pub fps: u32,
    pub frames: u64,
}

/// What one frame shows: scene `a` at progress `ta` (0..1 through its own time on screen),
/// blended with scene `b` (the next) at weight `mix` during a crossfade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameAt {
    /// The frame's time in the video (s).
    pub t: f32,
    pub a: usize,
    pub ta: f32,
    pub b: Option<(usize, f32, f32)>,
}

impl Timeline {
    /// `durations` in seconds; the crossfade is shortened to a third of the shortest scene.
    pub fn new(durations: Vec<f32>, crossfade_s: f32, fps: u32) -> Timeline {
        let shortest = durations.iter().copied().fold(f32::INFINITY, f32::min);
        let crossfade = if durations.len() < 2 {
            0.0
        } else {
            crossfade_s.clamp(0.0, shortest / 3.0)
        };
        let mut starts = Vec::with_capacity(durations.len());
        let mut t = 0.0;
        for d in &durations {
            starts.push(t);
            t += d - crossfade;
        }
        let total = t + crossfade;
        let frames = (total as f64 * fps as f64).round().max(1.0) as u64;
        Timeline {
            durations,
            starts,
            crossfade,
            fps,
            frames,
        }
    }

    /// Sum of the durations minus the crossfades.
    pub fn total_s(&self) -> f32 {
        self.durations.iter().sum::<f32>()
            - self.crossfade * self.durations.len().saturating_sub(1) as f32
    }

    /// Stretches the scenes evenly so the video lasts `total` seconds (narration for the story).
    pub fn fit_to(self, total: f32) -> Timeline {
        let n = self.durations.len().max(1) as f32;
        let now = self.total_s();
        let scale =
            ((total + self.crossfade * (n - 1.0)) / (now + self.crossfade * (n - 1.0))).max(0.05);
        let d = self.durations.iter().map(|d| d * scale).collect();
        Timeline::new(d, self.crossfade, self.fps)
    }

    pub fn at(&self, frame: u64) -> FrameAt {
        let t = frame as f32 / self.fps as f32;
        // The last scene that has started.
        let a: usize = self
            .starts
            .iter()
            .rposition(|s| *s <= t)
            .unwrap_or_default();
        let prog = |i: usize| ((t - self.starts[i]) / self.durations[i]).clamp(0.0, 1.0);
        // During a crossfade, scene a-1 is still fading out: show it blended with a.
        if a > 0 && self.crossfade > 0.0 && t < self.starts[a] + self.crossfade {
            let mix = ((t - self.starts[a]) / self.crossfade).clamp(0.0, 1.0);
            return FrameAt {
                t,
                a: a - 1,
                ta: prog(a - 1),
                b: Some((a, prog(a), mix)),
            };
        }
        FrameAt {
            t,
            a,
            ta: prog(a),
            b: None,
        }
    }

    /// The frame in the middle of scene `i`'s time alone on screen.
    pub fn middle_of(&self, i: usize) -> u64 {
        let t = self.starts[i] + self.durations[i] / 2.0;
        (t * self.fps as f32) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_without_spaces_are_read_by_their_characters() {
        // The same sentence, about ten words' worth, in scripts with and without spaces.
        let en = "The lighthouse keeper climbs the stairs one last time tonight.";
        let ja = "灯台守は今夜、最後にもう一度階段を上ります。";
        let zh = "灯塔看守人今晚最后一次爬上楼梯。";
        let th = "ผู้ดูแลประภาคารปีนบันไดเป็นครั้งสุดท้ายในคืนนี้";
        let d = |t: &str| reading_duration(t, 2.5);
        for (name, t) in [("ja", ja), ("zh", zh), ("th", th)] {
            assert!(d(t) > MIN_S + 1.0, "{name}: {} s", d(t));
            assert!(
                (d(t) - d(en)).abs() < 2.5,
                "{name}: {} s beside English {} s",
                d(t),
                d(en)
            );
        }
        // Longer text, longer on screen (up to the longest a silent scene lasts).
        assert!(d(&ja.repeat(2)) > d(ja));
        assert_eq!(d(&ja.repeat(10)), MAX_S);
        // Words of scripts with spaces count as before.
        assert_eq!(reading_words("one two, three!"), 3.0);
        assert!((reading_words("東京 Tower") - 1.8).abs() < 1e-4);
    }

    #[test]
    fn durations_follow_the_text_and_are_clamped() {
        assert_eq!(reading_duration("Hi.", 2.5), MIN_S);
        assert_eq!(reading_duration(&"word ".repeat(200), 2.5), MAX_S);
        let d = reading_duration(&"word ".repeat(10), 2.5);
        assert!((d - 4.8).abs() < 1e-4, "{d}");
    }

    #[test]
    fn total_is_the_sum_minus_crossfades() {
        let t = Timeline::new(vec![3.0, 4.0, 5.0], 0.5, 30);
        assert!((t.total_s() - 11.0).abs() < 1e-5);
        assert_eq!(t.frames, 330);
        assert_eq!(t.starts, vec![0.0, 2.5, 6.0]);
        // A frame inside the first crossfade shows scenes 0 and 1.
        let f = t.at((2.75 * 30.0) as u64);
        assert_eq!(f.a, 0);
        let (b, _, mix) = f.b.unwrap();
        assert_eq!(b, 1);
        assert!((mix - 0.5).abs() < 0.05, "{mix}");
        // The middle of scene 1 shows it alone.
        let m = t.at(t.middle_of(1));
        assert_eq!((m.a, m.b), (1, None));
        assert_eq!(t.at(t.frames - 1).a, 2);
        let one = Timeline::new(vec![3.0], 0.5, 30);
        assert_eq!((one.crossfade, one.frames), (0.0, 90));
    }

    #[test]
    fn narration_stretches_the_story() {
        let t = Timeline::new(vec![2.0, 2.0, 2.0], 0.5, 30).fit_to(12.0);
        assert!((t.total_s() - 12.0).abs() < 0.01, "{}", t.total_s());
        let short = Timeline::new(vec![1.0, 1.0], 0.6, 25);
        assert!((short.crossfade - 1.0 / 3.0).abs() < 1e-5);
    }
}
