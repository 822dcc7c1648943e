//! The voice library through the engine, for the app: its rows, installs with progress, removal,
//! and a sample of an installed voice stored as a WAV the window plays. The engine's voice
//! chain reads the library at each scene, so a voice installed here speaks the next scene of
//! its language with no restart.

use std::sync::Arc;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::verbs::voice_sample::VoiceSample;
use crate::voices::library::{Library, LibraryRow, Progress};

impl Engine {
    /// The data folder's voice library (downloads from the settings' mirror when set).
    pub fn voice_library(&self) -> Library {
        Library::new(self.data_dir()).with_mirror(self.config().voice.neural.mirror.clone())
    }

    /// Every voice the library offers for this machine, installed or not.
    pub fn voice_library_rows(&self) -> Vec<LibraryRow> {
        self.voice_library()
            .rows()
            .into_iter()
            .filter(|r| r.kind == crate::voices::library::Kind::Voice)
            .collect()
    }

    /// Installs `id` (and what it needs), telling `progress` as bytes arrive; the items newly
    /// installed.
    pub async fn install_voice(
        &self,
        id: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Vec<String>> {
        self.voice_library()
            .install(id, progress)
            .await
            .map_err(|e| Error::Input(e.to_string()))
    }

    /// Removes an installed voice (false: it was not installed).
    pub fn remove_voice(&self, id: &str) -> Result<bool> {
        self.voice_library()
            .remove(id)
            .map_err(|e| Error::Input(e.to_string()))
    }

    /// A short line in an installed library voice's language, spoken by it.
    pub async fn library_sample(&self, id: &str) -> Result<VoiceSample> {
        let lib = Arc::new(self.voice_library());
        let engine = lib
            .catalogue()
            .get(id)
            .and_then(|i| i.engine.clone())
            .unwrap_or_default();
        let (wav, _) = crate::voices::neural::sample_wav(lib, id, &self.config().voice.neural)
            .await
            .map_err(|e| Error::Input(e.message))?;
        let hash = self.put_blocking(wav, "wav").await?;
        Ok(VoiceSample {
            path: self.assets().path(&hash, "wav")?.display().to_string(),
            provider: engine,
            voice: id.to_string(),
            note: None,
        })
    }
}
