//! Sorting storage failures: every `object_store` error, I/O error and HTTP status becomes
//! "wait and retry" (offline, busy, not visible yet), "needs the user" (credentials, a missing
//! bucket or folder) or "this object cannot be stored", with a sentence that says which.
//! A "not found" is read at the depth it was met: a missing object on a check is only not
//! visible yet; only a bucket- or container-level answer means "no bucket".

use super::error::{short, SyncError, Trouble};
use super::target::Target;
use crate::config::sync::TargetKind;

impl Target {
    /// Sorts a failure of the check of one object (the HEAD or read-back after an upload). A
    /// "not found" there says nothing about the bucket: an eventually consistent store has not
    /// shown the object yet, or a lifecycle rule removed it. It waits and retries.
    pub fn classify_check(&self, e: object_store::Error, doing: &str) -> SyncError {
        match &e {
            object_store::Error::NotFound { .. } => match self.missing_folder() {
                Some(gone) => gone,
                None => SyncError::new(
                    Trouble::Transient,
                    "not_visible",
                    format!(
                        "The storage does not show the upload yet ({doing}); StoryReel checks again by itself."
                    ),
                ),
            },
            _ => self.classify(e, doing),
        }
    }

    /// A "not found" on a write: a local target's folder that vanished (a drive unplugged)
    /// waits for it; elsewhere the bucket or container is missing.
    fn not_found(&self) -> SyncError {
        self.missing_folder().unwrap_or_else(|| self.no_bucket())
    }

    /// For a local target whose folder is not there: the wait for it to come back.
    pub fn missing_folder(&self) -> Option<SyncError> {
        let TargetKind::Local { root } = &self.spec.kind else {
            return None;
        };
        (!root.is_dir()).then(|| {
            SyncError::new(
                Trouble::Transient,
                "target_missing",
                format!(
                    "The folder {} is not there (is its drive plugged in?); uploads wait for it. Set create_bucket = true in [sync] to create it.",
                    root.display()
                ),
            )
        })
    }

    pub fn no_bucket(&self) -> SyncError {
        let (what, fix) = match &self.spec.kind {
            TargetKind::Local { root } => (
                format!("The folder {} does not exist", root.display()),
                "create it (or plug in the drive it is on), or set create_bucket = true in [sync]",
            ),
            TargetKind::S3 { bucket } | TargetKind::Gcs { bucket } => (
                format!("The bucket `{bucket}` does not exist at {}", self.where_()),
                "create it, or set create_bucket = true in [sync] (S3 and compatible stores)",
            ),
            TargetKind::Azure { container } => (
                format!("The container `{container}` does not exist"),
                "create it in the Azure portal",
            ),
            TargetKind::WebDav { base } => (
                format!("The WebDAV folder {base} does not exist"),
                "create it on the server, or set create_bucket = true in [sync]",
            ),
        };
        SyncError::new(
            Trouble::Target,
            "no_bucket",
            format!("{what}: {fix}, then retry the uploads."),
        )
    }

    /// Sorts an `object_store` error. `doing` names the step ("uploading", "checking").
    pub fn classify(&self, e: object_store::Error, doing: &str) -> SyncError {
        use object_store::Error as E;
        match &e {
            E::NotFound { .. } => self.not_found(),
            E::PermissionDenied { .. } | E::Unauthenticated { .. } => self.denied(&e.to_string()),
            E::NotSupported { .. } | E::NotImplemented { .. } | E::UnknownConfigurationKey { .. } => {
                SyncError::new(
                    Trouble::Target,
                    "unsupported",
                    format!(
                        "The storage target {} cannot do what {doing} needs: {}. Check [sync] in the config.",
                        self.spec.name,
                        self.scrub(&e.to_string())
                    ),
                )
            }
            E::InvalidPath { .. } | E::AlreadyExists { .. } | E::Precondition { .. } => {
                SyncError::new(
                    Trouble::Object,
                    "refused",
                    format!(
                        "The storage refused {doing}: {}. Retrying the uploads tries again.",
                        self.scrub(&e.to_string())
                    ),
                )
            }
            _ => self.classify_chain(&e, doing),
        }
    }

    pub(super) fn classify_chain(
        &self,
        e: &(dyn std::error::Error + 'static),
        doing: &str,
    ) -> SyncError {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        let mut texts = Vec::new();
        while let Some(err) = cur {
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                return self.classify_io(io, doing);
            }
            if let Some(h) = err.downcast_ref::<object_store::client::HttpError>() {
                use object_store::client::HttpErrorKind as K;
                let what = match h.kind() {
                    K::Connect => "cannot connect",
                    K::Timeout => "timed out",
                    _ => "the connection broke",
                };
                return SyncError::new(
                    Trouble::Transient,
                    "offline",
                    format!(
                        "Cannot reach the storage at {} ({what} while {doing}); waiting for the network, StoryReel retries by itself.",
                        self.where_()
                    ),
                );
            }
            texts.push(err.to_string());
            cur = err.source();
        }
        let all = texts.join(" | ");
        match status_in(&all) {
            Some(status) => self.classify_status(status, &all, doing),
            None => SyncError::new(
                Trouble::Transient,
                "storage_error",
                format!(
                    "The storage failed while {doing} ({}); StoryReel retries by itself.",
                    short(&self.scrub(&all))
                ),
            ),
        }
    }

