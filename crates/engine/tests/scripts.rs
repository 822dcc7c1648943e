//! Every script a creator writes in is drawn: title cards in Japanese, Chinese, Korean, Arabic,
//! Hebrew, Hindi, Thai and emoji have every character set (no missing glyph in the layout), ink
//! like a Latin card of the same length, and nothing in the margins; right-to-left lines run right
//! to left. Needs the Noto, CJK, Thai and colour emoji fonts (the CI installs them); set
//! STORYREEL_SAVE_CARDS to a folder to keep the cards as PNGs.

use storyreel_engine::model::Aspect;
use storyreel_engine::providers::titlecard;
use storyreel_engine::providers::ImageRequest;
use storyreel_engine::typeset::{missing_scripts, Alignment, TextStyle, Typesetter};

/// (name, title, text): each text about as long to read as the Latin one.
pub const SAMPLES: &[(&str, &str, &str)] = &[
    (
        "latin",
        "The Keeper",
        "The lamp turned all night, and the sea answered the keeper with its long grey waves.",
    ),
    (
        "japanese",
        "灯台守",
        "灯台の光は一晩中回り続け、海は長く灰色の波で灯台守に答えた。",
    ),
    (
        "chinese",
        "守灯人",
        "灯塔的光整夜旋转，大海用长长的灰色波浪回答了守灯人。",
    ),
    (
        "korean",
        "등대지기",
        "등대의 불빛은 밤새도록 돌았고, 바다는 길고 회색빛 파도로 등대지기에게 대답했다.",
    ),
    (
        "arabic",
        "حارس المنارة",
        "دار المصباح طوال الليل، وأجاب البحر الحارس بأمواجه الرمادية الطويلة.",
    ),
    (
        "hebrew",
        "שומר המגדלור",
        "המנורה הסתובבה כל הלילה, והים ענה לשומר בגליו האפורים והארוכים.",
    ),
    (
        "hindi",
        "प्रकाशस्तंभ का रखवाला",
        "दीपक पूरी रात घूमता रहा, और समुद्र ने अपनी लंबी भूरी लहरों से रखवाले को उत्तर दिया।",
    ),
    (
        "thai",
        "ผู้เฝ้าประภาคาร",
        "ตะเกียงหมุนตลอดทั้งคืน และทะเลตอบผู้เฝ้าด้วยคลื่นสีเทาที่ยาวเหยียด",
    ),
    (
        "emoji",
        "🌊 🚢",
        "🌊🌙✨ 🚢⚓🌅 🐟🐙🦀 🌧️⛈️🌈 🏝️🌴☀️ 😀😢❤️",
    ),
];

fn request(title: &str, text: &str) -> ImageRequest {
    ImageRequest {
        project_id: uuid::Uuid::nil(),
        scene_index: 2,
        scene_count: 9,
        title: Some(title.into()),
        text: text.into(),
        prompt: String::new(),
        negative_prompt: None,
        style: "cinematic".into(),
        frame: Aspect::Portrait.frame(),
        variation: 1,
        cast: Default::default(),
    }
}

/// Pixels of the text band (below the title, above the big number) that the text changed, and
/// whether any changed pixel lies in a side margin.
fn ink(title: &str, text: &str) -> (u32, bool) {
    let with = titlecard::render(&request(title, text), None);
    let without = titlecard::render(&request(title, ""), None);
    let margin = (1080.0 * 0.08) as u32;
    let (mut n, mut in_margin) = (0, false);
    for y in 500..1500 {
        for x in 0..1080 {
            if with.get_pixel(x, y) != without.get_pixel(x, y) {
                n += 1;
                if x + 2 < margin || x > 1080 - margin + 2 {
                    in_margin = true;
                }
            }
        }
    }
    (n, in_margin)
}

