//! Typesetting for everything that draws text (title cards, captions), on `cosmic-text`:
//! shaping (Arabic joins, Devanagari reorders), right-to-left lines, line breaking by UAX #14
//! (CJK between characters, Thai between words with a dictionary), font fallback over the
//! installed fonts, and colour emoji. Fitting a text into a box at the largest size that holds it,
//! with an ellipsis as the last resort, works the same for every script.
//!
//! A [`Block`] is a laid-out text: its lines, with each glyph placed, and the characters no font
//! covers (so the scene can say which writing system lacks a font).

mod draw;
mod fonts;
mod prepare;
pub mod scripts;

use std::path::Path;
use std::sync::OnceLock;

use cosmic_text::skrifa::{FontRef, MetadataProvider};
use cosmic_text::{
    Align, Attrs, Buffer, CacheKeyFlags, Family, LayoutGlyph, Metrics, Shaping, Weight, Wrap,
};
use unicode_segmentation::UnicodeSegmentation;

pub use draw::Mask;
pub use fonts::{check_font_file, FontFileError};
use fonts::{Lent, Reach};
use prepare::SpanKind;

/// How a text is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub bold: bool,
    pub align: Alignment,
    /// Line height as a multiple of the font size.
    pub line_spacing: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alignment {
    /// Left for left-to-right text, right for right-to-left.
    Start,
    Center,
}

/// One laid-out line. Glyph positions are relative to the block's left edge and the line's
/// baseline.
#[derive(Debug, Clone)]
pub struct Line {
    /// The baseline, from the block's top.
    pub baseline: f32,
    pub width: f32,
    pub rtl: bool,
    glyphs: Vec<LayoutGlyph>,
}

impl Line {
    /// Each glyph's left edge and advance, in visual order (for checks).
    pub fn glyph_boxes(&self) -> impl Iterator<Item = (f32, f32)> + '_ {
        self.glyphs.iter().map(|g| (g.x, g.w))
    }

    /// Each glyph's cluster (its first byte in the paragraph's text, as laid out) and left
    /// edge, in visual order: where right-to-left text shows its order.
    pub fn clusters(&self) -> impl Iterator<Item = (usize, f32)> + '_ {
        self.glyphs.iter().map(|g| (g.start, g.x))
    }
}

/// A laid-out text.
#[derive(Debug, Clone)]
pub struct Block {
    pub size: f32,
    pub line_height: f32,
    /// The width the lines were set in (the widest line for an unbounded line).
    pub width: f32,
    pub height: f32,
    pub lines: Vec<Line>,
    /// Characters no available font covers, each once.
    pub missing: Vec<char>,
}

/// Sets text. Holds a font system lent from the pool for as long as it lives.
pub struct Typesetter {
    lent: Lent,
    buffer: Buffer,
}

impl Typesetter {
    /// A typesetter able to set every text of `texts`: the embedded fonts alone when they cover
    /// them (identical everywhere, instant), else with the system's fonts too.
    pub fn for_texts(texts: &[&str], user_font: Option<&Path>) -> Typesetter {
        let reach = if texts.iter().all(|t| embedded_covers(t)) {
            Reach::Embedded
        } else {
            Reach::System
        };
        Typesetter {
            lent: fonts::lend(reach, user_font),
            buffer: Buffer::new_empty(Metrics::new(16.0, 20.0)),
        }
    }

    /// One line, not wrapped.
    pub fn line(&mut self, text: &str, size: f32, style: TextStyle) -> Block {
        let text = prepare::normalise(text).replace('\n', " ");
        self.set(&text, style, None, Wrap::None);
        self.layout(size, style)
    }

    /// Wrapped to `box_w` at `size`.
    pub fn wrap(&mut self, text: &str, size: f32, style: TextStyle, box_w: f32) -> Block {
        let text = prepare::normalise(text);
        self.set(&text, style, Some(box_w), Wrap::WordOrGlyph);
        self.layout(size, style)
    }

