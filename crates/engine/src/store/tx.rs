//! One sled transaction over every tree: the only way records are written together.

use serde::de::DeserializeOwned;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use uuid::Uuid;

use super::codec::{
    decode, encode, encode_lease, job_queue_key, scene_key, TxResult, META_ABORT, META_PAUSED,
};
use crate::model::{Asset, Job, Project, Scene};

/// A transaction over every tree, with typed access.
pub struct Tx<'a> {
    pub(super) t: &'a [TransactionalTree],
}

const PROJECTS: usize = 0;
const SCENES: usize = 1;
const JOBS: usize = 2;
const QUEUE: usize = 3;
const LEASES: usize = 4;
const ASSETS: usize = 5;
const SOURCES: usize = 6;
const META: usize = 7;

impl Tx<'_> {
    fn read<T: DeserializeOwned>(
        &self,
        tree: usize,
        name: &str,
        key: &[u8],
    ) -> TxResult<Option<T>> {
        match self.t[tree].get(key)? {
            None => Ok(None),
            Some(v) => decode(name, &v)
                .map(Some)
                .map_err(ConflictableTransactionError::Abort),
        }
    }
    pub fn project(&self, id: Uuid) -> TxResult<Option<Project>> {
        self.read(PROJECTS, "projects", id.as_bytes())
    }
    pub fn put_project(&self, p: &Project) -> TxResult<()> {
        self.t[PROJECTS].insert(p.id.as_bytes().as_slice(), encode(p))?;
        Ok(())
    }
    pub fn remove_project(&self, id: Uuid) -> TxResult<()> {
        self.t[PROJECTS].remove(id.as_bytes().as_slice())?;
        Ok(())
    }
    pub fn scene(&self, project: Uuid, index: u32) -> TxResult<Option<Scene>> {
        self.read(SCENES, "scenes", &scene_key(project, index))
    }
    pub fn put_scene(&self, s: &Scene) -> TxResult<()> {
        self.t[SCENES].insert(scene_key(s.project_id, s.index).as_slice(), encode(s))?;
        Ok(())
    }
    pub fn remove_scene(&self, project: Uuid, index: u32) -> TxResult<()> {
        self.t[SCENES].remove(scene_key(project, index).as_slice())?;
        Ok(())
    }
    pub fn job(&self, id: Uuid) -> TxResult<Option<Job>> {
        self.read(JOBS, "jobs", id.as_bytes())
    }
    pub fn put_job_record(&self, j: &Job) -> TxResult<()> {
        self.t[JOBS].insert(j.id.as_bytes().as_slice(), encode(j))?;
        Ok(())
    }
    pub fn remove_job_record(&self, id: Uuid) -> TxResult<()> {
        self.t[JOBS].remove(id.as_bytes().as_slice())?;
        Ok(())
    }
    pub fn index_insert(&self, job: &Job) -> TxResult<()> {
        self.t[QUEUE].insert(job_queue_key(job).as_slice(), job.id.as_bytes().as_slice())?;
        Ok(())
    }
    /// Removes the job's queue entry; says whether it was there.
    pub fn index_remove(&self, job: &Job) -> TxResult<bool> {
        Ok(self.t[QUEUE]
            .remove(job_queue_key(job).as_slice())?
            .is_some())
    }
    pub fn index_contains(&self, job: &Job) -> TxResult<bool> {
        Ok(self.t[QUEUE]
            .get(job_queue_key(job).as_slice())?
            .is_some_and(|v| v.as_ref() == job.id.as_bytes()))
    }
    pub fn lease_set(&self, job: Uuid, until: u64, attempt: u32) -> TxResult<()> {
        self.t[LEASES].insert(
            job.as_bytes().as_slice(),
            encode_lease(until, attempt).as_slice(),
        )?;
        Ok(())
    }
    pub fn lease_remove(&self, job: Uuid) -> TxResult<()> {
        self.t[LEASES].remove(job.as_bytes().as_slice())?;
        Ok(())
    }
    pub fn put_asset(&self, a: &Asset) -> TxResult<()> {
        self.t[ASSETS].insert(a.hash.as_bytes(), encode(a))?;
        Ok(())
    }
    pub fn put_source(&self, hash: &str, project: Uuid) -> TxResult<()> {
        self.t[SOURCES].insert(hash.as_bytes(), project.as_bytes().as_slice())?;
        Ok(())
    }
    pub fn remove_source(&self, hash: &str) -> TxResult<()> {
        self.t[SOURCES].remove(hash.as_bytes())?;
        Ok(())
    }
    /// Adds a begun multipart upload to the abort outbox.
    pub fn put_abort(&self, a: &crate::model::MultipartAbort) -> TxResult<()> {
        let key = format!("{META_ABORT}{}", a.upload_id);
        self.t[META].insert(key.as_bytes(), encode(a))?;
        Ok(())
    }
    /// A record of the meta tree under `key` (the undo history's steps).
    pub fn put_meta<T: serde::Serialize>(&self, key: &str, value: &T) -> TxResult<()> {
        self.t[META].insert(key.as_bytes(), encode(value))?;
        Ok(())
    }
    pub fn meta<T: DeserializeOwned>(&self, key: &str) -> TxResult<Option<T>> {
        self.read(META, "meta", key.as_bytes())
    }
    pub fn remove_meta(&self, key: &str) -> TxResult<()> {
        self.t[META].remove(key.as_bytes())?;
        Ok(())
    }
    pub fn set_global_pause(&self, paused: bool) -> TxResult<()> {
        self.t[META].insert(META_PAUSED, &[paused as u8])?;
        Ok(())
    }
}
