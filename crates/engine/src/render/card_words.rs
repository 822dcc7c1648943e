//! A narrated title card's own words, highlighted as the voice speaks them. A title card
//! carries the scene's text, so it gets no caption; instead the word being spoken turns the
//! caption highlight colour on the card itself, before the card goes through its move (so the
//! highlight moves with the text). The words' pixels come from laying the card out again as it
//! was drawn; a card drawn from other words or in another font (its ink is not where the words
//! fall) gets no highlight rather than a misplaced one.

use std::path::Path;

use super::captions::word_blocks;
use super::yuv::{chroma, luma, Yuv};
use crate::model::WordMark;
use crate::providers::{titlecard, ImageRequest};

/// A word stays highlighted this long (s) after it ends, as in captions.
const LINGER: f32 = 0.15;
/// How far (in luma) a pixel inside a glyph may be from the text's colour and still count as
/// the card's ink (a JPEG and the conversion move it a little).
const INK_TOLERANCE: i32 = 48;
/// The share of the words' inner pixels that must be the card's ink.
const INK_SHARE: f32 = 0.8;

struct CardWord {
    start: f32,
    end: f32,
    /// Pixels (index in the card, coverage) and 2x2 blocks (chroma index, coverage).
    luma: Vec<(u32, u8)>,
    chroma: Vec<(u32, u8)>,
}

/// The words of one narrated title card and when each is spoken (s into the video).
pub struct CardWords {
    words: Vec<CardWord>,
    mark: (u8, u8, u8),
}

/// Each word's byte offset in `text`, found in order; None when a word is not in it.
fn starts_in(text: &str, words: &[WordMark]) -> Option<Vec<usize>> {
    let mut at = 0;
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let word = w.word.trim();
        if word.is_empty() {
            out.push(at);
            continue;
        }
        let found = at + text.get(at..)?.find(word)?;
        out.push(found);
        at = found + word.len();
    }
    Some(out)
}

impl CardWords {
    /// The words of the card `req` describes, as drawn in `card` (the card at the frame's
    /// size), timed by `words`. None when there is nothing to highlight or the card's ink is not
    /// where the words fall.
    pub fn new(
        req: &ImageRequest,
        font: Option<&Path>,
        words: &[WordMark],
        card: &Yuv,
        highlight: [u8; 3],
    ) -> Option<CardWords> {
        if words.is_empty() || card.width() != req.frame.width || card.height() != req.frame.height
        {
            return None;
        }
        let starts = starts_in(&req.text, words)?;
        let (masks, ink) = titlecard::text_words(req, font, &starts);
        let ink_y = luma(ink[0] as i32, ink[1] as i32, ink[2] as i32) as i32;
        let (yp, _, _) = card.planes();
        let (mut inner, mut inked) = (0usize, 0usize);
        for px in &masks {
            for &(i, a) in px {
                if a >= 230 {
                    inner += 1;
                    let y = yp.get(i as usize).copied().unwrap_or(0) as i32;
                    inked += usize::from((y - ink_y).abs() <= INK_TOLERANCE);
                }
            }
        }
        if inner == 0 || (inked as f32) < inner as f32 * INK_SHARE {
            tracing::debug!(
                scene = req.scene_index,
                inner,
                inked,
                "the title card's ink is not where its words fall: no highlight"
            );
            return None;
        }
        let w = card.width() as usize;
        let words = words
            .iter()
            .zip(masks)
            .map(|(m, px)| CardWord {
                start: m.start,
                end: m.end,
                chroma: word_blocks(&px, w),
                luma: px,
            })
            .collect();
        let [r, g, b] = highlight.map(i32::from);
        let (u, v) = chroma(r * 4, g * 4, b * 4);
        Some(CardWords {
            words,
            mark: (luma(r, g, b), u, v),
        })
    }

    /// The word being spoken at `t` (s into the video), if one is.
    pub fn active(&self, t: f32) -> Option<usize> {
        self.words
            .iter()
            .rposition(|w| w.start <= t)
            .filter(|i| t <= self.words[*i].end + LINGER)
            .filter(|i| !self.words[*i].luma.is_empty())
    }

