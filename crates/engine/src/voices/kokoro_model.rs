//! Kokoro-82M run inside StoryReel on ONNX Runtime (`onnx.rs`), loaded once per process and
//! kept across scenes, as Piper's voices are.
//!
//! Model contract (Kokoro v1.0's ONNX export, `kokoro-v1.0.int8.onnx`; its voices are style
//! files such as `af_heart.bin`):
//! - inputs `tokens` (int64 `[1, n]`: 0, the phonemes' ids, 0; at most 510 ids between the
//!   zeros), `style` (float `[1, 256]`: the voice file's row for the number of ids) and
//!   `speed` (float `[1]`); output `audio`, float samples at 24 kHz;
//! - a voice file is float32 rows of 256 values (510 rows in Kokoro's own voices), row
//!   `ids - 1` for a text of `ids` ids;
//! - each id lasts a whole number of frames of 600 samples (the duration predictor's rounded
//!   `pred_dur`, exposed as an output by `onnx_patch.rs`): the frames sum to the audio.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::kokoro_phonemes::{ids, rewrite, Accent, TIE};
pub use super::kokoro_style::Style;
use super::kokoro_style::STYLE;
use super::onnx::Model;
use super::piper_model::{clauses, to_i16, Voiced};
use super::timing::Pcm;
use crate::remote::ProviderError;

pub const SAMPLE_RATE: u32 = 24_000;
/// Audio samples per frame of the model's durations.
const HOP: f32 = 600.0;
/// The most phoneme ids the model reads at once.
pub const MAX_IDS: usize = 510;
/// A run ends at a clause's end once it would hold more ids than this: about 8 s of speech
/// in espeak-ng's symbols; Japanese symbols last longer (a mora is one or two), so its
/// budget is smaller for the same length (measured: the same peak memory).
const CLAUSE_IDS: usize = 96;
const CLAUSE_IDS_JAPANESE: usize = 64;
/// A run ends at a word, clause or not, once it would hold more ids than this (within
/// [`MAX_IDS`]).
const RUN_IDS: usize = 256;
const _: () = assert!(RUN_IDS <= MAX_IDS && CLAUSE_IDS < RUN_IDS && CLAUSE_IDS_JAPANESE < RUN_IDS);
/// The id of a space between words.
const SPACE: i64 = 16;

/// One run of the model: its ids (without the zeros around them) and where words begin (a
/// character of the text, an index into the ids).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chunk {
    pub ids: Vec<i64>,
    pub anchors: Vec<(usize, usize)>,
}

/// One word as the model reads it: its ids (with the clause's mark after the last word),
/// where it begins in the text when known, and whether a clause ends with it.
struct Unit {
    ids: Vec<i64>,
    anchor: Option<usize>,
    ends_clause: bool,
}

/// The words of `text` as Kokoro reads them in `accent`.
fn units(text: &str, accent: Accent) -> Result<Vec<Unit>, ProviderError> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (clause, mark) in clauses(text) {
        let mut words = Vec::new();
        let mut in_word = false;
        for (i, c) in clause.chars().enumerate() {
            if !c.is_whitespace() && !in_word {
                words.push(offset + i);
            }
            in_word = !c.is_whitespace();
        }
        let mut spoken: Vec<Vec<i64>> = Vec::new();
        for phonemes in super::espeak::phonemize_tied(accent.espeak_voice(), &clause, Some(TIE))? {
            for word in phonemes.split_whitespace() {
                let got: Vec<i64> = ids(&rewrite(word, accent)).collect();
                if !got.is_empty() {
                    spoken.push(got);
                }
            }
        }
        let matched = spoken.len() == words.len();
        let first = out.len();
        for (i, w) in spoken.into_iter().enumerate() {
            let anchor = if matched {
                words.get(i).copied()
            } else if i == 0 {
                words.first().copied()
            } else {
                None
            };
            out.push(Unit {
                ids: w,
                anchor,
                ends_clause: false,
            });
        }
        if let Some(last) = out.get_mut(first..).and_then(|u| u.last_mut()) {
            if let Some(m) = mark.and_then(super::kokoro_phonemes::id) {
                last.ids.push(m);
            }
            last.ends_clause = true;
        }
        offset += clause.chars().count() + usize::from(mark.is_some());
    }
    Ok(out)
}

