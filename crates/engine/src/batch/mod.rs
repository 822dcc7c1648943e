//! Many stories at once: the list of stories (files, folders, a manifest) and a batch that
//! makes each one's video into a folder, going on past a story that fails.

mod list;
mod run;

pub use list::{expand, is_batch, is_manifest, BatchStory, MAX_BATCH, STORY_ENDINGS};
pub use run::{Batch, BatchItem, BatchOptions, BatchRow, ItemState};
