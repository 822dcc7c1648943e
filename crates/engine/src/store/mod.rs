//! The sled database: one tree per record kind, a typed JSON codec, big-endian keys,
//! multi-tree transactions, and a flush before any change is acknowledged.
//!
//! Trees: `projects` (id), `scenes` (project id ++ index), `jobs` (id), `queue` (lane ++
//! inverted priority ++ seq -> job id: the one ordered index positions come from), `leases`
//! (job id -> lease end ++ attempt, for running jobs), `assets` (hash), `sources` (story hash ->
//! project id) and `meta` (schema version, global pause).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{TransactionError, TransactionalTree};
use sled::{Transactional, Tree};
use uuid::Uuid;

use crate::error::{is_no_space, Error, Result};
use crate::model::{Asset, Job, Lane, Project, Scene, SCHEMA_VERSION};

mod codec;
mod own_files;
mod space;
mod tx;

pub use crate::disk::{disk_full, free_bytes};
pub use codec::{
    abort, decode, decode_lease, encode, encode_lease, job_queue_key, queue_key, scene_key,
    TxResult,
};
use codec::{decode_kv, get, META_ABORT, META_PAUSED, META_SCHEMA};
pub use own_files::create_private_dir;
pub use space::CONTROL_SOCKET;
pub use space::RESUME_SPACE;
use space::{lock_dir, LOW_SPACE};
pub use tx::Tx;

pub struct Store {
    db: sled::Db,
    pub(crate) projects: Tree,
    pub(crate) scenes: Tree,
    pub(crate) jobs: Tree,
    pub(crate) queue: Tree,
    pub(crate) leases: Tree,
    pub(crate) assets: Tree,
    pub(crate) sources: Tree,
    pub(crate) meta: Tree,
    durable: bool,
    dir: PathBuf,
    _lock: File,
    /// Serialises writes of the marker file.
    marker_write: std::sync::Mutex<()>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("durable", &self.durable)
            .finish()
    }
}

