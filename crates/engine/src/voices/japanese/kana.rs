//! Kana to the symbols Kokoro reads, as misaki (the phonemizer Kokoro's Japanese voices were
//! trained with) writes them: each kana, the pairs read as one sound (`きゃ`), the long-vowel
//! mark, the small `っ` (a glottal stop) and `ん` (its sound taken from the next kana).

/// One kana (or mark) and what Kokoro reads for it.
const SINGLE: &[(char, &str)] = &[
    ('ぁ', "a"),
    ('あ', "a"),
    ('ぃ', "i"),
    ('い', "i"),
    ('ぅ', "ɯ"),
    ('う', "ɯ"),
    ('ぇ', "e"),
    ('え', "e"),
    ('ぉ', "o"),
    ('お', "o"),
    ('か', "ka"),
    ('が', "ɡa"),
    ('き', "kʲi"),
    ('ぎ', "ɡʲi"),
    ('く', "kɯ"),
    ('ぐ', "ɡɯ"),
    ('け', "ke"),
    ('げ', "ɡe"),
    ('こ', "ko"),
    ('ご', "ɡo"),
    ('さ', "sa"),
    ('ざ', "ʣa"),
    ('し', "ɕi"),
    ('じ', "ʥi"),
    ('す', "sɨ"),
    ('ず', "zɨ"),
    ('せ', "se"),
    ('ぜ', "ʣe"),
    ('そ', "so"),
    ('ぞ', "ʣo"),
    ('た', "ta"),
    ('だ', "da"),
    ('ち', "ʨi"),
    ('ぢ', "ʥi"),
    ('つ', "ʦɨ"),
    ('づ', "zɨ"),
    ('て', "te"),
    ('で', "de"),
    ('と', "to"),
    ('ど', "do"),
    ('な', "na"),
    ('に', "ɲi"),
    ('ぬ', "nɯ"),
    ('ね', "ne"),
    ('の', "no"),
    ('は', "ha"),
    ('ば', "ba"),
    ('ぱ', "pa"),
    ('ひ', "çi"),
    ('び', "bʲi"),
    ('ぴ', "pʲi"),
    ('ふ', "ɸɯ"),
    ('ぶ', "bɯ"),
    ('ぷ', "pɯ"),
    ('へ', "he"),
    ('べ', "be"),
    ('ぺ', "pe"),
    ('ほ', "ho"),
    ('ぼ', "bo"),
    ('ぽ', "po"),
    ('ま', "ma"),
    ('み', "mʲi"),
    ('む', "mɯ"),
    ('め', "me"),
    ('も', "mo"),
    ('ゃ', "ja"),
    ('や', "ja"),
    ('ゅ', "jɯ"),
    ('ゆ', "jɯ"),
    ('ょ', "jo"),
    ('よ', "jo"),
    ('ら', "ɾa"),
    ('り', "ɾʲi"),
    ('る', "ɾɯ"),
    ('れ', "ɾe"),
    ('ろ', "ɾo"),
    ('ゎ', "βa"),
    ('わ', "βa"),
    ('ゐ', "i"),
    ('ゑ', "e"),
    ('を', "o"),
    ('ゔ', "vɯ"),
    ('ゕ', "ka"),
    ('ゖ', "ke"),
    ('ヷ', "va"),
    ('ヸ', "vʲi"),
    ('ヹ', "ve"),
    ('ヺ', "vo"),
    ('。', "."),
    ('、', ","),
    ('？', "?"),
    ('！', "!"),
    ('「', "“"),
    ('」', "”"),
    ('『', "“"),
    ('』', "”"),
    ('：', ":"),
    ('；', ";"),
    ('（', "("),
    ('）', ")"),
    ('《', "("),
    ('》', ")"),
    ('【', "["),
    ('】', "]"),
    ('・', " "),
    ('，', ","),
    ('～', "—"),
    ('〜', "—"),
    ('—', "—"),
    ('«', "“"),
    ('»', "”"),
    ('\u{309a}', ""),
    ('\u{3099}', ""),
];
/// Two kana read as one sound.
const DOUBLE: &[(&str, &str)] = &[
    ("いぇ", "je"),
    ("うぃ", "βi"),
    ("うぇ", "βe"),
    ("うぉ", "βo"),
    ("きぇ", "kʲe"),
    ("きゃ", "kʲa"),
    ("きゅ", "kʲɨ"),
    ("きょ", "kʲo"),
    ("ぎゃ", "ɡʲa"),
    ("ぎゅ", "ɡʲɨ"),
    ("ぎょ", "ɡʲo"),
    ("くぁ", "kᵝa"),
    ("くぃ", "kᵝi"),
    ("くぇ", "kᵝe"),
    ("くぉ", "kᵝo"),
    ("ぐぁ", "ɡᵝa"),
    ("ぐぃ", "ɡᵝi"),
    ("ぐぇ", "ɡᵝe"),
    ("ぐぉ", "ɡᵝo"),
    ("しぇ", "ɕe"),
    ("しゃ", "ɕa"),
    ("しゅ", "ɕɨ"),
    ("しょ", "ɕo"),
    ("じぇ", "ʥe"),
    ("じゃ", "ʥa"),
    ("じゅ", "ʥɨ"),
    ("じょ", "ʥo"),
    ("ちぇ", "ʨe"),
    ("ちゃ", "ʨa"),
    ("ちゅ", "ʨɨ"),
    ("ちょ", "ʨo"),
    ("ぢゃ", "ʥa"),
    ("ぢゅ", "ʥɨ"),
    ("ぢょ", "ʥo"),
    ("つぁ", "ʦa"),
    ("つぃ", "ʦʲi"),
    ("つぇ", "ʦe"),
    ("つぉ", "ʦo"),
    ("てぃ", "tʲi"),
    ("てゅ", "tʲɨ"),
    ("でぃ", "dʲi"),
    ("でゅ", "dʲɨ"),
    ("とぅ", "tɯ"),
    ("どぅ", "dɯ"),
    ("にぇ", "ɲe"),
    ("にゃ", "ɲa"),
    ("にゅ", "ɲɨ"),
    ("にょ", "ɲo"),
    ("ひぇ", "çe"),
    ("ひゃ", "ça"),
    ("ひゅ", "çɨ"),
    ("ひょ", "ço"),
    ("びゃ", "bʲa"),
    ("びゅ", "bʲɨ"),
    ("びょ", "bʲo"),
    ("ぴゃ", "pʲa"),
    ("ぴゅ", "pʲɨ"),
    ("ぴょ", "pʲo"),
    ("ふぁ", "ɸa"),
    ("ふぃ", "ɸʲi"),
    ("ふぇ", "ɸe"),
    ("ふぉ", "ɸo"),
    ("ふゅ", "ɸʲɨ"),
    ("ふょ", "ɸʲo"),
    ("みゃ", "mʲa"),
    ("みゅ", "mʲɨ"),
    ("みょ", "mʲo"),
    ("りゃ", "ɾʲa"),
    ("りゅ", "ɾʲɨ"),
    ("りょ", "ɾʲo"),
    ("ゔぁ", "va"),
    ("ゔぃ", "vʲi"),
    ("ゔぇ", "ve"),
    ("ゔぉ", "vo"),
    ("ゔゅ", "bʲɨ"),
    ("ゔょ", "bʲo"),
];

