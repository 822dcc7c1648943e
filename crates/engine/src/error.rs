//! The engine's error type. Every variant reads as a sentence a person can act on.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The one vocabulary of error kinds both front ends use: the engine's errors map onto it, the
/// app adds the two only it can meet (`keychain`, `ipc`). Its TypeScript type is generated.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// An argument, a name or a value the user gave is not usable.
    Input,
    /// A story that cannot be used (the error may carry its line).
    Story,
    /// A project, scene or job that does not exist (any more).
    NotFound,
    /// The data folder or the thing asked about is in use or changed meanwhile.
    Busy,
    /// The configuration is wrong.
    Config,
    /// The OS keychain refused (the app only).
    Keychain,
    /// A file could not be read or written.
    Io,
    /// The disk holding the data folder is full.
    DiskFull,
    /// The data folder is damaged.
    DataDirDamaged,
    /// The data folder was written by a newer StoryReel.
    DataDirNewer,
    /// Something inside StoryReel failed (the database, an image).
    Engine,
    /// The call between the app's window and its core failed (the app only).
    Ipc,
    /// No story writer (a chat endpoint) answered, or none wrote a usable story.
    Writer,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Input => "input",
            ErrorCode::Story => "story",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Busy => "busy",
            ErrorCode::Config => "config",
            ErrorCode::Keychain => "keychain",
            ErrorCode::Io => "io",
            ErrorCode::DiskFull => "disk_full",
            ErrorCode::DataDirDamaged => "data_dir_damaged",
            ErrorCode::DataDirNewer => "data_dir_newer",
            ErrorCode::Engine => "engine",
            ErrorCode::Ipc => "ipc",
            ErrorCode::Writer => "writer",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the user gave us (an argument, a name, a value) is not usable.
    #[error("{0}")]
    Input(String),
    /// A story (a file, or scenes edited in the app) that cannot be used. The message names the
    /// place; `line` is the 1-based line of the story it is about, when there is one.
    #[error("{message}")]
    Story { message: String, line: Option<u32> },
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
    #[error("{context}: {}", os_words(source))]
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
    /// An error the StoryReel holding the data folder answered with (its code and sentence).
    #[error("{message}")]
    Held { code: ErrorCode, message: String },
    #[error("image error: {0}")]
    Image(String),
    /// Writing a story from an idea failed: no endpoint answered, or none wrote a usable story.
    #[error("{0}")]
    Writer(String),
}

impl Error {
    /// What kind of error this is, for a program (the app's screens, a job's record).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Input(_) | Error::NotReady(_) => ErrorCode::Input,
            Error::Story { .. } => ErrorCode::Story,
            Error::Config(_) => ErrorCode::Config,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Locked { .. } | Error::Stale(_) => ErrorCode::Busy,
            Error::Corrupt { .. } => ErrorCode::DataDirDamaged,
            Error::NewerSchema { .. } => ErrorCode::DataDirNewer,
            Error::DiskFull { .. } => ErrorCode::DiskFull,
            Error::Io { .. } => ErrorCode::Io,
            Error::Db(_) | Error::Image(_) => ErrorCode::Engine,
            Error::Held { code, .. } => *code,
            Error::Writer(_) => ErrorCode::Writer,
        }
    }

    /// A story error about `line` (1-based), when there is one.
    pub fn story(line: Option<u32>, message: impl Into<String>) -> Error {
        Error::Story {
            message: message.into(),
            line,
        }
    }

    /// The story line the error is about, for a story error that has one.
    pub fn line(&self) -> Option<u32> {
        match self {
            Error::Story { line, .. } => *line,
            _ => None,
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

/// An operating-system error as words about the path it concerns, never a bare code ("File
/// exists (os error 17)").
pub fn os_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::NotFound => "it does not exist",
        K::PermissionDenied => "permission was denied (check who owns it and its permissions)",
        K::AlreadyExists => "something is already there with that name",
        K::NotADirectory => "a part of the path is a file, where a folder was expected",
        K::IsADirectory => "it is a folder, where a file was expected",
        K::DirectoryNotEmpty => "the folder is not empty",
        K::ReadOnlyFilesystem => "it is on a read-only disk",
        K::StorageFull => "the disk is full",
        K::QuotaExceeded => "the disk quota is used up",
        K::FileTooLarge => "the file is too large for this disk",
        K::InvalidFilename => "the name is too long or not allowed here",
        K::CrossesDevices => "it cannot be moved across disks",
        K::TooManyLinks => "there are too many links",
        K::Interrupted => "it was interrupted",
        K::InvalidData => "its contents are not readable text",
        K::UnexpectedEof => "it ended too early",
        K::ResourceBusy | K::ExecutableFileBusy => "it is in use by another program",
        K::OutOfMemory => "there was not enough memory",
        _ => "",
    };
    if !words.is_empty() {
        return words.to_string();
    }
    // Anything else: the system's words without the code number.
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
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
