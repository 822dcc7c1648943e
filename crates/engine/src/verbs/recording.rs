//! The person's own recording as a scene's narration: any audio file ffmpeg reads, stored as a
//! content-addressed WAV in place of the voice's, with the scene's words spread over where the
//! voice is heard and marked estimated (nothing aligned them). It is kept when the scene's
//! text is edited (the words are spread again) and when the project's voice changes; only
//! narrating that scene again replaces it.

use std::path::Path;

use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::language;
use crate::model::{
    now_ms, text_hash, Asset, AudioFile, Job, JobPayload, JobStatus, Narration, Speech,
    SCHEMA_VERSION,
};
use crate::queue::Queue;
use crate::render::ffmpeg::Ffmpeg;
use crate::voices::timing;

/// The `provider` of a speech that is the person's own recording.
pub const RECORDING: &str = "own";

/// The longest recording a scene takes (s).
pub const MAX_SECONDS: f32 = 600.0;

impl Speech {
    /// The person's own recording rather than a voice's.
    pub fn is_recording(&self) -> bool {
        self.provider == RECORDING
    }
}

/// The scene's words spread over where the voice is heard in a recording of `span` seconds.
pub(crate) fn spread(text: &str, span: (f32, f32)) -> Vec<crate::model::WordMark> {
    timing::estimate(&timing::words(text), span.0, span.1)
}

impl Engine {
    /// Stores `bytes` in the asset folder (written and synced) on a blocking thread: a long
    /// recording is hundreds of megabytes, never written on the runtime.
    pub(crate) async fn put_blocking(&self, bytes: Vec<u8>, ext: &'static str) -> Result<String> {
        let e = self.clone();
        tokio::task::spawn_blocking(move || e.assets().put(&bytes, ext))
            .await
            .map_err(|e| Error::Image(format!("storing the audio stopped: {e}")))?
    }

    /// Makes each `scene-NNN.<audio>` file in `dir` its scene's narration (see
    /// [`Engine::set_scene_recording`]); returns the scenes that took one, in order.
    pub async fn use_recordings_from(&self, project: Uuid, dir: &Path) -> Result<Vec<u32>> {
        if !dir.is_dir() {
            return Err(Error::Input(format!(
                "The narration folder {} does not exist.",
                dir.display()
            )));
        }
        let mut took = Vec::new();
        for s in self.store().scenes_of(project)? {
            if let Some(f) = crate::render::plan::scene_narration(dir, s.index) {
                self.set_scene_recording(project, s.index, &f).await?;
                took.push(s.index);
            }
        }
        Ok(took)
    }