/// Packs words into runs the model reads one at a time. A run ends at the last clause's end
/// once it would pass `clause_ids`, and at a word once it would pass [`RUN_IDS`]; a word
/// longer than a whole run is cut.
///
/// The model's working memory grows with a run's audio (about 25 MB per second of speech on
/// the int8 model, measured): a run of the model's whole reach (510 ids, some 40 s) would need
/// about a gigabyte, a clause of a story's usual length a fraction of it. Each run ends with
/// its clause's mark, so a cut at a comma is read as one.
fn pack(units: Vec<Unit>, clause_ids: usize) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut cur: Vec<Unit> = Vec::new();
    let len =
        |us: &[Unit]| us.iter().map(|u| u.ids.len()).sum::<usize>() + us.len().saturating_sub(1);
    for mut u in units {
        u.ids.truncate(RUN_IDS);
        if !cur.is_empty() && len(&cur) + 1 + u.ids.len() > clause_ids {
            if let Some(i) = cur.iter().rposition(|w| w.ends_clause) {
                let rest = cur.split_off(i + 1);
                chunks.push(chunk_of(std::mem::replace(&mut cur, rest)));
            }
            if !cur.is_empty() && len(&cur) + 1 + u.ids.len() > RUN_IDS {
                chunks.push(chunk_of(std::mem::take(&mut cur)));
            }
        }
        cur.push(u);
    }
    if !cur.is_empty() {
        chunks.push(chunk_of(cur));
    }
    chunks.retain(|c| !c.ids.is_empty());
    chunks
}

fn chunk_of(units: Vec<Unit>) -> Chunk {
    let mut c = Chunk::default();
    for u in units {
        if !c.ids.is_empty() {
            c.ids.push(SPACE);
        }
        if let Some(a) = u.anchor {
            c.anchors.push((a, c.ids.len()));
        }
        c.ids.extend(u.ids);
    }
    c
}

/// How a voice's text becomes Kokoro's symbols.
#[derive(Clone, Copy)]
pub enum Reader<'a> {
    /// espeak-ng's IPA in an accent, rewritten into Kokoro's symbols.
    Espeak(Accent),
    /// Japanese, through its reading dictionary (`voices/japanese`).
    Japanese(&'a super::japanese::Readings),
}

/// The words of `text` as `reader` reads them.
fn read(text: &str, reader: Reader<'_>) -> Result<Vec<Unit>, ProviderError> {
    match reader {
        Reader::Espeak(accent) => units(text, accent),
        Reader::Japanese(readings) => Ok(super::japanese::words(text, readings)
            .into_iter()
            .map(|w| Unit {
                ids: ids(&w.phonemes).collect(),
                anchor: Some(w.start),
                ends_clause: w.ends_clause,
            })
            .filter(|u| !u.ids.is_empty())
            .collect()),
    }
}

/// The model's runs for `text` as `reader` reads it.
pub fn plan(text: &str, reader: Reader<'_>) -> Result<Vec<Chunk>, ProviderError> {
    let clause_ids = match reader {
        Reader::Espeak(_) => CLAUSE_IDS,
        Reader::Japanese(_) => CLAUSE_IDS_JAPANESE,
    };
    Ok(pack(read(text, reader)?, clause_ids))
}

/// Silence kept before and after a run's speech (s): runs joined leave a pause of their sum.
const LEAD: f32 = 0.1;
const TRAIL: f32 = 0.15;

/// A run's audio without the silence around its speech beyond [`LEAD`] and [`TRAIL`] (each
/// run begins and ends with its own, so joined runs would pause too long between clauses):
/// the samples dropped at its start, and what is kept.
fn trimmed(data: &[f32]) -> (usize, &[f32]) {
    let loud = |x: &f32| x.abs() > 0.01;
    let (Some(first), Some(last)) = (data.iter().position(loud), data.iter().rposition(loud))
    else {
        return (0, data);
    };
    let from = first.saturating_sub((LEAD * SAMPLE_RATE as f32) as usize);
    let to = (last + 1 + (TRAIL * SAMPLE_RATE as f32) as usize).min(data.len());
    (from, &data[from..to])
}

