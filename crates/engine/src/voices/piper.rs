//! Piper: local neural voices.
//!
//! Inside StoryReel: when ONNX Runtime can be loaded (`onnx.rs`), the model runs in this
//! process (`piper_model.rs`), loaded once and kept across scenes. Otherwise Piper's program:
//!
//! Program contract (github.com/rhasspy/piper and its successor piper1-gpl, both CLIs):
//! `piper -m MODEL.onnx -f OUT.wav` reads the text on standard input and writes a 16-bit mono
//! WAV file at the model's rate (its `MODEL.onnx.json` beside it says which). It reports no
//! word times: they are estimated over the voiced part of the audio. A missing program, a
//! missing or broken model, or a run past the timeout is this voice's failure, said as a
//! sentence, and the next voice speaks.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

use super::piper_model::PiperModel;
use super::timing::{estimate, Pcm};
use super::{check_audio, Availability, SpeechRequest, Spoken, Voice, VoiceInfo};
use crate::remote::ProviderError;

pub struct Piper {
    pub program: PathBuf,
    pub model: Option<PathBuf>,
    pub timeout: Duration,
    /// Where ONNX Runtime is (settings); none: beside the program or the system's loader.
    pub onnxruntime: Option<PathBuf>,
}

fn on_path(p: &Path) -> Option<PathBuf> {
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(p))
        .find(|f| f.is_file())
}

impl Piper {
    /// The model, or why there is none.
    fn model(&self) -> Result<PathBuf, ProviderError> {
        let missing = |m: String| ProviderError::terminal("voice_missing", m);
        let model = self.model.clone().ok_or_else(|| {
            missing("Piper has no voice model; download one (a .onnx file with its .onnx.json) and set [voice.piper] model to it.".into())
        })?;
        if !model.is_file() {
            return Err(missing(format!(
                "The Piper voice model {} does not exist; check [voice.piper] model.",
                model.display()
            )));
        }
        Ok(model)
    }

    /// The program and the model, or why Piper's program cannot speak.
    fn ready(&self) -> Result<(PathBuf, PathBuf), ProviderError> {
        let model = self.model()?;
        let program = on_path(&self.program).ok_or_else(|| {
            ProviderError::terminal(
                "voice_missing",
                format!(
                    "Piper was not found ({}) and ONNX Runtime could not be loaded to run its voice inside StoryReel; install onnxruntime (`pip install onnxruntime`) and set [voice.piper] onnxruntime to it, or install Piper (`pip install piper-tts`).",
                    self.program.display()
                ),
            )
        })?;
        Ok((program, model))
    }

    /// A run past the voice's time limit (the model inside, or the program).
    fn timed_out(&self) -> ProviderError {
        ProviderError::transient(
            "timeout",
            format!("Piper did not finish within {} s.", self.timeout.as_secs()),
        )
    }

    /// Speaks with the model inside this process (None: ONNX Runtime cannot be loaded here).
    async fn speak_inside(&self, req: &SpeechRequest) -> Option<Result<Spoken, ProviderError>> {
        let model = match self.model() {
            Ok(m) => m,
            Err(e) => return Some(Err(e)),
        };
        if super::onnx::runtime(self.onnxruntime.as_deref()).is_err() {
            return None;
        }
        let runtime = self.onnxruntime.clone();
        let text = req.text();
        let work = tokio::task::spawn_blocking(move || {
            let voice = PiperModel::get(runtime.as_deref(), &model)?;
            Ok::<_, ProviderError>((voice.speak(&text)?, voice.name.clone()))
        });
        let done = match tokio::time::timeout(crate::clock::clamp(self.timeout), work).await {
            Err(_) => Err(self.timed_out()),
            Ok(Err(e)) => Err(ProviderError::transient(
                "voice_failed",
                format!("Piper stopped: {e}."),
            )),
            Ok(Ok(r)) => r,
        };
        Some(done.and_then(|(voiced, name)| voiced.into_spoken("Piper", req, "piper".into(), name)))
    }
}

#[async_trait]
impl Voice for Piper {
    fn name(&self) -> &str {
        "piper"
    }

    async fn speak(&self, req: &SpeechRequest) -> Result<Spoken, ProviderError> {
        if let Some(spoken) = self.speak_inside(req).await {
            return spoken;
        }
        let (program, model) = self.ready()?;
        let dir = tempfile::tempdir().map_err(|e| {
            ProviderError::transient("voice_failed", format!("Piper has no room to work: {e}."))
        })?;
        let out = dir.path().join("scene.wav");
        let mut child = tokio::process::Command::new(&program)
            .arg("-m")
            .arg(&model)
            .arg("-f")
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                ProviderError::terminal(
                    "voice_missing",
                    format!("Piper could not be started ({}): {e}.", program.display()),
                )
            })?;
        let text = req.text();
        // Writing the text is inside the time limit too: a program that never reads its
        // input would otherwise hold the scene forever.
        let work = async move {
            if let Some(mut stdin) = child.stdin.take() {
                // A program that exits without reading is reported by its status below.
                let _ = stdin.write_all(text.as_bytes()).await;
                let _ = stdin.write_all(b"\n").await;
            }
            child.wait_with_output().await
        };
        let done = tokio::time::timeout(crate::clock::clamp(self.timeout), work)
            .await
            .map_err(|_| self.timed_out())?
            .map_err(|e| {
                ProviderError::transient("voice_failed", format!("Piper stopped: {e}."))
            })?;
        if !done.status.success() {
            let err = String::from_utf8_lossy(&done.stderr);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim();
            let last: String = crate::redact::scrub(last, &[]).chars().take(200).collect();
            return Err(ProviderError::terminal(
                "voice_failed",
                format!(
                    "Piper could not speak with the model {} ({last}); check that the model and its .onnx.json are whole.",
                    model.display()
                ),
            ));
        }
        let bytes = std::fs::read(&out).map_err(|_| {
            ProviderError::terminal("bad_audio", "Piper finished without writing its audio.")
        })?;
        let pcm = Pcm::from_wav(&bytes).map_err(|_| {
            ProviderError::terminal(
                "bad_audio",
                format!(
                    "Piper wrote audio that is not 16-bit WAV with the model {}; check the model.",
                    model.display()
                ),
            )
        })?;
        let pcm = check_audio("Piper", Some(pcm), req.words.len())?;
        let (from, to) = pcm.voiced_span();
        Ok(Spoken {
            words: estimate(&req.words, from, to),
            pcm: Some(pcm),
            estimated: true,
            provider: "piper".into(),
            voice: model
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            fallback: Vec::new(),
            passed: Vec::new(),
        })
    }

    async fn availability(&self) -> Availability {
        let inside = self
            .model()
            .and_then(|m| super::onnx::runtime(self.onnxruntime.as_deref()).map(|_| m));
        match inside.or_else(|_| self.ready().map(|(_, m)| m)) {
            Ok(model) => {
                let name = model
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Availability::ready(vec![VoiceInfo {
                    id: model.display().to_string(),
                    language: name.split(['_', '-']).next().unwrap_or("").to_string(),
                    name,
                }])
            }
            Err(e) => Availability::not(e.message),
        }
    }
}
