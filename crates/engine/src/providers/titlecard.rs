//! The title card: a placeholder image drawn here, with no network. A gradient chosen from the
//! project's style (varied per scene), the scene number (in the video only: the stored picture
//! has no place on it), the title and the scene text wrapped and sized to fit, set by `typeset` in any script (Latin, Greek and Cyrillic in the embedded
//! DejaVu, so they render the same on every machine).
//! Deterministic: the same scene and style give the same pixels.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use image::{Rgb, RgbImage};

use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::style::{Style, STYLES};
use crate::typeset::{Alignment, Block, TextStyle, Typesetter};

/// The title-card provider. `font` is the creator's own font, if set.
#[derive(Debug, Clone, Default)]
pub struct TitleCard {
    pub font: Option<PathBuf>,
}

#[async_trait]
impl ImageProvider for TitleCard {
    fn name(&self) -> &str {
        "titlecard"
    }
    fn is_placeholder(&self) -> bool {
        true
    }
    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let (req, font) = (req.clone(), self.font.clone());
        // Stored without its place: the video draws the number and "SCENE i / n" for the
        // scene's place when it is made, so no edit leaves a stale number on the picture.
        let img = tokio::task::spawn_blocking(move || render_card(&req, font.as_deref(), false))
            .await
            .map_err(|e| {
                ProviderError::terminal(
                    "titlecard",
                    format!("The title card could not be drawn: {e}"),
                )
            })?;
        Ok(GeneratedImage {
            data: ImageData::Pixels(img),
            provider: "titlecard".into(),
            model: None,
            placeholder: true,
            revised_prompt: None,
            fallback: Vec::new(),
            notes: Vec::new(),
        })
    }
}

const BOLD_START: TextStyle = TextStyle {
    bold: true,
    align: Alignment::Start,
    line_spacing: 1.2,
};

/// Where everything on a card goes: what `render` draws, and what the render finds the scene
/// text's words by (`text_words`).
struct Placed {
    t: Typesetter,
    style: &'static Style,
    big: Option<(Block, f32, f32)>,
    label: (Block, f32, f32),
    rule: (f32, f32, f32, f32),
    title: Option<(Block, f32, f32)>,
    text: (Block, f32, f32),
}

fn place(req: &ImageRequest, font: Option<&Path>) -> Placed {
    let (w, h) = (req.frame.width.max(16), req.frame.height.max(16));
    let style = Style::by_name(&req.style).unwrap_or(&STYLES[0]);
    let unit = w.min(h) as f32;
    let margin = unit * 0.08;
    let inner_w = w as f32 - 2.0 * margin;
    let title = req.title.as_deref().filter(|t| !t.trim().is_empty());
    let mut t = Typesetter::for_texts(&[title.unwrap_or(""), &req.text], font);

    // A large, faint scene number in the lower corner.
    let number = t.line(&format!("{:02}", req.scene_index), unit * 0.42, BOLD_START);
    let at = number.lines.first().map(|first| {
        let x = w as f32 - margin * 0.6 - first.width;
        let y = h as f32 - margin * 0.6 - first.baseline;
        (x, y)
    });
    let big = at.map(|(x, y)| (number, x, y));

    // The label: SCENE i / n, and a short accent rule under it.
    let label_size = (unit * 0.034).round();
    let label = format!(
        "SCENE {} / {}",
        req.scene_index,
        req.scene_count.max(req.scene_index)
    );
    let label = t.line(&label, label_size, BOLD_START);
    let mut y = margin;
    let label_y = y;
    y += label.height + label_size * 0.15;
    let rule = (margin, y, unit * 0.12, (unit * 0.005).max(2.0));
    y += label_size * 1.2;

    // The title, bold, up to three lines.
    let title = title.map(|title| {
        let block = t.fit(
            title,
            BOLD_START,
            inner_w,
            unit * 0.3,
            unit * 0.075,
            unit * 0.035,
            Some(3),
        );
        let at = y;
        y += block.height + block.size * 0.5;
        (block, margin, at)
    });

    // The scene text: the largest size at which it all fits, centred in the space left.
    let bottom = h as f32 - margin * 1.4;
    let box_h = (bottom - y - margin * 0.5).max(unit * 0.1);
    let text_style = TextStyle {
        bold: false,
        align: Alignment::Center,
        line_spacing: 1.32,
    };
    let block = t.fit(
        &req.text,
        text_style,
        inner_w,
        box_h,
        unit * 0.068,
        unit * 0.012,
        None,
    );
    let top = y + margin * 0.5 + ((box_h - block.height) / 2.0).max(0.0);
    Placed {
        t,
        style,
        big,
        label: (label, margin, label_y),
        rule,
        title,
        text: (block, margin, top),
    }
}

