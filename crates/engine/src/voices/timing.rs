//! Word times and audio: the words a scene is cut into (where a line may break, so scripts
//! without spaces cut too), their times from what a voice reports (espeak-ng's word events,
//! ElevenLabs' character alignment) or estimated over a span, and WAV files.

use std::sync::OnceLock;

use icu_segmenter::options::LineBreakOptions;
use icu_segmenter::LineSegmenter;

use crate::model::WordMark;

/// The text cut where a line may break: after spaces, and between the characters (or the
/// dictionary words) of scripts written without spaces. Joined, the words are the text with
/// its runs of white space made single spaces: what a voice is given to speak.
pub fn words(text: &str) -> Vec<String> {
    static SEGMENTER: OnceLock<icu_segmenter::LineSegmenterBorrowed<'static>> = OnceLock::new();
    let seg = SEGMENTER.get_or_init(|| LineSegmenter::new_auto(LineBreakOptions::default()));
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = Vec::new();
    let mut last = 0;
    for at in seg.segment_str(&text) {
        if at > last && at <= text.len() {
            out.push(text[last..at].to_string());
            last = at;
        }
    }
    out
}

/// Marks that end a sentence, in the scripts StoryReel sets.
pub const SENTENCE_ENDS: [char; 8] = ['.', '!', '?', '…', '。', '！', '？', '।'];

/// Whether a word (with the spaces after it) ends a sentence.
pub fn ends_sentence(word: &str) -> bool {
    word.trim_end().ends_with(SENTENCE_ENDS)
}

/// How long a word takes to say, roughly: its letters and a little for the space (a weight,
/// not seconds).
fn weight(w: &str) -> f32 {
    let t = w.trim();
    let mut n = t.chars().filter(|c| c.is_alphanumeric()).count() as f32 + 1.0;
    // A pause after a clause or a sentence.
    if t.ends_with([',', ';', ':', '、', '，']) {
        n += 2.0;
    } else if t.ends_with(SENTENCE_ENDS) {
        n += 4.0;
    }
    n
}

/// Words spread over `[start, end]` in proportion to their length (a clause or a sentence end
/// counts a little more: a pause).
pub fn estimate(words: &[String], start: f32, end: f32) -> Vec<WordMark> {
    let total: f32 = words.iter().map(|w| weight(w)).sum();
    let span = (end - start).max(0.0);
    let mut t = start;
    words
        .iter()
        .map(|w| {
            let d = if total > 0.0 {
                span * weight(w) / total
            } else {
                0.0
            };
            let m = WordMark {
                word: w.clone(),
                start: t,
                end: t + d,
            };
            t += d;
            m
        })
        .collect()
}

