//! A batch of stories as the window shows it.

use serde::Serialize;
use storyreel_engine::batch::BatchRow;
use ts_rs::TS;

/// Where a batch stands, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BatchView {
    pub id: String,
    pub rows: Vec<BatchRow>,
    /// Stories finished (made or failed), of `total`.
    pub done: u32,
    pub total: u32,
    pub finished: bool,
    /// Why the batch itself stopped (a full disk), when it did.
    pub error: Option<String>,
}
