//! Drawing a laid-out block: into an RGB image (title cards), or into a coverage band with the
//! colour of colour glyphs beside it (captions). Glyph images come from swash through
//! cosmic-text's cache: outlines as coverage masks, colour emoji as RGBA with straight alpha.

use cosmic_text::{FontSystem, SwashCache, SwashContent};
use image::RgbImage;

use super::Block;

/// What the glyphs are drawn with.
#[derive(Debug, Clone, Copy)]
pub(super) enum Paint {
    /// Outline glyphs in `color`, colour glyphs in their own colours, at `alpha`.
    Ink { color: [u8; 3], alpha: f32 },
    /// Every glyph in black at `alpha`: a shadow.
    Shadow { alpha: f32 },
}

/// A glyph's pixels: each with its position, its coverage (0..=255) and, for a colour glyph,
/// its colour.
fn each_pixel(
    fs: &mut FontSystem,
    cache: &mut SwashCache,
    block: &Block,
    origin: (f32, f32),
    mut put: impl FnMut(i32, i32, u8, Option<[u8; 3]>, usize),
) {
    for line in &block.lines {
        for g in &line.glyphs {
            let pg = g.physical((origin.0, origin.1 + line.baseline), 1.0);
            let Some(image) = cache.get_image(fs, pg.cache_key).as_ref() else {
                continue;
            };
            let (w, h) = (image.placement.width as i32, image.placement.height as i32);
            let (x0, y0) = (pg.x + image.placement.left, pg.y - image.placement.top);
            for yy in 0..h {
                for xx in 0..w {
                    let i = (yy * w + xx) as usize;
                    match image.content {
                        SwashContent::Mask => {
                            if let Some(&a) = image.data.get(i) {
                                if a != 0 {
                                    put(x0 + xx, y0 + yy, a, None, g.start);
                                }
                            }
                        }
                        SwashContent::Color => {
                            if let Some(px) = image.data.get(i * 4..i * 4 + 4) {
                                if px[3] != 0 {
                                    put(
                                        x0 + xx,
                                        y0 + yy,
                                        px[3],
                                        Some([px[0], px[1], px[2]]),
                                        g.start,
                                    );
                                }
                            }
                        }
                        SwashContent::SubpixelMask => {}
                    }
                }
            }
        }
    }
}

pub(super) fn draw_rgb(
    fs: &mut FontSystem,
    cache: &mut SwashCache,
    block: &Block,
    img: &mut RgbImage,
    origin: (f32, f32),
    paint: Paint,
) {
    let (iw, ih) = (img.width() as i32, img.height() as i32);
    let (ink, alpha) = match paint {
        Paint::Ink { color, alpha } => (Some(color), alpha),
        Paint::Shadow { alpha } => (None, alpha),
    };
    let scale = (alpha.clamp(0.0, 1.0) * 256.0) as u32;
    each_pixel(fs, cache, block, origin, |x, y, a, own, _| {
        if x < 0 || y < 0 || x >= iw || y >= ih {
            return;
        }
        let a = (a as u32 * scale) >> 8;
        if a == 0 {
            return;
        }
        let src = match (ink, own) {
            (None, _) => [0, 0, 0],
            (Some(_), Some(own)) => own,
            (Some(c), None) => c,
        };
        let p = img.get_pixel_mut(x as u32, y as u32);
        for (c, s) in p.0.iter_mut().zip(src) {
            *c = ((s as u32 * a + *c as u32 * (255 - a) + 127) / 255) as u8;
        }
    });
}

/// Coverage of a text in a band, and the colour glyphs' pixels (index into the band, colour,
/// coverage) to paint over it.
#[derive(Debug, Clone, Default)]
pub struct Mask {
    pub width: u32,
    pub height: u32,
    pub cover: Vec<u8>,
    pub color: Vec<(usize, [u8; 3], u8)>,
}

pub(super) fn mask(
    fs: &mut FontSystem,
    cache: &mut SwashCache,
    block: &Block,
    width: u32,
    height: u32,
    origin: (f32, f32),
) -> Mask {
    let mut m = Mask {
        width,
        height,
        cover: vec![0; width as usize * height as usize],
        color: Vec::new(),
    };
    let (w, h) = (width as i32, height as i32);
    each_pixel(fs, cache, block, origin, |x, y, a, own, _| {
        if x < 0 || y < 0 || x >= w || y >= h {
            return;
        }
        let i = (y * w + x) as usize;
        m.cover[i] = m.cover[i].max(a);
        if let Some(c) = own {
            m.color.push((i, c, a));
        }
    });
    m
}

/// Each group's coverage in a band, as (pixel index, coverage) lists: `group_of` names the
/// group of a glyph by its first byte in the text that was set.
pub(super) fn group_masks(
    fs: &mut FontSystem,
    cache: &mut SwashCache,
    block: &Block,
    (width, height): (u32, u32),
    origin: (f32, f32),
    groups: usize,
    group_of: &dyn Fn(usize) -> Option<usize>,
) -> Vec<Vec<(u32, u8)>> {
    let mut out = vec![Vec::new(); groups];
    let (w, h) = (width as i32, height as i32);
    each_pixel(fs, cache, block, origin, |x, y, a, _, start| {
        if x < 0 || y < 0 || x >= w || y >= h {
            return;
        }
        if let Some(list) = group_of(start).and_then(|g| out.get_mut(g)) {
            list.push(((y * w + x) as u32, a));
        }
    });
    out
}
