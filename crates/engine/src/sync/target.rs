//! A configured storage target as `object_store` stores: S3 and S3-compatible stores, GCS,
//! Azure, WebDAV and a local folder. Builds the store from `[sync]` and the secrets (no ambient
//! environment is read: the builders start empty), names object URLs, creates a missing bucket
//! where the config allows, and sorts every failure into "wait and retry" or "needs the user".

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::http::HttpBuilder;
use object_store::local::LocalFileSystem;
use object_store::multipart::MultipartStore;
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

use super::error::{SetupError, SyncError, Trouble};
use crate::config::sync::{SyncConfig, TargetKind, TargetSpec};
use crate::secrets::{Secret, SecretSource};

/// The names under which the sync credentials are looked up (keychain entries in the app).
pub const ACCESS_KEY: &str = "sync_access_key";
pub const SECRET_KEY: &str = "sync_secret_key";

/// A built target.
pub struct Target {
    pub spec: TargetSpec,
    pub store: Arc<dyn ObjectStore>,
    /// Stores with a multipart API we can resume and abort by id.
    pub multipart: Option<Arc<dyn MultipartStore>>,
    /// The store keeps user metadata (`blake3=`) that a HEAD returns.
    pub metadata: bool,
    s3: Option<Arc<AmazonS3>>,
    /// WebDAV: the base folder's own client (to ask about it and create it).
    pub(crate) dav: Option<super::webdav::Dav>,
    pub(super) cfg: SyncConfig,
    /// Secret values, scrubbed from any text that might echo them.
    pub(super) redact: Vec<Secret>,
    /// The variable names holding the credentials, for messages.
    pub(super) key_vars: (Option<String>, Option<String>),
    /// Requests sent to the store by this process (each counted before it goes).
    requests: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("target", &self.spec.name)
            .finish()
    }
}

fn client_options(cfg: &SyncConfig) -> ClientOptions {
    ClientOptions::new().with_allow_http(cfg.allow_http())
}

/// The HTTP transport of a remote target: its limits follow progress (see `transport`).
fn connector(
    cfg: &SyncConfig,
    headers: object_store::HeaderMap,
) -> Result<super::transport::Connector, SetupError> {
    super::transport::Connector::new(
        Duration::from_secs(cfg.timeout_s),
        Duration::from_secs(cfg.connect_timeout_s),
        cfg.allow_http(),
        headers,
    )
    .map_err(|e| {
        SetupError(format!(
            "StoryReel cannot set up its network connection for the storage target: {e}."
        ))
    })
}

/// Few quick retries inside one request: the queue does the patient waiting (with full jitter,
/// capped at 10 minutes), so an outage is seen at once and costs few requests.
fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 2,
        retry_timeout: Duration::from_secs(20),
    }
}

