//! Decoding with limits, normalising to the project's frame, encoding, thumbnails and hashing.

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{DynamicImage, ImageEncoder, ImageReader, Limits, RgbImage};

use crate::config::ImageFormat;
use crate::error::{Error, Result};
use crate::model::Frame;

/// Width of a scene thumbnail.
/// The longer side of a thumbnail. A tall (9:16) picture's thumbnail is 203×360, not 360×640:
/// the grid and the Library show it at most about 150 px high, and each decoded thumbnail held
/// by the window costs width × height × 4 bytes.
pub const THUMB_SIDE: u32 = 360;

/// The size of the thumbnail of a `w`×`h` picture: within THUMB_SIDE×THUMB_SIDE, same shape.
pub fn thumb_size(w: u32, h: u32) -> (u32, u32) {
    let (w, h) = (w.max(1) as u64, h.max(1) as u64);
    let side = THUMB_SIDE as u64;
    if w >= h {
        (side as u32, (h * side / w).max(1) as u32)
    } else {
        ((w * side / h).max(1) as u32, side as u32)
    }
}
/// Largest picture side we will decode, and the most memory a decode may take.
pub const MAX_SIDE: u32 = 12_000;
pub const MAX_DECODE_BYTES: u64 = 400 * 1024 * 1024;

/// Decodes an image whose format is sniffed from its bytes, refusing anything too large
/// (so a decompression bomb is an error, not a huge allocation).
pub fn decode_limited(bytes: &[u8]) -> Result<DynamicImage> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::Image(format!("cannot read the image: {e}")))?;
    if reader.format().is_none() {
        return Err(Error::Image(
            "the data is not an image in a known format (JPEG, PNG or WebP)".into(),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| Error::Image(format!("the image cannot be decoded: {e}")))
}

/// Scales `img` to cover `frame` and crops the middle: no stretching, no borders.
/// (fast_image_resize: SIMD convolution, about 20x faster than `image`'s resize here.)
pub fn cover(img: &DynamicImage, frame: Frame) -> RgbImage {
    let rgb = match img {
        DynamicImage::ImageRgb8(rgb) => std::borrow::Cow::Borrowed(rgb),
        other => std::borrow::Cow::Owned(other.to_rgb8()),
    };
    if rgb.width() == frame.width && rgb.height() == frame.height {
        return rgb.into_owned();
    }
    resize_cover(&rgb, frame.width.max(1), frame.height.max(1))
}

fn resize_cover(src: &RgbImage, width: u32, height: u32) -> RgbImage {
    resize_cover_at(src, width, height, (0.5, 0.5))
}

/// Scales `src` to cover `width`×`height`, cropping around `focus` (0..1 on each axis: the
/// point of the picture kept in view).
pub fn resize_cover_at(src: &RgbImage, width: u32, height: u32, focus: (f64, f64)) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    let focus = (focus.0.clamp(0.0, 1.0), focus.1.clamp(0.0, 1.0));
    let mut dst = RgbImage::new(width, height);
    let options = fast_image_resize::ResizeOptions::new()
        .resize_alg(fast_image_resize::ResizeAlg::Convolution(
            fast_image_resize::FilterType::CatmullRom,
        ))
        .fit_into_destination(Some(focus));
    let mut resizer = fast_image_resize::Resizer::new();
    if resizer.resize(src, &mut dst, &options).is_err() {
        // Only an empty source can fail here; fall back to the slow path rather than panic.
        let scaled = image::imageops::resize(src, width, height, FilterType::Triangle);
        return scaled;
    }
    dst
}

pub fn encode(img: &RgbImage, format: ImageFormat, jpeg_quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity((img.width() * img.height() / 4) as usize);
    let fail = |e: &dyn std::fmt::Display| Error::Image(format!("cannot encode the image: {e}"));
    match format {
        ImageFormat::Jpeg => {
            // jpeg-encoder (SIMD) is about twice as fast as image's own encoder; it takes u16 sides.
            let (Ok(w), Ok(h)) = (u16::try_from(img.width()), u16::try_from(img.height())) else {
                return Err(Error::Image(format!(
                    "{}x{} is too large for JPEG",
                    img.width(),
                    img.height()
                )));
            };
            jpeg_encoder::Encoder::new(&mut out, jpeg_quality.clamp(1, 100))
                .encode(img.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| fail(&e))?;
        }
        ImageFormat::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive)
                .write_image(
                    img.as_raw(),
                    img.width(),
                    img.height(),
                    image::ExtendedColorType::Rgb8,
                )
                .map_err(|e| fail(&e))?;
        }
    }
    Ok(out)
}

/// A JPEG thumbnail whose longer side is 360 px.
pub fn thumbnail(img: &RgbImage) -> Result<Vec<u8>> {
    let (w, h) = thumb_size(img.width(), img.height());
    let small = resize_cover(img, w, h);
    encode(&small, ImageFormat::Jpeg, 80)
}

/// The content hash used for file names and sync keys (blake3, hex).
pub fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_crops_without_stretching() {
        let mut img = RgbImage::new(200, 100);
        for (x, _, p) in img.enumerate_pixels_mut() {
            *p = if x < 100 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            };
        }
        let out = cover(
            &DynamicImage::ImageRgb8(img),
            Frame {
                width: 90,
                height: 160,
            },
        );
        assert_eq!((out.width(), out.height()), (90, 160));
        // The middle of a 2:1 picture cropped to 9:16: left half red, right half blue.
        assert!(out.get_pixel(5, 80).0[0] > 200);
        assert!(out.get_pixel(84, 80).0[2] > 200);
    }

    #[test]
    fn encode_decode_round_trip_and_thumbnail() {
        let img = RgbImage::from_pixel(64, 128, image::Rgb([10, 200, 30]));
        for f in [ImageFormat::Jpeg, ImageFormat::Png] {
            let bytes = encode(&img, f, 90).unwrap();
            let back = decode_limited(&bytes).unwrap();
            assert_eq!((back.width(), back.height()), (64, 128));
        }
        let t = decode_limited(&thumbnail(&img).unwrap()).unwrap();
        assert_eq!((t.width(), t.height()), (180, 360));
        assert_eq!(thumb_size(1080, 1920), (202, 360));
        assert_eq!(thumb_size(1920, 1080), (360, 202));
        assert_eq!(thumb_size(1080, 1080), (360, 360));
        assert_eq!(thumb_size(0, 0), (360, 360));
    }

    #[test]
    fn garbage_and_truncated_images_are_errors() {
        assert!(decode_limited(b"<html>502 Bad Gateway</html>").is_err());
        let img = RgbImage::from_pixel(300, 300, image::Rgb([1, 2, 3]));
        let bytes = encode(&img, ImageFormat::Png, 90).unwrap();
        assert!(decode_limited(&bytes[..bytes.len() / 2]).is_err());
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        // A valid PNG header that claims 60000 x 60000 pixels.
        let img = RgbImage::new(1, 1);
        let mut bytes = encode(&img, ImageFormat::Png, 90).unwrap();
        bytes[16..20].copy_from_slice(&60000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&60000u32.to_be_bytes());
        let e = decode_limited(&bytes).unwrap_err().to_string();
        assert!(!e.is_empty());
    }
}