/// A loaded Kokoro model.
pub struct KokoroModel {
    model: Model,
}

impl KokoroModel {
    /// The model at `file` (loaded once per process and kept), on the runtime found from
    /// `runtime`.
    pub fn get(runtime: Option<&Path>, file: &Path) -> Result<Arc<KokoroModel>, ProviderError> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<KokoroModel>>>> = OnceLock::new();
        let loaded = LOADED.get_or_init(Default::default);
        let key = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        let mut map = loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = map.get(&key) {
            return Ok(m.clone());
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let m = Arc::new(KokoroModel {
            model: Model::load(runtime, &key, threads)?,
        });
        map.insert(key, m.clone());
        Ok(m)
    }

    /// Speaks `text` read by `reader` with `style` at `speed` (blocking: run it off the async
    /// runtime).
    pub fn speak(
        &self,
        text: &str,
        style: &Style,
        reader: Reader<'_>,
        speed: f32,
    ) -> Result<Voiced, ProviderError> {
        use ort::value::Tensor;
        let failed = |e: ort::Error| {
            ProviderError::transient(
                "voice_failed",
                format!(
                    "Kokoro could not speak ({}).",
                    crate::redact::scrub(&e.to_string(), &[])
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            )
        };
        let speed = if speed.is_finite() {
            speed.clamp(0.5, 2.0)
        } else {
            1.0
        };
        let mut audio: Vec<f32> = Vec::new();
        let mut marks: Option<Vec<(usize, f32)>> = Some(Vec::new());
        for chunk in plan(text, reader)? {
            let n = chunk.ids.len();
            let mut tokens = Vec::with_capacity(n + 2);
            tokens.push(0i64);
            tokens.extend(&chunk.ids);
            tokens.push(0);
            let start = audio.len() as f32 / SAMPLE_RATE as f32;
            let tokens = Tensor::from_array(([1usize, n + 2], tokens)).map_err(failed)?;
            let style_row =
                Tensor::from_array(([1usize, STYLE], style.row(n).to_vec())).map_err(failed)?;
            let speed_t = Tensor::from_array(([1usize], vec![speed])).map_err(failed)?;
            let mut session = self.model.session.lock().unwrap_or_else(|p| p.into_inner());
            let outputs = session
                .run(ort::inputs![
                    "tokens" => tokens,
                    "style" => style_row,
                    "speed" => speed_t
                ])
                .map_err(failed)?;
            let (_, data) = outputs[0].try_extract_tensor::<f32>().map_err(failed)?;
            let frames = self.model.frames(&outputs);
            let (lead, kept) = trimmed(data);
            audio.extend_from_slice(kept);
            // Each id's frames give when it begins; an id is at `index + 1` (after the 0).
            match (frames.filter(|f| f.len() == n + 2), marks.as_mut()) {
                (Some(f), Some(m)) => {
                    let from = start - lead as f32 / SAMPLE_RATE as f32;
                    let at = super::onnx::starts(&f, HOP / SAMPLE_RATE as f32, from);
                    m.extend(
                        chunk
                            .anchors
                            .iter()
                            .filter_map(|&(c, i)| Some((c, at.get(i + 1)?.max(start)))),
                    );
                }
                _ => marks = None,
            }
        }
        Ok(Voiced {
            pcm: Pcm {
                rate: SAMPLE_RATE,
                samples: to_i16(&audio),
            },
            marks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(n: usize, anchor: usize, ends_clause: bool) -> Unit {
        Unit {
            ids: vec![43; n],
            anchor: Some(anchor),
            ends_clause,
        }
    }

    #[test]
    fn a_runs_silence_is_trimmed_to_a_short_pause() {
        let rate = SAMPLE_RATE as usize;
        let mut data = vec![0.0f32; rate];
        data.extend(std::iter::repeat_n(0.3f32, rate / 2));
        data.extend(vec![0.001f32; rate]);
        let (lead, kept) = trimmed(&data);
        assert_eq!(lead, rate - rate / 10);
        assert_eq!(kept.len(), rate / 10 + rate / 2 + rate * 15 / 100);
        // Silence alone, or speech to the edges, is kept as it is.
        assert_eq!(trimmed(&[0.0; 10]), (0, &[0.0f32; 10][..]));
        assert_eq!(trimmed(&[0.5; 10]), (0, &[0.5f32; 10][..]));
    }

    #[test]
    fn runs_end_at_clauses_and_stay_within_the_models_reach() {
        // Short clauses share a run until it passes the clause budget; then the run ends at
        // the last clause's end, not in the middle of the clause being read.
        let us = vec![
            unit(20, 0, true),
            unit(30, 1, false),
            unit(30, 2, true),
            unit(30, 3, false),
            unit(10, 4, true),
        ];
        let chunks = pack(us, CLAUSE_IDS);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].anchors, vec![(0, 0), (1, 21), (2, 52)]);
        assert_eq!(chunks[1].anchors, vec![(3, 0), (4, 31)]);
        // A clause longer than the budget stays whole up to the run's limit, then is cut at a
        // word.
        let us = vec![
            unit(100, 0, false),
            unit(99, 1, true),
            unit(100, 2, false),
            unit(100, 3, false),
            unit(100, 4, true),
        ];
        let chunks = pack(us, CLAUSE_IDS);
        assert!(chunks.iter().all(|c| c.ids.len() <= RUN_IDS));
        let firsts: Vec<Vec<usize>> = chunks
            .iter()
            .map(|c| c.anchors.iter().map(|a| a.0).collect())
            .collect();
        assert_eq!(firsts, vec![vec![0, 1], vec![2, 3], vec![4]]);
        // A word longer than a run is cut; nothing is lost before or after it.
        let chunks = pack(
            vec![unit(3, 0, false), unit(900, 1, false), unit(3, 2, true)],
            CLAUSE_IDS,
        );
        assert!(chunks
            .iter()
            .all(|c| c.ids.len() <= RUN_IDS && !c.ids.is_empty()));
        let anchors: Vec<usize> = chunks
            .iter()
            .flat_map(|c| c.anchors.iter().map(|a| a.0))
            .collect();
        assert_eq!(anchors, vec![0, 1, 2]);
        assert!(pack(Vec::new(), CLAUSE_IDS).is_empty());
    }
}

#[cfg(test)]
mod espeak_tests {
    use super::*;

    /// The symbols of a run, back from their ids.
    fn symbols(ids: &[i64]) -> String {
        ids.iter()
            .filter_map(|i| {
                "; : , . ! ? — … \" ( ) “ ” "
                    .chars()
                    .chain(['ˈ', 'ˌ'])
                    .chain("abcdefhijklmnopqrstuvwxyzAIOWYðɑɜɪʊʌəɹʤʧŋθɔæɡ".chars())
                    .find(|c| super::super::kokoro_phonemes::id(*c) == Some(*i))
                    .or((*i == 16).then_some(' '))
            })
            .collect()
    }

    #[test]
    fn english_is_read_as_kokoros_own_phonemizer_reads_it() {
        // Where espeak-ng is not installed, there is nothing to compare.
        let Ok(chunks) = plan(
            "Hello world, the quick brown fox jumps over the lazy dog.",
            Reader::Espeak(Accent::American),
        ) else {
            return;
        };
        assert_eq!(chunks.len(), 1);
        assert_eq!(
            symbols(&chunks[0].ids),
            "həlˈO wˈɜɹld, ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˌOvəɹ ðə lˈAzi dˈɑɡ."
        );
        // Every word is anchored at its first symbol.
        let starts: Vec<usize> = chunks[0].anchors.iter().map(|a| a.0).collect();
        assert_eq!(starts, [0, 6, 13, 17, 23, 29, 33, 39, 44, 48, 53]);
    }
}
