//! Style presets: each project's look. A preset gives the default image prompt its ending and
//! the title card its colours.

/// One preset.
pub struct Style {
    pub name: &'static str,
    /// Added to a scene's text to make its default image prompt.
    pub prompt_suffix: &'static str,
    pub(crate) gradients: &'static [([u8; 3], [u8; 3])],
    pub(crate) text: [u8; 3],
    pub(crate) accent: [u8; 3],
    pub(crate) shadow: f32,
}

pub(crate) const STYLES: &[Style] = &[
    Style {
        name: "cinematic",
        prompt_suffix: "cinematic lighting, 35mm film still, rich colour, shallow depth of field",
        gradients: &[
            ([18, 22, 46], [122, 58, 92]),
            ([12, 38, 56], [196, 114, 66]),
            ([28, 18, 52], [64, 110, 160]),
            ([40, 16, 30], [176, 88, 58]),
        ],
        text: [250, 244, 232],
        accent: [255, 196, 120],
        shadow: 0.55,
    },
    Style {
        name: "noir",
        prompt_suffix: "high-contrast black and white photograph, film noir, dramatic shadows",
        gradients: &[
            ([8, 8, 10], [88, 88, 92]),
            ([20, 20, 24], [130, 130, 136]),
            ([4, 4, 6], [60, 62, 70]),
        ],
        text: [240, 240, 240],
        accent: [200, 200, 200],
        shadow: 0.7,
    },
    Style {
        name: "pastel",
        prompt_suffix: "soft pastel illustration, gentle light, watercolour texture",
        gradients: &[
            ([250, 222, 232], [206, 226, 250]),
            ([255, 240, 214], [214, 244, 226]),
            ([232, 222, 255], [255, 226, 214]),
        ],
        text: [44, 38, 66],
        accent: [186, 92, 132],
        shadow: 0.0,
    },
    Style {
        name: "sunset",
        prompt_suffix: "golden hour, warm sunset palette, painterly",
        gradients: &[
            ([54, 22, 74], [246, 132, 74]),
            ([88, 28, 60], [252, 186, 92]),
            ([34, 20, 66], [226, 90, 96]),
        ],
        text: [255, 246, 236],
        accent: [255, 214, 140],
        shadow: 0.5,
    },
    Style {
        name: "forest",
        prompt_suffix: "lush forest, natural light, earthy greens, detailed",
        gradients: &[
            ([10, 36, 24], [86, 140, 84]),
            ([22, 48, 30], [160, 170, 96]),
            ([8, 30, 34], [70, 128, 110]),
        ],
        text: [240, 248, 232],
        accent: [206, 232, 140],
        shadow: 0.55,
    },
    Style {
        name: "ocean",
        prompt_suffix: "ocean light, deep blues and teals, atmospheric",
        gradients: &[
            ([6, 26, 56], [40, 150, 170]),
            ([10, 40, 80], [110, 190, 210]),
            ([4, 20, 40], [30, 110, 150]),
        ],
        text: [236, 248, 255],
        accent: [140, 226, 236],
        shadow: 0.55,
    },
    Style {
        name: "comic",
        prompt_suffix: "bold comic-book illustration, clean ink lines, flat vivid colours",
        gradients: &[
            ([250, 210, 40], [240, 90, 60]),
            ([70, 160, 240], [150, 80, 220]),
            ([60, 200, 140], [250, 220, 60]),
        ],
        text: [20, 20, 28],
        accent: [255, 255, 255],
        shadow: 0.0,
    },
];

impl Style {
    pub fn by_name(name: &str) -> Option<&'static Style> {
        STYLES
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
    }
    pub fn names() -> Vec<&'static str> {
        STYLES.iter().map(|s| s.name).collect()
    }
    /// The default image prompt for a scene's text.
    pub fn prompt_for(&self, text: &str) -> String {
        let text = text
            .trim()
            .trim_end_matches(['.', '!', '?', ',', ';', ':', '\u{2026}']);
        format!("{text}, {}", self.prompt_suffix)
    }
}
