//! The read models both front ends show: a project's card and detail, a scene, the render, the
//! lanes' activity. The app sends them over IPC as they are (their TypeScript types are generated
//! from these); the CLI's `status` and `list` are shaped from them.

pub mod activity;
pub mod narration;
pub mod project;

pub use activity::{Activity, JobView, LaneView, QUEUED_LISTED};
pub use narration::NarrationView;
pub use project::{ProjectCard, ProjectDetail, RenderView, SceneView, VideoView};
