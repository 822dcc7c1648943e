//! Frames in the encoder's own format: planar YUV 4:2:0, BT.709, limited range. Composing in
//! it halves the bytes moved per frame (and piped to ffmpeg) against RGB, and leaves ffmpeg no
//! colour conversion to do.

use image::RgbImage;

/// Luma of black and white in limited range.
pub const BLACK_Y: u8 = 16;
pub const WHITE_Y: u8 = 235;
/// Chroma of every grey.
pub const NEUTRAL_C: u8 = 128;

/// One frame: the Y plane (`width` x `height`), then U and V (half each way), contiguous.
/// Width and height are even (every frame StoryReel makes is).
#[derive(Debug, Clone, PartialEq)]
pub struct Yuv {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl Yuv {
    /// A black frame.
    pub fn new(width: u32, height: u32) -> Yuv {
        let (w, h) = (width as usize & !1, height as usize & !1);
        let luma = w * h;
        let mut data = vec![NEUTRAL_C; luma + luma / 2];
        data[..luma].fill(BLACK_Y);
        Yuv {
            width: w as u32,
            height: h as u32,
            data,
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// All three planes, as the encoder reads them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The planes: Y, U, V.
    pub fn planes(&self) -> (&[u8], &[u8], &[u8]) {
        let luma = (self.width * self.height) as usize;
        let (y, c) = self.data.split_at(luma);
        let (u, v) = c.split_at(luma / 4);
        (y, u, v)
    }

    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let luma = (self.width * self.height) as usize;
        let (y, c) = self.data.split_at_mut(luma);
        let (u, v) = c.split_at_mut(luma / 4);
        (y, u, v)
    }

    /// Converts an RGB image (cropped to even sides): BT.709 matrix, limited range, chroma
    /// averaged over each 2x2 block.
    pub fn from_rgb(img: &RgbImage) -> Yuv {
        let mut out = Yuv::new(img.width(), img.height());
        let (w, h) = (out.width as usize, out.height as usize);
        let src_w = img.width() as usize;
        let raw = img.as_raw();
        let (yp, up, vp) = out.planes_mut();
        for cy in 0..h / 2 {
            for cx in 0..w / 2 {
                let (mut r4, mut g4, mut b4) = (0i32, 0i32, 0i32);
                for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let (x, y) = (cx * 2 + dx, cy * 2 + dy);
                    let i = (y * src_w + x) * 3;
                    let (r, g, b) = (raw[i] as i32, raw[i + 1] as i32, raw[i + 2] as i32);
                    yp[y * w + x] = luma(r, g, b);
                    r4 += r;
                    g4 += g;
                    b4 += b;
                }
                let (u, v) = chroma(r4, g4, b4);
                up[cy * (w / 2) + cx] = u;
                vp[cy * (w / 2) + cx] = v;
            }
        }
        out
    }

    /// Back to RGB (for tests and checks): the inverse of `from_rgb`, chroma repeated 2x2.
    pub fn to_rgb(&self) -> RgbImage {
        let w = self.width as usize;
        let (yp, up, vp) = self.planes();
        let mut img = RgbImage::new(self.width, self.height);
        for (x, y, p) in img.enumerate_pixels_mut() {
            let (x, y) = (x as usize, y as usize);
            let c = (y / 2) * (w / 2) + x / 2;
            let yy = (yp[y * w + x] as f32 - 16.0) * (255.0 / 219.0);
            let u = (up[c] as f32 - 128.0) * (255.0 / 224.0);
            let v = (vp[c] as f32 - 128.0) * (255.0 / 224.0);
            let r = yy + 1.5748 * v;
            let g = yy - 0.1873 * u - 0.4681 * v;
            let b = yy + 1.8556 * u;
            p.0 = [r, g, b].map(|c| c.round().clamp(0.0, 255.0) as u8);
        }
        img
    }
}

/// Fixed point (x 2^16) BT.709 coefficients, scaled to limited range.
const KY: [i32; 3] = [11966, 40254, 4064]; // 219/255 * (0.2126, 0.7152, 0.0722)
const KU: [i32; 3] = [-6597, -22187, 28784]; // 224/255 * (-0.1146, -0.3854, 0.5)
const KV: [i32; 3] = [28784, -26148, -2636]; // 224/255 * (0.5, -0.4542, -0.0458)

pub(crate) fn luma(r: i32, g: i32, b: i32) -> u8 {
    (16 + ((KY[0] * r + KY[1] * g + KY[2] * b + 32768) >> 16)).clamp(16, 235) as u8
}

/// Chroma of the sum of four pixels.
pub(crate) fn chroma(r4: i32, g4: i32, b4: i32) -> (u8, u8) {
    let u = 128 + ((KU[0] * r4 + KU[1] * g4 + KU[2] * b4 + 131072) >> 18);
    let v = 128 + ((KV[0] * r4 + KV[1] * g4 + KV[2] * b4 + 131072) >> 18);
    (u.clamp(16, 240) as u8, v.clamp(16, 240) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greys_have_neutral_chroma_and_limited_range_luma() {
        for (v, want) in [(0u8, 16u8), (255, 235), (128, 126)] {
            let y = Yuv::from_rgb(&RgbImage::from_pixel(4, 4, image::Rgb([v, v, v])));
            let (yp, up, vp) = y.planes();
            assert!(yp.iter().all(|p| p.abs_diff(want) <= 1), "{v}: {:?}", yp[0]);
            assert!(up.iter().chain(vp).all(|c| c.abs_diff(128) <= 1));
        }
    }

    #[test]
    fn colours_survive_a_round_trip() {
        for rgb in [
            [200u8, 30, 40],
            [20, 180, 90],
            [40, 60, 220],
            [250, 240, 10],
        ] {
            let img = RgbImage::from_pixel(6, 4, image::Rgb(rgb));
            let back = Yuv::from_rgb(&img).to_rgb();
            let p = back.get_pixel(3, 2).0;
            for c in 0..3 {
                assert!(p[c].abs_diff(rgb[c]) <= 3, "{rgb:?} came back as {p:?}");
            }
        }
    }

    #[test]
    fn odd_sides_are_cropped_to_even() {
        let y = Yuv::from_rgb(&RgbImage::new(5, 3));
        assert_eq!((y.width(), y.height()), (4, 2));
        assert_eq!(y.as_bytes().len(), 4 * 2 + 2 * 2);
    }
}
