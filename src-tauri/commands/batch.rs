//! Many stories at once from the window: several story files dropped on New story (their
//! texts are kept in the data folder's `batches/` and made from there), or a folder chosen in
//! the file dialog. One batch runs at a time; its progress and its table go out as `batch`
//! events, and `batch_status` gives the latest to a screen that opens later. The engine's
//! workers make the scenes and videos as they make everything else.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;
use storyreel_engine::batch::{self, BatchOptions};
use storyreel_engine::Engine;
use tauri::State;
use ts_rs::TS;

use crate::bridge::AppEvent;
use crate::dto::BatchView;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// A dropped story: its file name and its text.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct DroppedStory {
    pub name: String,
    pub text: String,
}

static LATEST: Mutex<Option<BatchView>> = Mutex::new(None);

fn latest() -> Option<BatchView> {
    LATEST.lock().ok().and_then(|l| l.clone())
}

fn running() -> bool {
    latest().is_some_and(|v| !v.finished)
}

/// The batch being made, or the last one made since the app started.
#[tauri::command]
pub async fn batch_status() -> ApiResult<Option<BatchView>> {
    Ok(latest())
}

/// Stories dropped on New story, made as one batch.
#[tauri::command]
pub async fn batch_from_drop(
    state: State<'_, AppState>,
    stories: Vec<DroppedStory>,
) -> ApiResult<BatchView> {
    if stories.len() > batch::MAX_BATCH {
        return Err(ApiError::input(format!(
            "A batch takes at most {} stories, and {} were dropped; drop them in several batches.",
            batch::MAX_BATCH,
            stories.len()
        )));
    }
    let e = state.engine().await?;
    let id = uuid::Uuid::now_v7();
    let dir = state.data_dir()?.join("batches").join(id.to_string());
    std::fs::create_dir_all(&dir).map_err(|err| {
        ApiError::new(
            ErrorCode::Io,
            format!("Cannot keep the dropped stories: {err}."),
        )
    })?;
    let mut files = Vec::with_capacity(stories.len());
    let mut taken: Vec<String> = Vec::new();
    for s in stories {
        // A name, never a path; a name given twice gets a number.
        let base = std::path::Path::new(&s.name)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .filter(|n| !n.starts_with('.') && !n.is_empty())
            .unwrap_or_else(|| "story.md".into());
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            name = format!("{n}-{base}");
            n += 1;
        }
        taken.push(name.to_lowercase());
        let path = dir.join(&name);
        std::fs::write(&path, s.text.as_bytes())
            .map_err(|err| ApiError::new(ErrorCode::Io, format!("Cannot keep {name}: {err}.")))?;
        files.push(path);
    }
    start(&state, e, files).await
}

/// A folder of stories, chosen in the file dialog, made as one batch; none when cancelled.
#[tauri::command]
pub async fn batch_from_folder(state: State<'_, AppState>) -> ApiResult<Option<BatchView>> {
    let desktop = state.desktop();
    let picked =
        tokio::task::spawn_blocking(move || desktop.pick_folder("Make every story in a folder"))
            .await
            .map_err(|_| {
                ApiError::new(ErrorCode::Engine, "The folder dialog closed unexpectedly.")
            })?;
    let Some(dir) = picked else {
        return Ok(None);
    };
    let e = state.engine().await?;
    start(&state, e, vec![dir]).await.map(Some)
}

/// Story files or folders by path, made as one batch.
#[tauri::command]
pub async fn batch_from_paths(
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> ApiResult<BatchView> {
    let e = state.engine().await?;
    start(&state, e, paths.into_iter().map(PathBuf::from).collect()).await
}

async fn start(state: &AppState, e: Engine, paths: Vec<PathBuf>) -> ApiResult<BatchView> {
    if running() {
        return Err(ApiError::new(
            ErrorCode::Busy,
            "A batch is being made; this one can start when it has ended.",
        ));
    }
    let stories = batch::expand(&paths)?;
    let id = uuid::Uuid::now_v7().to_string();
    let total = u32::try_from(stories.len()).unwrap_or(u32::MAX);
    let first = BatchView {
        id: id.clone(),
        rows: Vec::new(),
        done: 0,
        total,
        finished: false,
        error: None,
    };
    if let Ok(mut l) = LATEST.lock() {
        *l = Some(first.clone());
    }
    let sink = state.sink();
    tauri::async_runtime::spawn(async move {
        let publish = |v: BatchView| {
            if let Ok(mut l) = LATEST.lock() {
                *l = Some(v.clone());
            }
            sink(AppEvent::Batch { batch: v });
        };
        let mut run = match e.start_batch(stories, BatchOptions::default()).await {
            Ok(run) => run,
            Err(err) => {
                publish(BatchView {
                    error: Some(err.to_string()),
                    finished: true,
                    ..first
                });
                return;
            }
        };
        // Between steps the batch holds the engine only by a handle: the app can close the
        // folder (and the batch then stops, to be made again later, continuing).
        let handle = e.handle();
        drop(e);
        loop {
            let Some(e) = handle.engine() else {
                publish(BatchView {
                    id: id.clone(),
                    rows: Vec::new(),
                    done: 0,
                    total,
                    finished: true,
                    error: Some("The data folder was closed, so the batch stopped; make it again to continue where it stopped.".into()),
                });
                break;
            };
            let (ended, error) = match run.advance(&e).await {
                Ok(ended) => (ended, None),
                Err(err) => (true, Some(err.to_string())),
            };
            let (done, total) = run.finished();
            publish(BatchView {
                id: id.clone(),
                rows: run.rows(&e),
                done: u32::try_from(done).unwrap_or(u32::MAX),
                total: u32::try_from(total).unwrap_or(u32::MAX),
                finished: ended,
                error,
            });
            drop(e);
            if ended {
                break;
            }
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    });
    Ok(latest().unwrap_or_else(|| BatchView {
        id: String::new(),
        rows: Vec::new(),
        done: 0,
        total,
        finished: false,
        error: None,
    }))
}