impl Target {
    /// Builds the target. `Err` is a sentence for the user (a missing credential, a builder
    /// error); nothing here touches the network.
    pub fn build(
        spec: TargetSpec,
        cfg: &SyncConfig,
        secrets: &dyn SecretSource,
    ) -> Result<Target, SetupError> {
        let access_var = cfg.access_key_var(&spec.kind);
        let secret_var = cfg.secret_key_var(&spec.kind);
        let access = secrets.get(ACCESS_KEY, access_var.as_deref());
        let secret = secrets.get(SECRET_KEY, secret_var.as_deref());
        let need = |what: &str, var: &Option<String>| {
            SetupError(format!(
                "The storage target {} needs {what}: set {} (the app keeps it in the OS keychain).",
                spec.name,
                var.as_deref().unwrap_or("it")
            ))
        };
        let built = |e: object_store::Error| {
            SetupError(format!(
                "The storage target {} cannot be set up: {e}. Check [sync] in the config.",
                spec.name
            ))
        };
        let mut s3 = None;
        let mut dav = None;
        let mut metadata = true;
        let (store, multipart): (Arc<dyn ObjectStore>, Option<Arc<dyn MultipartStore>>) =
            match &spec.kind {
                TargetKind::S3 { bucket } => {
                    let (Some(a), Some(s)) = (&access, &secret) else {
                        return Err(need(
                            "an access key and a secret key",
                            &if access.is_none() {
                                access_var.clone()
                            } else {
                                secret_var.clone()
                            },
                        ));
                    };
                    let mut b = AmazonS3Builder::new()
                        .with_bucket_name(bucket)
                        .with_region(cfg.region.as_deref().unwrap_or("us-east-1"))
                        .with_access_key_id(a.expose())
                        .with_secret_access_key(s.expose())
                        .with_virtual_hosted_style_request(!cfg.path_style())
                        .with_allow_http(cfg.allow_http())
                        .with_client_options(client_options(cfg))
                        .with_http_connector(connector(cfg, Default::default())?)
                        .with_retry(retry_config());
                    if let Some(e) = &cfg.endpoint {
                        b = b.with_endpoint(e.trim_end_matches('/'));
                    }
                    let store = Arc::new(b.build().map_err(built)?);
                    s3 = Some(store.clone());
                    (store.clone(), Some(store))
                }
                TargetKind::Gcs { bucket } => {
                    let Some(key) = &secret else {
                        return Err(need("a service account key (JSON)", &secret_var));
                    };
                    let store = Arc::new(
                        GoogleCloudStorageBuilder::new()
                            .with_bucket_name(bucket)
                            .with_service_account_key(key.expose())
                            .with_client_options(client_options(cfg))
                            .with_http_connector(connector(cfg, Default::default())?)
                            .with_retry(retry_config())
                            .build()
                            .map_err(built)?,
                    );
                    (store.clone(), Some(store))
                }
                TargetKind::Azure { container } => {
                    let (Some(account), Some(key)) = (&access, &secret) else {
                        return Err(need(
                            "an account name and an account key",
                            &if access.is_none() {
                                access_var.clone()
                            } else {
                                secret_var.clone()
                            },
                        ));
                    };
                    let mut b = MicrosoftAzureBuilder::new()
                        .with_account(account.expose())
                        .with_access_key(key.expose())
                        .with_container_name(container)
                        .with_allow_http(cfg.allow_http())
                        .with_client_options(client_options(cfg))
                        .with_http_connector(connector(cfg, Default::default())?)
                        .with_retry(retry_config());
                    if let Some(e) = &cfg.endpoint {
                        b = b.with_endpoint(e.trim_end_matches('/').to_string());
                    }
                    let store = Arc::new(b.build().map_err(built)?);
                    (store.clone(), Some(store))
                }
                TargetKind::WebDav { base } => {
                    let mut auth = object_store::HeaderMap::new();
                    if let (Some(user), Some(pw)) = (&access, &secret) {
                        use base64::Engine as _;
                        let token = base64::engine::general_purpose::STANDARD.encode(format!(
                            "{}:{}",
                            user.expose(),
                            pw.expose()
                        ));
                        let mut value =
                            object_store::HeaderValue::from_str(&format!("Basic {token}"))
                                .map_err(|_| {
                                    SetupError("The WebDAV user name or password holds characters that cannot be sent; check them.".into())
                                })?;
                        value.set_sensitive(true);
                        auth.insert("authorization", value);
                    }
                    let http = connector(cfg, auth.clone())?;
                    dav = Some(super::webdav::Dav::new(base, auth, cfg)?);
                    metadata = false;
                    let store = HttpBuilder::new()
                        .with_url(base)
                        .with_client_options(client_options(cfg))
                        .with_http_connector(http)
                        .with_retry(retry_config())
                        .build()
                        .map_err(built)?;
                    (Arc::new(store), None)
                }
                TargetKind::Local { .. } => {
                    metadata = false;
                    (Arc::new(LocalFileSystem::new()), None)
                }
            };
        let redact = [access, secret].into_iter().flatten().collect();
        Ok(Target {
            spec,
            store,
            multipart,
            metadata,
            s3,
            dav,
            cfg: cfg.clone(),
            redact,
            key_vars: (access_var, secret_var),
            requests: Default::default(),
        })
    }

