//! Piper voice models run inside StoryReel on ONNX Runtime (`onnx.rs`): no Python, and the model
//! stays loaded across scenes (one load per model and process).
//!
//! Model contract (Piper's VITS export, `MODEL.onnx` with `MODEL.onnx.json` beside it):
//! - the JSON gives `audio.sample_rate`, `espeak.voice` (the espeak-ng voice whose IPA the model
//!   was trained on), `inference.{noise_scale, length_scale, noise_w}`, `num_speakers` and
//!   `phoneme_id_map` (each IPA character, and `^` start, `$` end, `_` pad, to its ids);
//! - the text is phonemized by espeak-ng a clause at a time; the ids are `^ _`, then each
//!   phoneme's ids followed by `_`, each clause's closing mark and a space likewise, then `$`;
//! - inputs `input` (int64 `[1, n]`), `input_lengths` (int64 `[1]`), `scales` (float `[3]`:
//!   noise, length, noise_w) and, for a model of several speakers, `sid` (int64 `[1]`); the
//!   output `output` is float audio `[1, 1, 1, samples]` at the model's rate, scaled to 16 bits
//!   as Piper does (its peak to full scale).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;

use super::onnx::Model;
use super::timing::Pcm;
use crate::remote::ProviderError;

#[derive(Debug, Deserialize)]
struct AudioSettings {
    sample_rate: u32,
}

#[derive(Debug, Deserialize)]
struct EspeakSettings {
    voice: String,
}

#[derive(Debug, Deserialize)]
#[serde(default)]
struct Inference {
    noise_scale: f32,
    length_scale: f32,
    noise_w: f32,
}

impl Default for Inference {
    fn default() -> Self {
        Inference {
            noise_scale: 0.667,
            length_scale: 1.0,
            noise_w: 0.8,
        }
    }
}

fn default_hop() -> u32 {
    256
}

#[derive(Debug, Deserialize)]
struct ModelSettings {
    audio: AudioSettings,
    espeak: EspeakSettings,
    #[serde(default)]
    inference: Inference,
    #[serde(default)]
    num_speakers: u32,
    /// Audio samples per frame of the model's durations.
    #[serde(default = "default_hop")]
    hop_length: u32,
    phoneme_id_map: HashMap<String, Vec<i64>>,
}

/// The model's input for a text, and where its words begin (see [`PiperModel::plan`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub ids: Vec<i64>,
    /// (a character of the text, the index of the first id of its word's phonemes).
    pub anchors: Vec<(usize, usize)>,
}

/// What the model said: the audio and, where it gave its durations, when each anchored word
/// begins (a character of the text, seconds).
pub struct Voiced {
    pub pcm: Pcm,
    pub marks: Option<Vec<(usize, f32)>>,
}

impl Voiced {
    /// The scene's speech: the audio checked as `label`'s, and each word's time from the
    /// model's own durations where it gave them, else spread over the voice (estimated).
    pub fn into_spoken(
        self,
        label: &str,
        req: &super::SpeechRequest,
        provider: String,
        voice: String,
    ) -> Result<super::Spoken, ProviderError> {
        use super::timing::{estimate, from_marks};
        let pcm = super::check_audio(label, Some(self.pcm), req.words.len())?;
        let (from, to) = pcm.voiced_span();
        let (words, estimated) = match self.marks.filter(|m| !m.is_empty()) {
            Some(marks) => (from_marks(&req.words, &marks, pcm.seconds()), false),
            None => (estimate(&req.words, from, to), true),
        };
        Ok(super::Spoken {
            words,
            pcm: Some(pcm),
            estimated,
            provider,
            voice,
            fallback: Vec::new(),
            passed: Vec::new(),
        })
    }
}

/// A loaded Piper voice.
pub struct PiperModel {
    model: Model,
    settings: ModelSettings,
    /// The model's file name without `.onnx`: the voice's name.
    pub name: String,
}

/// The clause-ending marks Piper keeps as phonemes.
const MARKS: [char; 7] = [',', '.', ';', ':', '!', '?', '…'];

