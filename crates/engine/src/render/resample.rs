//! A bilinear crop-and-scale of one 8-bit plane, for the Ken Burns views.
//!
//! A general resizer (fast_image_resize) vectorises a single-channel plane across the filter's
//! taps, and bilinear has only two, so it spent most of a frame's time in its horizontal pass.
//! This one blends the two source rows of each output row first (contiguous, so the compiler
//! vectorises it), then samples that row through a per-view table of columns and weights.

use super::motion::View;

/// Weights are in 1/256ths.
const ONE: u32 = 256;

#[derive(Default)]
pub struct Resampler {
    /// Per output column: the left source column (relative to `first`) and its neighbour's weight.
    cols: Vec<(u32, u32)>,
    row: Vec<u8>,
}

/// Where output sample `i` of `n` falls in a source span of `len` starting at `start` (pixel
/// centres aligned), clamped to the plane of `size`: the left sample and its neighbour's weight.
fn tap(i: u32, n: u32, start: f64, len: f64, size: u32) -> (u32, u32) {
    let max = size.saturating_sub(1) as f64;
    let s = (start + (i as f64 + 0.5) * len / n as f64 - 0.5).clamp(0.0, max);
    let left = s.floor();
    let w = ((s - left) * ONE as f64).round() as u32;
    (left as u32, w.min(ONE))
}

impl Resampler {
    /// Fills `dst` (`dw` x `dh`) with the `view` of `src` (`sw` x `sh`), scaled to fit.
    /// Returns false (and leaves `dst` alone) if a buffer is smaller than its sides say.
    pub fn resize(
        &mut self,
        src: &[u8],
        (sw, sh): (u32, u32),
        dst: &mut [u8],
        (dw, dh): (u32, u32),
        view: View,
    ) -> bool {
        let (swu, dwu) = (sw as usize, dw as usize);
        if sw == 0
            || sh == 0
            || dw == 0
            || dh == 0
            || src.len() < swu * sh as usize
            || dst.len() < dwu * dh as usize
        {
            return false;
        }
        // The columns each output column reads, relative to the first one any of them reads.
        let first = tap(0, dw, view.left, view.width, sw).0;
        self.cols.clear();
        self.cols.extend((0..dw).map(|x| {
            let (l, w) = tap(x, dw, view.left, view.width, sw);
            (l - first, w)
        }));
        let last = self.cols.last().map_or(0, |c| c.0) + first;
        // The span read, plus one so the neighbour of the last column is always there.
        let span = (last - first + 1) as usize;
        let (lo, hi) = (first as usize, (last as usize + 2).min(swu));
        self.row.resize(span + 1, 0);
        for (y, out) in dst.chunks_exact_mut(dwu).take(dh as usize).enumerate() {
            let (top, wy) = tap(y as u32, dh, view.top, view.height, sh);
            let r0 = &src[top as usize * swu..][lo..hi];
            let below = (top + 1).min(sh - 1) as usize;
            let r1 = &src[below * swu..][lo..hi];
            let row = &mut self.row[..hi - lo];
            for ((t, a), b) in row.iter_mut().zip(r0).zip(r1) {
                *t = ((*a as u32 * (ONE - wy) + *b as u32 * wy + ONE / 2) >> 8) as u8;
            }
            // The padding column repeats the plane's edge.
            let edge = row[hi - lo - 1];
            self.row[hi - lo..].fill(edge);
            let row = &self.row;
            for (o, &(i, w)) in out.iter_mut().zip(&self.cols) {
                let i = i as usize;
                let (a, b) = (row[i] as u32, row[i + 1] as u32);
                *o = ((a * (ONE - w) + b * w + ONE / 2) >> 8) as u8;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(w: usize, h: usize) -> Vec<u8> {
        (0..w * h)
            .map(|i| ((i * 7919 + (i / w) * 31) % 251) as u8)
            .collect()
    }

    /// Bilinear in floating point, the way `Resampler` means it.
    fn reference(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32, v: View) -> Vec<u8> {
        let at = |x: i64, y: i64| {
            let x = x.clamp(0, sw as i64 - 1) as usize;
            let y = y.clamp(0, sh as i64 - 1) as usize;
            src[y * sw as usize + x] as f64
        };
        let mut out = Vec::new();
        for y in 0..dh {
            let sy =
                (v.top + (y as f64 + 0.5) * v.height / dh as f64 - 0.5).clamp(0.0, sh as f64 - 1.0);
            for x in 0..dw {
                let sx = (v.left + (x as f64 + 0.5) * v.width / dw as f64 - 0.5)
                    .clamp(0.0, sw as f64 - 1.0);
                let (x0, y0) = (sx.floor(), sy.floor());
                let (fx, fy) = (sx - x0, sy - y0);
                let (x0, y0) = (x0 as i64, y0 as i64);
                let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
                let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
                out.push((top * (1.0 - fy) + bottom * fy).round() as u8);
            }
        }
        out
    }

    #[test]
    fn the_whole_plane_at_its_own_size_is_unchanged() {
        let src = plane(64, 48);
        let mut dst = vec![0; 64 * 48];
        let full = View {
            left: 0.0,
            top: 0.0,
            width: 64.0,
            height: 48.0,
        };
        assert!(Resampler::default().resize(&src, (64, 48), &mut dst, (64, 48), full));
        assert_eq!(dst, src);
    }

    #[test]
    fn crops_and_zooms_match_floating_point_bilinear() {
        let src = plane(90, 160);
        let mut r = Resampler::default();
        for v in [
            View {
                left: 3.3,
                top: 7.9,
                width: 80.4,
                height: 142.9,
            },
            View {
                left: 9.64,
                top: 17.1,
                width: 80.36,
                height: 142.86,
            },
            View {
                left: 0.0,
                top: 0.0,
                width: 90.0,
                height: 160.0,
            },
            View {
                left: 0.5,
                top: 0.25,
                width: 89.5,
                height: 159.75,
            },
        ] {
            let mut dst = vec![0; 90 * 160];
            assert!(r.resize(&src, (90, 160), &mut dst, (90, 160), v));
            let want = reference(&src, 90, 160, 90, 160, v);
            let worst = dst.iter().zip(&want).map(|(a, b)| a.abs_diff(*b)).max();
            assert!(worst <= Some(2), "{v:?}: off by {worst:?}");
        }
    }

    #[test]
    fn short_buffers_are_refused() {
        let v = View {
            left: 0.0,
            top: 0.0,
            width: 4.0,
            height: 4.0,
        };
        let mut dst = vec![0; 16];
        assert!(!Resampler::default().resize(&[0; 15], (4, 4), &mut dst, (4, 4), v));
        assert!(!Resampler::default().resize(&[0; 16], (4, 4), &mut dst[..8], (4, 4), v));
    }
}
