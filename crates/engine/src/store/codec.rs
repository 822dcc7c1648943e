//! How records and keys are laid out in sled: serde encoding, the ordered keys of scenes and
//! the queue, leases, the meta keys, and the transaction result type.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::ConflictableTransactionError;
use sled::Tree;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{Job, Lane};

pub type TxResult<T> = std::result::Result<T, ConflictableTransactionError<Error>>;

/// Aborts a transaction with an engine error.
pub fn abort<T>(e: Error) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

pub(super) const META_SCHEMA: &[u8] = b"schema";
pub(super) const META_PAUSED: &[u8] = b"paused";
/// Prefix of the abort outbox's entries in `meta` (`mpabort:` ++ upload id).
pub(super) const META_ABORT: &str = "mpabort:";

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Our records are plain structs of strings and numbers: serialising them cannot fail.
    serde_json::to_vec(v).unwrap_or_default()
}

pub fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::Db(format!(
            "a record in `{tree}` is unreadable ({e}); the data folder's check says more"
        ))
    })
}

pub(super) fn get<T: DeserializeOwned>(tree: &Tree, name: &str, key: &[u8]) -> Result<Option<T>> {
    tree.get(key)?.map(|v| decode(name, &v)).transpose()
}

pub(super) fn decode_kv<T: DeserializeOwned>(
    kv: sled::Result<(sled::IVec, sled::IVec)>,
    name: &str,
) -> Result<T> {
    let (_, v) = kv?;
    decode(name, &v)
}

pub fn scene_key(project: Uuid, index: u32) -> [u8; 20] {
    let mut k = [0u8; 20];
    k[..16].copy_from_slice(project.as_bytes());
    k[16..].copy_from_slice(&index.to_be_bytes());
    k
}

pub fn queue_key(lane: Lane, priority: u8, seq: u64) -> [u8; 10] {
    let mut k = [0u8; 10];
    k[0] = lane.as_u8();
    k[1] = 255 - priority;
    k[2..].copy_from_slice(&seq.to_be_bytes());
    k
}

pub fn job_queue_key(job: &Job) -> [u8; 10] {
    queue_key(job.lane(), job.priority, job.seq)
}

pub fn encode_lease(until: u64, attempt: u32) -> [u8; 12] {
    let mut v = [0u8; 12];
    v[..8].copy_from_slice(&until.to_be_bytes());
    v[8..].copy_from_slice(&attempt.to_be_bytes());
    v
}

pub fn decode_lease(v: &[u8]) -> Option<(u64, u32)> {
    let until = u64::from_be_bytes(v.get(..8)?.try_into().ok()?);
    let attempt = u32::from_be_bytes(v.get(8..12)?.try_into().ok()?);
    Some((until, attempt))
}