#[test]
fn every_script_is_set_with_no_missing_glyph_and_inked_like_latin() {
    let save = std::env::var_os("STORYREEL_SAVE_CARDS").map(std::path::PathBuf::from);
    let (latin, _) = ink(SAMPLES[0].1, SAMPLES[0].2);
    assert!(latin > 20_000, "the Latin card has its text: {latin}");
    for (name, title, text) in SAMPLES {
        let missing = missing_scripts(&format!("{title} {text}"), None);
        assert!(missing.is_empty(), "{name}: no font for {missing:?}");
        let mut t = Typesetter::for_texts(&[title, text], None);
        let style = TextStyle {
            bold: false,
            align: Alignment::Center,
            line_spacing: 1.32,
        };
        let block = t.fit(text, style, 907.0, 900.0, 73.0, 13.0, None);
        assert!(block.missing.is_empty(), "{name}: {:?}", block.missing);
        for line in &block.lines {
            for (x, w) in line.glyph_boxes() {
                assert!(
                    x >= -0.5 && x + w <= 907.5,
                    "{name}: a glyph crosses the margin"
                );
            }
        }
        let (n, in_margin) = ink(title, text);
        assert!(!in_margin, "{name}: ink in the side margin");
        let ratio = n as f64 / latin as f64;
        assert!(
            (0.35..=3.0).contains(&ratio),
            "{name}: {n} inked pixels against Latin's {latin} ({ratio:.2})"
        );
        if let Some(dir) = &save {
            let _ = std::fs::create_dir_all(dir);
            titlecard::render(&request(title, text), None)
                .save(dir.join(format!("{name}.png")))
                .unwrap();
        }
    }
}

#[test]
fn right_to_left_lines_run_right_to_left() {
    let style = TextStyle {
        bold: false,
        align: Alignment::Start,
        line_spacing: 1.3,
    };
    for text in ["مرحبا بالعالم.", "שלום עולם."] {
        let mut t = Typesetter::for_texts(&[text], None);
        let block = t.line(text, 40.0, style);
        let line = &block.lines[0];
        assert!(line.rtl, "{text}");
        let (first_x, last_x) = extremes(line.clusters(), 0, text.len() - 1);
        assert!(
            first_x > last_x,
            "{text}: the first letter is drawn rightmost"
        );
        let leftmost = line
            .clusters()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| s);
        assert_eq!(
            leftmost,
            Some(text.len() - 1),
            "{text}: the full stop ends the line on the left"
        );
    }
    // Wrapped: every line of a long Arabic paragraph starts on the right and ends on the left.
    let text = SAMPLES[4].2;
    let mut t = Typesetter::for_texts(&[text], None);
    let center = TextStyle {
        align: Alignment::Center,
        ..style
    };
    let block = t.wrap(text, 40.0, center, 400.0);
    assert!(block.lines.len() >= 3);
    for line in &block.lines {
        let mut c: Vec<(usize, f32)> = line.clusters().collect();
        c.sort_by_key(|(s, _)| *s);
        let max_x = c.iter().map(|(_, x)| *x).fold(f32::MIN, f32::max);
        let min_x = c.iter().map(|(_, x)| *x).fold(f32::MAX, f32::min);
        assert!(
            c.first().unwrap().1 >= max_x - 40.0,
            "a line starts on the right"
        );
        assert!(
            c.last().unwrap().1 <= min_x + 40.0,
            "a line ends on the left"
        );
    }
    // Mixed: the English words keep their own direction inside the Arabic line.
    let text = "قرأت كتاب Moby Dick أمس";
    let mut t = Typesetter::for_texts(&[text], None);
    let block = t.line(text, 40.0, style);
    let line = &block.lines[0];
    assert!(line.rtl);
    let m = text.find("Moby").unwrap();
    let d = text.find("Dick").unwrap();
    let x_of = |at: usize| {
        line.clusters()
            .filter(|(s, _)| *s == at)
            .map(|(_, x)| x)
            .next()
            .unwrap()
    };
    assert!(x_of(m) < x_of(d), "\"Moby Dick\" reads left to right");
    let first_arabic = x_of(0);
    assert!(first_arabic > x_of(d), "the first Arabic word is rightmost");
}

/// The x of the glyphs whose clusters start nearest to byte `a` and to byte `b`.
fn extremes(clusters: impl Iterator<Item = (usize, f32)>, a: usize, b: usize) -> (f32, f32) {
    let all: Vec<(usize, f32)> = clusters.collect();
    let near = |at: usize| {
        all.iter()
            .min_by_key(|(s, _)| s.abs_diff(at))
            .map(|(_, x)| *x)
            .unwrap()
    };
    (near(a), near(b))
}

#[test]
fn emoji_are_drawn_in_colour() {
    let text = "🚀🌊";
    let mut t = Typesetter::for_texts(&[text], None);
    let style = TextStyle {
        bold: true,
        align: Alignment::Center,
        line_spacing: 1.3,
    };
    let block = t.wrap(text, 60.0, style, 400.0);
    assert!(block.missing.is_empty());
    let mask = t.mask(&block, 400, 100, 0.0, 10.0);
    let colourful = mask
        .color
        .iter()
        .filter(|(_, [r, g, b], a)| *a > 128 && r.max(g).max(b) - r.min(g).min(b) > 60)
        .count();
    assert!(colourful > 200, "colour pixels: {colourful}");
}
