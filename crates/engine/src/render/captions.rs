//! Captions: text with a dark outline, centred inside safe margins (near the bottom by
//! default). A scene without a voice shows its whole text; a narrated scene shows the phrase
//! being spoken, a page at a time, with the word being spoken in the highlight colour
//! (karaoke). Each caption is laid out once into a coverage band (luma at full size, chroma at
//! half) with each word's pixels beside it, then blended into each YUV frame.

use super::yuv::{chroma, luma, Yuv, BLACK_Y, NEUTRAL_C};
use crate::config::render::{CaptionLook, CaptionPosition};
use crate::model::Frame;
use crate::typeset::{Alignment, TextStyle, Typesetter};

const MAX_LINES: usize = 3;
/// A page of a narrated caption: at most two lines.
const PAGE_LINES: usize = 2;

const STYLE: TextStyle = TextStyle {
    bold: true,
    align: Alignment::Center,
    line_spacing: 1.28,
};

/// A scene's caption: a band of the frame (starting on an even row) with, per pixel, outline
/// and text coverage, and per 2x2 block the coverage of both (where the chroma turns grey).
/// Colour glyphs (emoji) keep their colours: luma and chroma painted over the white.
#[derive(Debug, Clone)]
pub struct Caption {
    pub top: u32,
    pub height: u32,
    width: u32,
    outline: Vec<u8>,
    text: Vec<u8>,
    grey: Vec<u8>,
    /// The text's coverage per 2x2 block (where the chroma takes the text's colour).
    text_c: Vec<u8>,
    color_y: Vec<(u32, u8, u8)>,
    color_c: Vec<(u32, u8, u8, u8)>,
    /// The text's colour and the highlight's, in the encoder's format.
    ink: (u8, u8, u8),
    mark: (u8, u8, u8),
    /// Each word's pixels (luma) and 2x2 blocks (chroma) with their coverage.
    words: Vec<WordPixels>,
}

/// A word's pixels (index in the band, coverage) and its 2x2 blocks (chroma index, coverage).
type WordPixels = (Vec<(u32, u8)>, Vec<(u32, u8)>);

fn yuv_of([r, g, b]: [u8; 3]) -> (u8, u8, u8) {
    let (r, g, b) = (r as i32, g as i32, b as i32);
    let (u, v) = chroma(r * 4, g * 4, b * 4);
    (luma(r, g, b), u, v)
}

impl Caption {
    /// The whole of `text`, in up to three lines. None for an empty text. `font` is the
    /// creator's own font, if set.
    pub fn new(
        text: &str,
        frame: Frame,
        font: Option<&std::path::Path>,
        look: CaptionLook,
    ) -> Option<Caption> {
        Caption::build(text.trim(), &[], frame, font, look, MAX_LINES)
    }

    /// One page of a narrated caption: `words` joined, each word ready to be highlighted.
    pub fn page(
        words: &[String],
        frame: Frame,
        font: Option<&std::path::Path>,
        look: CaptionLook,
    ) -> Option<Caption> {
        let mut starts = Vec::with_capacity(words.len());
        let mut text = String::new();
        for w in words {
            starts.push(text.len());
            text.push_str(w);
        }
        let text = text.trim_end();
        Caption::build(text, &starts, frame, font, look, PAGE_LINES)
    }

    fn build(
        text: &str,
        starts: &[usize],
        frame: Frame,
        font: Option<&std::path::Path>,
        look: CaptionLook,
        lines: usize,
    ) -> Option<Caption> {
        if text.trim().is_empty() {
            return None;
        }
        let (fw, fh) = (frame.width as f32, frame.height as f32);
        let margin = (fw * 0.07).round();
        let max_w = (fw - 2.0 * margin).max(16.0);
        let unit = fw.min(fh) * look.scale;
        // The largest size at which the text fits its lines, else cut with an ellipsis.
        let mut t = Typesetter::for_texts(&[text], font);
        let block = t.fit(
            text,
            STYLE,
            max_w,
            f32::INFINITY,
            unit * 0.05,
            unit * 0.036,
            Some(lines),
        );
        let pad = (block.size * 0.15).ceil().max(2.0);
        let height = (((block.height + 2.0 * pad).ceil() as u32 + 1) & !1).min(frame.height & !1);
        // Inside the safe area: a tenth of the frame from its top or bottom edge.
        let edge = (fh * 0.1).round() as u32;
        let top = match look.position {
            CaptionPosition::Bottom => frame.height.saturating_sub(edge + height),
            CaptionPosition::Middle => frame.height.saturating_sub(height) / 2,
            CaptionPosition::Top => edge.min(frame.height.saturating_sub(height)),
        } & !1;
        let width = frame.width & !1;
        let mask = t.mask(&block, width, height, margin, pad);
        let (w, h) = (width as usize, height as usize);
        let words: Vec<WordPixels> = if starts.is_empty() {
            Vec::new()
        } else {
            t.word_masks(&block, (width, height), (margin, pad), text, starts)
                .into_iter()
                .map(|px| {
                    let c = word_blocks(&px, w);
                    (px, c)
                })
                .collect()
        };
        let text_a = mask.cover;
        let r = (block.size * 0.09).round().max(2.0) as usize;
        let outline = dilate(&text_a, w, h, r);
        let grey = chroma_cover(&outline, &text_a, w, h);
        let text_c = chroma_cover(&vec![0; text_a.len()], &text_a, w, h);
        let (color_y, color_c) = colour_layer(&mask.color, w);
        Some(Caption {
            top,
            height,
            width,
            outline,
            text: text_a,
            grey,
            text_c,
            color_y,
            color_c,
            ink: yuv_of(look.color),
            mark: yuv_of(look.highlight),
            words,
        })
    }

