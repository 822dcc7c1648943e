//! Text made ready for layout: separators the layout cannot take become line breaks, Thai, Lao,
//! Khmer and Myanmar get break opportunities between their words (they are written without
//! spaces, and the line breaker alone would cut them mid-word), and the text is cut into spans:
//! emoji in the colour emoji font, Arabic in a font made for it, the rest in the text's font.

use std::sync::OnceLock;

use icu_segmenter::options::LineBreakOptions;
use icu_segmenter::LineSegmenter;
use unicode_segmentation::UnicodeSegmentation;

/// What a span is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpanKind {
    Text,
    Emoji,
    Arabic,
}

/// Scripts written without spaces between words, whose breaks need a dictionary.
fn is_south_east_asian(c: char) -> bool {
    matches!(c, '\u{0E00}'..='\u{0EFF}' | '\u{1000}'..='\u{109F}' | '\u{1780}'..='\u{17FF}')
}

pub(crate) fn is_arabic(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{0870}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Characters that draw nothing by design (joiners, marks of direction, variation selectors).
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')
}

/// Whether a grapheme is an emoji (drawn in colour when a colour emoji font is installed).
pub(crate) fn is_emoji(g: &str) -> bool {
    let mut chars = g.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if g.contains(['\u{FE0F}', '\u{20E3}']) {
        return true;
    }
    if g.contains('\u{200D}') && g.chars().any(|c| c as u32 >= 0x1F000) {
        return true;
    }
    matches!(first as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B50..=0x2B55 | 0x231A..=0x231B | 0x23E9..=0x23FA)
}

/// The text with separators the layout cannot take as line breaks, tabs as spaces, other
/// control characters gone, and breaks between the words of scripts written without spaces.
pub(crate) fn normalise(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\r' => None,
            '\u{2028}' | '\u{2029}' | '\u{0085}' | '\u{001C}'..='\u{001E}' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    if clean.chars().any(is_south_east_asian) {
        word_breaks(&clean)
    } else {
        clean
    }
}

/// Inserts a zero-width space wherever the dictionary segmenter finds a word boundary between
/// two characters of a script written without spaces.
fn word_breaks(text: &str) -> String {
    static SEGMENTER: OnceLock<icu_segmenter::LineSegmenterBorrowed<'static>> = OnceLock::new();
    let seg = SEGMENTER.get_or_init(|| LineSegmenter::new_auto(LineBreakOptions::default()));
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut last = 0;
    for at in seg.segment_str(text) {
        if at == 0 || at >= text.len() || !text.is_char_boundary(at) {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at..].chars().next();
        if let (Some(b), Some(a)) = (before, after) {
            if is_south_east_asian(b) && is_south_east_asian(a) {
                out.push_str(&text[last..at]);
                out.push('\u{200B}');
                last = at;
            }
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Cuts `text` into spans of one kind each. Spaces and punctuation join the span before them,
/// so a phrase of Arabic stays one span.
pub(crate) fn spans(text: &str, emoji: bool, arabic: bool) -> Vec<(&str, SpanKind)> {
    let mut out: Vec<(usize, usize, SpanKind)> = Vec::new();
    for (at, g) in text.grapheme_indices(true) {
        let kind = if emoji && is_emoji(g) {
            SpanKind::Emoji
        } else if arabic && g.chars().next().is_some_and(is_arabic) {
            SpanKind::Arabic
        } else if g.chars().all(|c| !c.is_alphabetic()) {
            // Spaces, punctuation and digits join the span before them: a word whose letters and
            // full stop were set in two fonts would be ordered wrongly in right-to-left text.
            out.last().map_or(SpanKind::Text, |s| match s.2 {
                SpanKind::Emoji => SpanKind::Text,
                k => k,
            })
        } else {
            SpanKind::Text
        };
        match out.last_mut() {
            Some(last) if last.2 == kind && last.1 == at => last.1 = at + g.len(),
            _ => out.push((at, at + g.len(), kind)),
        }
    }
    out.into_iter().map(|(a, b, k)| (&text[a..b], k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_gets_breaks_between_words_and_keeps_every_letter() {
        let text = "แมวนั่งอยู่บนเสื่อ";
        let out = normalise(text);
        assert!(out.contains('\u{200B}'), "{out:?}");
        assert_eq!(out.replace('\u{200B}', ""), text);
    }

    #[test]
    fn separators_become_line_breaks() {
        assert_eq!(normalise("a\u{2029}b\r\nc\u{0085}d\te"), "a\nb\nc\nd e");
    }

    #[test]
    fn spans_split_emoji_and_arabic() {
        let s = spans("Hi 😀 مرحبا بالعالم. ok", true, true);
        let kinds: Vec<_> = s.iter().map(|(t, k)| (*t, *k)).collect();
        assert_eq!(
            kinds,
            vec![
                ("Hi ", SpanKind::Text),
                ("😀", SpanKind::Emoji),
                (" ", SpanKind::Text),
                ("مرحبا بالعالم. ", SpanKind::Arabic),
                ("ok", SpanKind::Text),
            ]
        );
        assert_eq!(spans("Hi 😀", false, false).len(), 1);
    }
}