/// `text` cut after each clause-ending mark: (clause, its mark).
pub(super) fn clauses(text: &str) -> Vec<(String, Option<char>)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if MARKS.contains(&c) {
            out.push((
                std::mem::take(&mut cur),
                Some(if c == '…' { '.' } else { c }),
            ));
        } else {
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() {
        out.push((cur, None));
    }
    out.retain(|(t, m)| !t.trim().is_empty() || m.is_some());
    out
}

/// The settings beside a Piper model (`MODEL.onnx.json`), read and checked.
fn settings(file: &Path) -> Result<ModelSettings, ProviderError> {
    let json = PathBuf::from(format!("{}.json", file.display()));
    let bad = |why: String| ProviderError::terminal("voice_missing", why);
    let text = std::fs::read_to_string(&json).map_err(|_| {
        bad(format!(
            "The Piper voice {} has no settings file beside it ({}); download both files of the voice.",
            file.display(),
            json.display()
        ))
    })?;
    let settings: ModelSettings = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "{} is not a Piper voice's settings ({}); download the voice again.",
            json.display(),
            crate::remote::http::json_problem(&e)
        ))
    })?;
    if !(8000..=96_000).contains(&settings.audio.sample_rate) {
        return Err(bad(format!(
            "{} gives a sample rate of {} Hz; a Piper voice uses 16000 to 48000.",
            json.display(),
            settings.audio.sample_rate
        )));
    }
    for needed in ["^", "$", "_"] {
        if !settings.phoneme_id_map.contains_key(needed) {
            return Err(bad(format!(
                "{} has no id for `{needed}`; it is not a Piper voice's settings.",
                json.display()
            )));
        }
    }
    Ok(settings)
}

/// Whether the Piper model at `file` has whole settings beside it (why not, as a sentence).
pub fn check_settings(file: &Path) -> Result<(), ProviderError> {
    settings(file).map(|_| ())
}

