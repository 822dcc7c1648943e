//! Composes the video's frames in YUV 4:2:0: each scene's image through its Ken Burns view (a
//! bilinear crop-and-scale of each plane), crossfaded with the next scene, captions blended on top.
//! A narrated title card has its spoken word painted on the card before its move.

use super::card_words::CardWords;
use super::karaoke::SceneCaption;
use super::motion::{Motion, View};
use super::resample::Resampler;
use super::timeline::FrameAt;
use super::yuv::Yuv;

/// A scene ready to be shown: its image at the frame's size, its move and its caption.
pub struct Source {
    pub image: Yuv,
    pub motion: Motion,
    pub caption: Option<SceneCaption>,
    /// A narrated title card's words, to highlight as they are spoken.
    pub card: Option<CardWords>,
    /// The person's own clip: `image` is its current frame, read as the scene plays.
    pub clip: Option<super::clip_frames::ClipReader>,
}

impl Source {
    /// Brings a clip to its frame `n` (counted from the scene's start); a still is left as is.
    pub fn seek_clip(&mut self, n: u64) {
        let Some(reader) = self.clip.as_mut() else {
            return;
        };
        // Frames are read in order, one per frame of the video; the first shows at once.
        while reader.shown <= n {
            if !reader.next(&mut self.image) {
                break;
            }
        }
    }
}

pub struct Composer {
    resampler: Resampler,
    second: Yuv,
    /// A title card with its spoken word painted (made when one is first needed).
    lit: Option<Yuv>,
}

/// Crops `view` (in the plane's own pixels) out of `src` and scales it to fill `dst`.
fn resize_plane(
    r: &mut Resampler,
    src: &[u8],
    src_size: (u32, u32),
    dst: &mut [u8],
    dst_size: (u32, u32),
    v: View,
) {
    if !r.resize(src, src_size, dst, dst_size, v) && src.len() == dst.len() {
        // Sizes are fixed and equal, so this cannot fail; show the still image if it does.
        dst.copy_from_slice(src);
    }
}

impl Composer {
    pub fn new(width: u32, height: u32) -> Composer {
        Composer {
            resampler: Resampler::default(),
            second: Yuv::new(width, height),
            lit: None,
        }
    }

    /// Writes frame `at` into `out` (the frame's size).
    pub fn compose(&mut self, at: FrameAt, a: &Source, b: Option<&Source>, out: &mut Yuv) {
        let shown = self.image_of(a, at.t);
        let image = picture(&self.lit, a, shown);
        view(&mut self.resampler, image, &a.motion, at.ta, out);
        let mut caption_a = 1.0;
        if let (Some((_, tb, mix)), Some(b)) = (at.b, b) {
            let shown = self.image_of(b, at.t);
            let image = picture(&self.lit, b, shown);
            view(&mut self.resampler, image, &b.motion, tb, &mut self.second);
            blend(out, &self.second, mix);
            if let Some(c) = &b.caption {
                c.apply(out, mix, at.t);
            }
            caption_a = 1.0 - mix;
        }
        if let Some(c) = &a.caption {
            c.apply(out, caption_a, at.t);
        }
    }
}

impl Composer {
    /// `src`'s picture as it shows at `t` (s into the video): a title card with the word being
    /// spoken painted, else the picture itself. Which one `view` reads: `Lit` means `self.lit`.
    fn image_of(&mut self, src: &Source, t: f32) -> Shown {
        let Some((card, i)) = src.card.as_ref().and_then(|c| Some((c, c.active(t)?))) else {
            return Shown::Own;
        };
        let lit = self.lit.get_or_insert_with(|| src.image.clone());
        if lit.width() != src.image.width() || lit.height() != src.image.height() {
            *lit = src.image.clone();
        } else {
            lit.as_bytes_mut().copy_from_slice(src.image.as_bytes());
        }
        card.paint(i, lit);
        Shown::Lit
    }
}

/// Which image of a scene a frame shows (see `Composer::image_of`).
#[derive(Clone, Copy)]
enum Shown {
    Own,
    Lit,
}

