//! The holder's side, whatever the transport: each connection's requests are read a line at a
//! time and answered a line at a time.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use super::{handle, Holder, Reply, Request, WireError, MAX_LINE};
use crate::engine::Engine;
use crate::error::Error;

/// At most this many front ends are answered at once; more wait to be accepted.
pub(super) const MAX_CONNECTIONS: usize = 16;

/// The folder's socket (or pipe), served while this lives: dropping it stops answering and
/// removes the socket file.
pub struct ControlServer {
    pub(super) path: Option<std::path::PathBuf>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Engine {
    /// Answers other front ends' requests on this folder, until the returned server is
    /// dropped. Must be called inside a tokio runtime, by the process that holds the folder
    /// (every open engine does). Without a socket (a folder path too long for one, a file
    /// system without them) the others are told the folder is in use, as before.
    pub fn serve_control(&self, front_end: &str, working: bool) -> Option<ControlServer> {
        super::transport::listen(self.clone(), Arc::new(Holder::this(front_end, working)))
    }
}

/// Answers one connection's requests, a line each, until it closes.
pub(super) async fn answer<R, W>(read: R, mut write: W, engine: &Engine, holder: &Holder)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
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

/// Sends one request over a connection and reads the reply line.
pub(super) async fn ask<R, W>(read: R, mut write: W, req: &Request) -> std::io::Result<Vec<u8>>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut line = serde_json::to_vec(req).map_err(std::io::Error::other)?;
    line.push(b'\n');
    write.write_all(&line).await?;
    let mut answer = Vec::new();
    BufReader::new(read).read_until(b'\n', &mut answer).await?;
    Ok(answer)
}
