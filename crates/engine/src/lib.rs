//! StoryReel's engine: everything that works without a window. Story import, the durable job
//! queue on sled, image providers ending in the title card, imaging, content-addressed assets,
//! the workers, and events. The desktop app and the `storyreel` CLI both use [`Engine`].

pub mod assets;
pub mod clock;
pub mod config;
pub mod control;
pub mod disk;
pub mod doctor;
pub mod edit;
pub mod engine;
pub mod error;
pub mod events;
pub mod export;
pub mod imaging;
pub mod import;
pub mod lanes;
pub mod language;
pub mod media;
pub mod memory;
pub mod model;
pub mod narration;
pub mod ops;
pub mod pipeline;
pub mod providers;
pub mod queue;
pub mod read_only;
pub mod reads;
pub mod recording;
pub mod redact;
pub mod remote;
pub mod render;
pub mod scene_edit;
pub mod secrets;
pub mod status;
pub mod store;
pub mod story;
pub mod style;
pub mod subtitles;
pub mod sync;
pub mod sync_ops;
pub mod sync_probe;
pub mod typeset;
pub mod undo;
pub mod video;
pub mod views;
pub mod voice_library;
pub mod voice_sample;
pub mod voices;

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
