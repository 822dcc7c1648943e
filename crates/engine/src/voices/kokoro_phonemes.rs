//! Kokoro's phonemes: espeak-ng's IPA (each multi-letter phoneme joined by a tie, `a^ɪ`)
//! rewritten into the symbols Kokoro-82M was trained on (its `misaki` phoneme set: `I` for
//! "eye", `A` for "hey", `O` for "go", `ʤ`, `ʧ`, …), then into the model's token ids.
//!
//! The rewrite is the one Kokoro's own espeak-ng route uses: for English (`EspeakFallback`) a
//! table of IPA sequences plus American or British vowel rules; for the other languages
//! (`EspeakG2P`) the tied diphthongs and affricates only.

/// Kokoro-82M v1.0's token ids (its `vocab`): every symbol the model reads; others are dropped.
const VOCAB: &[(char, i64)] = &[
    (';', 1),
    (':', 2),
    (',', 3),
    ('.', 4),
    ('!', 5),
    ('?', 6),
    ('—', 9),
    ('…', 10),
    ('"', 11),
    ('(', 12),
    (')', 13),
    ('“', 14),
    ('”', 15),
    (' ', 16),
    ('\u{303}', 17),
    ('ʣ', 18),
    ('ʥ', 19),
    ('ʦ', 20),
    ('ʨ', 21),
    ('ᵝ', 22),
    ('ꭧ', 23),
    ('A', 24),
    ('I', 25),
    ('O', 31),
    ('Q', 33),
    ('S', 35),
    ('T', 36),
    ('W', 39),
    ('Y', 41),
    ('ᵊ', 42),
    ('a', 43),
    ('b', 44),
    ('c', 45),
    ('d', 46),
    ('e', 47),
    ('f', 48),
    ('h', 50),
    ('i', 51),
    ('j', 52),
    ('k', 53),
    ('l', 54),
    ('m', 55),
    ('n', 56),
    ('o', 57),
    ('p', 58),
    ('q', 59),
    ('r', 60),
    ('s', 61),
    ('t', 62),
    ('u', 63),
    ('v', 64),
    ('w', 65),
    ('x', 66),
    ('y', 67),
    ('z', 68),
    ('ɑ', 69),
    ('ɐ', 70),
    ('ɒ', 71),
    ('æ', 72),
    ('β', 75),
    ('ɔ', 76),
    ('ɕ', 77),
    ('ç', 78),
    ('ɖ', 80),
    ('ð', 81),
    ('ʤ', 82),
    ('ə', 83),
    ('ɚ', 85),
    ('ɛ', 86),
    ('ɜ', 87),
    ('ɟ', 90),
    ('ɡ', 92),
    ('ɥ', 99),
    ('ɨ', 101),
    ('ɪ', 102),
    ('ʝ', 103),
    ('ɯ', 110),
    ('ɰ', 111),
    ('ŋ', 112),
    ('ɳ', 113),
    ('ɲ', 114),
    ('ɴ', 115),
    ('ø', 116),
    ('ɸ', 118),
    ('θ', 119),
    ('œ', 120),
    ('ɹ', 123),
    ('ɾ', 125),
    ('ɻ', 126),
    ('ʁ', 128),
    ('ɽ', 129),
    ('ʂ', 130),
    ('ʃ', 131),
    ('ʈ', 132),
    ('ʧ', 133),
    ('ʊ', 135),
    ('ʋ', 136),
    ('ʌ', 138),
    ('ɣ', 139),
    ('ɤ', 140),
    ('χ', 142),
    ('ʎ', 143),
    ('ʒ', 147),
    ('ʔ', 148),
    ('ˈ', 156),
    ('ˌ', 157),
    ('ː', 158),
    ('ʰ', 162),
    ('ʲ', 164),
    ('↓', 169),
    ('→', 171),
    ('↗', 172),
    ('↘', 173),
    ('ᵻ', 177),
];

/// The token id of one symbol (None: the model does not read it).
pub fn id(c: char) -> Option<i64> {
    VOCAB.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// The tie espeak-ng is asked to join a phoneme's letters with.
pub const TIE: char = '^';

/// How a Kokoro voice's language is phonemized: its voice name's first letter (`a` American
/// English, `b` British English, `e` Spanish, `f` French, `h` Hindi, `i` Italian, `p`
/// Brazilian Portuguese).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accent {
    American,
    British,
    Other(&'static str),
}

impl Accent {
    /// The accent of a Kokoro voice from its name (`af_heart` → American); None for a
    /// language espeak-ng does not read for Kokoro (Japanese, read through its dictionary;
    /// Chinese).
    pub fn of_voice(name: &str) -> Option<Accent> {
        Some(match name.chars().next()? {
            'a' => Accent::American,
            'b' => Accent::British,
            'e' => Accent::Other("es"),
            'f' => Accent::Other("fr-fr"),
            'h' => Accent::Other("hi"),
            'i' => Accent::Other("it"),
            'p' => Accent::Other("pt-br"),
            _ => return None,
        })
    }

    /// The espeak-ng voice whose IPA this accent reads.
    pub fn espeak_voice(self) -> &'static str {
        match self {
            Accent::American => "en-us",
            Accent::British => "en-gb-x-rp",
            Accent::Other(v) => v,
        }
    }

    /// The StoryReel language code this accent speaks (`en`, `fr`, …).
    pub fn language(self) -> &'static str {
        match self {
            Accent::American | Accent::British => "en",
            Accent::Other(v) => v.split('-').next().unwrap_or(v),
        }
    }
}

