//! `[sync]`: where finished images go, and how. No `target` means local only: nothing is queued
//! for upload and nothing is reported as pending. Credentials never live here: the section names
//! the environment variables (CLI) or keychain entries (app) that hold them.

use serde::{Deserialize, Serialize};

use super::BadSetting;

/// The `[sync]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`, a WebDAV
    /// `https://host/path`, or `file:///path`.
    pub target: Option<String>,
    /// S3-compatible stores (MinIO, R2, Supabase, B2...): the endpoint URL.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Path-style requests (`endpoint/bucket/key`); default: on when `endpoint` is set.
    pub path_style: Option<bool>,
    /// Plain http; default: on when `endpoint` starts with http://.
    pub allow_http: Option<bool>,
    /// The variable (or keychain entry) holding the access key id, or the account name (Azure),
    /// or the user name (WebDAV).
    pub access_key_env: Option<String>,
    /// The variable holding the secret key, the account key (Azure), the service account JSON
    /// (GCS), or the password (WebDAV).
    pub secret_key_env: Option<String>,
    /// Create the bucket (or folder) when it is missing, where the store allows.
    pub create_bucket: bool,
    /// Uploads at once (default: `[queue] upload_concurrency`).
    pub concurrency: Option<usize>,
    /// The base of the recorded URL: `{public_url_base}/projects/{project}/scene-001-....jpg`.
    pub public_url_base: Option<String>,
    /// Upload each scene's thumbnail too.
    pub upload_thumbnails: bool,
    /// Files above this size go up in parts (multipart upload).
    pub multipart_threshold_mb: u64,
    /// How long a request to the store may make no progress (a slow link that moves is fine).
    pub timeout_s: u64,
    pub connect_timeout_s: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            target: None,
            endpoint: None,
            region: None,
            path_style: None,
            allow_http: None,
            access_key_env: None,
            secret_key_env: None,
            create_bucket: false,
            concurrency: None,
            public_url_base: None,
            upload_thumbnails: false,
            multipart_threshold_mb: 8,
            timeout_s: 60,
            connect_timeout_s: 5,
        }
    }
}

/// The kind of store a target names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    S3 { bucket: String },
    Gcs { bucket: String },
    Azure { container: String },
    WebDav { base: String },
    Local { root: std::path::PathBuf },
}

/// A parsed target: the store and the key prefix inside it (no leading or trailing slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    pub kind: TargetKind,
    pub prefix: String,
    /// The target as configured, for display and to tell targets apart.
    pub name: String,
}

impl TargetSpec {
    /// The key of an object under this target's prefix.
    pub fn key(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            rest.to_string()
        } else {
            format!("{}/{rest}", self.prefix)
        }
    }

    pub fn scheme(&self) -> &'static str {
        match self.kind {
            TargetKind::S3 { .. } => "s3",
            TargetKind::Gcs { .. } => "gs",
            TargetKind::Azure { .. } => "az",
            TargetKind::WebDav { .. } => "webdav",
            TargetKind::Local { .. } => "file",
        }
    }
}

/// The part of a key below the prefix: `projects/{project}/{name}`.
pub fn object_name(project: uuid::Uuid, name: &str) -> String {
    format!("projects/{project}/{name}")
}

/// A scene image's object name: `scene-{nnn}-{hash8}.{ext}`.
pub fn scene_object(index: u32, hash: &str, ext: &str) -> String {
    format!("scene-{index:03}-{}.{ext}", &hash[..hash.len().min(8)])
}

impl SyncConfig {
    pub fn enabled(&self) -> bool {
        self.target.is_some()
    }