/// Word times from a voice's own marks: `starts` holds (index of a character in the spoken
/// text, 0-based in Unicode scalar values, the time it is spoken). Each word takes the first
/// mark that falls inside it; words without one are placed between their neighbours by length;
/// a word ends when the next begins, or sooner when a pause follows it (`total` is the audio's
/// length).
pub fn from_marks(words: &[String], starts: &[(usize, f32)], total: f32) -> Vec<WordMark> {
    let total = if total.is_finite() {
        total.max(0.0)
    } else {
        0.0
    };
    // Where each word starts, in characters.
    let mut at = Vec::with_capacity(words.len());
    let mut n = 0usize;
    for w in words {
        at.push(n);
        n += w.chars().count();
    }
    let mut known: Vec<Option<f32>> = vec![None; words.len()];
    for &(pos, t) in starts {
        if !t.is_finite() {
            continue;
        }
        let i = at.partition_point(|&s| s <= pos).saturating_sub(1);
        if i < words.len() && known[i].is_none() {
            known[i] = Some(t.clamp(0.0, total));
        }
    }
    // Marks out of order (a voice that reads a number before the word before it) are dropped
    // so times only grow.
    let mut last = 0.0f32;
    for k in known.iter_mut() {
        if let Some(t) = *k {
            if t < last {
                *k = None;
            } else {
                last = t;
            }
        }
    }
    let mut begin: Vec<f32> = vec![0.0; words.len()];
    let mut i = 0;
    while i < words.len() {
        if let Some(t) = known[i] {
            begin[i] = t;
            i += 1;
            continue;
        }
        // A run of words without marks, between two known times.
        let j = (i..words.len()).find(|&j| known[j].is_some());
        let from = if i == 0 { 0.0 } else { begin[i - 1] };
        let to = j.and_then(|j| known[j]).unwrap_or(total);
        // The word before the run shares the span too (it has a start but no end yet).
        let lead = if i == 0 { 0.0 } else { weight(&words[i - 1]) };
        let run_end = j.unwrap_or(words.len());
        let weights: f32 = lead + words[i..run_end].iter().map(|w| weight(w)).sum::<f32>();
        let mut t = from + (to - from).max(0.0) * lead / weights.max(1e-6);
        for k in i..run_end {
            begin[k] = t;
            t += (to - from).max(0.0) * weight(&words[k]) / weights.max(1e-6);
        }
        i = run_end;
    }
    (0..words.len())
        .map(|k| {
            let next = begin.get(k + 1).copied().unwrap_or(total);
            // A spoken word lasts about as long as its letters; a longer gap is a pause.
            let said = 0.12 + 0.085 * words[k].trim().chars().count() as f32;
            WordMark {
                word: words[k].clone(),
                start: begin[k],
                end: next.min(begin[k] + said).max(begin[k]),
            }
        })
        .collect()
}

/// Raw mono 16-bit audio at `rate` samples a second.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    pub rate: u32,
    pub samples: Vec<i16>,
}

impl Pcm {
    pub fn seconds(&self) -> f32 {
        self.samples.len() as f32 / self.rate.max(1) as f32
    }

    /// Little-endian 16-bit samples (a cloud voice's `pcm` answer). An odd length means the
    /// answer was cut off.
    pub fn from_le_bytes(rate: u32, bytes: &[u8]) -> Option<Pcm> {
        if !bytes.len().is_multiple_of(2) {
            return None;
        }
        Some(Pcm {
            rate,
            samples: bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect(),
        })
    }

    /// The share of neighbouring samples that change sign: speech stays well under 0.3
    /// (its energy is low in frequency), random bytes sit near 0.5.
    pub fn crossing_rate(&self) -> f32 {
        let s = &self.samples;
        if s.len() < 2 {
            return 0.0;
        }
        let flips = s.windows(2).filter(|w| (w[0] >= 0) != (w[1] >= 0)).count();
        flips as f32 / (s.len() - 1) as f32
    }

    /// Where the voice is heard: from the first to the last sample louder than a whisper (s).
    pub fn voiced_span(&self) -> (f32, f32) {
        let loud = |s: &i16| s.unsigned_abs() >= 512;
        let rate = self.rate.max(1) as f32;
        match (
            self.samples.iter().position(loud),
            self.samples.iter().rposition(loud),
        ) {
            (Some(a), Some(b)) => (a as f32 / rate, (b + 1) as f32 / rate),
            _ => (0.0, self.seconds()),
        }
    }

    /// True when nothing is louder than a whisper.
    pub fn is_silent(&self) -> bool {
        self.samples.iter().all(|s| s.unsigned_abs() < 64)
    }

