//! How Japanese is read aloud: a morphological dictionary (IPADIC, through vibrato) cuts a
//! text into words and gives each its pronunciation in katakana (`今日は` → `キョー` `ワ`),
//! which is what a voice needs for kanji. The dictionary is built once, when the reading item
//! is installed, from IPADIC's own sources (its word lists, connection costs, character
//! classes), and loaded once per process.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::remote::ProviderError;

/// Why the reading dictionary could not be built or does not read as it should.
#[derive(Debug, thiserror::Error)]
pub enum ReadingsError {
    /// Its sources are missing or wrong (the catalogue is wrong about them).
    #[error("{0}")]
    Sources(String),
    /// The folder could not be read or written (a full disk among the reasons).
    #[error("{}", crate::error::os_words(.0))]
    Io(#[from] std::io::Error),
}

/// The built dictionary's file, in the reading item's folder.
pub const DICTIONARY: &str = "ipadic.dic";
/// The word list that joins morphemes into the words a voice reads as one (misaki's).
pub const WORDS: &str = "ja_words.txt";
/// IPADIC's sources besides its word lists (`*.csv`).
const SOURCES: [&str; 3] = ["matrix.def", "char.def", "unk.def"];

/// One morpheme of a text: where it is (characters), what it is, how it is said.
#[derive(Debug, Clone, PartialEq)]
pub struct Morpheme {
    pub start: usize,
    pub end: usize,
    pub surface: String,
    /// Its pronunciation in katakana; None when the dictionary does not know the word.
    pub pron: Option<String>,
    /// A symbol (punctuation): said as itself.
    pub symbol: bool,
}

/// A dictionary line with only what reading needs: IPADIC's `surface,left,right,cost,` then
/// nine features (part of speech, its three refinements, conjugation type and form, base
/// form, reading, pronunciation) become `surface,left,right,cost,part of speech,pronunciation`
/// (a fifth of the memory once loaded).
fn slim(line: &str) -> String {
    let f: Vec<&str> = line.split(',').collect();
    match f.len() {
        13.. => [f[0], f[1], f[2], f[3], f[4], f[12]].join(","),
        5.. => f[..5].join(","),
        _ => line.to_string(),
    }
}

/// A loaded reading dictionary and word list.
pub struct Readings {
    tokenizer: vibrato::Tokenizer,
    words: WordList,
}

/// misaki's word list, sorted in one string (a fraction of a hash set's memory).
struct WordList {
    all: String,
    spans: Vec<(u32, u32)>,
}

impl WordList {
    fn new(text: &str) -> WordList {
        let mut words: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        words.sort_unstable();
        words.dedup();
        let mut all = String::with_capacity(text.len());
        let mut spans = Vec::with_capacity(words.len());
        for w in words {
            let start = all.len();
            all.push_str(w);
            if let (Ok(a), Ok(b)) = (u32::try_from(start), u32::try_from(all.len())) {
                spans.push((a, b));
            }
        }
        WordList { all, spans }
    }

    fn contains(&self, word: &str) -> bool {
        self.spans
            .binary_search_by(|&(a, b)| {
                self.all.get(a as usize..b as usize).unwrap_or("").cmp(word)
            })
            .is_ok()
    }
}

fn unusable(folder: &Path, why: &str) -> ProviderError {
    ProviderError::terminal(
        "voice_missing",
        format!(
            "The Japanese reading dictionary in {} cannot be used ({why}); install a Japanese voice again.",
            folder.display()
        ),
    )
}

impl Readings {
    /// The dictionary in `folder` (loaded once per process and kept).
    pub fn get(folder: &Path) -> Result<Arc<Readings>, ProviderError> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Readings>>>> = OnceLock::new();
        let mut map = LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(r) = map.get(folder) {
            return Ok(r.clone());
        }
        let r = Arc::new(Readings::load(folder)?);
        map.insert(folder.to_path_buf(), r.clone());
        Ok(r)
    }

    fn load(folder: &Path) -> Result<Readings, ProviderError> {
        let file = std::fs::File::open(folder.join(DICTIONARY))
            .map_err(|_| unusable(folder, "it is missing"))?;
        // A damaged file must not take the process down with it.
        let dict = std::panic::catch_unwind(move || {
            vibrato::Dictionary::read(std::io::BufReader::new(file))
        })
        .map_err(|_| unusable(folder, "it is damaged"))?
        .map_err(|_| unusable(folder, "it is damaged"))?;
        let tokenizer = vibrato::Tokenizer::new(dict)
            .ignore_space(true)
            .map_err(|_| unusable(folder, "it does not know white space"))?;
        let words = WordList::new(
            &std::fs::read_to_string(folder.join(WORDS))
                .map_err(|_| unusable(folder, "its word list is missing"))?,
        );
        Ok(Readings { tokenizer, words })
    }

