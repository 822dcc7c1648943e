//! The engine's verbs: what the front ends (the app and the CLI) can ask of an [`Engine`], each
//! an `impl Engine` block of its own. Below them: the lanes (`lanes`) that do the queued work,
//! the chains (`providers`, `voices`, over `remote`), the render (`render`), the store and queue
//! (`store`, `queue`) and the records (`model`).
//!
//! [`Engine`]: crate::Engine

pub mod cast;
pub mod cast_edit;
pub mod doctor;
pub mod edit;
pub mod export;
pub mod import;
pub mod narration;
pub mod ops;
pub mod read_only;
pub mod reads;
pub mod recording;
pub mod scene_edit;
pub mod status;
pub mod sync_ops;
pub mod sync_probe;
pub mod undo;
pub mod video;
pub mod voice_library;
pub mod voice_sample;
