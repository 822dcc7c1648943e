//! A scene spoken line by line: when characters with a voice of their own have quoted lines in
//! it, each line goes to its speaker's voice (the narrator's for the rest), and the recordings
//! are joined into one at the narrator's sample rate, each line's word times moved on by what
//! came before. A scene with no such line is spoken whole, as before.

use crate::engine::Engine;
use crate::language::Language;
use crate::model::{Project, SpokenLine, WordMark};
use crate::remote::ProviderError;
use crate::voices::dialogue;
use crate::voices::timing::Pcm;
use crate::voices::{SpeechRequest, Spoken};

impl Engine {
    /// `text` spoken by `narrator` (none: the chain's first voice) and the cast's own voices.
    pub(crate) async fn speak_scene(
        &self,
        project: &Project,
        text: &str,
        lang: &'static Language,
        narrator: Option<&str>,
    ) -> Result<(Spoken, Vec<SpokenLine>), ProviderError> {
        let voiced: Vec<(&str, &str)> = project
            .cast
            .characters
            .iter()
            .filter_map(|c| Some((c.name.as_str(), c.voice.as_deref()?)))
            .collect();
        let names: Vec<&str> = voiced.iter().map(|(n, _)| *n).collect();
        let lines = if names.is_empty() {
            Vec::new()
        } else {
            dialogue::lines(text, &names)
        };
        if lines.iter().all(|l| l.speaker.is_none()) {
            let spoken = self
                .inner
                .voices
                .speak(&SpeechRequest::new(text, lang), narrator)
                .await?;
            return Ok((spoken, Vec::new()));
        }
        let mut parts = Vec::with_capacity(lines.len());
        for l in &lines {
            let own = l
                .speaker
                .as_deref()
                .and_then(|s| voiced.iter().find(|(n, _)| *n == s))
                .map(|(_, v)| *v);
            let spoken = self
                .inner
                .voices
                .speak(&SpeechRequest::new(&l.text, lang), own.or(narrator))
                .await?;
            parts.push((l.speaker.clone(), spoken));
        }
        Ok(join(parts))
    }
}

/// The parts as one recording: at the narrator's rate (else the first voice's), silence where a
/// part had no audio, word times moved on by the parts before.
pub(crate) fn join(parts: Vec<(Option<String>, Spoken)>) -> (Spoken, Vec<SpokenLine>) {
    let lead = parts.iter().position(|(who, _)| who.is_none()).unwrap_or(0);
    let rate = parts[lead]
        .1
        .pcm
        .as_ref()
        .or_else(|| parts.iter().find_map(|(_, s)| s.pcm.as_ref()))
        .map(|p| p.rate);
    let mut samples: Vec<i16> = Vec::new();
    let mut words: Vec<WordMark> = Vec::new();
    let mut lines: Vec<SpokenLine> = Vec::new();
    let mut offset = 0f32;
    let (mut fallback, mut passed, mut estimated) = (Vec::new(), Vec::new(), false);
    for (who, s) in &parts {
        let span = match (&s.pcm, rate) {
            (Some(p), Some(r)) => {
                let p = crate::voices::resample::to_rate(p, r);
                samples.extend_from_slice(&p.samples);
                p.seconds()
            }
            (None, Some(r)) => {
                let secs = s.words.last().map_or(0.0, |w| w.end).clamp(0.0, 600.0);
                samples.extend(std::iter::repeat_n(0, (secs * r as f32) as usize));
                secs
            }
            _ => s.words.last().map_or(0.0, |w| w.end).clamp(0.0, 600.0),
        };
        words.extend(s.words.iter().map(|w| WordMark {
            word: w.word.clone(),
            start: w.start + offset,
            end: w.end + offset,
        }));
        offset += span;
        estimated |= s.estimated;
        fallback.extend(s.fallback.iter().cloned());
        passed.extend(s.passed.iter().cloned());
        if let Some(name) = who {
            if !lines.iter().any(|l| &l.speaker == name) {
                lines.push(SpokenLine {
                    speaker: name.clone(),
                    provider: s.provider.clone(),
                    voice: s.voice.clone(),
                });
            }
        }
    }
    let head = &parts[lead].1;
    let spoken = Spoken {
        pcm: rate.map(|rate| Pcm { rate, samples }),
        words,
        estimated,
        provider: head.provider.clone(),
        voice: head.voice.clone(),
        fallback,
        passed,
    };
    (spoken, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(who: Option<&str>, rate: u32, secs: f32, voice: &str) -> (Option<String>, Spoken) {
        let n = (rate as f32 * secs) as usize;
        (
            who.map(str::to_string),
            Spoken {
                pcm: Some(Pcm {
                    rate,
                    samples: vec![1000; n],
                }),
                words: vec![WordMark {
                    word: "word ".into(),
                    start: 0.1,
                    end: secs - 0.1,
                }],
                estimated: false,
                provider: voice.into(),
                voice: voice.into(),
                fallback: Vec::new(),
                passed: Vec::new(),
            },
        )
    }

    #[test]
    fn lines_join_at_the_narrators_rate_with_their_times_moved_on() {
        let (s, lines) = join(vec![
            part(None, 22_050, 1.0, "espeak-ng"),
            part(Some("Mira"), 24_000, 2.0, "kokoro"),
            part(None, 22_050, 0.5, "espeak-ng"),
        ]);
        let pcm = s.pcm.unwrap();
        assert_eq!(pcm.rate, 22_050);
        assert!((pcm.seconds() - 3.5).abs() < 0.01, "{}", pcm.seconds());
        let starts: Vec<f32> = s.words.iter().map(|w| w.start).collect();
        assert!(
            (starts[1] - 1.1).abs() < 0.01 && (starts[2] - 3.1).abs() < 0.01,
            "{starts:?}"
        );
        assert_eq!(s.voice, "espeak-ng");
        assert_eq!(
            lines,
            [SpokenLine {
                speaker: "Mira".into(),
                provider: "kokoro".into(),
                voice: "kokoro".into()
            }]
        );
    }
}