    /// Builds the dictionary in `folder` from IPADIC's sources there (its `*.csv` word lists,
    /// `matrix.def`, `char.def`, `unk.def`), writes it (through a temporary file), and removes
    /// the sources. Blocking: a second or two and about 200 MB.
    pub fn build(folder: &Path) -> Result<(), ReadingsError> {
        let wrong = |why: &str| ReadingsError::Sources(why.to_string());
        let mut lists: Vec<PathBuf> = std::fs::read_dir(folder)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv") && p.is_file())
            .collect();
        lists.sort();
        if lists.is_empty() {
            return Err(wrong("its word lists are missing"));
        }
        let mut lex = String::new();
        for l in &lists {
            let mut text = String::new();
            std::fs::File::open(l)
                .and_then(|mut f| f.read_to_string(&mut text))
                .map_err(|_| wrong("a word list is not UTF-8 text"))?;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                lex.push_str(&slim(line));
                lex.push('\n');
            }
        }
        let mut unk = String::new();
        std::fs::File::open(folder.join(SOURCES[2]))
            .and_then(|mut f| f.read_to_string(&mut unk))
            .map_err(|_| wrong(&format!("{} is missing", SOURCES[2])))?;
        let unk: String = unk
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| slim(l) + "\n")
            .collect();
        let open = |name: &str| {
            std::fs::File::open(folder.join(name)).map_err(|_| wrong(&format!("{name} is missing")))
        };
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            vibrato::SystemDictionaryBuilder::from_readers(
                lex.as_bytes(),
                open(SOURCES[0])?,
                open(SOURCES[1])?,
                unk.as_bytes(),
            )
            .map_err(|e| wrong(&format!("its sources do not build ({e})")))
        }))
        .map_err(|_| wrong("its sources do not build"))??;
        drop(lex);
        let tmp = folder.join(format!(".{DICTIONARY}.part"));
        // Encoded in memory first, so that writing it fails only as a file does (a full disk
        // is said as one).
        let mut bytes = Vec::new();
        built
            .write(&mut bytes)
            .map_err(|e| wrong(&format!("its dictionary could not be encoded ({e})")))?;
        drop(built);
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            std::io::Write::write_all(&mut f, &bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        std::fs::rename(&tmp, folder.join(DICTIONARY))?;
        for f in lists
            .iter()
            .cloned()
            .chain(SOURCES.iter().map(|s| folder.join(s)))
        {
            let _ = std::fs::remove_file(f);
        }
        Ok(())
    }

    /// Whether the dictionary in `folder` loads and reads kanji (`今日は` → `キョー` `ワ`).
    pub fn verify(folder: &Path) -> Result<(), ReadingsError> {
        let wrong = |why: &str| ReadingsError::Sources(why.to_string());
        let r = Readings::load(folder).map_err(|e| wrong(&e.message))?;
        if !r.is_word("ありがとう") {
            return Err(wrong("its word list is not misaki's"));
        }
        let prons: Vec<Option<String>> =
            r.morphemes("今日は").into_iter().map(|m| m.pron).collect();
        if prons == [Some("キョー".to_string()), Some("ワ".to_string())] {
            Ok(())
        } else {
            Err(wrong("it does not read kanji"))
        }
    }

    /// Whether `surface` is one word to the voice (misaki's word list).
    pub fn is_word(&self, surface: &str) -> bool {
        self.words.contains(surface)
    }

    /// The morphemes of `text` (character positions are `text`'s).
    pub fn morphemes(&self, text: &str) -> Vec<Morpheme> {
        let mut worker = self.tokenizer.new_worker();
        worker.reset_sentence(text);
        worker.tokenize();
        worker
            .token_iter()
            .map(|t| {
                // What `slim` kept: the part of speech, then the pronunciation.
                let f: Vec<&str> = t.feature().split(',').collect();
                let symbol = f.first() == Some(&"記号");
                let pron = f
                    .get(1)
                    .filter(|p| !symbol && **p != "*" && !p.is_empty())
                    .map(|p| p.replace(['’', '\''], ""));
                let r = t.range_char();
                Morpheme {
                    start: r.start,
                    end: r.end,
                    surface: t.surface().to_string(),
                    pron,
                    symbol,
                }
            })
            .collect()
    }
}
