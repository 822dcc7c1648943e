//! StoryReel's engine: everything that works without a window. Story import, the durable job
//! queue on sled, image providers ending in the title card, imaging, content-addressed assets,
//! the workers, and events. The desktop app and the `storyreel` CLI both use [`Engine`].

pub mod assets;
pub mod batch;
pub mod clock;
pub mod config;
pub mod control;
pub mod disk;
pub mod engine;
pub mod error;
pub mod events;
pub mod imaging;
pub mod lanes;
pub mod language;
pub mod media;
pub mod memory;
pub mod model;
pub mod pipeline;
pub mod providers;
pub mod queue;
pub mod redact;
pub mod remote;
pub mod render;
pub mod secrets;
pub mod store;
pub mod story;
pub mod style;
pub mod subtitles;
pub mod sync;
pub mod typeset;
pub mod verbs;
pub mod views;
pub mod voices;
pub mod write;

// The verbs' modules by their names before they were grouped, for the front ends' imports.
pub use verbs::{
    cast, doctor, edit, export, import, narration, ops, read_only, reads, recording, scene_edit,
    status, sync_ops, sync_probe, undo, video, voice_library, voice_sample,
};

pub use config::Config;
pub use engine::{
    DebugKnobs, Engine, EngineHandle, EngineOptions, ImportOptions, ImportOutcome, VoiceOption,
};
pub use error::{Error, ErrorCode, Result};
pub use events::Event;
pub use pipeline::Workers;
pub use queue::RetryFilter;

/// This engine's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
