//! The title card: a placeholder image drawn here, with no network. A gradient chosen from the
//! project's style (varied per scene), the scene number, the title and the scene text wrapped and
//! sized to fit, in an embedded font (DejaVu) so it renders the same on every machine.
//! Deterministic: the same scene and style give the same pixels.

use ab_glyph::{point, Font, FontRef, PxScale};
use async_trait::async_trait;
use image::{Rgb, RgbImage};

use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::style::{Style, STYLES};
use crate::typeset::{fit, fonts, layout, measure};

/// The title-card provider.
pub struct TitleCard;

#[async_trait]
impl ImageProvider for TitleCard {
    fn name(&self) -> &str {
        "titlecard"
    }
    fn is_placeholder(&self) -> bool {
        true
    }
    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let req = req.clone();
        let img = tokio::task::spawn_blocking(move || render(&req))
            .await
            .map_err(|e| {
                ProviderError::terminal(
                    "titlecard",
                    format!("The title card could not be drawn: {e}"),
                )
            })??;
        Ok(GeneratedImage {
            data: ImageData::Pixels(img),
            provider: "titlecard".into(),
            model: None,
            placeholder: true,
            revised_prompt: None,
            fallback: Vec::new(),
        })
    }
}

/// Draws the card for `req` at its frame.
pub fn render(req: &ImageRequest) -> Result<RgbImage, ProviderError> {
    let fonts = fonts().ok_or_else(|| {
        ProviderError::terminal("titlecard", "The embedded font could not be loaded.")
    })?;
    let (w, h) = (req.frame.width.max(16), req.frame.height.max(16));
    let style = Style::by_name(&req.style).unwrap_or(&STYLES[0]);
    let seed = blake3::hash(format!("{}:{}", style.name, req.scene_index).as_bytes());
    let seed = seed.as_bytes();
    let (c0, c1) = style.gradients[(req.scene_index.max(1) as usize - 1) % style.gradients.len()];
    let mut img = RgbImage::new(w, h);
    paint_gradient(
        &mut img,
        c0,
        c1,
        seed[0] as f32 / 255.0 * std::f32::consts::TAU,
    );

    let unit = w.min(h) as f32;
    let margin = unit * 0.08;
    let inner_w = w as f32 - 2.0 * margin;
    let mut pen = Pen {
        img: &mut img,
        shadow: style.shadow,
    };

    // A large, faint scene number in the lower corner.
    let big = format!("{:02}", req.scene_index);
    let big_size = unit * 0.42;
    let big_w = measure(&fonts.bold, big_size, &big);
    pen.text(
        &fonts.bold,
        big_size,
        w as f32 - margin * 0.6 - big_w,
        h as f32 - margin * 0.6,
        &big,
        style.text,
        0.08,
        false,
    );

    // The label: SCENE i / n, and a short accent rule under it.
    let label_size = (unit * 0.034).round();
    let mut y = margin + label_size;
    let label = format!(
        "SCENE {} / {}",
        req.scene_index,
        req.scene_count.max(req.scene_index)
    );
    pen.text(
        &fonts.bold,
        label_size,
        margin,
        y,
        &label,
        style.accent,
        1.0,
        true,
    );
    y += label_size * 0.6;
    pen.rect(
        margin,
        y,
        unit * 0.12,
        (unit * 0.005).max(2.0),
        style.accent,
    );
    y += label_size * 1.2;

    // The title, bold, up to three lines.
    if let Some(title) = req.title.as_deref().filter(|t| !t.trim().is_empty()) {
        let (size, lines) = fit(
            &fonts.bold,
            title,
            inner_w,
            unit * 0.3,
            unit * 0.075,
            unit * 0.035,
            Some(3),
        );
        for line in &lines {
            y += size * 1.2;
            pen.text(&fonts.bold, size, margin, y, line, style.text, 1.0, true);
        }
        y += size * 0.5;
    }

    // The scene text: the largest size at which it all fits, centred in the space left.
    let bottom = h as f32 - margin * 1.4;
    let box_h = (bottom - y - margin * 0.5).max(unit * 0.1);
    let (size, lines) = fit(
        &fonts.regular,
        &req.text,
        inner_w,
        box_h,
        unit * 0.068,
        unit * 0.012,
        None,
    );
    let line_h = size * 1.32;
    let block_h = lines.len() as f32 * line_h;
    let mut ty = y + margin * 0.5 + ((box_h - block_h) / 2.0).max(0.0);
    for line in &lines {
        ty += line_h;
        let lw = measure(&fonts.regular, size, line);
        pen.text(
            &fonts.regular,
            size,
            margin + (inner_w - lw) / 2.0,
            ty - line_h * 0.26,
            line,
            style.text,
            1.0,
            true,
        );
    }
    Ok(img)
}