/// English: espeak-ng's sequences and the symbols Kokoro reads instead, longest first.
const ENGLISH: &[(&str, &str)] = &[
    ("ʔˌn\u{329}", "tn"),
    ("ʔn\u{329}", "tn"),
    ("a^ɪ", "I"),
    ("a^ʊ", "W"),
    ("d^ʒ", "ʤ"),
    ("e^ɪ", "A"),
    ("t^ʃ", "ʧ"),
    ("ɔ^ɪ", "Y"),
    ("ə^l", "ᵊl"),
    ("ʔn", "tn"),
    ("ʲo", "jo"),
    ("ʲə", "jə"),
    ("ʔ", "t"),
    ("e", "A"),
    ("ʲ", ""),
    ("ɚ", "əɹ"),
    ("r", "ɹ"),
    ("x", "k"),
    ("ç", "k"),
    ("ɐ", "ə"),
    ("ɬ", "l"),
    ("\u{303}", ""),
];

/// Other languages: the tied diphthongs and affricates.
const OTHER: &[(&str, &str)] = &[
    ("a^ɪ", "I"),
    ("a^ʊ", "W"),
    ("d^z", "ʣ"),
    ("d^ʒ", "ʤ"),
    ("e^ɪ", "A"),
    ("o^ʊ", "O"),
    ("ə^ʊ", "Q"),
    ("s^s", "S"),
    ("t^s", "ʦ"),
    ("t^ʃ", "ʧ"),
    ("ɔ^ɪ", "Y"),
];

/// Replaces each table entry in turn over the whole text, as Kokoro's phonemizer does.
fn replace_all(mut s: String, table: &[(&str, &str)]) -> String {
    for (from, to) in table {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}

/// One word's espeak-ng IPA (tied) in Kokoro's symbols.
pub fn rewrite(ipa: &str, accent: Accent) -> String {
    let s = match accent {
        Accent::Other(_) => replace_all(ipa.to_string(), OTHER),
        Accent::American | Accent::British => {
            let s = replace_all(ipa.to_string(), ENGLISH);
            // A syllabic consonant: its mark becomes a small schwa before it.
            let mut out = String::with_capacity(s.len());
            let chars: Vec<char> = s.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                if chars.get(i + 1) == Some(&'\u{329}') && !chars[i].is_whitespace() {
                    out.push('ᵊ');
                    out.push(chars[i]);
                    i += 2;
                } else {
                    if chars[i] != '\u{329}' {
                        out.push(chars[i]);
                    }
                    i += 1;
                }
            }
            let s = if accent == Accent::British {
                out.replace("e^ə", "ɛː")
                    .replace("iə", "ɪə")
                    .replace("ə^ʊ", "Q")
            } else {
                out.replace("o^ʊ", "O")
                    .replace("ɜːɹ", "ɜɹ")
                    .replace("ɜː", "ɜɹ")
                    .replace("ɪə", "iə")
                    .replace('ː', "")
            };
            s.replace('o', "ɔ")
        }
    };
    s.replace([TIE, '-'], "")
}

/// The token ids of `phonemes` (symbols the model does not read are left out).
pub fn ids(phonemes: &str) -> impl Iterator<Item = i64> + '_ {
    phonemes.chars().filter_map(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_has_its_id_and_others_have_none() {
        assert_eq!(id(';'), Some(1));
        assert_eq!(id(' '), Some(16));
        assert_eq!(id('ˈ'), Some(156));
        assert_eq!(id('ᵻ'), Some(177));
        assert_eq!(id('ʤ'), Some(82));
        assert_eq!(id('Z'), None);
        assert_eq!(id('^'), None);
        for (c, v) in VOCAB {
            assert_eq!(id(*c), Some(*v), "{c}");
        }
    }

    #[test]
    fn english_ipa_becomes_kokoros_symbols() {
        // espeak-ng's "Hello world, the quick brown fox jumps over the lazy dog".
        let a = Accent::American;
        assert_eq!(rewrite("həlˈo^ʊ", a), "həlˈO");
        assert_eq!(rewrite("wˈɜːld", a), "wˈɜɹld");
        assert_eq!(rewrite("bɹˈa^ʊn", a), "bɹˈWn");
        assert_eq!(rewrite("d^ʒˈʌmps", a), "ʤˈʌmps");
        assert_eq!(rewrite("ˌo^ʊvɚ", a), "ˌOvəɹ");
        assert_eq!(rewrite("lˈe^ɪzi", a), "lˈAzi");
        assert_eq!(rewrite("bˈʌʔn\u{329}", a), "bˈʌtn");
        assert_eq!(rewrite("bˈɑːtl\u{329}", a), "bˈɑtᵊl");
        assert_eq!(rewrite("ɡˈo^ʊ", Accent::British), "ɡˈɔʊ");
        assert_eq!(rewrite("ɡˈə^ʊ", Accent::British), "ɡˈQ");
        assert_eq!(rewrite("bɔ^ɪ", Accent::Other("fr-fr")), "bY");
        assert_eq!(rewrite("t^saɪ", Accent::Other("es")), "ʦaɪ");
    }

    #[test]
    fn voices_name_their_accent() {
        assert_eq!(Accent::of_voice("af_heart"), Some(Accent::American));
        assert_eq!(Accent::of_voice("bm_george"), Some(Accent::British));
        assert_eq!(
            Accent::of_voice("ff_siwis").map(Accent::language),
            Some("fr")
        );
        assert_eq!(
            Accent::of_voice("pf_dora").map(Accent::language),
            Some("pt")
        );
        assert_eq!(Accent::of_voice("jf_alpha"), None);
        assert_eq!(Accent::of_voice(""), None);
    }
}
