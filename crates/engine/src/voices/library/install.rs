//! Installing an item of the voice library: what it needs first, then each of its files from
//! its downloads (resumed, checked), joined and checked again, then checked as what it claims
//! to be (a model, a voice, its settings), then recorded. Nothing half-installed is ever
//! recorded: a failure leaves the item as it was, and its partial downloads for the next try.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::catalogue::{FileSpec, Item};
use super::download::{self, file_sha256};
use super::{Installed, Library, LibraryError};

/// How far an install is.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "VoiceInstallProgress")]
pub struct Progress {
    /// The item asked for.
    pub id: String,
    /// What is being downloaded now (the item itself, or its model or runtime).
    pub step: String,
    #[ts(type = "number")]
    pub done_bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
}

/// Bytes kept free beyond what an install needs.
const MARGIN: u64 = 16 * 1024 * 1024;

impl Library {
    /// The address a part is downloaded from (the mirror, when one is set).
    fn url(&self, url: &str) -> String {
        match &self.mirror {
            Some(m) => format!("{m}/{}", download::file_name(url)),
            None => url.to_string(),
        }
    }

    /// Installs `id` and what it needs, calling `progress` as bytes arrive. Returns the items
    /// newly installed (none when all were installed already).
    pub async fn install(
        &self,
        id: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Vec<String>, LibraryError> {
        let item = self
            .catalogue
            .get(id)
            .ok_or_else(|| LibraryError::Unknown(id.to_string()))?;
        if !item.fits_here() {
            return Err(LibraryError::NotForHere(item.name.clone()));
        }
        // A runtime StoryReel can already load (the one the package carries, a system copy)
        // is not downloaded again for a voice that needs one.
        let has_runtime = || crate::voices::onnx::runtime(None).is_ok();
        let todo: Vec<&Item> = self
            .catalogue
            .with_needs(id)
            .into_iter()
            .filter(|i| self.installed(&i.id).is_none())
            .filter(|i| i.id == id || i.kind != super::catalogue::Kind::Runtime || !has_runtime())
            .collect();
        if todo.is_empty() {
            return Ok(Vec::new());
        }
        let downloads = self.dir.join(".downloads");
        std::fs::create_dir_all(&downloads).map_err(|e| LibraryError::io(&downloads, e))?;
        // Another process installing the same item waits its turn.
        let lock_path = downloads.join(format!("{id}.lock"));
        let lock =
            std::fs::File::create(&lock_path).map_err(|e| LibraryError::io(&lock_path, e))?;
        if lock.try_lock().is_err() {
            return Err(LibraryError::Busy(item.name.clone()));
        }
        // Room for every download still missing and every file, before any byte is fetched.
        // Files sharing a registry's archive share its download: each is counted once.
        let parts = || {
            let mut seen = HashSet::new();
            todo.iter()
                .flat_map(|i| &i.files)
                .flat_map(|f| &f.parts)
                .filter(move |p| seen.insert(p.sha256.to_ascii_lowercase()))
        };
        let missing: u64 = parts()
            .filter(|p| !download::kept(&downloads, p).is_file())
            .map(|p| p.size)
            .fold(0, u64::saturating_add);
        let files: u64 = todo
            .iter()
            .map(|i| i.installed_size())
            .fold(0, u64::saturating_add);
        let need = missing.saturating_add(files).saturating_add(MARGIN);
        if let Some(free) = crate::disk::free_bytes(&self.dir) {
            if free < need {
                return Err(LibraryError::DiskFull {
                    need_mb: need.div_ceil(1024 * 1024),
                    free_mb: free / (1024 * 1024),
                });
            }
        }
        let total: u64 = parts().map(|p| p.size).fold(0, u64::saturating_add);
        let client = download::client()?;
        let mut done = 0u64;
        let mut counted = HashSet::new();
        let mut installed = Vec::new();
        for step in &todo {
            let report = |d: u64| {
                progress(Progress {
                    id: id.to_string(),
                    step: step.name.clone(),
                    done_bytes: d.min(total),
                    total_bytes: total,
                })
            };
            for f in &step.files {
                done = self
                    .install_file(&client, step, f, &downloads, (done, &mut counted), &report)
                    .await?;
            }
            super::check::item(self, step)?;
            self.record(step)?;
            installed.push(step.id.clone());
        }
        // The registries' files are no longer needed.
        for p in parts() {
            let _ = std::fs::remove_file(download::kept(&downloads, p));
        }
        drop(lock);
        let _ = std::fs::remove_file(&lock_path);
        Ok(installed)
    }

    /// Downloads a file's parts and joins them into the item's folder, checked. `done`: the
    /// bytes of the install downloaded before this file, and the downloads they count (each
    /// once); `report` is told the install's bytes so far; returns them after this file.
    async fn install_file(
        &self,
        client: &reqwest::Client,
        item: &Item,
        f: &FileSpec,
        downloads: &Path,
        (done, counted): (u64, &mut HashSet<String>),
        report: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, LibraryError> {
        let folder = self.folder(&item.id);
        std::fs::create_dir_all(&folder).map_err(|e| LibraryError::io(&folder, e))?;
        let target = folder.join(&f.name);
        if file_sha256(&target).as_deref() == Some(f.sha256.to_ascii_lowercase().as_str()) {
            let parts: u64 = f
                .parts
                .iter()
                .filter(|p| counted.insert(p.sha256.to_ascii_lowercase()))
                .map(|p| p.size)
                .fold(0, u64::saturating_add);
            report(done.saturating_add(parts));
            return Ok(done.saturating_add(parts));
        }
        let mut fetched = Vec::new();
        let mut at = done;
        for p in &f.parts {
            let base = at;
            let first = counted.insert(p.sha256.to_ascii_lowercase());
            let got = download::fetch(client, &self.url(&p.url), p, downloads, &mut |d| {
                if first {
                    report(base.saturating_add(d))
                }
            })
            .await?;
            if first {
                at = at.saturating_add(p.size);
            }
            fetched.push((got, p.member.clone()));
        }
        let tmp = folder.join(format!(".{}.part", f.name));
        let io = |e: std::io::Error| LibraryError::io(&tmp, e);
        let joined = (|| {
            let mut out = std::fs::File::create(&tmp).map_err(io)?;
            let mut written = 0u64;
            for (got, member) in &fetched {
                written = written.saturating_add(download::extract(
                    got,
                    member.as_deref(),
                    &mut out,
                    f.size.saturating_sub(written),
                )?);
            }
            out.flush().map_err(io)?;
            out.sync_all().map_err(io)?;
            Ok::<_, LibraryError>(written)
        })();
        let written = match joined {
            Ok(w) => w,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if written != f.size
            || file_sha256(&tmp).as_deref() != Some(f.sha256.to_ascii_lowercase().as_str())
        {
            let _ = std::fs::remove_file(&tmp);
            // The downloads were whole and right, so what they hold is not what the
            // catalogue says: keeping them would fail the same way.
            for (got, _) in &fetched {
                let _ = std::fs::remove_file(got);
            }
            return Err(LibraryError::WrongSum {
                what: f.name.clone(),
            });
        }
        std::fs::rename(&tmp, &target).map_err(io)?;
        Ok(at)
    }

    /// Writes `installed.json`, last (through a synced temporary file), naming the files the
    /// item's folder holds (a reading dictionary's are built from its downloads).
    fn record(&self, item: &Item) -> Result<(), LibraryError> {
        let folder = self.folder(&item.id);
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .map_err(|e| LibraryError::io(&folder, e))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.') && n != "installed.json")
            .collect();
        files.sort();
        let rec = Installed {
            id: item.id.clone(),
            files,
            installed_at: httpdate::fmt_http_date(std::time::SystemTime::now()),
        };
        let tmp = folder.join(".installed.json.part");
        let io = |e: std::io::Error| LibraryError::io(&tmp, e);
        let text = serde_json::to_vec_pretty(&rec).unwrap_or_default();
        let mut out = std::fs::File::create(&tmp).map_err(io)?;
        out.write_all(&text).map_err(io)?;
        out.sync_all().map_err(io)?;
        std::fs::rename(&tmp, folder.join("installed.json")).map_err(io)?;
        Ok(())
    }
}
