//! The person's own picture: read with its EXIF orientation applied (or through ffmpeg, for
//! formats the image decoders do not read: HEIC, TIFF, BMP, AVIF, …), kept at most
//! [`STORED_SIDE`] pixels on its longer side, and fitted to the frame at render time: cover
//! (cropped around a focus point) or contain (whole, over a blurred copy of itself).

use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

use crate::error::{Error, Result};
use crate::imaging::{self, MAX_DECODE_BYTES, MAX_SIDE};
use crate::model::{Fit, Frame, MediaLook};
use crate::render::ffmpeg::{output_within, Ffmpeg, PROTOCOLS};

/// The longer side a stored picture keeps: twice a 1080p frame's shorter side, room for the
/// zoom and any frame shape.
pub const STORED_SIDE: u32 = 3840;

/// The largest picture file taken.
pub const MAX_PICTURE_BYTES: u64 = 200 * 1024 * 1024;

/// The sentence for a picture over [`MAX_SIDE`] on a side.
pub(crate) fn too_many_pixels(name: &str, w: u32, h: u32) -> Error {
    Error::Input(format!(
        "{name} is {w}×{h} pixels; a picture may be at most {MAX_SIDE} pixels on each side. Save a smaller copy (a photo app's Export or Resize does it) and use that."
    ))
}

/// Reads `bytes` (the file `name`) as a picture, turned upright, no larger than STORED_SIDE.
/// Formats the image decoders do not know go through ffmpeg, whose size is checked first.
pub fn load(ff: &Ffmpeg, file: &Path, bytes: &[u8], name: &str) -> Result<RgbImage> {
    let unreadable = |why: &dyn std::fmt::Display| {
        Error::Input(format!(
            "{name} cannot be read as a picture ({why}); it may be damaged or cut short. Choose another file."
        ))
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| unreadable(&e))?;
    let decoder = match reader.format() {
        // A format the decoders know by its first bytes but are not built for here (BMP,
        // TIFF, GIF, …) goes through ffmpeg like an unknown one.
        Some(_) => match reader.into_decoder() {
            Ok(d) => Some(d),
            Err(image::ImageError::Unsupported(_)) => None,
            Err(e) => return Err(unreadable(&e)),
        },
        None => None,
    };
    let img = if let Some(mut decoder) = decoder {
        let (w, h) = decoder.dimensions();
        if w > MAX_SIDE || h > MAX_SIDE {
            return Err(too_many_pixels(name, w, h));
        }
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(MAX_DECODE_BYTES);
        decoder.set_limits(limits).map_err(|e| unreadable(&e))?;
        let orientation = decoder.orientation().ok();
        let mut img = DynamicImage::from_decoder(decoder).map_err(|e| unreadable(&e))?;
        if let Some(o) = orientation {
            img.apply_orientation(o);
        }
        img
    } else {
        through_ffmpeg(ff, file, name)?
    };
    Ok(capped(flatten(img)))
}

/// A picture with transparency over black, as RGB.
fn flatten(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = p[3] as u16;
        image::Rgb([0, 1, 2].map(|i| (p[i] as u16 * a / 255) as u8))
    })
}

/// `img` scaled down to at most STORED_SIDE on its longer side.
fn capped(img: RgbImage) -> RgbImage {
    within(img, STORED_SIDE)
}

/// `img` scaled down to at most `side` on its longer side, its shape kept.
pub(crate) fn within(img: RgbImage, side: u32) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    let long = w.max(h);
    if long <= side {
        return img;
    }
    let scale = side as f64 / long as f64;
    let (nw, nh) = (
        ((w as f64 * scale).round() as u32).max(1),
        ((h as f64 * scale).round() as u32).max(1),
    );
    imaging::resize_cover_at(&img, nw, nh, (0.5, 0.5))
}

