//! ONNX Runtime, loaded at run time: the inference engine of the neural voices. No Python and
//! nothing downloaded at build time: the shared library (`libonnxruntime.so.1`, the one PyPI's
//! `onnxruntime` wheel carries, or a system or bundled copy) is found where the settings say, or
//! beside the program, or by the system's loader. A machine without it still runs StoryReel:
//! the neural voices say why they cannot speak and the next voice does.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::remote::ProviderError;

/// The loaded runtime: where it came from and its environment.
struct Runtime {
    path: PathBuf,
    env: ort::environment::Environment,
}

/// The runtime once loaded (ONNX Runtime allows one environment per process). A failed load
/// is not kept: a runtime installed later (from the voice library) is found on the next try.
static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static LOADING: Mutex<()> = Mutex::new(());

/// The library's names, most specific first.
fn names() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &["libonnxruntime.dylib"]
    } else if cfg!(windows) {
        &["onnxruntime.dll"]
    } else {
        &["libonnxruntime.so.1", "libonnxruntime.so"]
    }
}

/// The candidates for the library: the configured path (a file, or a folder holding it), the
/// program's own folder, the package's `lib/storyreel` beside it, then the bare names for the
/// system's loader.
fn candidates(configured: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = configured {
        if p.is_dir() {
            out.extend(names().iter().map(|n| p.join(n)));
            // A wheel's folder holds the library with its full version in the name.
            if let Ok(entries) = std::fs::read_dir(p) {
                let mut versioned: Vec<PathBuf> = entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|f| {
                        f.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("libonnxruntime.so.1."))
                    })
                    .collect();
                versioned.sort();
                out.extend(versioned);
            }
        } else {
            out.push(p.to_path_buf());
        }
        return out;
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.extend(names().iter().map(|n| dir.join(n)));
        // Where the .deb puts the runtime it carries (/usr/lib/storyreel beside /usr/bin).
        if let Some(prefix) = dir.parent() {
            out.extend(names().iter().map(|n| prefix.join("lib/storyreel").join(n)));
        }
    }
    out.extend(names().iter().map(PathBuf::from));
    out
}

fn load(configured: Option<&Path>) -> Result<Runtime, String> {
    let mut last = String::from("it is not installed");
    for c in candidates(configured) {
        let is_path = c.components().count() > 1;
        if is_path && !c.is_file() {
            continue;
        }
        // ort reports a library it cannot use as an error, and may panic on a very old one.
        let tried = std::panic::catch_unwind(|| {
            ort::init_from(&c)
                .map_err(|e| e.to_string())
                .and_then(|b| b.with_name("storyreel").build().map_err(|e| e.to_string()))
        });
        match tried {
            Ok(Ok(env)) => return Ok(Runtime { path: c, env }),
            Ok(Err(e)) => last = e,
            Err(_) => last = "it is too old for StoryReel".into(),
        }
    }
    Err(format!(
        "the ONNX Runtime library that runs neural voices could not be loaded ({}); install a neural voice from the voice library (which brings the runtime), or install ONNX Runtime and say where it is in the settings",
        crate::redact::scrub(&last, &[]).chars().take(200).collect::<String>()
    ))
}

/// Loads the runtime once (`configured`: the settings' path, used by the first call).
pub fn runtime(configured: Option<&Path>) -> Result<&'static Path, ProviderError> {
    loaded(configured).map(|r| r.path.as_path())
}

fn loaded(configured: Option<&Path>) -> Result<&'static Runtime, ProviderError> {
    if let Some(r) = RUNTIME.get() {
        return Ok(r);
    }
    let _one_at_a_time = LOADING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(r) = RUNTIME.get() {
        return Ok(r);
    }
    match load(configured) {
        Ok(r) => Ok(RUNTIME.get_or_init(|| r)),
        Err(m) => Err(ProviderError::terminal("voice_missing", format!("{m}."))),
    }
}

/// A model's session, ready to run (one run at a time).
pub struct Model {
    pub session: Mutex<ort::session::Session>,
    /// The output that gives each phoneme id's frames, when the model could be made to give
    /// them (`onnx_patch.rs`).
    pub durations: Option<String>,
}

/// When each id begins (s), from each id's frames: the running sum of frames times
/// `seconds_per_frame`, starting at `from`.
pub fn starts(frames: &[f32], seconds_per_frame: f32, from: f32) -> Vec<f32> {
    let mut at = Vec::with_capacity(frames.len());
    let mut t = from;
    for x in frames {
        at.push(t);
        t += x.max(0.0) * seconds_per_frame;
    }
    at
}

impl Model {
    /// Each id's frames from a run's outputs, when the model was made to give them.
    pub fn frames(&self, outputs: &ort::session::SessionOutputs<'_>) -> Option<Vec<f32>> {
        let name = self.durations.as_ref()?;
        let (_, f) = outputs
            .get(name.as_str())?
            .try_extract_tensor::<f32>()
            .ok()?;
        Some(f.to_vec())
    }

    /// Loads `file` into a session on the runtime (loaded first if need be, from `configured`),
    /// using `threads` cores.
    pub fn load(
        configured: Option<&Path>,
        file: &Path,
        threads: usize,
    ) -> Result<Model, ProviderError> {
        let rt = loaded(configured)?;
        let bad = |e: ort::Error| {
            ProviderError::terminal(
                "voice_failed",
                format!(
                    "The voice model {} could not be loaded ({}); check that the file is whole.",
                    file.display(),
                    crate::redact::scrub(&e.to_string(), &[])
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            )
        };
        // No memory pattern: each scene's text is a different length, so a pattern is never
        // reused (measured with Kokoro: the peak falls from 470 to 400 MB; turning the CPU
        // arena off as well raised it past 2 GB).
        let builder = || {
            ort::session::Session::builder(&rt.env).and_then(|b| {
                Ok(b.with_intra_threads(threads.clamp(1, 16))?
                    .with_memory_pattern(false)?)
            })
        };
        // With its phoneme durations exposed when the graph allows; else as it is.
        let patched = std::fs::read(file)
            .ok()
            .and_then(|bytes| super::onnx_patch::with_durations(&bytes));
        if let Some((bytes, name)) = patched {
            match builder().and_then(|mut b| b.commit_from_memory(&bytes)) {
                Ok(session) => {
                    return Ok(Model {
                        session: Mutex::new(session),
                        durations: Some(name),
                    })
                }
                Err(e) => tracing::debug!(%e, "the model's durations could not be exposed"),
            }
        }
        let session = builder()
            .and_then(|mut b| b.commit_from_file(file))
            .map_err(bad)?;
        Ok(Model {
            session: Mutex::new(session),
            durations: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_is_looked_for_where_settings_the_program_and_the_package_keep_it() {
        let dir = tempfile::tempdir().unwrap();
        // A configured folder: its names only, nothing else.
        let got = candidates(Some(dir.path()));
        assert!(got.iter().all(|c| c.starts_with(dir.path())), "{got:?}");
        // None configured: beside the program, then the package's lib/storyreel, then the
        // system's loader.
        let exe_dir = std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        let got = candidates(None);
        let at = |p: &Path| got.iter().position(|c| c == p);
        let beside = at(&exe_dir.join(names()[0])).expect("beside the program");
        let package = at(&exe_dir
            .parent()
            .unwrap()
            .join("lib/storyreel")
            .join(names()[0]))
        .expect("the package's folder");
        let system = at(Path::new(names()[0])).expect("the system's loader");
        assert!(beside < package && package < system, "{got:?}");
    }
}