/// Draws the card for `req` at its frame, in any script (see `typeset`), with its place: the
/// big scene number and "SCENE i / n" (as the video shows it).
pub fn render(req: &ImageRequest, font: Option<&Path>) -> RgbImage {
    render_card(req, font, true)
}

/// The card's gradient alone, as `render` starts it.
fn background(req: &ImageRequest, style: &Style) -> RgbImage {
    let (w, h) = (req.frame.width.max(16), req.frame.height.max(16));
    let seed = blake3::hash(format!("{}:{}", style.name, req.scene_index).as_bytes());
    let seed = seed.as_bytes();
    let (c0, c1) = palette_pair(&req.cast.palette, req.scene_index)
        .unwrap_or(style.gradients[(req.scene_index.max(1) as usize - 1) % style.gradients.len()]);
    let mut img = RgbImage::new(w, h);
    paint_gradient(
        &mut img,
        c0,
        c1,
        seed[0] as f32 / 255.0 * std::f32::consts::TAU,
    );
    img
}

/// The gradient from the look's palette, when it has colours: each scene starts at the next
/// colour and runs to the one after it (a lone colour runs to a darker shade of itself). A
/// colour too light for the card's light text is darkened, keeping its hue.
fn palette_pair(palette: &[[u8; 3]], scene: u32) -> Option<([u8; 3], [u8; 3])> {
    if palette.is_empty() {
        return None;
    }
    let i = (scene.max(1) as usize - 1) % palette.len();
    let a = palette[i];
    let b = if palette.len() == 1 {
        a.map(|v| (v as f32 * 0.45) as u8)
    } else {
        palette[(i + 1) % palette.len()]
    };
    Some((legible(a), legible(b)))
}

/// `c` darkened until light text reads over it (relative luminance at most 0.3).
fn legible(c: [u8; 3]) -> [u8; 3] {
    let lum =
        |c: [u8; 3]| (0.2126 * c[0] as f32 + 0.7152 * c[1] as f32 + 0.0722 * c[2] as f32) / 255.0;
    let l = lum(c);
    if l <= 0.3 {
        return c;
    }
    let k = 0.3 / l;
    c.map(|v| (v as f32 * k).round() as u8)
}

/// Draws the card; `numbered`: with the scene's place (the picture stored for a scene has
/// none, since its place changes with every move, add and delete; the layout is the same).
pub fn render_card(req: &ImageRequest, font: Option<&Path>, numbered: bool) -> RgbImage {
    let Placed {
        mut t,
        style,
        big,
        label,
        rule,
        title,
        text,
    } = place(req, font);
    let mut img = background(req, style);
    if numbered {
        if let Some((b, x, y)) = &big {
            t.draw(b, &mut img, *x, *y, style.text, 0.08, 0.0);
        }
        t.draw(
            &label.0,
            &mut img,
            label.1,
            label.2,
            style.accent,
            1.0,
            style.shadow,
        );
    }
    paint_rect(&mut img, rule.0, rule.1, rule.2, rule.3, style.accent);
    if let Some((b, x, y)) = &title {
        t.draw(b, &mut img, *x, *y, style.text, 1.0, style.shadow);
    }
    t.draw(
        &text.0,
        &mut img,
        text.1,
        text.2,
        style.text,
        1.0,
        style.shadow,
    );
    img
}

