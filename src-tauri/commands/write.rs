//! "Start from an idea" on New story: the story is written by the `[write]` endpoint, its
//! drafts go out as `writing` events while it arrives (the window shows them in the story box),
//! and the finished story comes back to be read, edited and made. One story is written at a
//! time; `stop_writing` ends it, and nothing is kept of a story that was stopped.

use std::sync::atomic::{AtomicU64, Ordering};

use storyreel_engine::write::{Idea, WrittenStory};
use tauri::State;

use crate::bridge::AppEvent;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// Raised by `stop_writing`; each writing waits on the number it started with.
static STOPS: AtomicU64 = AtomicU64::new(0);
static STOPPED: tokio::sync::Notify = tokio::sync::Notify::const_new();

#[tauri::command]
pub async fn write_story(state: State<'_, AppState>, idea: Idea) -> ApiResult<WrittenStory> {
    let e = state.engine().await?;
    let sink = state.sink();
    let started = STOPS.load(Ordering::SeqCst);
    let mut on = move |ev| sink(AppEvent::Writing { event: ev });
    let writing = e.write_story(&idea, &mut on);
    tokio::select! {
        r = writing => Ok(r?),
        _ = async {
            loop {
                let notified = STOPPED.notified();
                if STOPS.load(Ordering::SeqCst) != started {
                    break;
                }
                notified.await;
            }
        } => Err(ApiError::new(ErrorCode::Writer, "Writing was stopped; nothing was kept.")),
    }
}

/// Stops the story being written, if one is.
#[tauri::command]
pub async fn stop_writing() -> ApiResult<()> {
    STOPS.fetch_add(1, Ordering::SeqCst);
    STOPPED.notify_waiters();
    Ok(())
}