    fn classify_io(&self, io: &std::io::Error, doing: &str) -> SyncError {
        use std::io::ErrorKind as K;
        match io.kind() {
            K::PermissionDenied | K::ReadOnlyFilesystem => SyncError::new(
                Trouble::Target,
                "target_unwritable",
                format!(
                    "StoryReel may not write to {} ({io}); check the folder's permissions, then retry the uploads.",
                    self.spec.name
                ),
            ),
            K::NotFound => self.not_found(),
            _ => SyncError::new(
                Trouble::Transient,
                "storage_error",
                format!(
                    "Writing to {} failed while {doing} ({io}); StoryReel retries by itself.",
                    self.spec.name
                ),
            ),
        }
    }

    fn denied(&self, detail: &str) -> SyncError {
        let vars = match &self.key_vars {
            (Some(a), Some(s)) => format!("{a} and {s}"),
            (None, Some(s)) => s.clone(),
            (Some(a), None) => a.clone(),
            (None, None) => "the credentials".into(),
        };
        let code = s3_code(detail)
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        SyncError::new(
            Trouble::Target,
            "denied",
            format!(
                "The storage at {} refused StoryReel's credentials{code}: check {vars} (in the app: Settings → Storage) and the bucket's permissions, then retry the uploads.",
                self.where_()
            ),
        )
    }

    pub(super) fn classify_status(&self, status: u16, text: &str, doing: &str) -> SyncError {
        let code = s3_code(text).map(|c| format!(" {c}")).unwrap_or_default();
        match status {
            401 | 403 => self.denied(text),
            404 => self.no_bucket(),
            408 | 409 | 423 | 425 | 429 | 500..=599 => SyncError::new(
                Trouble::Transient,
                "storage_busy",
                format!(
                    "The storage answered HTTP {status}{code} while {doing}; StoryReel retries by itself."
                ),
            ),
            _ => SyncError::new(
                Trouble::Object,
                "refused",
                format!(
                    "The storage refused {doing} with HTTP {status}{code}; check [sync] in the config, then retry the uploads."
                ),
            ),
        }
    }

    /// A text that came from the network without secrets: URLs lose their query and user
    /// info, and the target's secret values are masked.
    pub fn scrub(&self, text: &str) -> String {
        let secrets: Vec<&str> = self.redact.iter().map(|s| s.expose()).collect();
        crate::redact::scrub(text, &secrets)
    }
}

/// The HTTP status in an object_store error text ("... status code: 403 Forbidden ...").
fn status_in(text: &str) -> Option<u16> {
    let i = text.find("status code: ")? + "status code: ".len();
    text.get(i..i + 3)?.parse().ok()
}

/// The S3 error code in an XML error body (`<Code>NoSuchBucket</Code>`).
fn s3_code(text: &str) -> Option<String> {
    let start = text.find("<Code>")? + 6;
    let end = text[start..].find("</Code>")? + start;
    let code = &text[start..end];
    (code.len() < 64 && code.chars().all(|c| c.is_ascii_alphanumeric())).then(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sync::parse_target;
    use crate::sync::target::tests::{cfg, keys};

    #[test]
    fn statuses_sort_into_trouble_kinds() {
        let t = Target::build(parse_target("s3://b").unwrap(), &cfg("s3://b"), &keys()).unwrap();
        assert_eq!(
            t.classify_status(503, "", "uploading").trouble,
            Trouble::Transient
        );
        assert_eq!(
            t.classify_status(429, "", "uploading").trouble,
            Trouble::Transient
        );
        // WebDAV's Locked: another client holds the folder for a moment.
        assert_eq!(
            t.classify_status(423, "", "uploading").trouble,
            Trouble::Transient
        );
        assert_eq!(
            t.classify_status(400, "", "uploading").trouble,
            Trouble::Object
        );
        let d = t.classify_status(
            403,
            "<Error><Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId></Error>",
            "uploading",
        );
        assert_eq!(d.trouble, Trouble::Target);
        assert!(
            d.user.message.contains("SignatureDoesNotMatch"),
            "{:?}",
            d.user
        );
        assert!(!d.user.message.contains("AKIDEXAMPLE"));
        assert!(d.user.message.contains("AWS_SECRET_ACCESS_KEY"));
        assert_eq!(
            t.classify_status(404, "", "uploading").user.code,
            "no_bucket"
        );
        assert_eq!(status_in("x: status code: 502 Bad Gateway"), Some(502));
        assert_eq!(t.scrub("key very-secret-key here"), "key *** here");
    }

    #[test]
    fn not_found_is_read_at_its_depth() {
        let nf = || object_store::Error::NotFound {
            path: "projects/p/scene-001-abcd1234.jpg".into(),
            source: "404".into(),
        };
        let t = Target::build(parse_target("s3://b").unwrap(), &cfg("s3://b"), &keys()).unwrap();
        // A missing object on the check after an upload: not visible yet, wait.
        let c = t.classify_check(nf(), "checking the upload");
        assert_eq!(
            (c.trouble, c.user.code.as_str()),
            (Trouble::Transient, "not_visible")
        );
        // A 404 on a write is S3's NoSuchBucket.
        let w = t.classify(nf(), "uploading");
        assert_eq!(
            (w.trouble, w.user.code.as_str()),
            (Trouble::Target, "no_bucket")
        );
        // A local folder that vanished (a drive unplugged) waits for it, on writes and checks.
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}/gone", dir.path().display());
        let local = Target::build(parse_target(&url).unwrap(), &cfg(&url), &keys()).unwrap();
        for e in [
            local.classify(nf(), "uploading"),
            local.classify_check(nf(), "checking the upload"),
        ] {
            assert_eq!(
                (e.trouble, e.user.code.as_str()),
                (Trouble::Transient, "target_missing")
            );
        }
        std::fs::create_dir(dir.path().join("gone")).unwrap();
        let w = local.classify(nf(), "uploading");
        assert_eq!(
            w.user.code, "no_bucket",
            "the folder is there: a real refusal"
        );
    }
}