/// Small kana that join the kana before them.
const SUTEGANA: [char; 8] = ['ゃ', 'ゅ', 'ょ', 'ぁ', 'ぃ', 'ぅ', 'ぇ', 'ぉ'];
/// Repetition marks.
const ODORI: [char; 5] = ['〃', '々', 'ゝ', 'ゞ', 'ヽ'];

fn single(c: char) -> Option<&'static str> {
    SINGLE.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

fn double(a: char, b: char) -> Option<&'static str> {
    let mut s = String::with_capacity(8);
    s.push(a);
    s.push(b);
    DOUBLE.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
}

/// Katakana as hiragana (the long-vowel mark and the rest unchanged).
pub fn to_hiragana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The kana with a voicing mark (`か` → `が`).
fn voiced(c: char) -> Option<char> {
    let plain = "かきくけこさしすせそたちつてとはひふへほ";
    let with = "がぎぐげござじずぜぞだぢづでどばびぶべぼ";
    let i = plain.chars().position(|p| p == c)?;
    with.chars().nth(i)
}

/// What one kana `kk` reads as, between `pk` and `nk`.
fn mapping(pk: Option<char>, kk: char, nk: Option<char>) -> String {
    if ODORI.contains(&kk) || kk == 'ゞ' || kk == 'ヾ' {
        return match (kk, pk) {
            ('ゝ' | 'ヽ', Some(p)) => single(p).unwrap_or("").to_string(),
            ('ゞ' | 'ヾ', Some(p)) => voiced(p).and_then(single).unwrap_or("").to_string(),
            // 々 and 〃 repeat a span that cannot be told here.
            _ => String::new(),
        };
    }
    if let Some(p) = pk {
        if let Some(v) = double(p, kk) {
            return v.to_string();
        }
    }
    if let Some(n) = nk {
        if double(kk, n).is_some() {
            return String::new();
        }
        if SUTEGANA.contains(&n) {
            if kk == 'っ' {
                return String::new();
            }
            let mut base: String = single(kk).unwrap_or("").to_string();
            base.pop();
            return base + single(n).unwrap_or("");
        }
    }
    if SUTEGANA.contains(&kk) {
        return String::new();
    }
    match kk {
        'ー' => "ː".into(),
        'っ' => "ʔ".into(),
        'ん' => {
            let next = nk.and_then(single).unwrap_or("");
            if next.starts_with(['m', 'p', 'b']) {
                "m"
            } else if next.starts_with(['k', 'ɡ']) {
                "ŋ"
            } else if next.starts_with(['ɲ', 'ʨ', 'ʥ']) {
                "ɲ"
            } else if next.starts_with(['n', 't', 'd', 'ɾ', 'z']) {
                "n"
            } else {
                "ɴ"
            }
            .into()
        }
        // Punctuation the dictionary leaves in ASCII (`！` made plain is `!`) keeps its mark.
        '!' | '?' | '.' | ',' | ':' | ';' => kk.to_string(),
        _ => single(kk).unwrap_or("").to_string(),
    }
}

