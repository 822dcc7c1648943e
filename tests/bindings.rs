//! The UI's TypeScript types (ui/src/lib/bindings) are generated from the Rust types that cross
//! IPC. This test fails when they are stale; `STORYREEL_UPDATE_BINDINGS=1 cargo test -p
//! storyreel-app --test bindings` writes them anew.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use storyreel_app::bridge::AppEvent;
use storyreel_app::commands::system::{AppInfo, Snapshot};
use storyreel_app::dto::*;
use storyreel_app::error::{ApiError, ErrorCode};
use ts_rs::{Config, TS};

fn export_all(dir: &Path) {
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t>::export_all(&cfg).expect(stringify!($t)); )* };
    }
    export!(
        storyreel_engine::scene_edit::SceneEdit,
        storyreel_engine::voices::library::LibraryRow,
        storyreel_engine::voices::library::Progress,
        AppInfo,
        Snapshot,
        ProjectCard,
        ProjectDetail,
        SceneView,
        RenderView,
        VideoView,
        DraftScene,
        StoryPreview,
        StoryFile,
        NewProject,
        Activity,
        LaneView,
        JobView,
        SyncView,
        SyncItemView,
        Connectivity,
        ProviderView,
        Settings,
        SettingsInput,
        TestResult,
        Stats,
        AppEvent,
        ApiError,
        ErrorCode,
        Theme,
        storyreel_app::commands::voice::VoicesView,
        NarrationSettings,
        CaptionSettings,
        storyreel_engine::voice_sample::VoiceSample,
        storyreel_engine::verbs::cast::CastView,
        storyreel_engine::verbs::cast_edit::CastChange,
        storyreel_engine::media::StripFrame,
        storyreel_engine::model::MediaLook,
        storyreel_engine::write::Idea,
        storyreel_engine::write::WrittenStory,
        storyreel_engine::write::WriteEvent,
        BatchView,
        WriterSettings,
        WriterInput,
        storyreel_app::commands::batch::DroppedStory,
    );
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ts") {
                out.insert(name, std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
    }
    out
}

#[test]
fn typescript_bindings_are_fresh() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings");
    if std::env::var_os("STORYREEL_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        export_all(&committed);
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    export_all(fresh.path());
    let (want, have) = (files(fresh.path()), files(&committed));
    let stale: Vec<_> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .chain(have.keys().filter(|k| !want.contains_key(*k)).cloned())
        .collect();
    assert!(
        stale.is_empty(),
        "the TypeScript bindings are stale ({}): run STORYREEL_UPDATE_BINDINGS=1 cargo test -p storyreel-app --test bindings, and commit ui/src/lib/bindings",
        stale.join(", ")
    );
}
