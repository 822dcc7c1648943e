//! Where the CLI's data folder and config come from, and opening the engine on them.

use std::path::PathBuf;
use std::time::Duration;

use storyreel_engine::config::{default_config_file, default_data_dir};
use storyreel_engine::{Config, DebugKnobs, Engine, EngineOptions, Error, Result};

use crate::args::Cli;

pub fn data_dir_path(cli: &Cli) -> Result<PathBuf> {
    cli.data_dir
        .clone()
        .or_else(default_data_dir)
        .ok_or_else(|| {
            Error::Config(
                "There is no home folder to keep data in: set --data-dir or STORYREEL_DATA_DIR."
                    .into(),
            )
        })
}

pub fn data_dir(cli: &Cli) -> Result<PathBuf> {
    let dir = data_dir_path(cli)?;
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
    Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
}

pub fn config(cli: &Cli) -> Result<Config> {
    match &cli.config {
        Some(path) => Config::load(path).map_err(crate::hints::config_unreadable),
        None => match default_config_file() {
            Some(p) if p.is_file() => Config::load(&p),
            _ => Ok(Config::default()),
        },
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

pub fn open(cli: &Cli) -> Result<Engine> {
    Engine::open(options(cli)?)
}

pub fn options(cli: &Cli) -> Result<EngineOptions> {
    let config = config(cli)?;
    let (debug, durable) = debug_knobs();
    // The CLI takes provider keys from the environment variables the config names.
    let secrets = std::sync::Arc::new(storyreel_engine::secrets::EnvSecrets);
    Ok(EngineOptions {
        data_dir: data_dir(cli)?,
        config,
        durable,
        debug,
        secrets,
    })
}