    /// How many words can be highlighted (0 for a whole-text caption).
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// Blends the caption into `frame` at `opacity` (0..1), with word `active` highlighted.
    pub fn apply(&self, frame: &mut Yuv, opacity: f32, active: Option<usize>) {
        if opacity <= 0.0 || frame.width() != self.width || self.top >= frame.height() {
            return;
        }
        let op = (opacity.clamp(0.0, 1.0) * 256.0) as u32;
        let rows = self.height.min(frame.height() - self.top) as usize;
        let w = self.width as usize;
        let (yp, up, vp) = frame.planes_mut();
        let luma = &mut yp[self.top as usize * w..][..rows * w];
        for ((p, o), t) in luma.iter_mut().zip(&self.outline).zip(&self.text) {
            let o = (*o as u32 * op) >> 8;
            let t = (*t as u32 * op) >> 8;
            if o == 0 && t == 0 {
                continue;
            }
            // Dark outline, then the text over it.
            let v = (*p as u32 * (255 - o) + BLACK_Y as u32 * o) / 255;
            *p = ((v * (255 - t) + self.ink.0 as u32 * t) / 255) as u8;
        }
        let word = active.and_then(|i| self.words.get(i));
        if let Some((px, _)) = word {
            for &(i, a) in px {
                let a = (a as u32 * op) >> 8;
                if let Some(p) = luma.get_mut(i as usize) {
                    *p = ((*p as u32 * (255 - a) + self.mark.0 as u32 * a) / 255) as u8;
                }
            }
        }
        for &(i, y, a) in &self.color_y {
            let a = (a as u32 * op) >> 8;
            if let Some(p) = luma.get_mut(i as usize) {
                *p = ((*p as u32 * (255 - a) + y as u32 * a) / 255) as u8;
            }
        }
        let (cw, crow) = (w / 2, self.top as usize / 2);
        let n = rows / 2 * cw;
        for (plane, pick) in [(up, 0usize), (vp, 1usize)] {
            let band = &mut plane[crow * cw..][..n];
            let ink = [self.ink.1, self.ink.2][pick] as u32;
            for ((p, g), t) in band.iter_mut().zip(&self.grey).zip(&self.text_c) {
                let g = (*g as u32 * op) >> 8;
                if g != 0 {
                    *p = ((*p as u32 * (255 - g) + NEUTRAL_C as u32 * g) / 255) as u8;
                }
                let t = (*t as u32 * op) >> 8;
                if t != 0 && ink != NEUTRAL_C as u32 {
                    *p = ((*p as u32 * (255 - t) + ink * t) / 255) as u8;
                }
            }
            if let Some((_, blocks)) = word {
                let mark = [self.mark.1, self.mark.2][pick] as u32;
                for &(i, a) in blocks {
                    let a = (a as u32 * op) >> 8;
                    if let Some(p) = band.get_mut(i as usize) {
                        *p = ((*p as u32 * (255 - a) + mark * a) / 255) as u8;
                    }
                }
            }
            for &(i, u, v, a) in &self.color_c {
                let (c, a) = ([u, v][pick] as u32, (a as u32 * op) >> 8);
                if let Some(p) = band.get_mut(i as usize) {
                    *p = ((*p as u32 * (255 - a) + c * a) / 255) as u8;
                }
            }
        }
    }
}

/// A word's pixels (index in a `w`-wide image, coverage) as its 2x2 blocks (chroma index, mean
/// coverage): where its chroma changes.
pub(super) fn word_blocks(px: &[(u32, u8)], w: usize) -> Vec<(u32, u8)> {
    let mut sum = std::collections::BTreeMap::<u32, u32>::new();
    for &(i, a) in px {
        let (x, y) = (i as usize % w, i as usize / w);
        *sum.entry(((y / 2) * (w / 2) + x / 2) as u32).or_default() += a as u32;
    }
    sum.into_iter()
        .map(|(i, s)| (i, (s / 4).min(255) as u8))
        .collect()
}