    /// Counts one request about to be sent.
    pub fn count(&self) {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Requests sent to the store so far by this process.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The store path of a key (a local target's keys live under its folder).
    pub fn path(&self, key: &str) -> Result<ObjectPath, SyncError> {
        let full = match &self.spec.kind {
            TargetKind::Local { root } => root.join(key).display().to_string(),
            _ => key.to_string(),
        };
        ObjectPath::parse(full.trim_start_matches('/')).map_err(|e| {
            SyncError::new(
                Trouble::Object,
                "bad_key",
                format!("The object name {key} cannot be stored: {e}."),
            )
        })
    }

    /// The object's permanent URL: below `public_url_base` when set, else the store's own.
    pub fn url(&self, key: &str) -> String {
        let rel = key
            .strip_prefix(&self.spec.prefix)
            .unwrap_or(key)
            .trim_start_matches('/');
        if let Some(base) = &self.cfg.public_url_base {
            return format!("{}/{}", base.trim_end_matches('/'), encode_key(rel));
        }
        let key = encode_key(key);
        match &self.spec.kind {
            TargetKind::S3 { bucket } => match &self.cfg.endpoint {
                Some(e) if self.cfg.path_style() => {
                    format!("{}/{bucket}/{key}", e.trim_end_matches('/'))
                }
                Some(e) => {
                    let (scheme, host) = e.split_once("://").unwrap_or(("https", e));
                    format!("{scheme}://{bucket}.{}/{key}", host.trim_end_matches('/'))
                }
                None => format!(
                    "https://{bucket}.s3.{}.amazonaws.com/{key}",
                    self.cfg.region.as_deref().unwrap_or("us-east-1")
                ),
            },
            TargetKind::Gcs { bucket } => {
                format!("https://storage.googleapis.com/{bucket}/{key}")
            }
            TargetKind::Azure { container } => match &self.cfg.endpoint {
                Some(e) => format!("{}/{container}/{key}", e.trim_end_matches('/')),
                None => format!("az://{container}/{key}"),
            },
            TargetKind::WebDav { base } => format!("{base}/{key}"),
            TargetKind::Local { root } => {
                format!(
                    "file://{}/{key}",
                    root.display().to_string().trim_end_matches('/')
                )
            }
        }
    }

    /// Makes the bucket (S3) or folder (local) exist, where the config allows it.
    pub async fn create_bucket(&self) -> Result<(), SyncError> {
        match &self.spec.kind {
            TargetKind::Local { root } => std::fs::create_dir_all(root).map_err(|e| {
                SyncError::new(
                    Trouble::Target,
                    "target_unwritable",
                    format!("Cannot create the folder {}: {e}.", root.display()),
                )
            }),
            TargetKind::S3 { bucket } => {
                let Some(s3) = &self.s3 else {
                    return Err(self.no_bucket());
                };
                use object_store::signer::Signer;
                // A presigned PUT on the bucket itself is S3's CreateBucket, signed by object_store.
                let url = s3
                    .signed_url(
                        object_store::signer::Method::PUT,
                        &ObjectPath::from(""),
                        Duration::from_secs(300),
                    )
                    .await
                    .map_err(|e| self.classify(e, "creating the bucket"))?;
                let region = self.cfg.region.as_deref().unwrap_or("us-east-1");
                let body = if region == "us-east-1" || self.cfg.endpoint.is_some() {
                    String::new()
                } else {
                    format!("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>")
                };
                self.count();
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(self.cfg.timeout_s))
                    .connect_timeout(Duration::from_secs(self.cfg.connect_timeout_s))
                    .build()
                    .map_err(|e| SyncError::new(Trouble::Transient, "network", e.to_string()))?;
                let resp = client
                    .put(url.as_str())
                    .header(reqwest::header::CONTENT_LENGTH, body.len())
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| {
                        SyncError::new(
                            Trouble::Transient,
                            "offline",
                            format!(
                                "Cannot reach the storage at {} to create bucket {bucket} ({}); waiting for the network.",
                                self.where_(),
                                super::error::short(&e.without_url().to_string())
                            ),
                        )
                    })?;
                let status = resp.status().as_u16();
                // 409: it exists already (perhaps made by another upload just now).
                if resp.status().is_success() || status == 409 {
                    tracing::info!(target = %self.spec.name, "created bucket {bucket}");
                    return Ok(());
                }
                let text = resp.text().await.unwrap_or_default();
                Err(self.classify_status(status, &text, "creating the bucket"))
            }
            TargetKind::WebDav { .. } => match &self.dav {
                Some(dav) => self.create_dav_chain(dav).await,
                None => Err(self.no_bucket()),
            },
            _ => Err(self.no_bucket()),
        }
    }

