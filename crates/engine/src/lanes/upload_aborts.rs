//! The abort outbox: multipart uploads that were begun and left (an attempt cancelled, failed,
//! restarted, replaced or deleted mid-upload) are aborted on the store, so no part stays
//! billed. `Queue::put_job` files them in the same transaction as the job's change; the upload
//! lane drains them.

use object_store::Error as StoreError;

use crate::engine::Engine;
use crate::error::Result;

impl Engine {
    /// Aborts the outbox's multipart uploads that were begun on the current target. An upload
    /// the store no longer knows (completed, or aborted already) leaves the outbox too; one the
    /// store cannot be asked about now (offline) stays for the next round. Returns how many
    /// left the outbox.
    pub async fn drain_aborts(&self) -> Result<usize> {
        let Some(Ok(target)) = &self.inner.sync.target else {
            return Ok(0);
        };
        let mut settled = 0;
        for a in self.store().pending_aborts()? {
            if a.target != target.spec.name {
                // Begun on another target: it waits until that target is configured again.
                continue;
            }
            let done = match (&target.multipart, target.path(&target.spec.key(&a.key))) {
                (Some(mp), Ok(path)) => {
                    target.count();
                    match mp.abort_multipart(&path, &a.upload_id).await {
                        Ok(()) | Err(StoreError::NotFound { .. }) => true,
                        Err(e) => {
                            tracing::debug!(error = %target.scrub(&e.to_string()), "aborting an unfinished upload failed; tried again later");
                            false
                        }
                    }
                }
                // A store without a multipart API keeps no parts to abort.
                _ => true,
            };
            if done {
                self.store().remove_abort(&a.upload_id)?;
                settled += 1;
            }
        }
        if settled > 0 {
            self.store().flush().await?;
            tracing::debug!(count = settled, "aborted unfinished multipart uploads");
        }
        Ok(settled)
    }
}