/// What a word in hiragana (and marks) reads as.
pub fn word(hira: &str) -> String {
    let cs: Vec<char> = hira.chars().collect();
    let mut out = String::new();
    for (i, &c) in cs.iter().enumerate() {
        let pk = i.checked_sub(1).and_then(|j| cs.get(j)).copied();
        out.push_str(&mapping(pk, c, cs.get(i + 1).copied()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_read_as_misaki_reads_them() {
        assert_eq!(word("こんにちは"), "koɲɲiʨiha");
        assert_eq!(word("きょー"), "kʲoː");
        assert_eq!(word("がっこう"), "ɡaʔkoɯ");
        assert_eq!(word("しんぶん"), "ɕimbɯɴ");
        assert_eq!(word("さんか"), "saŋka");
        assert_eq!(word("ふぁいと"), "ɸaito");
        assert_eq!(word("。"), ".");
        assert_eq!(word("、"), ",");
        assert_eq!(word("「"), "“");
        assert_eq!(word("いすゞ"), "isɨzɨ");
        assert_eq!(word("x々"), "");
        assert_eq!(to_hiragana("トーキョー"), "とーきょー");
        assert_eq!(to_hiragana("ヴァ"), "ゔぁ");
        assert_eq!(word(&to_hiragana("ヴァイオリン")), "vaioɾʲiɴ");
    }

    #[test]
    fn the_tables_hold_what_misaki_holds() {
        assert_eq!(SINGLE.len(), 113);
        assert_eq!(DOUBLE.len(), 76);
        for (k, _) in DOUBLE {
            let mut cs = k.chars();
            let (a, b) = (cs.next().unwrap(), cs.next().unwrap());
            assert!(single(a).is_some() && single(b).is_some(), "{k}");
        }
    }
}
