//! A Kokoro voice: its style rows (float32 rows of 256 values, 510 rows in Kokoro's own
//! voices; row `n - 1` styles a text of `n` ids), read from a raw file or a NumPy array file.

use std::path::Path;

use crate::remote::ProviderError;

pub(super) const STYLE: usize = 256;

/// A Kokoro voice: its style rows.
#[derive(Debug)]
pub struct Style {
    pub(super) rows: Vec<[f32; STYLE]>,
}

impl Style {
    /// Reads a voice file (float32 rows of 256 values, little-endian).
    pub fn load(file: &Path) -> Result<Style, ProviderError> {
        let bad = |why: &str| {
            ProviderError::terminal(
                "voice_missing",
                format!(
                    "{} is not a Kokoro voice ({why}); install the voice again.",
                    file.display()
                ),
            )
        };
        let read = std::fs::read(file).map_err(|_| bad("it cannot be read"))?;
        let bytes = npy_data(&read).map_err(bad)?;
        let row = STYLE * 4;
        if bytes.is_empty() || bytes.len() % row != 0 || bytes.len() > 4096 * row {
            return Err(bad("its size is not a whole number of style rows"));
        }
        let mut rows = Vec::with_capacity(bytes.len() / row);
        for chunk in bytes.chunks_exact(row) {
            let mut r = [0f32; STYLE];
            for (v, b) in r.iter_mut().zip(chunk.chunks_exact(4)) {
                *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if !v.is_finite() || v.abs() > 1000.0 {
                    return Err(bad("it holds values no voice has"));
                }
            }
            rows.push(r);
        }
        Ok(Style { rows })
    }

    /// The row for a text of `n` ids.
    pub(super) fn row(&self, n: usize) -> &[f32; STYLE] {
        let at = n.clamp(1, self.rows.len()) - 1;
        &self.rows[at]
    }
}

/// The values of a voice file: the whole file, or what follows the header of a NumPy array
/// file (`.npy`: float32, little-endian, in C order), as Kokoro's Japanese voices come.
fn npy_data(bytes: &[u8]) -> Result<&[u8], &'static str> {
    let Some(rest) = bytes.strip_prefix(b"\x93NUMPY") else {
        return Ok(bytes);
    };
    let bad = "its array header is not one of float32 rows";
    let (len, at) = match rest.first() {
        Some(1) => (
            rest.get(2..4)
                .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize),
            10,
        ),
        Some(2 | 3) => (
            rest.get(2..6)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
            12,
        ),
        _ => (None, 0),
    };
    let end = len.and_then(|l| l.checked_add(at)).ok_or(bad)?;
    let header = bytes.get(at..end).ok_or(bad)?;
    let header = std::str::from_utf8(header).map_err(|_| bad)?;
    let plain: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    if !plain.contains("'descr':'<f4'") || !plain.contains("'fortran_order':False") {
        return Err(bad);
    }
    Ok(&bytes[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voice_may_come_as_a_numpy_array() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("v.npy");
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 256), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let pad = 128 - 10 - header.len() - 1;
        bytes.extend(((header.len() + pad + 1) as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend(std::iter::repeat_n(b' ', pad));
        bytes.push(b'\n');
        for i in 0..(2 * STYLE) {
            bytes.extend((i as f32).to_le_bytes());
        }
        std::fs::write(&f, &bytes).unwrap();
        let s = Style::load(&f).unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.row(2)[1], STYLE as f32 + 1.0);
        // Another type, another order, or a header past the end: not a voice.
        for (from, to) in [("<f4", "<f8"), ("False", "True")] {
            let other = String::from_utf8_lossy(&bytes).replacen(from, to, 1);
            std::fs::write(&f, other.as_bytes()).unwrap();
            assert!(Style::load(&f).is_err(), "{to}");
        }
        std::fs::write(&f, b"\x93NUMPY\x01\x00\xff\xff{").unwrap();
        assert!(Style::load(&f).is_err());
    }

    #[test]
    fn a_voice_file_must_be_whole_rows_of_sane_values() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("v.bin");
        let mut bytes = Vec::new();
        for i in 0..(3 * STYLE) {
            bytes.extend((i as f32 / 1000.0).to_le_bytes());
        }
        std::fs::write(&f, &bytes).unwrap();
        let s = Style::load(&f).unwrap();
        assert_eq!(s.rows.len(), 3);
        assert_eq!(s.row(0)[0], 0.0);
        assert_eq!(s.row(2)[0], STYLE as f32 / 1000.0);
        assert_eq!(s.row(99)[0], 2.0 * STYLE as f32 / 1000.0);
        std::fs::write(&f, &bytes[..bytes.len() - 4]).unwrap();
        assert!(Style::load(&f)
            .unwrap_err()
            .message
            .contains("not a Kokoro voice"));
        bytes[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
        std::fs::write(&f, &bytes).unwrap();
        assert!(Style::load(&f).is_err());
        assert!(Style::load(&dir.path().join("none.bin")).is_err());
    }
}
