//! WebDAV folders. A WebDAV server creates no folder by itself: a PUT below a missing folder is
//! refused, and the store's own recovery (MKCOL of the parents below the target's base) is
//! refused too when the base folder itself is missing (409, RFC 4918). After a refused upload
//! StoryReel asks about the base folder itself (PROPFIND, depth 0), says which folder is
//! missing and how to fix it, and with `create_bucket = true` creates the chain (MKCOL of each
//! folder from the server's root down).

use reqwest::{Method, StatusCode, Url};

use super::target::{SyncError, Target, Trouble};

/// The base folder's own client: the store's credentials, the config's timeouts.
pub(crate) struct Dav {
    client: reqwest::Client,
    base: Url,
    /// Uploads running at once find the folder missing together: one creates it.
    creating: tokio::sync::Mutex<()>,
}

impl Dav {
    pub fn new(
        base: &str,
        headers: object_store::HeaderMap,
        cfg: &crate::config::sync::SyncConfig,
    ) -> Result<Dav, String> {
        let mut h = reqwest::header::HeaderMap::new();
        for (k, v) in headers.iter() {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(k.as_str().as_bytes()),
                reqwest::header::HeaderValue::from_bytes(v.as_bytes()),
            ) {
                let mut value = value;
                value.set_sensitive(true);
                h.insert(name, value);
            }
        }
        let client = reqwest::Client::builder()
            .default_headers(h)
            .timeout(std::time::Duration::from_secs(cfg.timeout_s))
            .connect_timeout(std::time::Duration::from_secs(cfg.connect_timeout_s))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("Cannot set up the WebDAV client: {}", e.without_url()))?;
        let mut base = Url::parse(base)
            .map_err(|_| format!("The WebDAV address {base} is not a URL; check [sync] target."))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(Dav {
            client,
            base,
            creating: tokio::sync::Mutex::new(()),
        })
    }

    async fn send(&self, method: &str, url: Url) -> Result<StatusCode, reqwest::Error> {
        let m = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
        let mut req = self.client.request(m, url);
        if method == "PROPFIND" {
            req = req.header("Depth", "0");
        }
        Ok(req.send().await?.status())
    }
}

impl Target {
    /// After a refused WebDAV upload: is the base folder there? `Ok(false)`: it is;
    /// `Ok(true)`: it was missing and is created now (`create`); `Err`: what is wrong with
    /// it, as a sentence.
    pub(super) async fn check_dav_folder(&self, create: bool) -> Result<bool, SyncError> {
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
                    "The WebDAV folder {} does not exist on the server: create it there, or set create_bucket = true in [sync] and StoryReel creates it, then `storyreel sync --retry-now`.",
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
                            "The WebDAV server refused to create the folder {} (HTTP {s}); create it there, then `storyreel sync --retry-now`.",
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
