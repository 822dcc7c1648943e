//! Typesetting shared by everything that draws text (title cards, captions): the embedded
//! fonts, laying out a line glyph by glyph with kerning, word wrap, and fitting a text into a
//! box at the largest size that holds it.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont};

pub(crate) struct Fonts {
    pub regular: FontRef<'static>,
    pub bold: FontRef<'static>,
}

pub(crate) fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                bold: FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
            })
        })
        .as_ref()
}

/// The glyph for `c`, or None for characters the font lacks (they are left out, not boxed).
fn glyph(font: &FontRef<'static>, c: char) -> Option<GlyphId> {
    if c.is_control() {
        return None;
    }
    let id = font.glyph_id(c);
    (id.0 != 0 || c == ' ').then_some(id)
}

pub(crate) fn measure(font: &FontRef<'static>, size: f32, text: &str) -> f32 {
    layout(font, size, text, |_, _| {})
}

/// Lays out one line: calls `place` with each glyph and its left edge (kerning included), and
/// returns the line's width. Measuring and drawing share it, so wrapped lines fit as drawn.
pub(crate) fn layout(
    font: &FontRef<'static>,
    size: f32,
    text: &str,
    mut place: impl FnMut(GlyphId, f32),
) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut caret = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let Some(id) = glyph(font, c) else { continue };
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        place(id, caret);
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
    caret
}

/// Greedy word wrap; a word wider than the line is broken between characters.
pub(crate) fn wrap(font: &FontRef<'static>, size: f32, text: &str, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if measure(font, size, &candidate) <= max_w {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if measure(font, size, word) <= max_w {
                line = word.to_string();
            } else {
                for c in word.chars() {
                    line.push(c);
                    if measure(font, size, &line) > max_w && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    }
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// The largest font size in [min, max] at which `text` wraps into `box_w` x `box_h` (and at most
/// `max_lines`). If even `min` overflows, the last line that fits ends in an ellipsis.
pub(crate) fn fit(
    font: &FontRef<'static>,
    text: &str,
    box_w: f32,
    box_h: f32,
    max: f32,
    min: f32,
    max_lines: Option<usize>,
) -> (f32, Vec<String>) {
    let fits = |size: f32, lines: &[String]| {
        lines.len() as f32 * size * 1.32 <= box_h && max_lines.is_none_or(|m| lines.len() <= m)
    };
    let (mut lo, mut hi) = (min.floor().max(6.0) as u32, max.ceil().max(7.0) as u32);
    let mut best: Option<(f32, Vec<String>)> = None;
    while lo <= hi {
        let mid = (lo + hi) / 2;
        let lines = wrap(font, mid as f32, text, box_w);
        if fits(mid as f32, &lines) {
            best = Some((mid as f32, lines));
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    best.unwrap_or_else(|| {
        let size = min.floor().max(6.0);
        let mut lines = wrap(font, size, text, box_w);
        let keep = ((box_h / (size * 1.32)) as usize)
            .max(1)
            .min(max_lines.unwrap_or(usize::MAX));
        if lines.len() > keep {
            lines.truncate(keep);
            if let Some(last) = lines.last_mut() {
                while !last.is_empty() && measure(font, size, &format!("{last}\u{2026}")) > box_w {
                    last.pop();
                }
                last.push('\u{2026}');
            }
        }
        (size, lines)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_fits_the_width_and_keeps_every_word() {
        let f = &fonts().unwrap().regular;
        let text = "Supercalifragilisticexpialidocious and a few more words to wrap around here";
        let lines = wrap(f, 40.0, text, 300.0);
        for l in &lines {
            assert!(measure(f, 40.0, l) <= 300.0, "{l}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn overlong_text_ends_in_an_ellipsis() {
        let f = &fonts().unwrap().regular;
        let (_, lines) = fit(f, &"long ".repeat(2000), 200.0, 100.0, 40.0, 12.0, None);
        assert!(lines.last().unwrap().ends_with('\u{2026}'));
        assert!(lines.len() as f32 * 12.0 * 1.32 <= 100.0 + 16.0);
    }
}