    pub(super) fn where_(&self) -> String {
        match &self.cfg.endpoint {
            Some(e) => e.clone(),
            None => self.spec.name.clone(),
        }
    }
}

/// Percent-encodes a key for a URL, keeping the slashes.
fn encode_key(key: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    utf8_percent_encode(key, KEEP).to_string()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::config::sync::parse_target;
    use crate::secrets::StaticSecrets;

    pub(in crate::sync) fn cfg(target: &str) -> SyncConfig {
        SyncConfig {
            target: Some(target.into()),
            ..Default::default()
        }
    }

    pub(in crate::sync) fn keys() -> StaticSecrets {
        StaticSecrets::default()
            .with(ACCESS_KEY, "AKIDEXAMPLE")
            .with(SECRET_KEY, "very-secret-key")
    }

    #[test]
    fn s3_needs_both_keys_and_names_the_variable() {
        let c = cfg("s3://b/p");
        let spec = parse_target("s3://b/p").unwrap();
        let e = Target::build(spec.clone(), &c, &crate::secrets::NoSecrets).unwrap_err();
        assert!(e.contains("AWS_ACCESS_KEY_ID"), "{e}");
        let only = StaticSecrets::default().with(ACCESS_KEY, "AKID");
        let e = Target::build(spec.clone(), &c, &only).unwrap_err();
        assert!(
            e.contains("AWS_SECRET_ACCESS_KEY") && !e.contains("AKID"),
            "{e}"
        );
        let t = Target::build(spec, &c, &keys()).unwrap();
        assert!(t.metadata && t.multipart.is_some());
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn urls_follow_the_store_or_the_public_base() {
        let mut c = cfg("s3://media/reels");
        c.endpoint = Some("http://127.0.0.1:9000/".into());
        let t = Target::build(parse_target("s3://media/reels").unwrap(), &c, &keys()).unwrap();
        assert_eq!(
            t.url("reels/projects/x/scene-001-ab.jpg"),
            "http://127.0.0.1:9000/media/reels/projects/x/scene-001-ab.jpg"
        );
        c.public_url_base = Some("https://cdn.example.com/reels/".into());
        let t = Target::build(parse_target("s3://media/reels").unwrap(), &c, &keys()).unwrap();
        assert_eq!(
            t.url("reels/projects/x/scene 1.jpg"),
            "https://cdn.example.com/reels/projects/x/scene%201.jpg"
        );
        let aws = Target::build(parse_target("s3://m").unwrap(), &cfg("s3://m"), &keys()).unwrap();
        assert_eq!(
            aws.url("k.jpg"),
            "https://m.s3.us-east-1.amazonaws.com/k.jpg"
        );
        let local = Target::build(
            parse_target("file:///srv/out").unwrap(),
            &cfg("file:///srv/out"),
            &crate::secrets::NoSecrets,
        )
        .unwrap();
        assert_eq!(
            local.url("projects/a.jpg"),
            "file:///srv/out/projects/a.jpg"
        );
        assert_eq!(
            local.path("projects/a.jpg").unwrap().as_ref(),
            "srv/out/projects/a.jpg"
        );
    }

    #[test]
    fn other_stores_build_offline() {
        let gcs = StaticSecrets::default().with(SECRET_KEY, "{not json}");
        // A malformed service account key is a sentence, never a panic.
        let r = Target::build(parse_target("gs://b/p").unwrap(), &cfg("gs://b/p"), &gcs);
        if let Err(e) = r {
            assert!(e.contains("gs://b/p"), "{e}");
        }
        let e = Target::build(
            parse_target("az://c/p").unwrap(),
            &cfg("az://c/p"),
            &crate::secrets::NoSecrets,
        )
        .unwrap_err();
        assert!(e.contains("AZURE_STORAGE_ACCOUNT_NAME"), "{e}");
        let dav = Target::build(
            parse_target("https://dav.example.com/me").unwrap(),
            &cfg("https://dav.example.com/me"),
            &keys(),
        )
        .unwrap();
        assert!(!dav.metadata && dav.multipart.is_none());
        assert_eq!(
            dav.url("projects/a.jpg"),
            "https://dav.example.com/me/projects/a.jpg"
        );
    }
}