/// Per 2x2 block, the mean coverage of outline and text together.
fn chroma_cover(outline: &[u8], text: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut out = vec![0u8; (w / 2) * (h / 2)];
    for cy in 0..h / 2 {
        for cx in 0..w / 2 {
            let mut sum = 0u32;
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let i = (cy * 2 + dy) * w + cx * 2 + dx;
                let (o, t) = (outline[i] as u32, text[i] as u32);
                sum += 255 - (255 - o) * (255 - t) / 255;
            }
            out[cy * (w / 2) + cx] = (sum / 4) as u8;
        }
    }
    out
}

/// The colour glyphs' pixels in the encoder's format: luma per pixel, and chroma per 2x2 block
/// from the coverage-weighted mean colour, with the block's mean coverage.
#[allow(clippy::type_complexity)]
fn colour_layer(
    pixels: &[(usize, [u8; 3], u8)],
    w: usize,
) -> (Vec<(u32, u8, u8)>, Vec<(u32, u8, u8, u8)>) {
    use std::collections::BTreeMap;
    let mut ys = Vec::with_capacity(pixels.len());
    let mut blocks: BTreeMap<usize, [u32; 4]> = BTreeMap::new();
    for &(i, [r, g, b], a) in pixels {
        ys.push((i as u32, luma(r as i32, g as i32, b as i32), a));
        let (x, y) = (i % w, i / w);
        let acc = blocks.entry((y / 2) * (w / 2) + x / 2).or_default();
        let a32 = a as u32;
        acc[0] += r as u32 * a32;
        acc[1] += g as u32 * a32;
        acc[2] += b as u32 * a32;
        acc[3] += a32;
    }
    let cs = blocks
        .into_iter()
        .filter(|(_, acc)| acc[3] > 0)
        .map(|(ci, [r, g, b, a])| {
            let (r, g, b) = ((r / a) as i32, (g / a) as i32, (b / a) as i32);
            let (u, v) = chroma(r * 4, g * 4, b * 4);
            (ci as u32, u, v, (a / 4).min(255) as u8)
        })
        .collect();
    (ys, cs)
}

/// A square max filter of radius `r` (separable): the outline around the glyphs.
fn dilate(src: &[u8], w: usize, h: usize, r: usize) -> Vec<u8> {
    let mut tmp = vec![0u8; src.len()];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        for x in 0..w {
            let (a, b) = (x.saturating_sub(r), (x + r + 1).min(w));
            tmp[y * w + x] = row[a..b].iter().copied().max().unwrap_or(0);
        }
    }
    let mut out = vec![0u8; src.len()];
    for x in 0..w {
        for y in 0..h {
            let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
            out[y * w + x] = (a..b).map(|yy| tmp[yy * w + x]).max().unwrap_or(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_sit_in_the_safe_area_and_draw_white_on_dark() {
        let frame = Frame {
            width: 1080,
            height: 1920,
        };
        let c = Caption::new(
            "The keeper climbs the tower as the storm gathers.",
            frame,
            None,
            CaptionLook::default(),
        )
        .unwrap();
        assert!(c.top > 1920 / 2 && c.top + c.height <= 1920 - 192);
        assert_eq!((c.top % 2, c.height % 2), (0, 0));
        let grey = image::RgbImage::from_pixel(1080, 1920, image::Rgb([120, 120, 120]));
        let mut yuv = Yuv::from_rgb(&grey);
        c.apply(&mut yuv, 1.0, None);
        let img = yuv.to_rgb();
        let band = (c.top..c.top + c.height).flat_map(|y| (0..1080).map(move |x| (x, y)));
        let (mut white, mut dark) = (0, 0);
        for (x, y) in band {
            let p = img.get_pixel(x, y).0[0];
            white += (p > 240) as u32;
            dark += (p < 30) as u32;
        }
        assert!(white > 2000 && dark > 2000, "white {white}, dark {dark}");
        // Outside the band nothing changes; the side margins stay clear.
        assert_eq!(img.get_pixel(540, 100), grey.get_pixel(540, 100));
        let side = img.get_pixel(20, c.top + c.height / 2).0;
        assert!(side.iter().all(|v| v.abs_diff(120) <= 1), "{side:?}");
        // Chroma stays neutral over grey: no colour fringes around the letters.
        let (_, u, v) = yuv.planes();
        assert!(u.iter().chain(v).all(|c| c.abs_diff(128) <= 1));
        assert!(Caption::new("   ", frame, None, CaptionLook::default()).is_none());
    }

    #[test]
    fn long_text_is_cut_to_three_lines() {
        let frame = Frame {
            width: 1080,
            height: 1080,
        };
        let long = "word ".repeat(400);
        let c = Caption::new(&long, frame, None, CaptionLook::default()).unwrap();
        assert!(c.height < 400, "{}", c.height);
    }
}
