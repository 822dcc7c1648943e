//! The sled database: one tree per record kind, a typed JSON codec, big-endian keys,
//! multi-tree transactions, and a flush before any change is acknowledged.
//!
//! Trees: `projects` (id), `scenes` (project id ++ index), `jobs` (id), `queue` (lane ++
//! inverted priority ++ seq -> job id: the one ordered index positions come from), `leases`
//! (job id -> lease end ++ attempt, for running jobs), `assets` (hash), `sources` (story hash ->
//! project id) and `meta` (schema version, global pause).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};
use uuid::Uuid;

use crate::error::{is_no_space, Error, Result};
use crate::model::{Asset, Job, Lane, Project, Scene, SCHEMA_VERSION};

pub type TxResult<T> = std::result::Result<T, ConflictableTransactionError<Error>>;

/// Aborts a transaction with an engine error.
pub fn abort<T>(e: Error) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

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

const META_SCHEMA: &[u8] = b"schema";
const META_PAUSED: &[u8] = b"paused";
/// Prefix of the abort outbox's entries in `meta` (`mpabort:` ++ upload id).
const META_ABORT: &str = "mpabort:";

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
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::io(format!("Cannot create the data folder {} (check its permissions, or pick another with --data-dir)", dir.display()), e)
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
            let mut f = File::create(&tmp)?;
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

/// Below this much free space, a failed write is read as a full disk.
const LOW_SPACE: u64 = 2 * 1024 * 1024;

/// Free space at which work halted by a full disk is worth starting again: well above
/// [`LOW_SPACE`], so that a few freed megabytes do not start and halt it over and over.
pub const RESUME_SPACE: u64 = 32 * 1024 * 1024;

/// Free bytes on the file system holding `dir` (None where that cannot be asked).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(dir).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

pub fn disk_full(dir: &Path) -> Error {
    Error::DiskFull {
        path: dir.to_path_buf(),
        free_mb: free_bytes(dir).unwrap_or(0) / (1024 * 1024),
    }
}

/// Takes the folder's lock file, writing our pid into it, or says who holds it.
fn lock_dir(dir: &Path) -> Result<File> {
    let path = dir.join("storyreel.lock");
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(format!("Cannot create the lock file {}", path.display()), e))?;
    // A short command (a `status` in another terminal) holds the folder for milliseconds:
    // wait up to a second for it before saying who holds it.
    let mut tries = 0;
    let locked = loop {
        match f.try_lock() {
            Err(std::fs::TryLockError::WouldBlock) if tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => break other,
        }
    };
    match locked {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            // The holder writes its pid just after it takes the lock: give it a moment.
            let mut pid = String::new();
            for _ in 0..10 {
                pid.clear();
                let _ = f.seek(SeekFrom::Start(0));
                let _ = f.read_to_string(&mut pid);
                if !pid.trim().is_empty() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let pid = pid.trim();
            return Err(Error::Locked {
                path: dir.to_path_buf(),
                pid: if pid.is_empty() {
                    "unknown".into()
                } else {
                    pid.into()
                },
            });
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::io(format!("Cannot lock {}", path.display()), e))
        }
    }
    let _ = f.set_len(0);
    let _ = f.seek(SeekFrom::Start(0));
    let _ = write!(f, "{}", std::process::id());
    let _ = f.flush();
    Ok(f)
}

// ----- codec -----

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Our records are plain structs of strings and numbers: serialising them cannot fail.
    serde_json::to_vec(v).unwrap_or_default()
}

pub fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::Db(format!(
            "a record in `{tree}` is unreadable ({e}); run `storyreel doctor`"
        ))
    })
}

fn get<T: DeserializeOwned>(tree: &Tree, name: &str, key: &[u8]) -> Result<Option<T>> {
    tree.get(key)?.map(|v| decode(name, &v)).transpose()
}

fn decode_kv<T: DeserializeOwned>(
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

/// A transaction over every tree, with typed access.
pub struct Tx<'a> {
    t: &'a [TransactionalTree],
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
    pub fn set_global_pause(&self, paused: bool) -> TxResult<()> {
        self.t[META].insert(META_PAUSED, &[paused as u8])?;
        Ok(())
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
            crate::model::JobKind::GenerateScene,
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