impl Store {
    /// Opens (or creates) the database in `dir`. `durable = false` turns off flushing: only for
    /// the crash test's control run, which must show that the test can fail.
    pub fn open(dir: &Path, durable: bool) -> Result<Store> {
        space::refuse_foreign(dir)?;
        own_files::check_owned_dir(dir)?;
        own_files::create_private_dir(dir).map_err(|e| {
            Error::io(format!("Cannot create the data folder {} (check its permissions, or choose another data folder)", dir.display()), e)
        })?;
        let lock = lock_dir(dir)?;
        let db_path = dir.join("db");
        let cfg = sled::Config::new()
            .path(&db_path)
            .cache_capacity(64 * 1024 * 1024)
            .flush_every_ms(if durable { Some(500) } else { None });
        // sled can panic on some damaged files; a damaged folder must be a message, never a crash.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || cfg.open()));
        let db = match opened {
            Ok(Ok(db)) => db,
            // A full disk is not damage: say so, and never advise moving the folder aside.
            Ok(Err(sled::Error::Io(e))) if is_no_space(&e) => return Err(disk_full(dir)),
            _ if free_bytes(dir).is_some_and(|b| b < LOW_SPACE) => return Err(disk_full(dir)),
            Ok(Err(sled::Error::Io(e))) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(Error::io(
                    format!("Cannot open the database in {}", dir.display()),
                    e,
                ))
            }
            Ok(Err(e)) => {
                // sled's own text ("Read corrupted data at file offset None backtrace ()")
                // says nothing to a person: say what it means.
                let detail = match e {
                    sled::Error::Corruption { .. } => {
                        "its database file is cut short or overwritten".to_string()
                    }
                    sled::Error::Io(io) => format!("its database files cannot be read ({io})"),
                    other => format!("the database does not open ({other})"),
                };
                return Err(Error::Corrupt {
                    path: dir.to_path_buf(),
                    detail,
                });
            }
            Err(_) => {
                return Err(Error::Corrupt {
                    path: dir.to_path_buf(),
                    detail: "the database files are unreadable".into(),
                })
            }
        };
        let tree = |name: &str| {
            db.open_tree(name).map_err(|e| Error::Corrupt {
                path: dir.to_path_buf(),
                detail: format!("tree {name}: {e}"),
            })
        };
        let store = Store {
            projects: tree("projects")?,
            scenes: tree("scenes")?,
            jobs: tree("jobs")?,
            queue: tree("queue")?,
            leases: tree("leases")?,
            assets: tree("assets")?,
            sources: tree("sources")?,
            meta: tree("meta")?,
            db,
            durable,
            dir: dir.to_path_buf(),
            _lock: lock,
            marker_write: std::sync::Mutex::new(()),
        };
        store.check_schema()?;
        Ok(store)
    }

    fn check_schema(&self) -> Result<()> {
        match self.meta.get(META_SCHEMA)? {
            None => {
                // The marker lives outside sled: if sled's files were emptied or removed, sled
                // would quietly start afresh; the marker tells us a database was here.
                if !self.projects.is_empty() || !self.jobs.is_empty() || self.marker().exists() {
                    return Err(Error::Corrupt {
                        path: self.dir.clone(),
                        detail: "its database files are empty or missing their version record"
                            .into(),
                    });
                }
                self.meta
                    .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())?;
                self.db.flush()?;
                self.note_project_count(0)?;
            }
            Some(v) => {
                let found =
                    u32::from_be_bytes(v.as_ref().try_into().map_err(|_| Error::Corrupt {
                        path: self.dir.clone(),
                        detail: "its version record is unreadable".into(),
                    })?);
                if found > SCHEMA_VERSION {
                    return Err(Error::NewerSchema {
                        path: self.dir.clone(),
                        found,
                        known: SCHEMA_VERSION,
                    });
                }
                // sled reads a log cut short as an older database: projects would seem deleted,
                // and the next write would bury them. The marker knows how many there were.
                let had = self.noted_project_count();
                let has = self.projects.len();
                if had > has {
                    return Err(Error::Corrupt {
                        path: self.dir.clone(),
                        detail: format!(
                            "its database file is cut short: it holds {has} of its {had} projects"
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Records, beside the database, how many projects it holds: after an import is flushed,
    /// and before a delete (so the record is never above the truth but for damage).
    pub fn note_project_count(&self, count: usize) -> Result<()> {
        let text =
            format!("StoryReel data folder; data version {SCHEMA_VERSION}\nprojects {count}\n");
        let tmp = self.dir.join("storyreel-data.tmp");
        // One writer at a time (two imports at once would share the temporary file).
        let _one = self
            .marker_write
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let write = || -> std::io::Result<()> {
            let mut f = own_files::create_fresh(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, self.marker())
        };
        write().map_err(|e| {
            if is_no_space(&e) {
                disk_full(&self.dir)
            } else {
                Error::io(format!("Cannot write {}", self.marker().display()), e)
            }
        })
    }

    /// The project count the marker recorded (0 for a marker from before it did).
    fn noted_project_count(&self) -> usize {
        std::fs::read_to_string(self.marker())
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("projects "))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// How many projects the database holds.
    pub fn project_count(&self) -> usize {
        self.projects.len()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn marker(&self) -> PathBuf {
        self.dir.join("storyreel-data")
    }

    /// Makes every change so far durable. Awaited before a change is reported to anyone.
    pub async fn flush(&self) -> Result<()> {
        if self.durable {
            self.db.flush_async().await.map_err(|e| self.storage(e))?;
        }
        Ok(())
    }

    pub fn flush_blocking(&self) -> Result<()> {
        if self.durable {
            self.db.flush().map_err(|e| self.storage(e))?;
        }
        Ok(())
    }

    /// A storage error as the user should read it: a full disk says so.
    fn storage(&self, e: sled::Error) -> Error {
        let full = matches!(&e, sled::Error::Io(io) if is_no_space(io))
            || free_bytes(&self.dir).is_some_and(|b| b < LOW_SPACE);
        if full {
            disk_full(&self.dir)
        } else {
            e.into()
        }
    }

    /// A monotonic number (survives restarts), used for queue order.
    pub fn next_seq(&self) -> Result<u64> {
        Ok(self.db.generate_id()?)
    }

    /// Runs `f` as one atomic transaction over every tree. `f` may run more than once on conflict.
    pub fn transact<R>(&self, f: impl Fn(&Tx) -> TxResult<R>) -> Result<R> {
        let trees = [
            &self.projects,
            &self.scenes,
            &self.jobs,
            &self.queue,
            &self.leases,
            &self.assets,
            &self.sources,
            &self.meta,
        ];
        trees[..]
            .transaction(|t: &Vec<TransactionalTree>| f(&Tx { t }))
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => self.storage(e),
            })
    }

    // ----- reads outside transactions -----

    pub fn project(&self, id: Uuid) -> Result<Option<Project>> {
        get(&self.projects, "projects", id.as_bytes())
    }
    pub fn job(&self, id: Uuid) -> Result<Option<Job>> {
        get(&self.jobs, "jobs", id.as_bytes())
    }
    pub fn scene(&self, project: Uuid, index: u32) -> Result<Option<Scene>> {
        get(&self.scenes, "scenes", &scene_key(project, index))
    }
    pub fn projects(&self) -> Result<Vec<Project>> {
        self.projects
            .iter()
            .map(|kv| decode_kv(kv, "projects"))
            .collect()
    }
    pub fn scenes_of(&self, project: Uuid) -> Result<Vec<Scene>> {
        self.scenes
            .scan_prefix(project.as_bytes())
            .map(|kv| decode_kv(kv, "scenes"))
            .collect()
    }
    pub fn all_jobs(&self) -> Result<Vec<Job>> {
        self.jobs.iter().map(|kv| decode_kv(kv, "jobs")).collect()
    }
    pub fn asset(&self, hash: &str) -> Result<Option<Asset>> {
        get(&self.assets, "assets", hash.as_bytes())
    }
    pub fn project_by_source(&self, hash: &str) -> Result<Option<Uuid>> {
        Ok(self
            .sources
            .get(hash.as_bytes())?
            .and_then(|v| Uuid::from_slice(&v).ok()))
    }
    pub fn globally_paused(&self) -> Result<bool> {
        Ok(self
            .meta
            .get(META_PAUSED)?
            .is_some_and(|v| v.as_ref() == [1]))
    }
    /// Job ids of a lane in queue order.
    pub fn queue_order(&self, lane: Lane) -> Result<Vec<Uuid>> {
        self.queue
            .scan_prefix([lane.as_u8()])
            .map(|kv| {
                let (_, v) = kv?;
                Uuid::from_slice(&v).map_err(|_| self.corrupt("a queue entry is unreadable"))
            })
            .collect()
    }
    /// (job id, lease end, attempt) of every running job.
    pub fn leases(&self) -> Result<Vec<(Uuid, u64, u32)>> {
        self.leases
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                let id =
                    Uuid::from_slice(&k).map_err(|_| self.corrupt("a lease key is unreadable"))?;
                let (until, attempt) =
                    decode_lease(&v).ok_or_else(|| self.corrupt("a lease is unreadable"))?;
                Ok((id, until, attempt))
            })
            .collect()
    }
    /// A provider's call statistics and breaker state, kept across runs (not flushed: a lost
    /// update only loses a count).
    pub fn provider_stats(&self, name: &str) -> Option<crate::model::ProviderStats> {
        let v = self
            .meta
            .get(format!("provider:{name}").as_bytes())
            .ok()
            .flatten()?;
        serde_json::from_slice(&v).ok()
    }
    pub fn put_provider_stats(&self, stats: &crate::model::ProviderStats) {
        let _ = self
            .meta
            .insert(format!("provider:{}", stats.name).as_bytes(), encode(stats));
    }

    /// The abort outbox: multipart uploads begun and left, waiting to be aborted.
    pub fn pending_aborts(&self) -> Result<Vec<crate::model::MultipartAbort>> {
        self.meta
            .scan_prefix(META_ABORT.as_bytes())
            .map(|kv| decode_kv(kv, "meta"))
            .collect()
    }
    /// Removes an aborted (or vanished) multipart upload from the outbox.
    pub fn remove_abort(&self, upload_id: &str) -> Result<()> {
        self.meta
            .remove(format!("{META_ABORT}{upload_id}").as_bytes())?;
        Ok(())
    }

    /// The keys under `prefix` in the meta tree, in order, with their records.
    pub fn meta_scan<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<(String, T)>> {
        self.meta
            .scan_prefix(prefix.as_bytes())
            .map(|kv| {
                let (k, v) = kv?;
                let value = decode("meta", &v)?;
                Ok((String::from_utf8_lossy(&k).into_owned(), value))
            })
            .collect()
    }

    /// The keys under `prefix` in the meta tree, in order, with their records' sizes.
    pub fn meta_sizes(&self, prefix: &str) -> Result<Vec<(String, usize)>> {
        self.meta
            .scan_prefix(prefix.as_bytes())
            .map(|kv| {
                let (k, v) = kv?;
                Ok((String::from_utf8_lossy(&k).into_owned(), v.len()))
            })
            .collect()
    }

    /// A small JSON record in the meta tree (statistics; not flushed by itself).
    pub fn meta_get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let v = self.meta.get(key.as_bytes()).ok().flatten()?;
        serde_json::from_slice(&v).ok()
    }
    pub fn meta_put<T: Serialize>(&self, key: &str, value: &T) {
        let _ = self.meta.insert(key.as_bytes(), encode(value));
    }

    pub fn corrupt(&self, detail: &str) -> Error {
        Error::Corrupt {
            path: self.dir.clone(),
            detail: detail.to_string(),
        }
    }
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _a = Store::open(dir.path(), true).unwrap();
        // flock is per open file description: a second open in the same process conflicts too.
        let err = Store::open(dir.path(), true).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("already open by another StoryReel"), "{msg}");
        assert!(msg.contains(&std::process::id().to_string()), "{msg}");
    }

    #[test]
    fn keys_sort_by_lane_priority_then_seq() {
        let a = queue_key(Lane::Generate, 5, 10);
        let b = queue_key(Lane::Generate, 5, 11);
        let c = queue_key(Lane::Generate, 9, 99);
        let d = queue_key(Lane::Upload, 255, 0);
        assert!(c < a && a < b && b < d);
        assert_eq!(decode_lease(&encode_lease(77, 3)), Some((77, 3)));
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path(), true).unwrap();
            s.meta.insert(META_SCHEMA, &99u32.to_be_bytes()).unwrap();
            s.flush_blocking().unwrap();
        }
        let e = Store::open(dir.path(), true).unwrap_err();
        assert!(matches!(e, Error::NewerSchema { found: 99, .. }), "{e}");
    }

    #[test]
    fn transactions_are_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), true).unwrap();
        let job = Job::new(
            crate::model::JobPayload::GenerateScene,
            Uuid::now_v7(),
            Some(1),
            1,
            0,
        );
        let r: Result<()> = s.transact(|tx| {
            tx.put_job_record(&job)?;
            tx.index_insert(&job)?;
            abort(Error::Input("no".into()))
        });
        assert!(r.is_err());
        assert!(s.job(job.id).unwrap().is_none());
        assert!(s.queue_order(Lane::Generate).unwrap().is_empty());
    }
}
