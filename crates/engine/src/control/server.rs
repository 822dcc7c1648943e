//! The holder's side: a Unix domain socket in the data folder, the user's alone.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::{handle, Holder, Reply, Request, WireError, MAX_LINE, SOCKET_NAME};
use crate::engine::Engine;
use crate::error::Error;

/// At most this many front ends are answered at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 16;

/// The socket, served while this lives: dropping it stops answering and removes the file.
pub struct ControlServer {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

impl ControlServer {
    /// Where the socket is.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Engine {
    /// Answers other front ends' requests on this folder, until the returned server is
    /// dropped. Must be called inside a tokio runtime, by the process that holds the folder
    /// (every open engine does). Without a socket (a folder path too long for one, a file
    /// system without them) the others are told the folder is in use, as before.
    pub fn serve_control(&self, front_end: &str, working: bool) -> Option<ControlServer> {
        let path = self.data_dir().join(SOCKET_NAME);
        // A socket left by a holder that died: nobody listens on it (we hold the folder).
        let _ = std::fs::remove_file(&path);
        let listener = match UnixListener::bind(&path) {
            Ok(l) => l,
            Err(err) => {
                tracing::warn!(%err, "other StoryReel commands cannot reach this one: no socket in the data folder");
                return None;
            }
        };
        if let Err(err) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
            tracing::warn!(%err, "the control socket's permissions could not be set");
            let _ = std::fs::remove_file(&path);
            return None;
        }
        let holder = Arc::new(Holder {
            pid: std::process::id(),
            version: crate::VERSION.to_string(),
            front_end: front_end.to_string(),
            working,
        });
        let engine = self.clone();
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let task = tokio::spawn(async move {
            loop {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                let stream = match listener.accept().await {
                    Ok((s, _)) => s,
                    Err(err) => {
                        tracing::debug!(%err, "a control connection failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (engine, holder) = (engine.clone(), holder.clone());
                tokio::spawn(async move {
                    serve(stream, &engine, &holder).await;
                    drop(permit);
                });
            }
        });
        Some(ControlServer { path, task })
    }
}

/// Answers one connection's requests, a line each, until it closes.
async fn serve(stream: UnixStream, engine: &Engine, holder: &Holder) {
    let same_user = stream
        .peer_cred()
        .is_ok_and(|c| c.uid() == rustix::process::getuid().as_raw());
    if !same_user {
        tracing::warn!("refused a control connection from another user");
        return;
    }
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = u64::try_from(MAX_LINE + 1).unwrap_or(u64::MAX);
        match (&mut reader).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let reply = if line.len() > MAX_LINE {
            Reply::Error(WireError::from(&Error::Input(
                "The request was too long to read.".into(),
            )))
        } else {
            match serde_json::from_slice::<Request>(&line) {
                Ok(req) => match handle(engine, holder, req).await {
                    Ok(v) => Reply::Ok(v),
                    Err(e) => Reply::Error(WireError::from(&e)),
                },
                Err(_) => Reply::Error(WireError::from(&Error::Input(
                    "This StoryReel did not understand the request; the two may be different versions."
                        .into(),
                ))),
            }
        };
        let Ok(mut out) = serde_json::to_vec(&reply) else {
            return;
        };
        out.push(b'\n');
        if write.write_all(&out).await.is_err() || line.len() > MAX_LINE {
            return;
        }
    }
}
