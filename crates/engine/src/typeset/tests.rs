//! The typesetter on its own: fitting, wrapping and ellipsis in any script.

use super::*;

const TEXT: TextStyle = TextStyle {
    bold: false,
    align: Alignment::Center,
    line_spacing: 1.32,
};

#[test]
fn wrap_fits_the_width_and_keeps_every_word() {
    let text = "Supercalifragilisticexpialidocious and a few more words to wrap around here";
    let mut t = Typesetter::for_texts(&[text], None);
    let b = t.wrap(text, 40.0, TEXT, 300.0);
    assert!(b.lines.len() > 2);
    for l in &b.lines {
        assert!(l.width <= 300.5, "{}", l.width);
        for (x, w) in l.glyph_boxes() {
            assert!(x >= -0.5 && x + w <= 300.5, "{x} {w}");
        }
    }
    assert!(b.missing.is_empty());
}

#[test]
fn overlong_text_ends_in_an_ellipsis() {
    let text = "long ".repeat(2000);
    let mut t = Typesetter::for_texts(&[&text], None);
    let b = t.fit(&text, TEXT, 200.0, 100.0, 40.0, 12.0, None);
    assert_eq!(b.size, 12.0);
    assert!(
        b.lines.len() as f32 * 12.0 * 1.32 <= 100.0 + 0.5,
        "{}",
        b.lines.len()
    );
    assert!(b.height <= 100.5, "{}", b.height);
}

#[test]
fn the_largest_size_that_fits_is_chosen() {
    let text = "A lighthouse keeper counts the ships.";
    let mut t = Typesetter::for_texts(&[text], None);
    let b = t.fit(text, TEXT, 600.0, 400.0, 80.0, 10.0, None);
    assert!(b.height <= 400.5);
    let bigger = t.wrap(text, b.size + 1.0, TEXT, 600.0);
    assert!(
        bigger.lines.len() as f32 * (b.size + 1.0) * 1.32 > 400.0 || b.size >= 80.0,
        "{} would have fitted",
        b.size + 1.0
    );
}

#[test]
fn latin_never_needs_the_systems_fonts() {
    assert!(embedded_covers(
        "Ĺatin, Ελληνικά, Кириллица — “quotes” 123."
    ));
    assert!(!embedded_covers("日本語"));
    assert!(!embedded_covers("مرحبا"));
    assert!(!embedded_covers("ok 😀"));
}