    /// Checks the section; `Err` is a sentence naming the key.
    pub fn check(&self) -> Result<Option<TargetSpec>, BadSetting> {
        let Some(target) = &self.target else {
            return Ok(None);
        };
        let spec = parse_target(target)?;
        if let Some(e) = &self.endpoint {
            if !(e.starts_with("http://") || e.starts_with("https://")) {
                return Err(BadSetting(format!(
                    "[sync] endpoint `{e}` must start with http:// or https://."
                )));
            }
            if !matches!(spec.kind, TargetKind::S3 { .. } | TargetKind::Azure { .. }) {
                return Err(BadSetting(
                    "[sync] endpoint applies to s3:// (and az://) targets only; remove it.".into(),
                ));
            }
        }
        if let Some(b) = &self.public_url_base {
            if !(b.starts_with("http://") || b.starts_with("https://")) {
                return Err(BadSetting(format!(
                    "[sync] public_url_base `{b}` must start with http:// or https://."
                )));
            }
        }
        if let Some(c) = self.concurrency {
            if !(1..=64).contains(&c) {
                return Err(BadSetting(
                    "[sync] concurrency must be between 1 and 64.".into(),
                ));
            }
        }
        if !(1..=5000).contains(&self.multipart_threshold_mb) {
            return Err(BadSetting(
                "[sync] multipart_threshold_mb must be between 1 and 5000.".into(),
            ));
        }
        if self.timeout_s == 0 || self.connect_timeout_s == 0 {
            return Err(BadSetting(
                "[sync] timeout_s and connect_timeout_s must be above 0.".into(),
            ));
        }
        if let TargetKind::WebDav { base } = &spec.kind {
            if base.starts_with("http://") && self.allow_http != Some(true) {
                return Err(BadSetting(format!(
                    "[sync] target `{target}` is plain http: use https://, or set allow_http = true for a server on a trusted network."
                )));
            }
        }
        Ok(Some(spec))
    }

    /// The environment variable (or keychain entry) for the access key, by target kind.
    pub fn access_key_var(&self, kind: &TargetKind) -> Option<String> {
        self.access_key_env.clone().or(match kind {
            TargetKind::S3 { .. } => Some("AWS_ACCESS_KEY_ID".into()),
            TargetKind::Azure { .. } => Some("AZURE_STORAGE_ACCOUNT_NAME".into()),
            TargetKind::WebDav { .. } => Some("STORYREEL_WEBDAV_USER".into()),
            TargetKind::Gcs { .. } | TargetKind::Local { .. } => None,
        })
    }

    pub fn secret_key_var(&self, kind: &TargetKind) -> Option<String> {
        self.secret_key_env.clone().or(match kind {
            TargetKind::S3 { .. } => Some("AWS_SECRET_ACCESS_KEY".into()),
            TargetKind::Azure { .. } => Some("AZURE_STORAGE_ACCOUNT_KEY".into()),
            TargetKind::Gcs { .. } => Some("GOOGLE_SERVICE_ACCOUNT_KEY".into()),
            TargetKind::WebDav { .. } => Some("STORYREEL_WEBDAV_PASSWORD".into()),
            TargetKind::Local { .. } => None,
        })
    }

    pub fn path_style(&self) -> bool {
        self.path_style.unwrap_or(self.endpoint.is_some())
    }

    pub fn allow_http(&self) -> bool {
        self.allow_http.unwrap_or_else(|| {
            self.endpoint
                .as_deref()
                .is_some_and(|e| e.starts_with("http://"))
        })
    }
}

