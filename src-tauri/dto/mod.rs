//! The records that cross IPC, shaped for the UI, with their TypeScript bindings (ts-rs).
//! Each is built whole from the engine's records: the UI replaces, never merges.

pub mod activity;
pub mod batch;
pub mod narration_settings;
pub mod project;
pub mod settings;
pub mod stats;
pub mod sync;
pub mod writer_settings;

pub use activity::*;
pub use batch::*;
pub use narration_settings::*;
pub use project::*;
pub use settings::*;
pub use stats::*;
pub use sync::*;
pub use writer_settings::*;
