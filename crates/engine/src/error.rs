//! The engine's error type. Every variant reads as a sentence a person can act on.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the user gave us (a story, an argument) is not usable.
    #[error("{0}")]
    Input(String),
    /// The configuration file or an option is wrong.
    #[error("{0}")]
    Config(String),
    /// A project, scene or job the user named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Work asked for before what it needs is done (a video before every picture is made).
    #[error("{0}")]
    NotReady(String),
    #[error(
        "The data folder {} is already open by another StoryReel (pid {pid}). \
         Close that one first, or choose another data folder.",
        path.display()
    )]
    Locked { path: PathBuf, pid: String },
    #[error(
        "The data folder {} is damaged: {detail}. Nothing in it was changed. Restore a backup of \
         the folder if there is one; otherwise move its `db` folder aside and StoryReel starts a \
         new database there, keeping the images and videos already made (in `assets`).",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "The data folder {} was written by a newer StoryReel (data version {found}; this one \
         reads up to {known}). Update StoryReel to open it.",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error(
        "The disk holding the data folder {} is full ({free_mb} MB free); free space and \
         StoryReel goes on. Nothing saved so far is lost.",
        path.display()
    )]
    DiskFull { path: PathBuf, free_mb: u64 },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The job changed under a worker (cancelled, re-queued, or a newer attempt): its result is dropped.
    #[error("job {0} changed meanwhile; this result is no longer wanted")]
    Stale(String),
    #[error("database error: {0}")]
    Db(String),
    #[error("image error: {0}")]
    Image(String),
}

impl Error {
    /// A stable machine-readable code, used in JSON output and across IPC.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Input(_) | Error::NotReady(_) => "bad_input",
            Error::Config(_) => "bad_config",
            Error::NotFound(_) => "not_found",
            Error::Locked { .. } => "data_dir_locked",
            Error::Corrupt { .. } => "data_dir_damaged",
            Error::NewerSchema { .. } => "data_dir_newer",
            Error::DiskFull { .. } => "disk_full",
            Error::Io { .. } => "io",
            Error::Stale(_) => "stale",
            Error::Db(_) => "database",
            Error::Image(_) => "image",
        }
    }

    /// The data folder the error is about, when it is about the folder itself (damaged, newer,
    /// on a full disk).
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        match self {
            Error::Corrupt { path, .. }
            | Error::NewerSchema { path, .. }
            | Error::DiskFull { path, .. } => Some(path),
            _ => None,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Whether an I/O error means "no space left on the device".
pub fn is_no_space(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
}

impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Self {
        Error::Db(e.to_string())
    }
}
