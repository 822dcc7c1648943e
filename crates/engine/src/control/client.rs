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
    dir: PathBuf,
    holder: Holder,
}

impl Client {
    /// Connects to the holder of `data_dir`, if one answers there (None: nobody does).
    pub async fn connect(data_dir: &Path) -> Option<Client> {
        let mut client = Client {
            dir: data_dir.to_path_buf(),
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

    /// Whether the holder still answers (it may have finished and let go of the folder).
    pub async fn alive(&self) -> bool {
        self.call::<Holder>(&Request::Hello).await.is_ok()
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

    async fn exchange(&self, req: &Request) -> Result<serde_json::Value> {
        let answer = super::transport::exchange(&self.dir, req)
            .await
            .map_err(|_| self.gone("stopped answering"))?;
        match serde_json::from_slice::<Reply>(&answer) {
            Ok(Reply::Ok(v)) => Ok(v),
            Ok(Reply::Error(w)) => Err(w.into()),
            Err(_) if answer.is_empty() => Err(self.gone("stopped answering")),
            Err(_) => Err(self.gone("answered something unreadable")),
        }
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
