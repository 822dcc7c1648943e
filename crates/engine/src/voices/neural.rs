//! `neural`: the best installed neural voice for each scene's language, from the voice
//! library in the data folder (Kokoro's voices and Piper's), run inside StoryReel on ONNX
//! Runtime. A voice whose license does not allow commercial use is only used when the person
//! names it in `[voice.neural] voices`; a language with no installed voice, or no runtime,
//! is this voice's failure, said as a sentence, and the next voice (espeak-ng) speaks.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::japanese::Readings;
use super::kokoro_model::{KokoroModel, Reader, Style};
use super::kokoro_phonemes::Accent;
use super::library::{Item, Library};
use super::piper_model::{PiperModel, Voiced};
use super::{Availability, SpeechRequest, Spoken, Voice, VoiceInfo};
use crate::remote::ProviderError;

pub struct Neural {
    pub library: Arc<Library>,
    /// Library voices the person prefers, in order (ids such as `kokoro-af_heart`).
    pub prefer: Vec<String>,
    pub speed: f32,
    pub timeout: Duration,
    /// Where ONNX Runtime is (settings); none: the library's, beside the program, or the
    /// system's.
    pub onnxruntime: Option<PathBuf>,
}

/// What speaks a scene: a library voice and its files.
struct Chosen {
    item: Item,
    model: PathBuf,
    style: Option<PathBuf>,
    /// The reading dictionary's folder, for a voice whose language needs one (Japanese).
    reading: Option<PathBuf>,
}

impl Neural {
    /// The runtime's place: the settings', else the library's when installed.
    fn runtime(&self) -> Option<PathBuf> {
        self.onnxruntime.clone().or_else(|| {
            self.library
                .installed("onnxruntime")
                .map(|_| self.library.folder("onnxruntime"))
        })
    }

    /// The voice for `language`: a preferred one of that language, else the best installed
    /// one cleared for commercial use.
    fn choose(&self, language: &str) -> Result<Chosen, ProviderError> {
        let lib = &self.library;
        let preferred = self.prefer.iter().filter_map(|id| {
            let item = lib.catalogue().get(id)?;
            (item.language.as_deref() == Some(language)).then_some(item)
        });
        let installed = lib.voices_for(language, true);
        let pick = preferred
            .filter(|p| installed.iter().any(|i| i.id == p.id))
            .chain(lib.voices_for(language, false))
            .next();
        let Some(item) = pick else {
            let name = crate::language::by_code(language).map_or(language, |l| l.name);
            let only_restricted = installed.first().map(|i| i.name.clone());
            return Err(ProviderError::terminal(
                "voice_missing",
                match only_restricted {
                    Some(n) => format!(
                        "The only neural voice installed for {name} ({n}) is not cleared for commercial use, so it is used only when chosen by name."
                    ),
                    None => format!(
                        "No neural voice for {name} is installed; install one from the voice library."
                    ),
                },
            ));
        };
        let missing = || {
            ProviderError::terminal(
                "voice_missing",
                format!(
                    "The voice {} is not wholly installed; install it again from the voice library.",
                    item.name
                ),
            )
        };
        let file = |id: &str, suffix: &str| {
            let it = lib.catalogue().get(id)?;
            let f = it.files.iter().find(|f| f.name.ends_with(suffix))?;
            lib.file(id, &f.name)
        };
        let (model, style) = match item.engine.as_deref() {
            Some("kokoro") => {
                let model_id = item.needs.first().ok_or_else(missing)?;
                (
                    file(model_id, ".onnx").ok_or_else(missing)?,
                    Some(
                        file(&item.id, ".bin")
                            .or_else(|| file(&item.id, ".npy"))
                            .ok_or_else(missing)?,
                    ),
                )
            }
            _ => (file(&item.id, ".onnx").ok_or_else(missing)?, None),
        };
        let reading = match item.needs.iter().find(|n| {
            lib.catalogue()
                .get(n)
                .is_some_and(|i| i.kind == super::library::Kind::Reading)
        }) {
            Some(id) => Some(
                lib.installed(id)
                    .map(|_| lib.folder(id))
                    .ok_or_else(missing)?,
            ),
            None => None,
        };
        Ok(Chosen {
            item: item.clone(),
            model,
            style,
            reading,
        })
    }
}

/// Runs the chosen voice (blocking).
fn run(
    chosen: &Chosen,
    runtime: Option<PathBuf>,
    text: &str,
    speed: f32,
) -> Result<Voiced, ProviderError> {
    match &chosen.style {
        Some(style_file) => {
            let style = Style::load(style_file)?;
            let model = KokoroModel::get(runtime.as_deref(), &chosen.model)?;
            if let Some(folder) = &chosen.reading {
                let readings = Readings::get(folder)?;
                return model.speak(text, &style, Reader::Japanese(&readings), speed);
            }
            let accent = Accent::of_voice(
                chosen
                    .item
                    .id
                    .strip_prefix("kokoro-")
                    .unwrap_or(&chosen.item.id),
            )
            .ok_or_else(|| {
                ProviderError::terminal(
                    "voice_missing",
                    format!("StoryReel cannot yet phonemize for {}.", chosen.item.name),
                )
            })?;
            model.speak(text, &style, Reader::Espeak(accent), speed)
        }
        None => PiperModel::get(runtime.as_deref(), &chosen.model)?.speak(text),
    }
}

