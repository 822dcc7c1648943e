//! Composes the video's frames: each scene's image through its Ken Burns view (a SIMD
//! crop-and-resize), crossfaded with the next scene, captions blended on top.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use super::captions::Caption;
use super::motion::Motion;
use super::timeline::FrameAt;

/// A scene ready to be shown: its image at the frame's size, its move and its caption.
pub struct Source {
    pub image: RgbImage,
    pub motion: Motion,
    pub caption: Option<Caption>,
}

pub struct Composer {
    resizer: Resizer,
    second: RgbImage,
}

impl Composer {
    pub fn new(width: u32, height: u32) -> Composer {
        Composer {
            resizer: Resizer::new(),
            second: RgbImage::new(width, height),
        }
    }

    fn view(&mut self, src: &Source, t: f32, out: &mut RgbImage) {
        let v = src.motion.view(t, src.image.width(), src.image.height());
        let opts = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
            .crop(v.left, v.top, v.width, v.height);
        if self.resizer.resize(&src.image, out, &opts).is_err() {
            // Sizes are fixed and equal, so this cannot fail; show the still image if it does.
            out.copy_from_slice(&src.image);
        }
    }

    /// Writes frame `at` into `out` (the frame's size).
    pub fn compose(&mut self, at: FrameAt, a: &Source, b: Option<&Source>, out: &mut RgbImage) {
        self.view(a, at.ta, out);
        let mut caption_a = 1.0;
        if let (Some((_, tb, mix)), Some(b)) = (at.b, b) {
            let mut second = std::mem::take(&mut self.second);
            self.view(b, tb, &mut second);
            blend(out, &second, mix);
            if let Some(c) = &b.caption {
                c.apply(out, mix);
            }
            self.second = second;
            caption_a = 1.0 - mix;
        }
        if let Some(c) = &a.caption {
            c.apply(out, caption_a);
        }
    }
}

/// `out = out * (1 - mix) + other * mix`.
fn blend(out: &mut RgbImage, other: &RgbImage, mix: f32) {
    let w = (mix.clamp(0.0, 1.0) * 256.0) as u32;
    let dst: &mut [u8] = out;
    for (d, s) in dst.iter_mut().zip(other.as_raw().iter()) {
        *d = ((*d as u32 * (256 - w) + *s as u32 * w) >> 8) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crossfade_blends_and_a_still_frame_keeps_the_picture() {
        let red = Source {
            image: RgbImage::from_pixel(108, 192, image::Rgb([200, 0, 0])),
            motion: Motion::for_scene(uuid::Uuid::nil(), 1),
            caption: None,
        };
        let blue = Source {
            image: RgbImage::from_pixel(108, 192, image::Rgb([0, 0, 200])),
            motion: Motion::for_scene(uuid::Uuid::nil(), 2),
            caption: None,
        };
        let mut c = Composer::new(108, 192);
        let mut out = RgbImage::new(108, 192);
        c.compose(
            FrameAt {
                a: 0,
                ta: 0.3,
                b: None,
            },
            &red,
            None,
            &mut out,
        );
        assert_eq!(out.get_pixel(54, 96).0, [200, 0, 0]);
        c.compose(
            FrameAt {
                a: 0,
                ta: 0.95,
                b: Some((1, 0.05, 0.5)),
            },
            &red,
            Some(&blue),
            &mut out,
        );
        let p = out.get_pixel(54, 96).0;
        assert!(
            (95..=105).contains(&p[0]) && (95..=105).contains(&p[2]),
            "{p:?}"
        );
    }
}
