//! Japanese as Kokoro's Japanese voices read it: the text made plain (width forms, numbers
//! read out), cut into words with their pronunciations by the reading dictionary (so kanji
//! are read), morphemes joined into the words misaki's list knows, each word's kana turned
//! into Kokoro's symbols, and the spacing misaki gives them (Kokoro was trained on it).
//! Every word keeps where it begins in the text, for word times.

pub mod kana;
pub mod numbers;
pub mod readings;

pub use readings::{Readings, ReadingsError};

/// The most morphemes joined into one word.
const MAX_JOINED: usize = 10;

/// A word as Kokoro reads it: its symbols (with a clause's mark after the last word), where it
/// begins in the text (a character index), and whether a clause ends with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub phonemes: String,
    pub start: usize,
    pub ends_clause: bool,
}

/// Kokoro's marks that end a clause.
const CLAUSE_MARKS: [char; 9] = ['.', ',', '!', '?', ';', ':', '—', '…', '”'];

/// `text` made plain for the dictionary (NFKC: full-width letters and digits, half-width
/// kana), with the character of `text` each of its characters comes from.
fn normalize(text: &str) -> (String, Vec<usize>) {
    let nfkc = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc();
    let nfc = icu_normalizer::ComposingNormalizerBorrowed::new_nfc();
    let chars: Vec<char> = text.chars().collect();
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let mut out = String::new();
    let mut from = Vec::new();
    let mut push = |s: &str, at: usize, out: &mut String| {
        for ch in s.chars() {
            out.push(ch);
            from.push(at);
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A wave dash before a number is a range: "from".
        if matches!(c, '〜' | '～') && chars.get(i + 1).is_some_and(|&n| digit(n)) {
            push("から", i, &mut out);
            i += 1;
            continue;
        }
        // Small katakana of Ainu and the like, read as their full-size kana.
        let c = match c {
            'ㇰ'..='ㇿ' => "クシストヌハヒフヘホムラリルレロ"
                .chars()
                .nth((c as u32 - 'ㇰ' as u32) as usize)
                .unwrap_or(c),
            _ => c,
        };
        let mut buf = [0u8; 4];
        let plain = nfkc.normalize(c.encode_utf8(&mut buf));
        // A half-width voicing mark joins the kana before it (ｶﾞ → ガ).
        if matches!(&*plain, "\u{3099}" | "\u{309a}") {
            if let Some(prev) = out.pop() {
                let joined = nfc.normalize(&format!("{prev}{plain}")).into_owned();
                if joined.chars().count() == 1 {
                    out.push_str(&joined);
                    i += 1;
                    continue;
                }
                out.push(prev);
            }
        }
        push(&plain, i, &mut out);
        i += 1;
    }
    (out, from)
}

/// misaki's test of a string against a set of marks: `s` is one of them, or empty.
fn among(s: &str, marks: &str) -> bool {
    marks.contains(s)
}

/// The words of `text` as Kokoro's Japanese voices read them.
pub fn words(text: &str, readings: &Readings) -> Vec<Word> {
    let (plain, from) = normalize(text);
    let morphemes = readings.morphemes(&plain);
    // Morphemes joined into the longest run misaki's word list knows.
    struct Token {
        start: usize,
        surface: String,
        roma: String,
        space: bool,
    }
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < morphemes.len() {
        let most = (i + MAX_JOINED).min(morphemes.len());
        let joined = |j: usize| {
            morphemes[i..j]
                .iter()
                .map(|m| m.surface.as_str())
                .collect::<String>()
        };
        let j = (i + 1..=most)
            .rev()
            .find(|&j| readings.is_word(&joined(j)))
            .unwrap_or(i + 1);
        let group = &morphemes[i..j];
        let surface = joined(j);
        // Numbers are read out here, after the dictionary has seen them as numbers, so the
        // counter after one is read as a counter (`2024年`: `ねん`, not `とし`).
        let hira: String = group
            .iter()
            .map(|m| {
                if m.surface.bytes().all(|b| b.is_ascii_digit()) {
                    numbers::read(&m.surface)
                } else if m.symbol {
                    m.surface.clone()
                } else {
                    kana::to_hiragana(m.pron.as_deref().unwrap_or(&m.surface))
                }
            })
            .collect();
        let roma = if surface.is_ascii() && !surface.bytes().any(|b| b.is_ascii_digit()) {
            surface.clone()
        } else {
            kana::word(&hira)
        };
        tokens.push(Token {
            start: group[0].start,
            surface,
            roma,
            space: false,
        });
        i = j;
    }
    // misaki's spacing: none before closing marks, one after them, none inside `・`.
    for k in 0..tokens.len() {
        let (surface, roma) = (tokens[k].surface.as_str(), tokens[k].roma.as_str());
        let opens = among(surface, "「『«") || among(roma, "([");
        let closes = among(surface, "」』»")
            || among(roma, "]).,?!:")
            || roma.starts_with(['.', ',', '?', '!', ':', ';', '”']);
        let is_space = roma == " ";
        if opens {
            if let Some(p) = k.checked_sub(1) {
                tokens[p].space = true;
            }
        } else if closes {
            if let Some(p) = k.checked_sub(1) {
                tokens[p].space = false;
            }
            tokens[k].space = true;
        } else {
            tokens[k].space = !is_space;
        }
    }
    // No space before or after a glottal stop, except beside punctuation and quotes.
    for k in 0..tokens.len().saturating_sub(1) {
        let next_stop = tokens[k + 1].roma.starts_with('ʔ');
        let after_mark = tokens[k]
            .roma
            .ends_with(['!', '"', ',', '.', ':', ';', '?', '»', '—', '…', '”']);
        let this_stop = tokens[k].roma.ends_with('ʔ');
        let next_quote = tokens[k + 1].roma.starts_with(['"', '«', '“']);
        if (next_stop && !after_mark) || (this_stop && !next_quote) {
            tokens[k].space = false;
        }
    }
    // Tokens joined where no space parts them: the words.
    let mut out: Vec<Word> = Vec::new();
    let mut open = false;
    for t in tokens {
        let roma = t.roma.replace(['(', ')'], "");
        let start = from.get(t.start).copied().unwrap_or(0);
        match out.last_mut() {
            Some(w) if open => w.phonemes.push_str(&roma),
            _ => out.push(Word {
                phonemes: roma,
                start,
                ends_clause: false,
            }),
        }
        open = !t.space;
    }
    for w in &mut out {
        w.phonemes = w.phonemes.split_whitespace().collect::<Vec<_>>().join(" ");
        w.ends_clause = w.phonemes.ends_with(CLAUSE_MARKS);
    }
    out.retain(|w| !w.phonemes.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::readings::DICTIONARY;
    use super::*;

    #[test]
    fn text_is_made_plain_and_keeps_where_it_came_from() {
        let (s, from) = normalize("ＡＢ１２ｶﾞ〜3ㇰ");
        assert_eq!(s, "AB12ガから3ク");
        assert_eq!(from.len(), s.chars().count());
        // ガ comes from the two half-width characters at 4 and 5; から from the dash at 6.
        assert_eq!(from, [0, 1, 2, 3, 4, 6, 6, 7, 8]);
    }

    /// A small dictionary in IPADIC's form, built as an install builds the real one.
    fn small() -> (tempfile::TempDir, std::sync::Arc<Readings>) {
        let dir = tempfile::tempdir().unwrap();
        sources(dir.path());
        Readings::build(dir.path()).unwrap();
        Readings::verify(dir.path()).unwrap();
        // The sources are gone once built.
        assert!(!dir.path().join("Noun.csv").exists());
        let r = Readings::get(dir.path()).unwrap();
        (dir, r)
    }

    /// IPADIC's sources, a few words of them, in `dir`.
    fn sources(dir: &std::path::Path) {
        let w = |n: &str, t: &str| std::fs::write(dir.join(n), t).unwrap();
        w(
            "Noun.csv",
            "今日,0,0,100,名詞,副詞可能,*,*,*,*,今日,キョウ,キョー\n灯台,0,0,100,名詞,一般,*,*,*,*,灯台,トウダイ,トーダイ\n年,0,0,100,名詞,接尾,助数詞,*,*,*,年,ネン,ネン\n",
        );
        w(
            "Other.csv",
            "は,0,0,100,助詞,係助詞,*,*,*,*,は,ハ,ワ\n。,0,0,100,記号,句点,*,*,*,*,。,。,。\n、,0,0,100,記号,読点,*,*,*,*,、,、,、\n",
        );
        w("matrix.def", "1 1\n0 0 0\n");
        w(
            "char.def",
            "DEFAULT 0 1 0\nSPACE 0 1 0\nKANJI 0 0 2\nHIRAGANA 1 1 0\nKATAKANA 1 1 0\nNUMERIC 1 1 0\nSYMBOL 1 1 0\n0x0020 SPACE\n0x3041..0x309F HIRAGANA\n0x30A1..0x30FF KATAKANA\n0x4E00..0x9FFF KANJI\n0x0030..0x0039 NUMERIC\n0x3000..0x303F SYMBOL\n",
        );
        w(
            "unk.def",
            "DEFAULT,0,0,1000,記号,一般,*,*,*,*,*\nSPACE,0,0,1000,記号,空白,*,*,*,*,*\nKANJI,0,0,1000,名詞,一般,*,*,*,*,*\nHIRAGANA,0,0,1000,名詞,一般,*,*,*,*,*\nKATAKANA,0,0,1000,名詞,一般,*,*,*,*,*\nNUMERIC,0,0,1000,名詞,数,*,*,*,*,*\nSYMBOL,0,0,1000,記号,一般,*,*,*,*,*\n",
        );
        w("ja_words.txt", "ありがとう\n今日\n今日は\n");
    }

    #[test]
    fn a_full_disk_while_the_dictionary_is_written_is_said_as_one_and_keeps_the_sources() {
        if !storyreel_testkit::tmpfs::is_root() {
            eprintln!("not run: mounting a small disk needs root");
            return;
        }
        let root = tempfile::tempdir().unwrap();
        let Some(disk) = storyreel_testkit::tmpfs::Tmpfs::mount(&root.path().join("d"), "1m")
        else {
            eprintln!("not run: a tmpfs could not be mounted");
            return;
        };
        sources(&disk.0);
        // The rest of the disk filled.
        let filler = disk.0.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        while std::io::Write::write_all(&mut f, &[0u8; 4096]).is_ok() {}
        drop(f);
        let err = Readings::build(&disk.0).unwrap_err();
        assert!(
            matches!(&err, ReadingsError::Io(e) if crate::error::is_no_space(e)),
            "{err:?}"
        );
        // Nothing half-written is left, and the sources stay for the next try.
        assert!(disk.0.join("Noun.csv").is_file() && disk.0.join("matrix.def").is_file());
        assert!(!disk.0.join(DICTIONARY).exists());
        assert!(!disk.0.join(format!(".{DICTIONARY}.part")).exists());
        // With room again, the same folder builds.
        std::fs::remove_file(&filler).unwrap();
        Readings::build(&disk.0).unwrap();
        Readings::verify(&disk.0).unwrap();
    }

    #[test]
    fn a_damaged_dictionary_is_said_and_not_read() {
        let (dir, _) = small();
        let dic = dir.path().join(DICTIONARY);
        let bytes = std::fs::read(&dic).unwrap();
        std::fs::write(&dic, &bytes[..bytes.len() / 2]).unwrap();
        let err = Readings::verify(dir.path()).unwrap_err();
        assert!(matches!(err, ReadingsError::Sources(_)), "{err:?}");
        assert!(err.to_string().contains("damaged"), "{err}");
    }

    #[test]
    fn any_text_reads_without_a_panic_and_words_begin_inside_it_in_order() {
        use rand::{Rng, SeedableRng};
        let (_dir, r) = small();
        assert_eq!(
            words("今日は灯台。", &r)
                .into_iter()
                .map(|w| (w.phonemes, w.start, w.ends_clause))
                .collect::<Vec<_>>(),
            [
                ("kʲoːβa".to_string(), 0, false),
                ("toːdai.".to_string(), 3, true)
            ]
        );
        let alphabet: Vec<char> = "今日は灯台年。、「」『』（）！？ーっんゃゅょぁあかがきゃゔヴァカガキャｶﾞﾟ々ゝゞヽヾ〃〜～ㇰㇿ0123４５abcZ!?.,;: \n\t\u{3099}\u{309a}\u{200d}😀🇯🇵é"
            .chars()
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(27);
        for _ in 0..3000 {
            let n = rng.random_range(0..40);
            let text: String = (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            let ws = words(&text, &r);
            let len = text.chars().count();
            let mut last = 0;
            for w in &ws {
                assert!(w.start < len.max(1), "{text:?}: {ws:?}");
                assert!(w.start >= last, "{text:?}: {ws:?}");
                assert!(!w.phonemes.is_empty() && w.phonemes.trim() == w.phonemes);
                last = w.start;
            }
        }
    }
}