    /// The largest whole size in [min, max] at which `text` wraps into `box_w` x `box_h` (and at
    /// most `max_lines`). If even `min` overflows, as much as fits at `min`, ending in an
    /// ellipsis.
    #[allow(clippy::too_many_arguments)]
    pub fn fit(
        &mut self,
        text: &str,
        style: TextStyle,
        box_w: f32,
        box_h: f32,
        max: f32,
        min: f32,
        max_lines: Option<usize>,
    ) -> Block {
        let text = prepare::normalise(text);
        let box_w = box_w.max(1.0);
        self.set(&text, style, Some(box_w), Wrap::WordOrGlyph);
        let keep = |size: f32| {
            let by_height = (box_h / (size * style.line_spacing)).floor().max(0.0) as usize;
            by_height.min(max_lines.unwrap_or(usize::MAX))
        };
        let (mut lo, mut hi) = (min.floor().max(6.0) as u32, max.ceil().max(7.0) as u32);
        let mut best = None;
        while lo <= hi {
            let mid = lo + (hi - lo) / 2;
            if self.line_count(mid as f32, style) <= keep(mid as f32) {
                best = Some(mid as f32);
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if let Some(size) = best {
            return self.layout(size, style);
        }
        // Even the smallest size overflows: the longest start of the text that fits with "…".
        let size = min.floor().max(6.0);
        let lines = keep(size).max(1);
        let ends: Vec<usize> = text
            .grapheme_indices(true)
            .map(|(i, g)| i + g.len())
            .collect();
        let (mut lo, mut hi) = (0usize, ends.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let cut = format!("{}\u{2026}", text[..ends[mid - 1]].trim_end());
            self.set(&cut, style, Some(box_w), Wrap::WordOrGlyph);
            if self.line_count(size, style) <= lines {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let kept = if lo == 0 { "" } else { &text[..ends[lo - 1]] };
        let cut = format!("{}\u{2026}", kept.trim_end());
        self.set(&cut, style, Some(box_w), Wrap::WordOrGlyph);
        self.layout(size, style)
    }

    /// Draws `block` into `img` with its top-left corner at (`x`, `y`). `shadow` is the shadow's
    /// opacity (0 for none), cast down and right by a little of the font size.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        block: &Block,
        img: &mut image::RgbImage,
        x: f32,
        y: f32,
        color: [u8; 3],
        alpha: f32,
        shadow: f32,
    ) {
        let (fs, cache) = self.parts();
        if shadow > 0.0 {
            let off = (block.size * 0.06).max(1.0);
            let paint = draw::Paint::Shadow {
                alpha: alpha * shadow,
            };
            draw::draw_rgb(fs, cache, block, img, (x + off, y + off), paint);
        }
        draw::draw_rgb(
            fs,
            cache,
            block,
            img,
            (x, y),
            draw::Paint::Ink { color, alpha },
        );
    }

    /// The coverage of `block` in a `width` x `height` band, its top-left at (`x`, `y`), with
    /// the colour of colour glyphs (emoji) beside it.
    pub fn mask(&mut self, block: &Block, width: u32, height: u32, x: f32, y: f32) -> Mask {
        let (fs, cache) = self.parts();
        draw::mask(fs, cache, block, width, height, (x, y))
    }

    /// Each word's coverage in the band `mask` draws (same size and origin), as (pixel index,
    /// coverage) lists. `text` is the text `block` was set from and `starts` the byte offset of
    /// each word in it, in order.
    pub fn word_masks(
        &mut self,
        block: &Block,
        (width, height): (u32, u32),
        (x, y): (f32, f32),
        text: &str,
        starts: &[usize],
    ) -> Vec<Vec<(u32, u8)>> {
        // The text was set as prepared (breaks added between the words of scripts without
        // spaces, control characters gone): map each of its bytes back to the text's.
        let set = prepare::normalise(text);
        let mut back = vec![0usize; set.len() + 1];
        let mut orig = text.char_indices().peekable();
        for (i, c) in set.char_indices() {
            while orig.peek().is_some_and(|(_, o)| *o != c && o.is_control()) {
                orig.next();
            }
            let at = match orig.peek() {
                Some((j, o)) if *o == c => {
                    let j = *j;
                    orig.next();
                    j
                }
                Some((j, _)) => *j,
                None => text.len(),
            };
            back[i..i + c.len_utf8()].fill(at);
        }
        let word_of = |b: usize| -> Option<usize> {
            let at = *back.get(b)?;
            starts.partition_point(|s| *s <= at).checked_sub(1)
        };
        let (fs, cache) = self.parts();
        draw::group_masks(
            fs,
            cache,
            block,
            (width, height),
            (x, y),
            starts.len(),
            &word_of,
        )
    }

    fn parts(&mut self) -> (&mut cosmic_text::FontSystem, &mut cosmic_text::SwashCache) {
        fonts::parts(&mut self.lent)
    }

    /// Gives the buffer `text`, cut into spans for their fonts.
    fn set(&mut self, text: &str, style: TextStyle, box_w: Option<f32>, wrap: Wrap) {
        let set = self.lent.set.clone();
        let (family, weight) = match &set.user_family {
            Some(name) => (Family::Name(name), Weight::NORMAL),
            None if style.bold => (Family::SansSerif, Weight::BOLD),
            None => (Family::SansSerif, Weight::NORMAL),
        };
        let base = Attrs::new()
            .family(family)
            .weight(weight)
            .cache_key_flags(CacheKeyFlags::DISABLE_HINTING);
        let arabic = set.arabic && set.user_family.is_none();
        let spans = prepare::spans(text, set.emoji, arabic);
        let rich = spans.into_iter().map(|(t, kind)| {
            let attrs = match kind {
                SpanKind::Text => base.clone(),
                SpanKind::Emoji => base
                    .clone()
                    .family(Family::Name(fonts::EMOJI_FAMILY))
                    .weight(Weight::NORMAL),
                SpanKind::Arabic => base.clone().family(Family::Name(fonts::ARABIC_FAMILY)),
            };
            (t, attrs)
        });
        let align = match style.align {
            Alignment::Start => None,
            Alignment::Center => Some(Align::Center),
        };
        self.buffer.set_wrap(wrap);
        self.buffer.set_size(box_w, None);
        self.buffer
            .set_rich_text(rich, &base, Shaping::Advanced, align);
    }

    fn metrics(&mut self, size: f32, style: TextStyle) {
        let lh = (size * style.line_spacing).max(1.0);
        self.buffer.set_metrics(Metrics::new(size.max(1.0), lh));
        let (fs, _) = fonts::parts(&mut self.lent);
        self.buffer.shape_until_scroll(fs, false);
    }

    fn line_count(&mut self, size: f32, style: TextStyle) -> usize {
        self.metrics(size, style);
        self.buffer.layout_runs().count()
    }

    fn layout(&mut self, size: f32, style: TextStyle) -> Block {
        self.metrics(size, style);
        let lh = (size * style.line_spacing).max(1.0);
        let mut lines = Vec::new();
        let mut missing: Vec<char> = Vec::new();
        let mut height: f32 = 0.0;
        let mut widest: f32 = 0.0;
        for run in self.buffer.layout_runs() {
            for g in run.glyphs.iter().filter(|g| g.glyph_id == 0) {
                let chars = run.text.get(g.start..g.end).unwrap_or("").chars();
                for c in chars.filter(|c| !prepare::is_invisible(*c)) {
                    if !missing.contains(&c) {
                        missing.push(c);
                    }
                }
            }
            height = height.max(run.line_top + run.line_height);
            widest = widest.max(run.line_w);
            lines.push(Line {
                baseline: run.line_y,
                width: run.line_w,
                rtl: run.rtl,
                glyphs: run.glyphs.to_vec(),
            });
        }
        Block {
            size,
            line_height: lh,
            width: self.buffer.size().0.unwrap_or(widest),
            height,
            lines,
            missing,
        }
    }
}

/// Whether the embedded fonts have a glyph for every visible character of `text` (and nothing
/// in it is better set in an installed font: emoji, Arabic).
fn embedded_covers(text: &str) -> bool {
    static CMAP: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    let Some(font) = CMAP
        .get_or_init(|| FontRef::new(dejavu::sans::regular()).ok())
        .as_ref()
    else {
        return false;
    };
    let charmap = font.charmap();
    text.graphemes(true).all(|g| {
        !prepare::is_emoji(g)
            && g.chars().all(|c| {
                prepare::is_invisible(c) || (!prepare::is_arabic(c) && charmap.map(c).is_some())
            })
    })
}

/// The writing systems `text` uses that no available font covers.
pub fn missing_scripts(text: &str, user_font: Option<&Path>) -> Vec<scripts::ScriptName> {
    if embedded_covers(text) {
        return Vec::new();
    }
    let mut t = Typesetter::for_texts(&[text], user_font);
    let style = TextStyle {
        bold: false,
        align: Alignment::Start,
        line_spacing: 1.3,
    };
    let block = t.wrap(text, 24.0, style, 2000.0);
    scripts::scripts_of(&block.missing)
}

/// Which of the common writing systems the available fonts cover, and which they do not.
pub fn coverage(user_font: Option<&Path>) -> (Vec<&'static str>, Vec<scripts::ScriptName>) {
    let (mut covered, mut lacking) = (Vec::new(), Vec::new());
    for (name, sample) in scripts::SAMPLES {
        let missing = missing_scripts(sample, user_font);
        match missing.into_iter().next() {
            None => covered.push(*name),
            Some(s) => lacking.push(scripts::ScriptName {
                name: (*name).to_string(),
                package: s.package,
            }),
        }
    }
    (covered, lacking)
}

#[cfg(test)]
mod tests;
