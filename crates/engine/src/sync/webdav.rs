//! WebDAV folders. A WebDAV server creates no folder by itself: a PUT below a missing folder is
//! refused, and the store's own recovery (MKCOL of the parents below the target's base) is
//! refused too when the base folder itself is missing (409, RFC 4918). After a refused upload
//! StoryReel asks about the base folder itself (PROPFIND, depth 0), says which folder is
//! missing and how to fix it, and with `create_bucket = true` creates the chain (MKCOL of each
//! folder from the server's root down).

use reqwest::{Method, StatusCode, Url};

/// The base folder's own client: the store's credentials, the config's timeouts.
pub(crate) struct Dav {
    pub(super) client: reqwest::Client,
    pub(super) base: Url,
    /// Uploads running at once find the folder missing together: one creates it.
    pub(super) creating: tokio::sync::Mutex<()>,
}

impl Dav {
    pub fn new(
        base: &str,
        headers: object_store::HeaderMap,
        cfg: &crate::config::sync::SyncConfig,
    ) -> Result<Dav, super::error::SetupError> {
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
            .map_err(|e| {
                super::error::SetupError(format!(
                    "Cannot set up the WebDAV client: {}",
                    e.without_url()
                ))
            })?;
        let mut base = Url::parse(base).map_err(|_| {
            super::error::SetupError(format!(
                "The WebDAV address {base} is not a URL; check [sync] target."
            ))
        })?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(Dav {
            client,
            base,
            creating: tokio::sync::Mutex::new(()),
        })
    }

    pub(super) async fn send(&self, method: &str, url: Url) -> Result<StatusCode, reqwest::Error> {
        let m = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
        let mut req = self.client.request(m, url);
        if method == "PROPFIND" {
            req = req.header("Depth", "0");
        }
        Ok(req.send().await?.status())
    }
}