/// Parses a target URL. Credentials in the URL are refused: they belong in the keychain or
/// the environment, never in a file.
pub fn parse_target(target: &str) -> Result<TargetSpec, BadSetting> {
    let t = target.trim();
    let bad = |why: &str| {
        Err(BadSetting(format!(
            "[sync] target `{t}` {why} Use s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, https://webdav-host/path or file:///folder."
        )))
    };
    let Some((scheme, rest)) = t.split_once("://") else {
        return bad("is not a URL.");
    };
    let split = |rest: &str| -> (String, String) {
        let rest = rest.trim_matches('/');
        match rest.split_once('/') {
            Some((b, p)) => (b.to_string(), p.trim_matches('/').to_string()),
            None => (rest.to_string(), String::new()),
        }
    };
    let valid_prefix = |p: &str| {
        !p.split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
            || p.is_empty()
    };
    let kind_and_prefix = match scheme.to_ascii_lowercase().as_str() {
        "s3" | "s3a" | "gs" | "az" | "abfs" | "azure" => {
            let (bucket, prefix) = split(rest);
            if bucket.is_empty() {
                return bad("names no bucket.");
            }
            if bucket.contains('@') || bucket.contains(':') {
                return bad("holds credentials or a port; put the endpoint in `endpoint` and credentials in the environment or the keychain.");
            }
            let kind = match scheme {
                "s3" | "s3a" => TargetKind::S3 { bucket },
                "gs" => TargetKind::Gcs { bucket },
                _ => TargetKind::Azure { container: bucket },
            };
            (kind, prefix)
        }
        "http" | "https" => {
            let host = rest.split('/').next().unwrap_or("");
            if host.is_empty() {
                return bad("names no host.");
            }
            if host.contains('@') {
                return bad("holds credentials; set them through access_key_env and secret_key_env instead.");
            }
            // The whole URL is the WebDAV folder; keys go below it.
            (
                TargetKind::WebDav {
                    base: t.trim_end_matches('/').to_string(),
                },
                String::new(),
            )
        }
        "file" => {
            let path = std::path::PathBuf::from(rest);
            if !path.is_absolute() {
                return bad("must be an absolute path (file:///home/me/storyreel).");
            }
            (TargetKind::Local { root: path }, String::new())
        }
        _ => return bad(&format!("has an unknown scheme `{scheme}`.")),
    };
    let (kind, prefix) = kind_and_prefix;
    if !valid_prefix(&prefix) {
        return bad("has an empty, `.` or `..` segment in its prefix.");
    }
    Ok(TargetSpec {
        kind,
        prefix,
        name: t.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_into_store_and_prefix() {
        let s = parse_target("s3://my-bucket/storyreel/v1/").unwrap();
        assert_eq!(
            s.kind,
            TargetKind::S3 {
                bucket: "my-bucket".into()
            }
        );
        assert_eq!(s.prefix, "storyreel/v1");
        assert_eq!(s.key("projects/x/a.jpg"), "storyreel/v1/projects/x/a.jpg");
        let g = parse_target("gs://b").unwrap();
        assert_eq!(g.prefix, "");
        assert_eq!(g.key("projects/x"), "projects/x");
        assert!(matches!(
            parse_target("az://media/reels").unwrap().kind,
            TargetKind::Azure { .. }
        ));
        assert!(matches!(
            parse_target("file:///tmp/out").unwrap().kind,
            TargetKind::Local { .. }
        ));
        assert!(matches!(
            parse_target("https://dav.example.com/remote.php/dav/files/me/reels")
                .unwrap()
                .kind,
            TargetKind::WebDav { .. }
        ));
    }

    #[test]
    fn bad_targets_say_what_is_wrong() {
        for (t, needle) in [
            ("my-bucket", "not a URL"),
            ("s3://", "no bucket"),
            ("ftp://x/y", "unknown scheme"),
            ("file://relative/path", "absolute"),
            ("s3://key:secret@bucket/x", "credentials"),
            ("https://me:pw@dav.example.com/x", "credentials"),
            ("s3://b/a//c", "empty"),
            ("s3://b/a/../c", "`..`"),
        ] {
            let e = parse_target(t).unwrap_err();
            assert!(e.contains(needle), "{t}: {e}");
            assert!(!e.contains("secret@") || t.contains("secret@"));
        }
    }

    #[test]
    fn defaults_follow_the_endpoint() {
        let mut c = SyncConfig {
            target: Some("s3://b/p".into()),
            ..Default::default()
        };
        assert!(!c.path_style() && !c.allow_http());
        c.endpoint = Some("http://127.0.0.1:9000".into());
        assert!(c.path_style() && c.allow_http());
        c.path_style = Some(false);
        assert!(!c.path_style());
        let spec = c.check().unwrap().unwrap();
        assert_eq!(
            c.access_key_var(&spec.kind).as_deref(),
            Some("AWS_ACCESS_KEY_ID")
        );
        c.endpoint = Some("127.0.0.1:9000".into());
        assert!(c.check().unwrap_err().contains("endpoint"));
        let dav = SyncConfig {
            target: Some("http://nas.local/dav".into()),
            ..Default::default()
        };
        assert!(dav.check().unwrap_err().contains("allow_http"));
    }

    #[test]
    fn object_names_are_content_addressed() {
        let id = uuid::Uuid::nil();
        assert_eq!(
            object_name(id, &scene_object(7, "abcdef0123456789", "jpg")),
            "projects/00000000-0000-0000-0000-000000000000/scene-007-abcdef01.jpg"
        );
    }
}
