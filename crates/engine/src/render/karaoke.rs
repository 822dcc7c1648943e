//! Narrated captions: a scene's words cut into pages (a sentence, or what fits two short
//! lines, or up to a pause), each laid out once; at each moment the page being spoken is shown
//! with the word being spoken highlighted. Word times come from the voice (or are estimated
//! and marked so), in seconds from the start of the video.

use super::captions::Caption;
use super::yuv::Yuv;
use crate::config::render::CaptionLook;
use crate::model::{Frame, WordMark};

/// Characters a page holds at most (two short lines).
const PAGE_CHARS: usize = 36;
/// A pause this long (s) between two words starts a new page.
const PAUSE: f32 = 0.6;
/// A word stays highlighted this long (s) after it ends, so a short word is seen.
const LINGER: f32 = 0.15;

/// One page: its caption, when it is first shown, and its words' times.
pub struct Page {
    pub start: f32,
    pub caption: Caption,
    pub words: Vec<(f32, f32)>,
}

/// What a scene shows as its caption.
pub enum SceneCaption {
    /// The whole text (a scene without a voice).
    Whole(Caption),
    /// The narration, a page at a time.
    Pages(Vec<Page>),
}

/// A page also ends at a colon or semicolon (a clause the voice pauses after).
fn ends_page(w: &str) -> bool {
    crate::voices::timing::ends_sentence(w) || w.trim_end().ends_with([':', ';'])
}

/// Words grouped into pages: a page ends after a sentence's end, before a pause, or before it
/// would grow past `PAGE_CHARS`.
pub fn paginate(words: &[WordMark]) -> Vec<&[WordMark]> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut chars = 0;
    for (i, w) in words.iter().enumerate() {
        let len = w.word.trim_end().chars().count();
        let paused = i > from && w.start - words[i - 1].end > PAUSE;
        if i > from && (chars + len > PAGE_CHARS || paused) {
            out.push(&words[from..i]);
            from = i;
            chars = 0;
        }
        chars += w.word.chars().count();
        if ends_page(&w.word) {
            out.push(&words[from..=i]);
            from = i + 1;
            chars = 0;
        }
    }
    if from < words.len() {
        out.push(&words[from..]);
    }
    out
}

impl SceneCaption {
    /// Pages of `words`; none when no word has text.
    pub fn narrated(
        words: &[WordMark],
        frame: Frame,
        font: Option<&std::path::Path>,
        look: CaptionLook,
    ) -> Option<SceneCaption> {
        let pages: Vec<Page> = paginate(words)
            .into_iter()
            .filter_map(|p| {
                let texts: Vec<String> = p.iter().map(|w| w.word.clone()).collect();
                let caption = Caption::page(&texts, frame, font, look)?;
                Some(Page {
                    start: p.first()?.start,
                    caption,
                    words: p.iter().map(|w| (w.start, w.end)).collect(),
                })
            })
            .collect();
        (!pages.is_empty()).then_some(SceneCaption::Pages(pages))
    }

    /// Blends the caption into `frame` at `opacity`, as it is `t` seconds into the video.
    pub fn apply(&self, frame: &mut Yuv, opacity: f32, t: f32) {
        match self {
            SceneCaption::Whole(c) => c.apply(frame, opacity, None),
            SceneCaption::Pages(pages) => {
                // The page being spoken: the last that has begun (the first before any has).
                let i = pages.partition_point(|p| p.start <= t).saturating_sub(1);
                let Some(page) = pages.get(i) else {
                    return;
                };
                let active = page
                    .words
                    .iter()
                    .rposition(|(s, _)| *s <= t)
                    .filter(|w| t <= page.words[*w].1 + LINGER);
                page.caption.apply(frame, opacity, active);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(text: &str, step: f32) -> Vec<WordMark> {
        crate::voices::timing::words(text)
            .into_iter()
            .enumerate()
            .map(|(i, w)| WordMark {
                word: w,
                start: i as f32 * step,
                end: i as f32 * step + step * 0.8,
            })
            .collect()
    }

    #[test]
    fn pages_end_at_sentences_pauses_and_two_short_lines() {
        let w = marks(
            "One two. Three four five six seven eight nine ten eleven twelve thirteen.",
            0.3,
        );
        let p = paginate(&w);
        assert_eq!(p[0].len(), 2);
        assert!(p
            .iter()
            .all(|p| p.iter().map(|w| w.word.chars().count()).sum::<usize>() <= PAGE_CHARS + 12));
        assert_eq!(p.iter().map(|p| p.len()).sum::<usize>(), w.len());
        let mut gap = marks("a b c d", 0.2);
        gap[2].start += 2.0;
        gap[2].end += 2.0;
        gap[3].start += 2.0;
        gap[3].end += 2.0;
        assert_eq!(paginate(&gap).len(), 2);
    }

    #[test]
    fn the_spoken_word_is_drawn_in_the_highlight_colour() {
        let frame = Frame {
            width: 540,
            height: 960,
        };
        let look = CaptionLook::default();
        let w = marks("Gulls follow the wake.", 0.5);
        let c = SceneCaption::narrated(&w, frame, None, look).unwrap();
        let grey = image::RgbImage::from_pixel(540, 960, image::Rgb([90, 90, 90]));
        let count = |t: f32| {
            let mut yuv = Yuv::from_rgb(&grey);
            c.apply(&mut yuv, 1.0, t);
            let img = yuv.to_rgb();
            // Yellow-ish: red and green high, blue low.
            let yellow: Vec<u32> = img
                .enumerate_pixels()
                .filter(|(_, _, p)| p[0] > 200 && p[1] > 170 && p[2] < 130)
                .map(|(x, _, _)| x)
                .collect();
            (
                yellow.len(),
                yellow.iter().sum::<u32>() / yellow.len().max(1) as u32,
            )
        };
        let (first, x1) = count(0.1);
        let (third, x3) = count(1.1);
        assert!(first > 50 && third > 50, "{first} {third}");
        assert!(
            x3 > x1,
            "the highlight moves along the line: {x1} then {x3}"
        );
        // In a pause after the last word, nothing is highlighted.
        assert_eq!(count(9.0).0, 0);
    }
}
