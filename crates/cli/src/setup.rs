//! Where the CLI's data folder and config come from (worked out once per run, into the
//! [`Context`] every command takes), and opening the engine on them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use storyreel_engine::config::{default_config_file, default_data_dir};
use storyreel_engine::{Config, DebugKnobs, Engine, EngineOptions, Error, Result};

use crate::args::Cli;

/// The command line once read: the command, and the data folder and config it names, each
/// worked out the first time a command needs it and kept (a command that never needs the
/// config never reads it, and its error is said where it was before).
pub struct Context {
    pub cli: Cli,
    data_dir_path: OnceLock<PathBuf>,
    data_dir: OnceLock<PathBuf>,
    config: OnceLock<Config>,
}

impl Context {
    pub fn new(cli: Cli) -> Context {
        Context {
            cli,
            data_dir_path: OnceLock::new(),
            data_dir: OnceLock::new(),
            config: OnceLock::new(),
        }
    }

    /// Where the data folder is (from --data-dir, STORYREEL_DATA_DIR or the home folder),
    /// whether or not it is there.
    pub fn data_dir_path(&self) -> Result<&Path> {
        if let Some(p) = self.data_dir_path.get() {
            return Ok(p);
        }
        let dir = self
            .cli
            .data_dir
            .clone()
            .or_else(default_data_dir)
            .ok_or_else(|| {
                Error::Config(
                "There is no home folder to keep data in: set --data-dir or STORYREEL_DATA_DIR."
                    .into(),
            )
            })?;
        Ok(self.data_dir_path.get_or_init(|| dir))
    }

    /// The data folder, made if it is not there yet (private to its owner), as its real path.
    pub fn data_dir(&self) -> Result<&Path> {
        if let Some(p) = self.data_dir.get() {
            return Ok(p);
        }
        let dir = self.data_dir_path()?.to_path_buf();
        if dir.exists() && !dir.is_dir() {
            return Err(Error::Input(format!(
                "{} is a file, not a data folder. Pick a folder with --data-dir (or STORYREEL_DATA_DIR), or move the file away.",
                dir.display()
            )));
        }
        storyreel_engine::store::create_private_dir(&dir).map_err(|e| {
            Error::Input(format!(
                "Cannot create the data folder {}: {}. Pick another with --data-dir.",
                dir.display(),
                storyreel_engine::error::os_words(&e)
            ))
        })?;
        let real = std::fs::canonicalize(&dir).unwrap_or(dir);
        Ok(self.data_dir.get_or_init(|| real))
    }

    /// The config: the file --config names, else the default file when there is one, else the
    /// defaults.
    pub fn config(&self) -> Result<&Config> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let cfg = match &self.cli.config {
            Some(path) => Config::load(path).map_err(crate::hints::config_unreadable)?,
            None => match default_config_file() {
                Some(p) if p.is_file() => Config::load(&p)?,
                _ => Config::default(),
            },
        };
        Ok(self.config.get_or_init(|| cfg))
    }

    /// Opens the engine on the data folder with the config.
    pub fn open(&self) -> Result<Engine> {
        Engine::open(self.options()?)
    }

    /// What the engine is opened with.
    pub fn options(&self) -> Result<EngineOptions> {
        let config = self.config()?.clone();
        let (debug, durable) = debug_knobs();
        // The CLI takes provider keys from the environment variables the config names.
        let secrets = std::sync::Arc::new(storyreel_engine::secrets::EnvSecrets);
        Ok(EngineOptions {
            data_dir: self.data_dir()?.to_path_buf(),
            config,
            durable,
            debug,
            secrets,
        })
    }
}

/// Test hooks for crash-safety tests: a delay in each generate step, a log of step starts,
/// and (for the control run only) no flushing.
fn debug_knobs() -> (DebugKnobs, bool) {
    let delay = std::env::var("STORYREEL_DEBUG_STEP_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let log = std::env::var_os("STORYREEL_DEBUG_START_LOG").map(PathBuf::from);
    let no_flush = std::env::var("STORYREEL_DEBUG_NO_FLUSH").is_ok_and(|v| v == "1");
    let upload_delay = std::env::var("STORYREEL_DEBUG_UPLOAD_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let upload_log = std::env::var_os("STORYREEL_DEBUG_UPLOAD_LOG").map(PathBuf::from);
    (
        DebugKnobs {
            step_delay: delay,
            start_log: log,
            upload_delay,
            upload_log,
            panic_on_attempt: None,
        },
        !no_flush,
    )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn the_config_and_data_folder_are_worked_out_once_per_run() {
        let dir = tempfile::tempdir().unwrap();
        let (file, data) = (dir.path().join("c.toml"), dir.path().join("data"));
        std::fs::write(&file, "[render]\nfps = 24\n").unwrap();
        let cli = Cli::parse_from([
            "storyreel".as_ref(),
            "--config".as_ref(),
            file.as_os_str(),
            "--data-dir".as_ref(),
            data.as_os_str(),
            "list".as_ref(),
        ]);
        let ctx = Context::new(cli);
        // Where the folder is, before anything makes it.
        assert_eq!(ctx.data_dir_path().unwrap(), data);
        assert!(!data.exists());
        assert_eq!(ctx.config().unwrap().render.fps, 24);
        let made = ctx.data_dir().unwrap().to_path_buf();
        assert!(made.is_dir());
        // Read once: the file changed or gone later does not change this run's config.
        std::fs::write(&file, "[render]\nfps = 60\n").unwrap();
        assert_eq!(ctx.config().unwrap().render.fps, 24);
        std::fs::remove_file(&file).unwrap();
        let opts = ctx.options().unwrap();
        assert_eq!((opts.config.render.fps, opts.data_dir), (24, made));
    }

    #[test]
    fn a_config_that_cannot_be_read_is_said_each_time_it_is_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("missing.toml");
        let cli = Cli::parse_from([
            "storyreel".as_ref(),
            "--config".as_ref(),
            file.as_os_str(),
            "list".as_ref(),
        ]);
        let ctx = Context::new(cli);
        assert!(ctx.config().is_err());
        assert!(ctx.options().is_err());
    }
}