    /// The files in a narration folder that no scene of the project takes: a name not of the
    /// form `scene-NNN.<audio>` (`scene-1.wav`, `Scene 2.mp3`, `scene-003.txt`) or the number
    /// of a scene it does not have. Said, so a misnamed take is not left out silently.
    pub fn recordings_ignored(&self, project: Uuid, dir: &Path) -> Result<Vec<String>> {
        // The files the scenes take, found the way they are taken.
        let taken: Vec<std::path::PathBuf> = self
            .store()
            .scenes_of(project)?
            .iter()
            .filter_map(|s| crate::render::plan::scene_narration(dir, s.index))
            .collect();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_file() && !taken.contains(&e.path()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Makes `file` scene `index`'s narration, replacing the voice's (a narration still to
    /// come is cancelled). Returns the speech as stored.
    pub async fn set_scene_recording(
        &self,
        project: Uuid,
        index: u32,
        file: &Path,
    ) -> Result<Speech> {
        let p = self
            .store()
            .project(project)?
            .ok_or_else(|| Error::NotFound("The project no longer exists.".into()))?;
        let scene = self.store().scene(project, index)?.ok_or_else(|| {
            Error::NotFound(format!("'{}' has no scene {index} any more.", p.title))
        })?;
        let ff = Ffmpeg::find(self.config().render.ffmpeg.as_deref())?;
        let what = format!("recording for scene {index}");
        let path = file.to_path_buf();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "recording".into());
        let pcm = tokio::task::spawn_blocking(move || ff.decode_audio(&path, &what, MAX_SECONDS))
            .await
            .map_err(|e| Error::Image(format!("reading the recording stopped: {e}")))?
            // The file's name is what the person knows it by (the app reads a copy of it).
            .map_err(|e| match e {
                Error::Input(m) => Error::Input(m.replace(&file.display().to_string(), &name)),
                other => other,
            })?;
        if pcm.is_silent() {
            return Err(Error::Input(format!(
                "{name} is silent: nothing in it is louder than a whisper. Record scene {index} again, or choose another file."
            )));
        }
        if pcm.seconds() < 0.3 {
            return Err(Error::Input(format!(
                "{name} is only {:.1} s long, too short to narrate scene {index}; choose the whole recording.",
                pcm.seconds()
            )));
        }
        let wav = pcm
            .to_wav()
            .map_err(|e| Error::Image(format!("the recording could not be written: {e}")))?;
        let hash = crate::imaging::hash(&wav);
        // The same take again (a second `render` with the same folder) changes nothing.
        if let Some(sp) = scene
            .narration
            .as_ref()
            .and_then(|n| n.speech.as_ref())
            .filter(|sp| {
                sp.is_recording()
                    && sp.audio.as_ref().is_some_and(|a| a.hash == hash)
                    && sp.text_hash == text_hash(&scene.text)
            })
        {
            return Ok(sp.clone());
        }
        let asset = Asset {
            v: SCHEMA_VERSION,
            bytes: wav.len() as u64,
            hash: self.put_blocking(wav, "wav").await?,
            ext: "wav".into(),
            width: 0,
            height: 0,
            created_at: now_ms(),
        };
        self.remember(project, &format!("Use a recording in scene {index}"))?;
        let upload = self.plan_file_upload(
            project,
            &format!("scene-{index:03}-{}.wav", &asset.hash[..8]),
            &asset.hash,
            "wav",
            asset.bytes,
        )?;
        let lang = p
            .voice
            .as_ref()
            .and_then(|v| language::by_code(&v.language))
            .unwrap_or_else(|| language::detect(&scene.text).unwrap_or_else(language::english));
        let speech = Speech {
            provider: RECORDING.into(),
            voice: name,
            language: language::for_scene(lang, &scene.text).code.into(),
            audio: Some(AudioFile {
                hash: asset.hash.clone(),
                ext: asset.ext.clone(),
                bytes: asset.bytes,
            }),
            seconds: pcm.seconds(),
            words: spread(&scene.text, pcm.voiced_span()),
            estimated: true,
            fallback: Vec::new(),
            passed: Vec::new(),
            text_hash: text_hash(&scene.text),
            upload: upload.as_ref().map(|u| u.id),
            created_at: now_ms(),
            lines: Vec::new(),
        };
        // A finished job stands for the recording, so the narration mirrors a job as always.
        let mut job = Job::new(
            JobPayload::NarrateScene,
            project,
            Some(index),
            self.store().next_seq()?,
            1,
        );
        job.status = JobStatus::Succeeded;
        job.finished_at = Some(job.updated_at);
        job.phase = Some("your recording".into());
        self.store().transact(|tx| {
            let Some(mut s) = tx.scene(project, index)? else {
                return Ok(());
            };
            if let Some(old) = s.narration.as_ref().map(|n| n.job_id) {
                Queue::cancel_in(tx, old, now_ms())?;
                s = tx.scene(project, index)?.unwrap_or(s);
            }
            s.narration = Some(Narration {
                speech: Some(speech.clone()),
                ..Narration::queued(&job)
            });
            tx.put_scene(&s)?;
            Queue::put_job(tx, None, &job)?;
            tx.put_asset(&asset)?;
            if let Some(u) = &upload {
                Queue::put_job(tx, None, u)?;
            }
            Ok(())
        })?;
        self.store().flush().await?;
        if upload.is_some() {
            self.wake(crate::model::Lane::Upload);
        }
        self.emit_job(&job);
        self.rerender_if_wanted(project).await;
        Ok(speech)
    }
}