/// A picture in a format only ffmpeg reads, as one PNG frame on a pipe.
fn through_ffmpeg(ff: &Ffmpeg, file: &Path, name: &str) -> Result<DynamicImage> {
    if let super::probe::Probed::Picture { width, height } = super::probe::probe(ff, file, name)? {
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(too_many_pixels(name, width, height));
        }
    }
    let mut cmd = Command::new(&ff.bin);
    cmd.args([
        "-v",
        "error",
        "-nostdin",
        "-protocol_whitelist",
        PROTOCOLS,
        "-i",
    ])
    .arg(file)
    .args(["-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"]);
    let out = output_within(cmd, Duration::from_secs(60))
        .map_err(|e| Error::io(format!("Cannot start {}", ff.bin.display()), e))?;
    if !out.status.success() || out.stdout.is_empty() {
        return Err(Error::Input(format!(
            "{name} cannot be read as a picture; it may be damaged or cut short. Choose another file."
        )));
    }
    imaging::decode_limited(&out.stdout).map_err(|_| {
        Error::Input(format!(
            "{name} cannot be read as a picture; it may be damaged. Choose another file."
        ))
    })
}

/// `img` fitted to `frame` as `look` says.
pub fn fit(img: &RgbImage, frame: Frame, look: &MediaLook) -> RgbImage {
    let (w, h) = (frame.width.max(2), frame.height.max(2));
    match look.fit {
        Fit::Cover => {
            imaging::resize_cover_at(img, w, h, (look.focus_x as f64, look.focus_y as f64))
        }
        Fit::Contain => contain(img, w, h),
    }
}

/// The whole picture, as large as fits, over a blurred and darkened copy filling the frame.
fn contain(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    // The fill: shrunk to a few dozen pixels and grown back, which blurs it, then dimmed.
    let small = imaging::resize_cover_at(img, (w / 40).max(2), (h / 40).max(2), (0.5, 0.5));
    let mut out = image::imageops::resize(&small, w, h, image::imageops::FilterType::Triangle);
    for p in out.pixels_mut() {
        p.0 = p.0.map(|c| (c as u16 * 3 / 5) as u8);
    }
    let (iw, ih) = (img.width().max(1) as f64, img.height().max(1) as f64);
    let scale = (w as f64 / iw).min(h as f64 / ih);
    let (fw, fh) = (
        ((iw * scale).round() as u32).clamp(1, w),
        ((ih * scale).round() as u32).clamp(1, h),
    );
    let front = imaging::resize_cover_at(img, fw, fh, (0.5, 0.5));
    image::imageops::replace(
        &mut out,
        &front,
        ((w - fw) / 2) as i64,
        ((h - fh) / 2) as i64,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        Frame {
            width: 90,
            height: 160,
        }
    }

    #[test]
    fn cover_keeps_the_focus_in_view_and_contain_shows_it_all() {
        // A wide picture: red on the left third, blue on the right third.
        let img = RgbImage::from_fn(300, 100, |x, _| {
            image::Rgb(match x {
                0..100 => [220, 0, 0],
                100..200 => [0, 220, 0],
                _ => [0, 0, 220],
            })
        });
        let look = |fit, focus_x| MediaLook {
            fit,
            focus_x,
            ..MediaLook::default()
        };
        let left = fit(&img, frame(), &look(Fit::Cover, 0.0));
        let right = fit(&img, frame(), &look(Fit::Cover, 1.0));
        assert_eq!((left.width(), left.height()), (90, 160));
        assert!(
            left.get_pixel(45, 80).0[0] > 150,
            "{:?}",
            left.get_pixel(45, 80)
        );
        assert!(
            right.get_pixel(45, 80).0[2] > 150,
            "{:?}",
            right.get_pixel(45, 80)
        );
        // Contain: all three colours across the middle, the fill above and below dimmer.
        let whole = fit(&img, frame(), &look(Fit::Contain, 0.5));
        assert!(whole.get_pixel(5, 80).0[0] > 150);
        assert!(whole.get_pixel(45, 80).0[1] > 150);
        assert!(whole.get_pixel(85, 80).0[2] > 150);
        let fill = whole.get_pixel(45, 5).0;
        assert!(fill.iter().all(|c| *c < 150), "{fill:?}");
    }

    #[test]
    fn large_pictures_are_kept_smaller_and_transparency_goes_over_black() {
        let big = RgbImage::new(5000, 2500);
        let c = capped(big);
        assert_eq!((c.width(), c.height()), (3840, 1920));
        let clear = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            2,
            2,
            image::Rgba([200, 200, 200, 0]),
        ));
        assert_eq!(flatten(clear).get_pixel(0, 0).0, [0, 0, 0]);
    }
}
