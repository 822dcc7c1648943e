//! The languages StoryReel narrates in: a short code (ISO 639-1 where there is one), the
//! language's name, its ISO 639-3 code (what `whatlang` reports), and the espeak-ng voice that
//! speaks it. A story's language is detected from its text unless the person chose one.

/// One language: `code` as stored and typed (`en`), `name` for people, `iso3` as detected,
/// `espeak` the espeak-ng voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    pub code: &'static str,
    pub name: &'static str,
    pub iso3: &'static str,
    pub espeak: &'static str,
}

const fn l(
    code: &'static str,
    name: &'static str,
    iso3: &'static str,
    espeak: &'static str,
) -> Language {
    Language {
        code,
        name,
        iso3,
        espeak,
    }
}

/// Every language of espeak-ng 1.51 that the detector also knows.
pub const LANGUAGES: &[Language] = &[
    l("en", "English", "eng", "en-us"),
    l("fr", "French", "fra", "fr-fr"),
    l("de", "German", "deu", "de"),
    l("es", "Spanish", "spa", "es"),
    l("it", "Italian", "ita", "it"),
    l("pt", "Portuguese", "por", "pt"),
    l("nl", "Dutch", "nld", "nl"),
    l("ru", "Russian", "rus", "ru"),
    l("uk", "Ukrainian", "ukr", "uk"),
    l("pl", "Polish", "pol", "pl"),
    l("cs", "Czech", "ces", "cs"),
    l("sk", "Slovak", "slk", "sk"),
    l("hu", "Hungarian", "hun", "hu"),
    l("ro", "Romanian", "ron", "ro"),
    l("bg", "Bulgarian", "bul", "bg"),
    l("hr", "Croatian", "hrv", "hr"),
    l("sr", "Serbian", "srp", "sr"),
    l("sl", "Slovenian", "slv", "sl"),
    l("el", "Greek", "ell", "el"),
    l("tr", "Turkish", "tur", "tr"),
    l("sv", "Swedish", "swe", "sv"),
    l("da", "Danish", "dan", "da"),
    l("nb", "Norwegian", "nob", "nb"),
    l("fi", "Finnish", "fin", "fi"),
    l("et", "Estonian", "est", "et"),
    l("lv", "Latvian", "lav", "lv"),
    l("lt", "Lithuanian", "lit", "lt"),
    l("ar", "Arabic", "ara", "ar"),
    l("he", "Hebrew", "heb", "he"),
    l("fa", "Persian", "pes", "fa"),
    l("hi", "Hindi", "hin", "hi"),
    l("bn", "Bengali", "ben", "bn"),
    l("ta", "Tamil", "tam", "ta"),
    l("te", "Telugu", "tel", "te"),
    l("mr", "Marathi", "mar", "mr"),
    l("gu", "Gujarati", "guj", "gu"),
    l("kn", "Kannada", "kan", "kn"),
    l("ml", "Malayalam", "mal", "ml"),
    l("pa", "Punjabi", "pan", "pa"),
    l("ur", "Urdu", "urd", "ur"),
    l("ne", "Nepali", "nep", "ne"),
    l("si", "Sinhala", "sin", "si"),
    l("zh", "Chinese (Mandarin)", "cmn", "cmn"),
    l("ja", "Japanese", "jpn", "ja"),
    l("ko", "Korean", "kor", "ko"),
    l("vi", "Vietnamese", "vie", "vi"),
    l("th", "Thai", "tha", "th"),
    l("id", "Indonesian", "ind", "id"),
    l("ka", "Georgian", "kat", "ka"),
    l("hy", "Armenian", "hye", "hy"),
    l("af", "Afrikaans", "afr", "af"),
    l("eo", "Esperanto", "epo", "eo"),
    l("la", "Latin", "lat", "la"),
];

/// A language by its short code (`en`), its ISO 639-3 code (`eng`) or its name, any case.
pub fn by_code(code: &str) -> Option<&'static Language> {
    let c = code.trim().to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|l| l.code == c || l.iso3 == c || l.name.to_ascii_lowercase() == c)
}

