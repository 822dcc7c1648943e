//! The other front ends' side: ask the folder's holder, and read its answer.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::{Holder, Reply, Request};
use crate::error::{Error, Result};

/// The longest a request waits for its answer (an import of a large story included).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// A line to the process holding a data folder.
#[derive(Debug, Clone)]
pub struct Client {
    path: PathBuf,
    holder: Holder,
}

impl Client {
    /// Connects to the holder of `data_dir`, if one answers there (None: nobody does, or this
    /// system has no local sockets).
    pub async fn connect(data_dir: &Path) -> Option<Client> {
        let path = data_dir.join(super::SOCKET_NAME);
        let mut client = Client {
            path,
            holder: Holder {
                pid: 0,
                version: String::new(),
                front_end: String::new(),
                working: false,
            },
        };
        let holder = client.call::<Holder>(&Request::Hello).await.ok()?;
        client.holder = holder;
        Some(client)
    }

    /// Who holds the folder.
    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// Sends one request and reads its answer as `T`.
    pub async fn call<T: DeserializeOwned>(&self, req: &Request) -> Result<T> {
        let value = tokio::time::timeout(ANSWER_TIMEOUT, self.exchange(req))
            .await
            .map_err(|_| self.gone("did not answer in time"))??;
        serde_json::from_value(value).map_err(|_| {
            Error::Input(format!(
                "The StoryReel holding the data folder (pid {}, version {}) answered in a form this one does not read; use the same version for both.",
                self.holder.pid, self.holder.version
            ))
        })
    }

    #[cfg(unix)]
    async fn exchange(&self, req: &Request) -> Result<serde_json::Value> {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let stream = tokio::net::UnixStream::connect(&self.path)
            .await
            .map_err(|_| self.gone("stopped answering"))?;
        let (read, mut write) = stream.into_split();
        let mut line = serde_json::to_vec(req)
            .map_err(|e| Error::Db(format!("a request could not be written: {e}")))?;
        line.push(b'\n');
        write
            .write_all(&line)
            .await
            .map_err(|_| self.gone("stopped answering"))?;
        let mut answer = Vec::new();
        BufReader::new(read)
            .read_until(b'\n', &mut answer)
            .await
            .map_err(|_| self.gone("stopped answering"))?;
        match serde_json::from_slice::<Reply>(&answer) {
            Ok(Reply::Ok(v)) => Ok(v),
            Ok(Reply::Error(w)) => Err(w.into()),
            Err(_) if answer.is_empty() => Err(self.gone("stopped answering")),
            Err(_) => Err(self.gone("answered something unreadable")),
        }
    }

    #[cfg(not(unix))]
    async fn exchange(&self, _req: &Request) -> Result<serde_json::Value> {
        Err(self.gone("cannot be reached on this system"))
    }

    fn gone(&self, what: &str) -> Error {
        let who = if self.holder.pid == 0 {
            "The StoryReel holding the data folder".to_string()
        } else {
            format!(
                "The StoryReel holding the data folder ({}, pid {})",
                self.holder.front_end, self.holder.pid
            )
        };
        Error::Held {
            code: crate::error::ErrorCode::Busy,
            message: format!("{who} {what}. Try again; once it has stopped, the folder is free."),
        }
    }
}
