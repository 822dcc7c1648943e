//! After an item's files are in place and match their sums: is each what it claims to be? A
//! model must read as an ONNX model, a Kokoro voice as style rows, a Piper voice must have its
//! settings beside it, a reading dictionary must build from its sources and read kanji. One that is not is removed, with a sentence (its sums matched, so the
//! catalogue itself is wrong about it).

use super::catalogue::{Item, Kind};
use super::{Library, LibraryError};
use crate::voices::japanese::ReadingsError;

/// Why an installed item is not usable.
enum Problem {
    /// It is not what the catalogue says: it goes.
    Wrong(String),
    /// Its folder could not be written (a full disk among the reasons): it stays for the next
    /// try.
    Io(std::io::Error),
}

fn is_onnx(path: &std::path::Path) -> bool {
    std::fs::read(path).is_ok_and(|b| crate::voices::onnx_patch::is_model(&b))
}

/// Why `item`, installed in `lib`, is not usable (None: it is).
fn problem(lib: &Library, item: &Item) -> Option<Problem> {
    let folder = lib.folder(&item.id);
    let engine = item.engine.as_deref().unwrap_or("");
    match (item.kind, engine) {
        (Kind::Runtime, _) => None,
        (Kind::Reading, _) => crate::voices::japanese::Readings::build(&folder)
            .and_then(|()| crate::voices::japanese::Readings::verify(&folder))
            .err()
            .map(|why| match why {
                ReadingsError::Io(e) => Problem::Io(e),
                why => Problem::Wrong(format!("{} could not be built ({why})", item.name)),
            }),
        (Kind::Model, _) => item
            .files
            .iter()
            .find(|f| f.name.ends_with(".onnx") && !is_onnx(&folder.join(&f.name)))
            .map(|f| Problem::Wrong(format!("{} ({}) is not a voice model", item.name, f.name))),
        (Kind::Voice, "kokoro") => item.files.iter().find_map(|f| {
            crate::voices::kokoro_model::Style::load(&folder.join(&f.name))
                .err()
                .map(|_| {
                    Problem::Wrong(format!("{} ({}) is not a Kokoro voice", item.name, f.name))
                })
        }),
        (Kind::Voice, "piper") => {
            let Some(model) = item.files.iter().find(|f| f.name.ends_with(".onnx")) else {
                return Some(Problem::Wrong(format!("{} has no model file", item.name)));
            };
            let path = folder.join(&model.name);
            if !is_onnx(&path) {
                return Some(Problem::Wrong(format!(
                    "{} ({}) is not a voice model",
                    item.name, model.name
                )));
            }
            crate::voices::piper_model::check_settings(&path)
                .err()
                .map(|e| {
                    Problem::Wrong(format!(
                        "{}: {}",
                        item.name,
                        e.message.trim_end_matches('.')
                    ))
                })
        }
        (Kind::Voice, other) => Some(Problem::Wrong(format!(
            "{} needs a voice engine this StoryReel does not have ({other})",
            item.name
        ))),
    }
}

/// Checks an installed item; one that is not what it claims is removed, one whose folder could
/// not be written (a full disk) is kept for the next try and said as such.
pub fn item(lib: &Library, item: &Item) -> Result<(), LibraryError> {
    match problem(lib, item) {
        None => Ok(()),
        Some(Problem::Io(e)) => Err(LibraryError::io(&lib.folder(&item.id), e)),
        Some(Problem::Wrong(why)) => {
            let _ = std::fs::remove_dir_all(lib.folder(&item.id));
            Err(LibraryError::NotAVoice(format!(
                "{why}, so it was not installed; the voice catalogue is wrong about it."
            )))
        }
    }
}
