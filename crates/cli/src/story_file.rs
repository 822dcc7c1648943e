//! Reading a story for `make` and `import`: a file, or standard input (`-`); UTF-16 text (with
//! its byte-order mark) is turned into UTF-8 first.

use std::io::Read;
use std::path::Path;

use storyreel_engine::error::os_words;
use storyreel_engine::story::{too_large, utf16_to_utf8, MAX_STORY_BYTES};
use storyreel_engine::{Error, Result};

/// The story's bytes (UTF-8 where it was UTF-16) and the name that picks its format.
pub fn read(path: &Path) -> Result<(Vec<u8>, String)> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        let limit = u64::try_from(MAX_STORY_BYTES + 1).unwrap_or(u64::MAX);
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Error::Input(format!(
                    "Cannot read the story from standard input: {}.",
                    os_words(&e)
                ))
            })?;
        if bytes.len() > MAX_STORY_BYTES {
            return Err(too_large("the story on standard input", bytes.len() as u64));
        }
        let bytes = utf16_to_utf8(bytes, "the story on standard input")?;
        // A script is JSON; anything else is text (Markdown headings work in plain text too).
        let json = bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'[');
        let name = if json {
            "Your story.json"
        } else {
            "Your story.md"
        };
        return Ok((bytes, name.to_string()));
    }
    storyreel_engine::story::read_file(path)
}
