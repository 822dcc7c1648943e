//! The transport on Windows: a named pipe named after the data folder. Local clients only
//! (remote ones are rejected), and the pipe's default security lets only its creator (and the
//! system's administrators) write to it, so only the same user can send a request.

use std::path::Path;
use std::sync::Arc;

use tokio::net::windows::named_pipe::{ClientOptions, ServerOptions};

use super::serve::{answer, Connections, ControlServer};
use super::Holder;
use crate::engine::Engine;

/// The pipe's name: one per data folder (its canonical path, hashed).
fn pipe_name(data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let hash = blake3::hash(dir.to_string_lossy().to_lowercase().as_bytes());
    format!(r"\\.\pipe\storyreel-{}", &hash.to_hex()[..16])
}

pub(super) fn listen(engine: Engine, holder: Arc<Holder>) -> Option<ControlServer> {
    let name = pipe_name(engine.data_dir());
    let mut server = match ServerOptions::new()
        .first_pipe_instance(true)
        .reject_remote_clients(true)
        .create(&name)
    {
        Ok(s) => s,
        Err(err) => {
            tracing::info!(%err, "other StoryReel commands cannot reach this one: no pipe for the data folder");
            return None;
        }
    };
    let conns = Connections::new();
    let task = tokio::spawn(async move {
        // Every connection's task lives in this set: aborting the server ends them all.
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            if server.connect().await.is_err() {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
            // The connected instance serves this client; a new one waits for the next.
            let next = match ServerOptions::new()
                .reject_remote_clients(true)
                .create(&name)
            {
                Ok(s) => s,
                Err(err) => {
                    tracing::warn!(%err, "the data folder's pipe could not take more clients");
                    return;
                }
            };
            let client = std::mem::replace(&mut server, next);
            let Some(ticket) = conns.admit() else {
                tracing::debug!("every control connection is at work; one more was turned away");
                continue;
            };
            let (engine, holder) = (engine.clone(), holder.clone());
            tasks.spawn(async move {
                let (read, write) = tokio::io::split(client);
                answer(read, write, &engine, &holder, ticket).await;
            });
        }
    });
    Some(ControlServer { path: None, task })
}

/// Sends `req` to the holder of `data_dir`; its reply line.
pub(super) async fn exchange(data_dir: &Path, req: &super::Request) -> std::io::Result<Vec<u8>> {
    const PIPE_BUSY: i32 = 231;
    let name = pipe_name(data_dir);
    let mut tries = 0;
    let client = loop {
        match ClientOptions::new().open(&name) {
            Ok(c) => break c,
            Err(e) if e.raw_os_error() == Some(PIPE_BUSY) && tries < 20 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e),
        }
    };
    let (read, write) = tokio::io::split(client);
    super::serve::ask(read, write, req).await
}
