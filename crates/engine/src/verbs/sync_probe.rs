//! The storage target's "Test": one small object written, read back with a HEAD, and removed.
//! It proves the whole path an upload takes (address, credentials, bucket, write access).

use std::time::Instant;

use object_store::{ObjectStoreExt, PutPayload};

use crate::config::sync::TargetKind;
use crate::engine::Engine;
use crate::model::{now_ms, UserError};

/// The probe object's name below the target's prefix.
pub const PROBE_OBJECT: &str = ".storyreel-probe";

impl Engine {
    /// Tests the configured target. `Ok` is a sentence saying what answered; `Err` says what to fix.
    pub async fn sync_test(&self) -> Result<String, UserError> {
        let t = match &self.inner.sync.target {
            None => {
                return Err(UserError::new(
                    "sync_local",
                    "No storage target is set, so images stay on this computer. Enter a target (s3://bucket/prefix, gs://, az://, https:// for WebDAV or file:///folder) and save it to test it.",
                ))
            }
            Some(Err(why)) => return Err(UserError::new("sync_config", why.to_string())),
            Some(Ok(t)) => t.clone(),
        };
        let started = Instant::now();
        if let TargetKind::Local { root } = &t.spec.kind {
            if !root.is_dir() && self.config().sync.create_bucket {
                t.create_bucket().await.map_err(|e| e.user)?;
            }
        }
        let key = t.spec.key(PROBE_OBJECT);
        let path = t.path(&key).map_err(|e| e.user)?;
        let body = format!("StoryReel storage test {}\n", now_ms()).into_bytes();
        let size = body.len() as u64;
        let put = |body: Vec<u8>| {
            t.count();
            t.store.put(&path, PutPayload::from(body))
        };
        match put(body.clone()).await {
            Ok(_) => {}
            Err(e) => {
                let err = t.classify(e, "writing a test object");
                if err.user.code == "no_bucket" && self.config().sync.create_bucket {
                    t.create_bucket().await.map_err(|e| e.user)?;
                    put(body)
                        .await
                        .map_err(|e| t.classify(e, "writing a test object").user)?;
                } else {
                    return Err(err.user);
                }
            }
        }
        t.count();
        let meta = t
            .store
            .head(&path)
            .await
            .map_err(|e| t.classify(e, "reading the test object back").user)?;
        if meta.size != size {
            return Err(UserError::new(
                "verify_failed",
                format!(
                    "{} kept {} bytes of a {size}-byte test object; something between here and the storage changes what is written.",
                    t.spec.name, meta.size
                ),
            ));
        }
        t.count();
        if let Err(e) = t.store.delete(&path).await {
            tracing::debug!(error = %t.scrub(&e.to_string()), "removing the storage test object");
        }
        Ok(format!(
            "{} works: a test object was written, read back and removed in {} ms.",
            t.spec.name,
            started.elapsed().as_millis()
        ))
    }
}
