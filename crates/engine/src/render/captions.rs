//! Captions: the scene's text, wrapped, white with a dark outline, centred inside safe margins
//! near the bottom. Drawn once per scene into a coverage band (luma at full size, chroma at
//! half), then blended into each YUV frame.

use ab_glyph::{Font, PxScale, ScaleFont};

use super::yuv::{Yuv, BLACK_Y, NEUTRAL_C, WHITE_Y};
use crate::model::Frame;
use crate::typeset::{fonts, layout, wrap};

const MAX_LINES: usize = 3;

/// A scene's caption: a band of the frame (starting on an even row) with, per pixel, outline
/// and text coverage, and per 2x2 block the coverage of both (where the chroma turns grey).
#[derive(Debug, Clone)]
pub struct Caption {
    pub top: u32,
    pub height: u32,
    width: u32,
    outline: Vec<u8>,
    text: Vec<u8>,
    grey: Vec<u8>,
}

/// Lines of `text` that fit `max_lines` at `size`, the last one ending in an ellipsis if cut.
fn lines_for(font: &ab_glyph::FontRef<'static>, text: &str, size: f32, max_w: f32) -> Vec<String> {
    let mut lines = wrap(font, size, text, max_w);
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        let last = &mut lines[MAX_LINES - 1];
        while !last.is_empty() && layout(font, size, &format!("{last}…"), |_, _| {}) > max_w {
            last.pop();
        }
        last.push('…');
    }
    lines
}

impl Caption {
    /// None for an empty text (or if the embedded font cannot be read).
    pub fn new(text: &str, frame: Frame) -> Option<Caption> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let font = &fonts()?.bold;
        let (fw, fh) = (frame.width as f32, frame.height as f32);
        let margin = (fw * 0.07).round();
        let max_w = fw - 2.0 * margin;
        // Largest size (of a few) at which the text fits in three lines.
        let mut size = fw.min(fh) * 0.05;
        let mut lines = wrap(font, size, text, max_w);
        while lines.len() > MAX_LINES && size > fw.min(fh) * 0.036 {
            size *= 0.9;
            lines = wrap(font, size, text, max_w);
        }
        if lines.len() > MAX_LINES {
            lines = lines_for(font, text, size, max_w);
        }
        let scaled = font.as_scaled(PxScale::from(size));
        let line_h = (scaled.ascent() - scaled.descent() + scaled.line_gap()).ceil() * 1.1;
        let pad = (size * 0.12).ceil().max(2.0);
        let height = (line_h * lines.len() as f32 + 2.0 * pad).ceil() as u32;
        let bottom_margin = (fh * 0.1).round() as u32;
        let height = (height + 1) & !1;
        let top = frame.height.saturating_sub(bottom_margin + height) & !1;
        let width = frame.width & !1;
        let mut cov = vec![0f32; (width * height) as usize];
        for (i, line) in lines.iter().enumerate() {
            let line_w = layout(font, size, line, |_, _| {});
            let x = (fw - line_w) / 2.0;
            let baseline = pad + scaled.ascent() + line_h * i as f32;
            layout(font, size, line, |id, left| {
                let g = id.with_scale_and_position(
                    PxScale::from(size),
                    ab_glyph::point(x + left, baseline),
                );
                let Some(outline) = font.outline_glyph(g) else {
                    return;
                };
                let b = outline.px_bounds();
                outline.draw(|gx, gy, c| {
                    let px = b.min.x as i64 + gx as i64;
                    let py = b.min.y as i64 + gy as i64;
                    if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                        let i = (py as u32 * width + px as u32) as usize;
                        cov[i] = (cov[i] + c).min(1.0);
                    }
                });
            });
        }
        let text_a: Vec<u8> = cov.iter().map(|c| (c * 255.0).round() as u8).collect();
        let r = (size * 0.09).round().max(2.0) as usize;
        let outline = dilate(&text_a, width as usize, height as usize, r);
        let grey = chroma_cover(&outline, &text_a, width as usize, height as usize);
        Some(Caption {
            top,
            height,
            width,
            outline,
            text: text_a,
            grey,
        })
    }

    /// Blends the caption into `frame` at `opacity` (0..1).
    pub fn apply(&self, frame: &mut Yuv, opacity: f32) {
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
            // Dark outline, then white text over it.
            let v = (*p as u32 * (255 - o) + BLACK_Y as u32 * o) / 255;
            *p = ((v * (255 - t) + WHITE_Y as u32 * t) / 255) as u8;
        }
        let (cw, crow) = (w / 2, self.top as usize / 2);
        let n = rows / 2 * cw;
        for plane in [up, vp] {
            let band = &mut plane[crow * cw..][..n];
            for (p, g) in band.iter_mut().zip(&self.grey) {
                let g = (*g as u32 * op) >> 8;
                if g != 0 {
                    *p = ((*p as u32 * (255 - g) + NEUTRAL_C as u32 * g) / 255) as u8;
                }
            }
        }
    }
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
        let c = Caption::new("The keeper climbs the tower as the storm gathers.", frame).unwrap();
        assert!(c.top > 1920 / 2 && c.top + c.height <= 1920 - 192);
        assert_eq!((c.top % 2, c.height % 2), (0, 0));
        let grey = image::RgbImage::from_pixel(1080, 1920, image::Rgb([120, 120, 120]));
        let mut yuv = Yuv::from_rgb(&grey);
        c.apply(&mut yuv, 1.0);
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
        assert!(Caption::new("   ", frame).is_none());
    }

    #[test]
    fn long_text_is_cut_to_three_lines() {
        let frame = Frame {
            width: 1080,
            height: 1080,
        };
        let long = "word ".repeat(400);
        let c = Caption::new(&long, frame).unwrap();
        assert!(c.height < 400, "{}", c.height);
    }
}