    /// A WAV file of these samples.
    pub fn to_wav(&self) -> Result<Vec<u8>, hound::Error> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: self.rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = std::io::Cursor::new(Vec::with_capacity(44 + self.samples.len() * 2));
        {
            let mut w = hound::WavWriter::new(&mut out, spec)?;
            for s in &self.samples {
                w.write_sample(*s)?;
            }
            w.finalize()?;
        }
        Ok(out.into_inner())
    }

    /// Reads a 16-bit PCM WAV file (mono, or the first channel of more).
    pub fn from_wav(bytes: &[u8]) -> Result<Pcm, hound::Error> {
        let mut r = hound::WavReader::new(std::io::Cursor::new(bytes))?;
        let spec = r.spec();
        if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
            return Err(hound::Error::Unsupported);
        }
        let ch = usize::from(spec.channels.max(1));
        let samples: Result<Vec<i16>, _> = r.samples::<i16>().step_by(ch).collect();
        Ok(Pcm {
            rate: spec.sample_rate,
            samples: samples?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn estimates_stay_in_order_inside_the_span() {
        let m = estimate(&w("The ferry leaves at dawn."), 2.0, 5.0);
        assert_eq!(m.len(), 5);
        assert!((m[0].start - 2.0).abs() < 1e-4 && (m[4].end - 5.0).abs() < 1e-3);
        for p in m.windows(2) {
            assert!(p[0].end <= p[1].start + 1e-4 && p[0].start < p[0].end);
        }
        assert!(words("渡し船は夜明けに出る。町が目を覚ます。").len() > 4);
        assert!(words("เรือออกตอนรุ่งสาง").len() > 1);
    }

    #[test]
    fn marks_give_starts_and_gaps_are_filled_by_length() {
        let ws = w("Hello world, a twenty-one cats ran.");
        let at = |word: &str| {
            let i = ws.iter().position(|w| w.starts_with(word)).unwrap();
            (ws[..i].concat().chars().count(), i)
        };
        let ((hello, _), (world, wi), (cats, ci), (ran, ri)) =
            (at("Hello"), at("world"), at("cats"), at("ran"));
        // No marks for "a" and "twenty-one" (which may be cut in two).
        let m = from_marks(
            &ws,
            &[(hello, 0.0), (world, 0.3), (cats, 1.5), (ran, 1.9)],
            2.5,
        );
        assert_eq!(m.len(), ws.len());
        assert_eq!(m[wi].start, 0.3);
        for k in wi + 1..ci {
            assert!(m[k].start > 0.3 && m[k].start < 1.5, "{m:?}");
        }
        assert_eq!((m[ci].start, m[ri].start), (1.5, 1.9));
        assert!(m[ri].end <= 2.5);
        for p in m.windows(2) {
            assert!(
                p[0].start <= p[1].start && p[0].end <= p[1].start + 1e-4,
                "{m:?}"
            );
        }
        // A mark out of order is dropped, repeated marks keep the first.
        let m = from_marks(
            &ws,
            &[(hello, 0.0), (world, 0.9), (world + 1, 1.0), (cats, 0.5)],
            2.0,
        );
        assert_eq!(m[wi].start, 0.9);
        assert!(m[ci].start >= 0.9);
        // No marks at all: spread over the audio.
        let m = from_marks(&ws, &[], 2.0);
        assert!(m[0].start == 0.0 && m[ri].start < 2.0);
    }

    #[test]
    fn wav_round_trip_and_noise_is_told_from_speech() {
        let tone = Pcm {
            rate: 22050,
            samples: (0..22050)
                .map(|i| {
                    ((i as f32 * 220.0 * std::f32::consts::TAU / 22050.0).sin() * 8000.0) as i16
                })
                .collect(),
        };
        let back = Pcm::from_wav(&tone.to_wav().unwrap()).unwrap();
        assert_eq!(back, tone);
        assert!((back.seconds() - 1.0).abs() < 1e-6);
        assert!(tone.crossing_rate() < 0.05);
        let noise: Vec<u8> = (0..44100u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let n = Pcm::from_le_bytes(22050, &noise[..44100 - 1]);
        assert!(n.is_none(), "an odd length is cut off");
        let n = Pcm::from_le_bytes(22050, &noise[..44100 - 1 - 1]).unwrap();
        assert!(n.crossing_rate() > 0.35, "{}", n.crossing_rate());
        assert!(Pcm::from_wav(b"RIFF....not a wav").is_err());
    }
}
