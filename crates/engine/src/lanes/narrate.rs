//! The narrate lane's job: a scene's text through the voice chain (silence at the end of it),
//! the audio stored content-addressed as WAV, and the speech (voice, word times, why earlier
//! voices did not speak) recorded with the scene, with the audio's upload queued.

use crate::engine::Engine;
use crate::error::Error;
use crate::language;
use crate::model::{now_ms, text_hash, Asset, AudioFile, Job, Speech, UserError, SCHEMA_VERSION};
use crate::queue::JobError;

impl Engine {
    /// Narrates a scene.
    pub(crate) async fn narrate_scene(&self, job: &Job) -> Result<Job, JobError> {
        let terminal = |code: &str, msg: String| JobError {
            user: UserError::new(code, msg),
            retryable: false,
        };
        let index = job
            .scene_index
            .ok_or_else(|| JobError::from(Error::Db("a narration job has no scene".into())))?;
        let scene = self
            .store()
            .scene(job.project_id, index)?
            .ok_or_else(|| terminal("not_found", format!("Scene {index} no longer exists.")))?;
        let project = self
            .store()
            .project(job.project_id)?
            .ok_or_else(|| terminal("not_found", "The project no longer exists.".into()))?;
        let Some(choice) = project.voice.clone() else {
            return Err(terminal(
                "no_voice",
                "The project is made without a voice.".into(),
            ));
        };
        if let Some(d) = self.inner.debug.step_delay {
            tokio::time::sleep(d).await;
        }
        let project_lang = language::by_code(&choice.language).unwrap_or_else(language::english);
        let lang = language::for_scene(project_lang, &scene.text);
        self.phase(job, "speaking");
        let (spoken, lines) = self
            .speak_scene(&project, &scene.text, lang, choice.voice.as_deref())
            .await
            .map_err(|e| JobError {
                retryable: e.retryable,
                user: e.to_user(),
            })?;
        self.phase(job, "saving");
        let assets = self.assets().clone();
        let pcm = spoken.pcm.clone();
        let stored = tokio::task::spawn_blocking(move || -> Result<Option<Asset>, Error> {
            let Some(pcm) = pcm else {
                return Ok(None);
            };
            let wav = pcm
                .to_wav()
                .map_err(|e| Error::Image(format!("the narration could not be written: {e}")))?;
            Ok(Some(Asset {
                v: SCHEMA_VERSION,
                hash: assets.put(&wav, "wav")?,
                ext: "wav".into(),
                bytes: wav.len() as u64,
                width: 0,
                height: 0,
                created_at: now_ms(),
            }))
        })
        .await
        .map_err(|e| {
            JobError::from(Error::Image(format!("saving the narration stopped: {e}")))
        })??;
        let upload = match &stored {
            Some(a) => self.plan_file_upload(
                project.id,
                &format!("scene-{index:03}-{}.wav", &a.hash[..8]),
                &a.hash,
                "wav",
                a.bytes,
            )?,
            None => None,
        };
        let speech = Speech {
            upload: upload.as_ref().map(|u| u.id),
            provider: spoken.provider,
            voice: spoken.voice,
            language: lang.code.to_string(),
            audio: stored.as_ref().map(|a| AudioFile {
                hash: a.hash.clone(),
                ext: a.ext.clone(),
                bytes: a.bytes,
            }),
            seconds: spoken.pcm.as_ref().map_or(0.0, |p| p.seconds()),
            words: spoken.words,
            estimated: spoken.estimated,
            fallback: spoken.fallback,
            passed: spoken.passed,
            text_hash: text_hash(&scene.text),
            created_at: now_ms(),
            lines,
        };
        let done = self.queue().finish(job.id, job.attempt, |tx, _| {
            if let Some(mut s) = tx.scene(job.project_id, index)? {
                if let Some(n) = s.narration.as_mut().filter(|n| n.job_id == job.id) {
                    n.speech = Some(speech.clone());
                    n.error = None;
                    tx.put_scene(&s)?;
                }
            }
            if let Some(a) = &stored {
                tx.put_asset(a)?;
            }
            if let Some(u) = &upload {
                crate::queue::Queue::put_job(tx, None, u)?;
            }
            Ok(())
        });
        self.committed(job, done, upload.is_some())
    }
}