#[async_trait]
impl Voice for Neural {
    fn name(&self) -> &str {
        "neural"
    }

    fn passes(&self, req: &SpeechRequest) -> Option<String> {
        let lang = req.language.code;
        let none_installed = self.library.voices_for(lang, false).is_empty()
            && !self.prefer.iter().any(|id| {
                self.library.installed(id).is_some()
                    && self
                        .library
                        .catalogue()
                        .get(id)
                        .and_then(|i| i.language.as_deref())
                        == Some(lang)
            });
        if !none_installed {
            return None;
        }
        self.choose(lang).err().map(|e| e.message)
    }

    async fn speak(&self, req: &SpeechRequest) -> Result<Spoken, ProviderError> {
        let chosen = self.choose(req.language.code)?;
        let runtime = self.runtime();
        super::onnx::runtime(runtime.as_deref())?;
        let text = req.text();
        let speed = self.speed;
        let label = chosen.item.name.clone();
        let engine = chosen.item.engine.clone().unwrap_or_default();
        let id = chosen.item.id.clone();
        let work = tokio::task::spawn_blocking(move || run(&chosen, runtime, &text, speed));
        let voiced = match tokio::time::timeout(crate::clock::clamp(self.timeout), work).await {
            Err(_) => {
                return Err(ProviderError::transient(
                    "timeout",
                    format!(
                        "The voice {label} did not finish within {} s.",
                        self.timeout.as_secs()
                    ),
                ))
            }
            Ok(Err(e)) => {
                return Err(ProviderError::transient(
                    "voice_failed",
                    format!("The voice {label} stopped: {e}."),
                ))
            }
            Ok(Ok(r)) => r?,
        };
        voiced.into_spoken(&label, req, engine, id)
    }

    async fn availability(&self) -> Availability {
        let voices: Vec<VoiceInfo> = self
            .library
            .rows()
            .into_iter()
            .filter(|r| r.installed && r.kind == super::library::Kind::Voice)
            .map(|r| VoiceInfo {
                id: r.id,
                name: r.name,
                language: r.language.unwrap_or_default(),
            })
            .collect();
        if voices.is_empty() {
            return Availability::not(
                "No neural voice is installed; install one from the voice library",
            );
        }
        if let Err(e) = super::onnx::runtime(self.runtime().as_deref()) {
            return Availability::not(e.message);
        }
        Availability::ready(voices)
    }
}

/// A sample of the installed library voice `id`: a short line in its language (blocking: run
/// it off the async runtime). A voice that is not installed says so, with its size.
pub fn sample(
    library: Arc<Library>,
    id: &str,
    onnxruntime: Option<PathBuf>,
    speed: f32,
) -> Result<super::Pcm, ProviderError> {
    let missing = |m: String| ProviderError::terminal("voice_missing", m);
    let row = library
        .rows()
        .into_iter()
        .find(|r| r.id == id && r.kind == super::library::Kind::Voice)
        .ok_or_else(|| missing(format!("There is no voice `{id}` in the voice library.")))?;
    if !row.installed {
        return Err(missing(format!(
            "{} is not installed; install it to hear it ({} MB to download).",
            row.name,
            row.download_bytes.div_ceil(1_000_000)
        )));
    }
    let language = row.language.unwrap_or_default();
    let n = Neural {
        library,
        prefer: vec![id.to_string()],
        speed,
        timeout: Duration::from_secs(120),
        onnxruntime,
    };
    let chosen = n.choose(&language)?;
    let runtime = n.runtime();
    super::onnx::runtime(runtime.as_deref())?;
    let text = super::sample_line(&language);
    Ok(run(&chosen, runtime, text, speed)?.pcm)
}

/// [`sample`] off the async runtime, as a WAV file's bytes and its length (s), with the
/// voice settings of `neural`.
pub async fn sample_wav(
    library: Arc<Library>,
    id: &str,
    neural: &crate::config::voice::NeuralSettings,
) -> Result<(Vec<u8>, f32), ProviderError> {
    let (runtime, speed, owned) = (neural.onnxruntime.clone(), neural.speed, id.to_string());
    let pcm = tokio::task::spawn_blocking(move || sample(library, &owned, runtime, speed))
        .await
        .map_err(|e| {
            ProviderError::terminal("voice_failed", format!("The sample stopped: {e}."))
        })??;
    let wav = pcm.to_wav().map_err(|e| {
        ProviderError::terminal(
            "voice_failed",
            format!("The sample could not be written: {e}."),
        )
    })?;
    Ok((wav, pcm.seconds()))
}