/// The image `shown` names.
fn picture<'a>(lit: &'a Option<Yuv>, src: &'a Source, shown: Shown) -> &'a Yuv {
    match (shown, lit) {
        (Shown::Lit, Some(l)) => l,
        _ => &src.image,
    }
}

/// Writes `image` at progress `t` through `motion` into `out`.
fn view(r: &mut Resampler, image: &Yuv, motion: &Motion, t: f32, out: &mut Yuv) {
    let (w, h) = (image.width(), image.height());
    let (ow, oh) = (out.width(), out.height());
    let v = motion.view(t, w, h);
    if (w, h) == (ow, oh) && v.left == 0.0 && v.top == 0.0 && v.width == w as f64 {
        // A clip's frame, already the frame's size and still: copied as it is.
        out.as_bytes_mut().copy_from_slice(image.as_bytes());
        return;
    }
    let half = View {
        left: v.left / 2.0,
        top: v.top / 2.0,
        width: v.width / 2.0,
        height: v.height / 2.0,
    };
    let (sy, su, sv) = image.planes();
    let (dy, du, dv) = out.planes_mut();
    resize_plane(r, sy, (w, h), dy, (ow, oh), v);
    resize_plane(r, su, (w / 2, h / 2), du, (ow / 2, oh / 2), half);
    resize_plane(r, sv, (w / 2, h / 2), dv, (ow / 2, oh / 2), half);
}

/// `out = out * (1 - mix) + other * mix`, on every plane.
fn blend(out: &mut Yuv, other: &Yuv, mix: f32) {
    let w = (mix.clamp(0.0, 1.0) * 256.0) as u16;
    for (d, s) in out.as_bytes_mut().iter_mut().zip(other.as_bytes()) {
        *d = ((*d as u16 * (256 - w) + *s as u16 * w) >> 8) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    fn still(rgb: [u8; 3], index: u32) -> Source {
        Source {
            image: Yuv::from_rgb(&RgbImage::from_pixel(108, 192, image::Rgb(rgb))),
            motion: Motion::for_scene(uuid::Uuid::nil(), index),
            caption: None,
            card: None,
            clip: None,
        }
    }

    #[test]
    fn a_crossfade_blends_and_a_still_frame_keeps_the_picture() {
        let (red, blue) = (still([200, 0, 0], 1), still([0, 0, 200], 2));
        let mut c = Composer::new(108, 192);
        let mut out = Yuv::new(108, 192);
        let only_a = FrameAt {
            t: 0.0,
            a: 0,
            ta: 0.3,
            b: None,
        };
        c.compose(only_a, &red, None, &mut out);
        let p = out.to_rgb().get_pixel(54, 96).0;
        assert!(p[0].abs_diff(200) <= 3 && p[1] <= 3 && p[2] <= 3, "{p:?}");
        let half = FrameAt {
            t: 0.0,
            a: 0,
            ta: 0.95,
            b: Some((1, 0.05, 0.5)),
        };
        c.compose(half, &red, Some(&blue), &mut out);
        let p = out.to_rgb().get_pixel(54, 96).0;
        assert!(
            (95..=105).contains(&p[0]) && (95..=105).contains(&p[2]),
            "{p:?}"
        );
    }

    #[test]
    fn the_view_moves_the_picture() {
        // Left half dark, right half light: a zoom and pan shifts the edge between them.
        let img = RgbImage::from_fn(108, 192, |x, _| {
            image::Rgb(if x < 54 {
                [20, 20, 20]
            } else {
                [230, 230, 230]
            })
        });
        let src = Source {
            image: Yuv::from_rgb(&img),
            motion: Motion::for_scene(uuid::Uuid::nil(), 3),
            caption: None,
            card: None,
            clip: None,
        };
        let mut c = Composer::new(108, 192);
        let (mut start, mut end) = (Yuv::new(108, 192), Yuv::new(108, 192));
        let at = |ta| FrameAt {
            t: 0.0,
            a: 0,
            ta,
            b: None,
        };
        c.compose(at(0.0), &src, None, &mut start);
        c.compose(at(1.0), &src, None, &mut end);
        assert_ne!(start, end);
        let (y, _, _) = start.planes();
        assert!(y[96 * 108 + 2] < 40 && y[96 * 108 + 105] > 200);
    }
}
