//! The fonts text is set in. The embedded DejaVu Sans (regular and bold) comes first, so Latin,
//! Greek and Cyrillic look the same on every machine; a creator's own font (`[render] font`)
//! comes before it when set; every other script falls back to the fonts installed on the system
//! (the folders fontconfig names). Reading the system's fonts takes a moment, so it happens once
//! per process and only when a text needs a character the embedded fonts lack.
//!
//! A `FontSystem` (shaping caches, loaded faces) and a `SwashCache` (drawn glyphs) are costly to
//! build and need `&mut`: they are kept in a small pool per font set and lent out one at a time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use cosmic_text::{fontdb, FontSystem, SwashCache};

/// The family the embedded fonts answer to.
pub const EMBEDDED_FAMILY: &str = "DejaVu Sans";
/// Colour emoji are set in their own spans with this family when it is installed (cosmic-text
/// would otherwise draw the emoji DejaVu has as monochrome outlines).
pub const EMOJI_FAMILY: &str = "Noto Color Emoji";
/// Arabic is set in this family when it is installed: DejaVu has part of Arabic, and one word
/// would otherwise mix two designs.
pub const ARABIC_FAMILY: &str = "Noto Sans Arabic";

/// Which fonts a text may use beyond the embedded ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Reach {
    /// The embedded fonts (and the creator's own): identical everywhere, instant.
    Embedded,
    /// Also every font installed on the system.
    System,
}

/// A font database and what it holds that matters for layout.
pub(crate) struct FontSet {
    pub db: fontdb::Database,
    /// The creator's own font's family, when one is set and readable.
    pub user_family: Option<String>,
    pub emoji: bool,
    pub arabic: bool,
}

/// A lent `FontSystem` and glyph cache; they go back to the pool when dropped.
pub(crate) struct Lent {
    key: Key,
    pub set: Arc<FontSet>,
    /// Present until dropped (taken back into the pool then).
    fs: Option<(FontSystem, SwashCache)>,
}

/// The lent font system and glyph cache.
pub(crate) fn parts(lent: &mut Lent) -> (&mut FontSystem, &mut SwashCache) {
    let set = &lent.set;
    let pair = lent.fs.get_or_insert_with(|| {
        (
            FontSystem::new_with_locale_and_db("en-US".into(), set.db.clone()),
            SwashCache::new(),
        )
    });
    (&mut pair.0, &mut pair.1)
}

type Key = (Reach, Option<PathBuf>);

struct Pool {
    sets: HashMap<Key, Arc<FontSet>>,
    idle: HashMap<Key, Vec<(FontSystem, SwashCache)>>,
}

/// At most this many idle font systems are kept per font set (one per drawing thread).
const KEEP_IDLE: usize = 4;
/// A glyph cache larger than this is emptied when it comes back.
const MAX_CACHED_GLYPHS: usize = 4096;

fn pool() -> &'static Mutex<Pool> {
    static POOL: OnceLock<Mutex<Pool>> = OnceLock::new();
    POOL.get_or_init(|| {
        Mutex::new(Pool {
            sets: HashMap::new(),
            idle: HashMap::new(),
        })
    })
}

/// Borrows a font system for `reach` with the creator's font (if any).
pub(crate) fn lend(reach: Reach, user_font: Option<&Path>) -> Lent {
    let key: Key = (reach, user_font.map(Path::to_path_buf));
    let (set, idle) = {
        let mut p = pool().lock().unwrap_or_else(|e| e.into_inner());
        let set = p.sets.get(&key).cloned();
        let idle = p.idle.get_mut(&key).and_then(Vec::pop);
        (set, idle)
    };
    // Built outside the lock: reading the system's fonts takes a while.
    let set = match set {
        Some(s) => s,
        None => {
            let built = Arc::new(build(reach, user_font));
            let mut p = pool().lock().unwrap_or_else(|e| e.into_inner());
            p.sets.entry(key.clone()).or_insert(built).clone()
        }
    };
    let fs = idle.unwrap_or_else(|| {
        (
            FontSystem::new_with_locale_and_db("en-US".into(), set.db.clone()),
            SwashCache::new(),
        )
    });
    Lent {
        key,
        set,
        fs: Some(fs),
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some((fs, mut cache)) = self.fs.take() else {
            return;
        };
        if cache.image_cache.len() > MAX_CACHED_GLYPHS {
            cache.image_cache.clear();
        }
        let mut p = pool().lock().unwrap_or_else(|e| e.into_inner());
        let idle = p.idle.entry(self.key.clone()).or_default();
        if idle.len() < KEEP_IDLE {
            idle.push((fs, cache));
        }
    }
}

fn build(reach: Reach, user_font: Option<&Path>) -> FontSet {
    let mut db = fontdb::Database::new();
    // First in, first chosen among equals: the embedded faces win over installed copies.
    for bytes in [dejavu::sans::regular(), dejavu::sans::bold()] {
        db.load_font_source(fontdb::Source::Binary(Arc::new(bytes)));
    }
    if reach == Reach::System {
        let t0 = std::time::Instant::now();
        db.load_system_fonts();
        let installed: Vec<fontdb::ID> = db
            .faces()
            .filter(|f| !matches!(f.source, fontdb::Source::Binary(_)))
            .filter(|f| f.families.iter().any(|(n, _)| n == EMBEDDED_FAMILY))
            .map(|f| f.id)
            .collect();
        for id in installed {
            db.remove_face(id);
        }
        tracing::debug!(
            faces = db.len(),
            ms = t0.elapsed().as_millis() as u64,
            "read the system's fonts"
        );
    }
    let user_family = user_font.and_then(|path| match load_user_font(&mut db, path) {
        Ok(family) => Some(family),
        Err(why) => {
            tracing::warn!(path = %path.display(), %why, "the chosen font cannot be used");
            None
        }
    });
    // Set last: reading the system's fonts replaces the generic families.
    db.set_sans_serif_family(EMBEDDED_FAMILY);
    let has = |family: &str| {
        db.faces()
            .any(|f| f.families.iter().any(|(n, _)| n == family))
    };
    let (emoji, arabic) = (has(EMOJI_FAMILY), has(ARABIC_FAMILY));
    FontSet {
        db,
        user_family,
        emoji,
        arabic,
    }
}

/// Why a font file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FontFileError {
    #[error("it cannot be read ({0})")]
    Unreadable(std::io::Error),
    #[error("it is not a font file (TrueType .ttf, OpenType .otf or a .ttc collection)")]
    NotAFont,
}

/// Loads the creator's font and answers its family name.
fn load_user_font(db: &mut fontdb::Database, path: &Path) -> Result<String, FontFileError> {
    let bytes = std::fs::read(path).map_err(FontFileError::Unreadable)?;
    let ids = db.load_font_source(fontdb::Source::Binary(Arc::new(bytes)));
    ids.first()
        .and_then(|id| db.face(*id))
        .and_then(|f| f.families.first())
        .map(|(name, _)| name.clone())
        .ok_or(FontFileError::NotAFont)
}

/// Checks that `path` is a font StoryReel can set text in (for the settings' check).
pub fn check_font_file(path: &Path) -> Result<(), FontFileError> {
    let mut db = fontdb::Database::new();
    load_user_font(&mut db, path).map(|_| ())
}