    /// Paints word `i` in the highlight colour on `card`.
    pub fn paint(&self, i: usize, card: &mut Yuv) {
        let Some(word) = self.words.get(i) else {
            return;
        };
        let (yp, up, vp) = card.planes_mut();
        let mix = |p: &mut u8, to: u8, a: u8| {
            let a = a as u32;
            *p = ((*p as u32 * (255 - a) + to as u32 * a) / 255) as u8;
        };
        for &(i, a) in &word.luma {
            if let Some(p) = yp.get_mut(i as usize) {
                mix(p, self.mark.0, a);
            }
        }
        for &(i, a) in &word.chroma {
            if let Some(p) = up.get_mut(i as usize) {
                mix(p, self.mark.1, a);
            }
            if let Some(p) = vp.get_mut(i as usize) {
                mix(p, self.mark.2, a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Aspect;

    fn req(text: &str) -> ImageRequest {
        ImageRequest {
            project_id: uuid::Uuid::nil(),
            scene_index: 2,
            scene_count: 5,
            title: Some("The Lamp".into()),
            text: text.into(),
            prompt: text.into(),
            negative_prompt: None,
            style: "cinematic".into(),
            frame: Aspect::Portrait.frame(),
            variation: 1,
            cast: Default::default(),
        }
    }

    fn marks(text: &str) -> Vec<WordMark> {
        crate::voices::timing::words(text)
            .into_iter()
            .enumerate()
            .map(|(i, w)| WordMark {
                word: w,
                start: i as f32 * 0.5,
                end: i as f32 * 0.5 + 0.4,
            })
            .collect()
    }

    /// Pixels whose chroma is far from the card's (the highlight is yellow).
    fn changed(a: &Yuv, b: &Yuv) -> usize {
        let (_, ua, va) = a.planes();
        let (_, ub, vb) = b.planes();
        ua.iter()
            .zip(ub)
            .zip(va.iter().zip(vb))
            .filter(|((x, y), (p, q))| x.abs_diff(**y) > 20 || p.abs_diff(**q) > 20)
            .count()
    }

    #[test]
    fn the_spoken_word_turns_the_highlight_colour_on_the_card() {
        let text = "She trims the wick and polishes the great lens.";
        let r = req(text);
        let card = Yuv::from_rgb(&titlecard::render(&r, None));
        let w = CardWords::new(&r, None, &marks(text), &card, [255, 216, 77]).expect("words");
        // "wick" (word 3) is spoken from 1.5 s.
        assert_eq!(w.active(1.6), Some(3));
        assert_eq!(w.active(100.0), None);
        let mut lit = card.clone();
        w.paint(3, &mut lit);
        let n = changed(&card, &lit);
        assert!(n > 20, "only {n} blocks changed");
        // Only that word: a longer word changes more.
        let mut other = card.clone();
        w.paint(5, &mut other); // "polishes"
        assert!(changed(&card, &other) > n);
        // The changed blocks are where the word is: inside the text's area, not in the margins.
        let (_, u, _) = card.planes();
        let cw = card.width() as usize / 2;
        let (_, lu, _) = lit.planes();
        for (i, (a, b)) in u.iter().zip(lu).enumerate() {
            if a.abs_diff(*b) > 20 {
                let x = i % cw;
                assert!(x > cw / 16 && x < cw - cw / 16, "a change at x {x} of {cw}");
            }
        }
    }

    #[test]
    fn a_card_drawn_from_other_words_gets_no_highlight() {
        let drawn = req(
            "A quite different sentence sits on this card, in many more words than the voice says.",
        );
        let card = Yuv::from_rgb(&titlecard::render(&drawn, None));
        let text = "Gulls follow it.";
        assert!(CardWords::new(&req(text), None, &marks(text), &card, [255, 216, 77]).is_none());
        // Words that are not in the text at all are refused before any layout.
        let mut m = marks(text);
        m[1].word = "ferry ".into();
        assert!(starts_in(text, &m).is_none());
    }
}