/// The language a text is written in, when it can be told (a few sentences are enough).
///
/// A long story (over 1500 characters) is sampled in several places (its opening can be names, numbers and a title)
/// and each sample votes with its confidence; only samples the detector itself calls reliable
/// vote, and the winner needs most of the votes. Otherwise the language is not told, and the
/// configured one (or English) is used: a near neighbour guessed from a thin sample (Afrikaans
/// for an English story) reads every word wrong.
pub fn detect(text: &str) -> Option<&'static Language> {
    const SAMPLE: usize = 1500;
    const SAMPLES: usize = 5;
    let chars: Vec<char> = text.chars().collect();
    let spare = chars.len().saturating_sub(SAMPLE);
    if spare == 0 {
        // A scene or a short story: one sample, told as before (a few sentences are enough).
        let info = whatlang::detect(text)?;
        if !info.is_reliable() && info.confidence() < 0.4 {
            return None;
        }
        return by_code(info.lang().code());
    }
    let mut starts: Vec<usize> = (0..SAMPLES).map(|k| spare * k / (SAMPLES - 1)).collect();
    starts.dedup();
    let mut votes: Vec<(whatlang::Lang, f64)> = Vec::new();
    for start in starts {
        let end = (start + SAMPLE).min(chars.len());
        let sample: String = chars[start..end].iter().collect();
        let Some(info) = whatlang::detect(&sample).filter(|i| i.is_reliable()) else {
            continue;
        };
        match votes.iter_mut().find(|(l, _)| *l == info.lang()) {
            Some((_, v)) => *v += info.confidence(),
            None => votes.push((info.lang(), info.confidence())),
        }
    }
    let all: f64 = votes.iter().map(|(_, v)| v).sum();
    let (lang, best) = votes.into_iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    if best * 2.0 <= all {
        return None;
    }
    by_code(lang.code())
}

/// Whether `lang` is written in `script` (Japanese also in the Han characters it shares).
fn writes(lang: &Language, script: whatlang::Script) -> bool {
    let Some(l) = whatlang::Lang::from_code(lang.iso3) else {
        return false;
    };
    script.langs().contains(&l) || (lang.code == "ja" && script == whatlang::Script::Mandarin)
}

/// The language a scene is read in: the project's, unless the scene is written in a script the
/// project's language does not use (a Japanese line in an English story); then the scene's own
/// language, or the first of ours written in that script. A voice given text in a script its
/// language does not read spells it letter by letter, which no one would publish.
pub fn for_scene(project: &'static Language, text: &str) -> &'static Language {
    let Some(script) = whatlang::detect_script(text) else {
        return project;
    };
    if writes(project, script) {
        return project;
    }
    detect(text)
        .filter(|l| writes(l, script))
        .or_else(|| LANGUAGES.iter().find(|l| writes(l, script)))
        .unwrap_or(project)
}

/// English: what a story whose language cannot be told is read in.
pub fn english() -> &'static Language {
    &LANGUAGES[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_story_is_told_by_most_of_it_and_a_thin_sample_by_nothing() {
        // Its opening is names and numbers; the rest is English.
        let mut story = String::from("Piet, Jan en Marie. 1 2 3. Kaapstad, Stellenbosch.\n\n");
        for i in 1..=200 {
            story.push_str(&format!(
                "Scene {i}: the keeper walks along the harbour wall and counts the boats coming home before the storm.\n\n"
            ));
        }
        assert_eq!(detect(&story).map(|l| l.code), Some("en"));
        // Nothing to tell: not guessed.
        assert!(detect("").is_none());
    }

    #[test]
    fn codes_names_and_iso3_all_find_a_language() {
        assert_eq!(by_code("FR").map(|l| l.espeak), Some("fr-fr"));
        assert_eq!(by_code("deu").map(|l| l.code), Some("de"));
        assert_eq!(by_code("japanese").map(|l| l.code), Some("ja"));
        assert!(by_code("xx").is_none());
        let fr = "Il était une fois une petite fille qui vivait dans un village au bord de la forêt. Chaque matin, elle allait chercher de l'eau à la rivière.";
        assert_eq!(detect(fr).map(|l| l.code), Some("fr"));
        let ja = "むかしむかし、ある村に、おじいさんとおばあさんが住んでいました。";
        assert_eq!(detect(ja).map(|l| l.code), Some("ja"));
        let en = english();
        let fr = by_code("fr").unwrap();
        let scene = |p, t| for_scene(p, t).code;
        assert_eq!(scene(en, "The lamp turned all night."), "en");
        assert_eq!(scene(fr, "Le phare tourna toute la nuit."), "fr");
        // A language chosen for the project stays for every scene in its script.
        assert_eq!(scene(fr, "The lamp turned all night."), "fr");
        assert_eq!(
            scene(en, "灯台の光は一晩中回り続け、海は長く灰色の波で答えた。"),
            "ja"
        );
        assert_eq!(
            scene(en, "灯塔的光整夜旋转，大海用长长的灰色波浪回答。"),
            "zh"
        );
        assert_eq!(scene(en, "등대의 불빛은 밤새도록 돌았고"), "ko");
        assert_eq!(scene(en, "دار المصباح طوال الليل، وأجاب البحر"), "ar");
        assert_eq!(scene(en, "המנורה הסתובבה כל הלילה"), "he");
        assert_eq!(scene(en, "ตะเกียงหมุนตลอดทั้งคืน"), "th");
        let ja = by_code("ja").unwrap();
        assert_eq!(scene(ja, "灯台の光は一晩中回り続けた。"), "ja");
        assert_eq!(
            scene(ja, "The lamp turned all night, and the sea answered."),
            "en"
        );
        assert_eq!(scene(en, "🌊🌙✨ 🚢⚓"), "en");
        let mut codes: Vec<_> = LANGUAGES.iter().map(|l| l.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), LANGUAGES.len());
    }
}