impl PiperModel {
    /// The model at `file` (loaded once per process and kept), on the runtime found from
    /// `runtime`.
    pub fn get(runtime: Option<&Path>, file: &Path) -> Result<Arc<PiperModel>, ProviderError> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<PiperModel>>>> = OnceLock::new();
        let loaded = LOADED.get_or_init(Default::default);
        let key = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        let mut map = loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = map.get(&key) {
            return Ok(m.clone());
        }
        let m = Arc::new(PiperModel::open(runtime, &key)?);
        map.insert(key, m.clone());
        Ok(m)
    }

    fn open(runtime: Option<&Path>, file: &Path) -> Result<PiperModel, ProviderError> {
        let settings = settings(file)?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let model = Model::load(runtime, file, threads)?;
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(PiperModel {
            model,
            settings,
            name,
        })
    }

    /// The ids of one symbol (none when the model does not know it).
    fn ids(&self, symbol: &str) -> &[i64] {
        self.settings
            .phoneme_id_map
            .get(symbol)
            .map_or(&[], Vec::as_slice)
    }

    /// The model's input for `text`: phoneme ids, as Piper's own phonemizer makes them, and
    /// where each word's phonemes begin (a character of `text`, an index into the ids). Where
    /// espeak-ng read a clause as a different number of words than it has, only the clause's
    /// first word is anchored.
    pub fn plan(&self, text: &str) -> Result<Plan, ProviderError> {
        let pad = self.ids("_").to_vec();
        let mut ids: Vec<i64> = self.ids("^").to_vec();
        ids.extend(&pad);
        let push = |ids: &mut Vec<i64>, symbol: &str| {
            let got = self.ids(symbol);
            if !got.is_empty() {
                ids.extend(got);
                ids.extend(&pad);
            }
        };
        let mut anchors = Vec::new();
        let mut buf = [0u8; 4];
        let mut offset = 0usize;
        for (clause, mark) in clauses(text) {
            // Where each word of the clause starts, in characters of the whole text.
            let mut words = Vec::new();
            let mut in_word = false;
            for (i, c) in clause.chars().enumerate() {
                if !c.is_whitespace() && !in_word {
                    words.push(offset + i);
                }
                in_word = !c.is_whitespace();
            }
            let mut starts = Vec::new();
            for phonemes in super::espeak::phonemize(&self.settings.espeak.voice, &clause)? {
                for word in phonemes.split_whitespace() {
                    if !starts.is_empty() {
                        push(&mut ids, " ");
                    }
                    starts.push(ids.len());
                    for c in word.chars() {
                        push(&mut ids, c.encode_utf8(&mut buf));
                    }
                }
            }
            if starts.len() == words.len() {
                anchors.extend(words.iter().copied().zip(starts.iter().copied()));
            } else if let (Some(w), Some(s)) = (words.first(), starts.first()) {
                anchors.push((*w, *s));
            }
            if let Some(m) = mark {
                push(&mut ids, m.encode_utf8(&mut buf));
            }
            push(&mut ids, " ");
            offset += clause.chars().count() + usize::from(mark.is_some());
        }
        ids.extend(self.ids("$"));
        Ok(Plan { ids, anchors })
    }

    /// Speaks `text` (blocking: run it off the async runtime).
    pub fn speak(&self, text: &str) -> Result<Voiced, ProviderError> {
        use ort::value::Tensor;
        let Plan { ids, anchors } = self.plan(text)?;
        let n = ids.len();
        let failed = |e: ort::Error| {
            ProviderError::transient(
                "voice_failed",
                format!(
                    "The Piper voice {} could not speak ({}).",
                    self.name,
                    crate::redact::scrub(&e.to_string(), &[])
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            )
        };
        let inf = &self.settings.inference;
        let scales = vec![inf.noise_scale, inf.length_scale, inf.noise_w];
        let input = Tensor::from_array(([1usize, n], ids)).map_err(failed)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(failed)?;
        let scales = Tensor::from_array(([3usize], scales)).map_err(failed)?;
        let mut session = self.model.session.lock().unwrap_or_else(|p| p.into_inner());
        let (audio, frames): (Vec<f32>, Option<Vec<f32>>) = {
            let outputs = if self.settings.num_speakers > 1 {
                let sid = Tensor::from_array(([1usize], vec![0i64])).map_err(failed)?;
                session.run(ort::inputs![
                    "input" => input,
                    "input_lengths" => lengths,
                    "scales" => scales,
                    "sid" => sid
                ])
            } else {
                session.run(ort::inputs![
                    "input" => input,
                    "input_lengths" => lengths,
                    "scales" => scales
                ])
            }
            .map_err(failed)?;
            let (_, data) = outputs[0].try_extract_tensor::<f32>().map_err(failed)?;
            let frames = self.model.frames(&outputs);
            (data.to_vec(), frames)
        };
        let pcm = Pcm {
            rate: self.settings.audio.sample_rate,
            samples: to_i16(&audio),
        };
        // Each phoneme id's frames, times the hop, are its samples: they sum to the audio.
        let marks = frames.filter(|f| f.len() == n).map(|f| {
            let hop = self.settings.hop_length as f32;
            let at = super::onnx::starts(&f, hop / pcm.rate as f32, 0.0);
            anchors
                .iter()
                .filter_map(|&(c, i)| Some((c, *at.get(i)?)))
                .collect()
        });
        Ok(Voiced { pcm, marks })
    }
}

/// Float audio to 16-bit samples, its peak brought to full scale as Piper does (a silent
/// answer stays silent).
pub(super) fn to_i16(audio: &[f32]) -> Vec<i16> {
    let peak = audio
        .iter()
        .filter(|x| x.is_finite())
        .fold(0.0f32, |m, x| m.max(x.abs()));
    let gain = 32767.0 / peak.max(0.01);
    audio
        .iter()
        .map(|x| {
            let x = if x.is_finite() { *x } else { 0.0 };
            (x * gain).clamp(-32767.0, 32767.0) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_keep_their_marks() {
        let c = clauses("Hello, world. How are you?");
        assert_eq!(
            c,
            vec![
                ("Hello".to_string(), Some(',')),
                (" world".to_string(), Some('.')),
                (" How are you".to_string(), Some('?')),
            ]
        );
        assert_eq!(clauses("no marks"), vec![("no marks".to_string(), None)]);
        assert!(clauses("  ").is_empty());
    }

    #[test]
    fn audio_is_scaled_to_its_peak_and_never_overflows() {
        assert_eq!(to_i16(&[0.0, 0.5, -0.5]), vec![0, 32767, -32767]);
        assert_eq!(to_i16(&[0.001, f32::NAN]), vec![3276, 0]);
        assert_eq!(to_i16(&[f32::INFINITY, 2.0]), vec![0, 32767]);
    }
}
