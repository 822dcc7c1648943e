//! A WebDAV target's base folder: asked about after a refused upload, said missing with how to
//! fix it, and created folder by folder with `create_bucket = true` (see `webdav`).

use super::error::{SyncError, Trouble};
use super::target::Target;
use super::webdav::Dav;

impl Target {
    /// After a refused WebDAV upload: is the base folder there? `Ok(false)`: it is;
    /// `Ok(true)`: it was missing and is created now (`create`); `Err`: what is wrong with
    /// it, as a sentence.
    pub(crate) async fn check_dav_folder(&self, create: bool) -> Result<bool, SyncError> {
        let Some(dav) = &self.dav else {
            return Ok(false);
        };
        self.count();
        let status = dav
            .send("PROPFIND", dav.base.clone())
            .await
            .map_err(|e| self.dav_offline(&e))?;
        match status.as_u16() {
            200..=299 => Ok(false),
            401 | 403 => Err(self.classify_status(status.as_u16(), "", "checking the folder")),
            404 | 409 if create => {
                let _one = dav.creating.lock().await;
                // Another upload may have made it while this one waited.
                self.count();
                let now = dav
                    .send("PROPFIND", dav.base.clone())
                    .await
                    .map_err(|e| self.dav_offline(&e))?;
                if !now.is_success() {
                    self.create_dav_chain(dav).await?;
                }
                Ok(true)
            }
            404 | 409 => Err(SyncError::new(
                Trouble::Target,
                "no_bucket",
                format!(
                    "The WebDAV folder {} does not exist on the server: create it there, or set create_bucket = true in [sync] and StoryReel creates it, then retry the uploads.",
                    dav.base.path()
                ),
            )),
            _ => Ok(false),
        }
    }

    /// MKCOL of each folder of the base path, from the server's root down. A folder that is
    /// there already answers 405 (or, on lenient servers, 201 again).
    pub(super) async fn create_dav_chain(&self, dav: &Dav) -> Result<(), SyncError> {
        let segments: Vec<String> = dav
            .base
            .path_segments()
            .map(|s| s.filter(|x| !x.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let mut url = dav.base.clone();
        url.set_path("/");
        for seg in segments {
            url = url.join(&format!("{seg}/")).map_err(|_| {
                SyncError::new(
                    Trouble::Target,
                    "no_bucket",
                    format!(
                        "The WebDAV folder {} cannot be named; check [sync] target.",
                        dav.base.path()
                    ),
                )
            })?;
            self.count();
            let status = dav
                .send("MKCOL", url.clone())
                .await
                .map_err(|e| self.dav_offline(&e))?;
            match status.as_u16() {
                200..=299 | 301 | 405 => {}
                // Locked or busy: another client is at it; the upload waits and tries again.
                s @ (423 | 429 | 500..=599) => {
                    return Err(SyncError::new(
                        Trouble::Transient,
                        "storage_busy",
                        format!(
                            "The WebDAV server answered HTTP {s} while creating the folder {}; StoryReel tries again by itself.",
                            url.path()
                        ),
                    ))
                }
                s => {
                    return Err(SyncError::new(
                        Trouble::Target,
                        "no_bucket",
                        format!(
                            "The WebDAV server refused to create the folder {} (HTTP {s}); create it there, then retry the uploads.",
                            url.path()
                        ),
                    ))
                }
            }
        }
        tracing::info!(folder = dav.base.path(), "created the WebDAV folder");
        Ok(())
    }

    fn dav_offline(&self, e: &reqwest::Error) -> SyncError {
        let what = if e.is_timeout() {
            "timed out"
        } else {
            "cannot connect"
        };
        SyncError::new(
            Trouble::Transient,
            "offline",
            format!(
                "Cannot reach the WebDAV server {} ({what}); waiting for the network, StoryReel retries by itself.",
                self.spec.name
            ),
        )
    }
}