fn paint_gradient(img: &mut RgbImage, c0: [u8; 3], c1: [u8; 3], angle: f32) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (dx, dy) = (angle.cos(), angle.sin());
    let corners = [0.0, w * dx, h * dy, w * dx + h * dy];
    let lo = corners.iter().cloned().fold(f32::MAX, f32::min);
    let hi = corners.iter().cloned().fold(f32::MIN, f32::max);
    let span = (hi - lo).max(1.0);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let rmax = cx * cx + cy * cy;
    const BAYER: [f32; 16] = [
        0.0, 8.0, 2.0, 10.0, 12.0, 4.0, 14.0, 6.0, 3.0, 11.0, 1.0, 9.0, 15.0, 7.0, 13.0, 5.0,
    ];
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (fx, fy) = (x as f32, y as f32);
        let t = ((fx * dx + fy * dy) - lo) / span;
        let t = t * t * (3.0 - 2.0 * t);
        let r2 = ((fx - cx) * (fx - cx) + (fy - cy) * (fy - cy)) / rmax;
        let shade = 1.0 - 0.32 * r2;
        let dither = BAYER[((y & 3) * 4 + (x & 3)) as usize] / 16.0;
        *p = Rgb(std::array::from_fn(|i| {
            let v = (c0[i] as f32 + (c1[i] as f32 - c0[i] as f32) * t) * shade;
            (v + dither).clamp(0.0, 255.0) as u8
        }));
    }
}

struct Pen<'a> {
    img: &'a mut RgbImage,
    shadow: f32,
}

impl Pen<'_> {
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        font: &FontRef<'static>,
        size: f32,
        x: f32,
        baseline: f32,
        text: &str,
        color: [u8; 3],
        alpha: f32,
        shadow: bool,
    ) {
        if shadow && self.shadow > 0.0 {
            let off = (size * 0.06).max(1.0);
            self.glyphs(
                font,
                size,
                x + off,
                baseline + off,
                text,
                [0, 0, 0],
                alpha * self.shadow,
            );
        }
        self.glyphs(font, size, x, baseline, text, color, alpha);
    }

    #[allow(clippy::too_many_arguments)]
    fn glyphs(
        &mut self,
        font: &FontRef<'static>,
        size: f32,
        x: f32,
        baseline: f32,
        text: &str,
        color: [u8; 3],
        alpha: f32,
    ) {
        let scale = PxScale::from(size);
        let (w, h) = (self.img.width() as i32, self.img.height() as i32);
        layout(font, size, text, |id, left| {
            let g = id.with_scale_and_position(scale, point(x + left, baseline));
            let Some(outline) = font.outline_glyph(g) else {
                return;
            };
            let b = outline.px_bounds();
            let img = &mut *self.img;
            outline.draw(|gx, gy, cov| {
                let px = b.min.x as i32 + gx as i32;
                let py = b.min.y as i32 + gy as i32;
                if px < 0 || py < 0 || px >= w || py >= h {
                    return;
                }
                let a = (cov * alpha).clamp(0.0, 1.0);
                let p = img.get_pixel_mut(px as u32, py as u32);
                for (c, target) in p.0.iter_mut().zip(color) {
                    *c = (*c as f32 * (1.0 - a) + target as f32 * a).round() as u8;
                }
            });
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: [u8; 3]) {
        let (iw, ih) = (self.img.width(), self.img.height());
        for py in (y.max(0.0) as u32)..((y + h) as u32).min(ih) {
            for px in (x.max(0.0) as u32)..((x + w) as u32).min(iw) {
                self.img.put_pixel(px, py, Rgb(color));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Aspect;

    fn req(text: &str, aspect: Aspect) -> ImageRequest {
        ImageRequest {
            project_id: uuid::Uuid::nil(),
            scene_index: 3,
            scene_count: 12,
            title: Some("The Keeper".into()),
            text: text.into(),
            prompt: String::new(),
            negative_prompt: None,
            style: "cinematic".into(),
            frame: aspect.frame(),
            variation: 1,
        }
    }

    #[test]
    fn renders_every_frame_deterministically() {
        for aspect in [Aspect::Portrait, Aspect::Landscape, Aspect::Square] {
            let r = req("The lamp turned all night, and the sea answered.", aspect);
            let a = render(&r).unwrap();
            let b = render(&r).unwrap();
            assert_eq!(
                (a.width(), a.height()),
                (aspect.frame().width, aspect.frame().height)
            );
            assert!(a == b, "same input, same pixels");
        }
    }

    #[test]
    fn text_is_drawn_and_stays_inside_the_margins() {
        let r = req(&"word ".repeat(800), Aspect::Portrait);
        let img = render(&r).unwrap();
        let plain = render(&ImageRequest {
            text: String::new(),
            title: None,
            ..r.clone()
        })
        .unwrap();
        let margin = (1080.0 * 0.08) as u32 - 6;
        let mut changed_inside = 0;
        for (x, y, p) in img.enumerate_pixels() {
            if p != plain.get_pixel(x, y) {
                if y > 400 && (x < margin - 4 || x > 1080 - margin + 4) {
                    // Only the faint big number may touch the right edge near the bottom.
                    assert!(y > 1300, "text drawn in the side margin at {x},{y}");
                }
                changed_inside += 1;
            }
        }
        assert!(changed_inside > 10_000, "text should be visible");
    }

    #[test]
    fn styles_are_known_by_name() {
        assert!(Style::by_name("Noir").is_some());
        assert!(Style::by_name("nope").is_none());
        assert!(Style::by_name("cinematic")
            .unwrap()
            .prompt_for("A ship.")
            .starts_with("A ship, cinematic"));
    }
}
