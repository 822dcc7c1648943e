//! What the CLI adds to the engine's sentences: the command or flag that does what they say.
//! (The engine's sentences fit both front ends; the app adds its buttons the same way.)

use storyreel_engine::model::Project;
use storyreel_engine::{Engine, Error, Result};

/// The CLI's hint for an error it is about to print, if it has one.
pub fn for_error(e: &Error) -> Option<&'static str> {
    match e {
        Error::Locked { .. } => Some("To use another data folder: --data-dir DIR."),
        Error::NotFound(m) if m.starts_with("No project matches") => {
            Some("`storyreel list` shows the projects.")
        }
        Error::NotReady(_) => Some("`storyreel work` (or `storyreel make`) makes them first."),
        Error::Writer(_) => Some(
            "`storyreel make STORY.md` makes a story you wrote yourself; [write] endpoints in the config names the model server to ask.",
        ),
        Error::Db(_) => Some("`storyreel doctor` checks the data folder and says what to do."),
        _ => None,
    }
}

/// Finds the project the user named (the hint for no match says how to list them).
pub fn find_project(engine: &Engine, query: &str) -> Result<Project> {
    engine.find_project(query)
}

/// The config file named by --config (or found by default) could not be read: say where the
/// path came from.
pub fn config_unreadable(e: Error) -> Error {
    match e {
        Error::Config(m) if m.starts_with("Cannot read") => Error::Config(format!(
            "{m} (Its path comes from --config or STORYREEL_CONFIG.)"
        )),
        other => other,
    }
}