/// Each of the scene text's words on the card `render` draws for `req`, as (pixel index,
/// coverage) lists in the card, with the colour the text is drawn in. `starts` is each word's
/// byte offset in `req.text`, in order.
pub(crate) fn text_words(
    req: &ImageRequest,
    font: Option<&Path>,
    starts: &[usize],
) -> (Vec<Vec<(u32, u8)>>, [u8; 3]) {
    let (w, h) = (req.frame.width.max(16), req.frame.height.max(16));
    let mut p = place(req, font);
    let (block, x, y) = &p.text;
    let masks = p.t.word_masks(block, (w, h), (*x, *y), &req.text, starts);
    (masks, p.style.text)
}

fn paint_rect(img: &mut RgbImage, x: f32, y: f32, w: f32, h: f32, color: [u8; 3]) {
    let (iw, ih) = (img.width(), img.height());
    for py in (y.max(0.0) as u32)..((y + h) as u32).min(ih) {
        for px in (x.max(0.0) as u32)..((x + w) as u32).min(iw) {
            img.put_pixel(px, py, Rgb(color));
        }
    }
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
            cast: Default::default(),
        }
    }

    #[test]
    fn renders_every_frame_deterministically() {
        for aspect in [Aspect::Portrait, Aspect::Landscape, Aspect::Square] {
            let r = req("The lamp turned all night, and the sea answered.", aspect);
            let a = render(&r, None);
            let b = render(&r, None);
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
        let img = render(&r, None);
        let plain = render(
            &ImageRequest {
                text: String::new(),
                title: None,
                ..r.clone()
            },
            None,
        );
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
    fn a_stored_card_has_no_place_and_the_videos_card_has_it() {
        let r = req("The lamp turned.", Aspect::Portrait);
        let style = Style::by_name(&r.style).unwrap();
        let bg = background(&r, style);
        // Where the big number sits: the lower right, below the text.
        let corner = |img: &RgbImage| {
            let mut n = 0;
            for y in 1700..1920 {
                for x in 600..1080 {
                    n += (img.get_pixel(x, y) != bg.get_pixel(x, y)) as u32;
                }
            }
            n
        };
        let stored = render_card(&r, None, false);
        let numbered = render(&r, None);
        assert_eq!(corner(&stored), 0, "no number on the stored card");
        assert!(corner(&numbered) > 500, "the video's card has its number");
        // The label: the stored card is the same whatever the count; the video's is not.
        let more = ImageRequest {
            scene_count: 40,
            ..r.clone()
        };
        assert!(render_card(&more, None, false) == stored);
        assert!(render(&more, None) != numbered);
        // The words are where the video's card has them.
        assert_eq!(
            text_words(&r, None, &[0]).0,
            text_words(&more, None, &[0]).0
        );
    }

    #[test]
    fn a_palette_colours_the_card_and_stays_legible() {
        let mut r = req("A harbour at dawn.", Aspect::Portrait);
        let plain = render(&r, None);
        r.cast.palette = vec![[0x1d, 0x35, 0x57], [0xf1, 0xfa, 0xee]];
        let card = render(&r, None);
        assert_ne!(
            plain.get_pixel(2, 2),
            card.get_pixel(2, 2),
            "the palette's colours"
        );
        let corner = |img: &RgbImage| {
            let p = img.get_pixel(1, 1).0;
            p.map(f32::from)
        };
        // Near the navy or the darkened ivory: never light enough to swallow the text.
        let c = corner(&card);
        let lum = (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255.0;
        assert!(lum <= 0.31, "{c:?}");
        assert_eq!(palette_pair(&[], 1), None);
        let (a, b) = palette_pair(&[[200, 40, 40]], 3).unwrap();
        assert!(b[0] < a[0], "a lone colour runs to a darker shade");
        assert_eq!(legible([255, 255, 255]), [77, 77, 77]);
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
