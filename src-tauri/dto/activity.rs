//! The Activity screen: the three lanes with their running and queued jobs (the engine's view).

pub use storyreel_engine::views::{Activity, JobView, LaneView, QUEUED_LISTED};
