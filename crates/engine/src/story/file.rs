//! Reading a story file: size-checked before it is read, UTF-16 text (with its byte-order
//! mark) turned into UTF-8.

use std::path::Path;

use crate::error::{os_words, Error, Result};

use super::{too_large, MAX_STORY_BYTES};

/// The story's bytes (UTF-8 where it was UTF-16) and the file name that picks its format.
pub fn read_file(path: &Path) -> Result<(Vec<u8>, String)> {
    let cannot = |e: std::io::Error| {
        Error::Input(format!(
            "Cannot read the story {}: {}. Check the path.",
            path.display(),
            os_words(&e)
        ))
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string());
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if meta.is_dir() {
        return Err(Error::Input(format!(
            "{} is a folder: give the story's file (a .txt, .md or .json).",
            path.display()
        )));
    }
    // A file over the limit is refused before it is read into memory.
    if meta.len() > MAX_STORY_BYTES as u64 {
        return Err(too_large(&name, meta.len()));
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    Ok((utf16_to_utf8(bytes, &name)?, name))
}

/// UTF-16 with a byte-order mark becomes UTF-8; anything else is left for the story reader.
pub fn utf16_to_utf8(bytes: Vec<u8>, name: &str) -> Result<Vec<u8>> {
    let little = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => true,
        Some([0xFE, 0xFF]) => false,
        _ => return Ok(bytes),
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Err(Error::Input(format!(
            "{name} starts as UTF-16 text but ends half-way through a character. Save it again as UTF-8 or UTF-16."
        )));
    }
    let units = body.chunks_exact(2).map(|c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map(String::into_bytes)
        .map_err(|_| {
            Error::Input(format!(
                "{name} is marked as UTF-16 text but holds bytes that are not. Save it again as UTF-8."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_either_mark_reads_as_utf8() {
        let text = "# Der Bär\n\nÉtoile 星.";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(utf16_to_utf8(le, "s").unwrap(), text.as_bytes());
        assert_eq!(utf16_to_utf8(be, "s").unwrap(), text.as_bytes());
        assert_eq!(utf16_to_utf8(b"plain".to_vec(), "s").unwrap(), b"plain");
    }

    #[test]
    fn broken_utf16_is_a_sentence() {
        let odd = utf16_to_utf8(vec![0xFF, 0xFE, 0x41], "a.txt").unwrap_err();
        assert!(odd.to_string().contains("half-way"), "{odd}");
        // A lone high surrogate.
        let lone = utf16_to_utf8(vec![0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00], "a.txt").unwrap_err();
        assert!(lone.to_string().contains("not"), "{lone}");
    }
}
