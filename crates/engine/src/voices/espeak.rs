//! espeak-ng: the voice that is always there offline, and the default.
//!
//! Wire format: the C library `libespeak-ng.so.1` (Debian: `espeak-ng`, or `libespeak-ng1` and
//! `espeak-ng-data`), loaded when first needed, so a machine without it still runs StoryReel
//! and narrates with the next voice. Sources: espeak-ng 1.51 `speak_lib.h` and `espeak_ng.h`.
//! - Start: `espeak_ng_InitializePath(NULL)`, `espeak_ng_Initialize(&ctx)`,
//!   `espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL)`; these report a status
//!   (`espeak_Initialize` would end the process when its data is missing).
//! - Speech: `espeak_ng_Synthesize(text, len+1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL,
//!   user_data)` calls our callback with 16-bit mono samples at the library's rate (22050 Hz)
//!   and a list of events ending in type 0. A WORD event (type 1) carries `text_position`, the
//!   1-based index of the word's first character in Unicode scalar values, and `sample`, the
//!   sample at which it is spoken: exact word times.
//! - The library keeps global state: one synthesis at a time per process (a lock).

use std::ffi::{c_char, c_int, c_short, c_uint, c_void, CStr, CString};
use std::sync::{Mutex, OnceLock};

use async_trait::async_trait;

use super::timing::{from_marks, Pcm};
use super::{Availability, SpeechRequest, Spoken, Voice, VoiceInfo};
use crate::remote::ProviderError;

#[repr(C)]
struct Event {
    kind: c_int,
    unique_identifier: c_uint,
    text_position: c_int,
    length: c_int,
    audio_position: c_int,
    sample: c_int,
    user_data: *mut c_void,
    id: usize,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Event>() == 40);

#[repr(C)]
struct VoiceRecord {
    name: *const c_char,
    languages: *const c_char,
    identifier: *const c_char,
    gender: u8,
    age: u8,
    variant: u8,
    xx1: u8,
    score: c_int,
    spare: *mut c_void,
}

type Callback = unsafe extern "C" fn(*mut c_short, c_int, *mut Event) -> c_int;

const OUTPUT_SYNCHRONOUS: c_uint = 1;
const POS_CHARACTER: c_int = 1;
const CHARS_UTF8: c_uint = 1;
const END_PAUSE: c_uint = 0x1000;
const RATE: c_int = 1;
const EVENT_END_OF_LIST: c_int = 0;
const EVENT_WORD: c_int = 1;
/// Ten minutes at 22050 Hz: more than any scene; a runaway synthesis stops there.
const MAX_SAMPLES: usize = 22050 * 600;

struct Lib {
    _lib: libloading::Library,
    synthesize: unsafe extern "C" fn(
        *const c_void,
        usize,
        c_uint,
        c_int,
        c_uint,
        c_uint,
        *mut c_uint,
        *mut c_void,
    ) -> c_uint,
    set_voice: unsafe extern "C" fn(*const c_char) -> c_uint,
    set_voice_by_properties: unsafe extern "C" fn(*mut VoiceRecord) -> c_uint,
    set_parameter: unsafe extern "C" fn(c_int, c_int, c_int) -> c_uint,
    status_message: unsafe extern "C" fn(c_uint, *mut c_char, usize),
    list_voices: unsafe extern "C" fn(*mut c_void) -> *const *const VoiceRecord,
    text_to_phonemes: unsafe extern "C" fn(*mut *const c_void, c_int, c_int) -> *const c_char,
    rate: u32,
}

// SAFETY: the library's functions are only called with the lock below held.
unsafe impl Send for Lib {}

/// The loaded library, or why it could not be loaded (said once, kept).
fn lib() -> &'static Result<Mutex<Lib>, String> {
    static LIB: OnceLock<Result<Mutex<Lib>, String>> = OnceLock::new();
    LIB.get_or_init(|| load().map(Mutex::new))
}

const MISSING: &str = "espeak-ng is not installed, so scenes are narrated by the next voice; install it (Debian, Ubuntu: `sudo apt-get install espeak-ng`; Fedora: `sudo dnf install espeak-ng`; macOS: `brew install espeak-ng`)";

fn load() -> Result<Lib, String> {
    let names: &[&str] = if cfg!(target_os = "macos") {
        &[
            "libespeak-ng.1.dylib",
            "/opt/homebrew/lib/libespeak-ng.1.dylib",
            "/usr/local/lib/libespeak-ng.1.dylib",
        ]
    } else if cfg!(windows) {
        &["libespeak-ng.dll", "espeak-ng.dll"]
    } else {
        &["libespeak-ng.so.1", "libespeak-ng.so"]
    };
    // SAFETY: loading a shared library runs its initialisers; espeak-ng's are plain C.
    let lib = names
        .iter()
        .find_map(|n| unsafe { libloading::Library::new(n) }.ok())
        .ok_or_else(|| MISSING.to_string())?;
    // SAFETY: each symbol is declared with the signature of espeak-ng 1.49+ (speak_lib.h,
    // espeak_ng.h); the library outlives the pointers (kept in `Lib`).
    unsafe {
        macro_rules! sym {
            ($name:literal) => {
                *lib.get($name)
                    .map_err(|_| format!("{MISSING} (the installed library is too old)"))?
            };
        }
        let init_path: unsafe extern "C" fn(*const c_char) = sym!(b"espeak_ng_InitializePath\0");
        let init: unsafe extern "C" fn(*mut *mut c_void) -> c_uint =
            sym!(b"espeak_ng_Initialize\0");
        let init_output: unsafe extern "C" fn(c_uint, c_int, *const c_char) -> c_uint =
            sym!(b"espeak_ng_InitializeOutput\0");
        let sample_rate: unsafe extern "C" fn() -> c_int = sym!(b"espeak_ng_GetSampleRate\0");
        let set_callback: unsafe extern "C" fn(Option<Callback>) =
            sym!(b"espeak_SetSynthCallback\0");
        let clear_context: unsafe extern "C" fn(*mut *mut c_void) =
            sym!(b"espeak_ng_ClearErrorContext\0");
        let status_message: unsafe extern "C" fn(c_uint, *mut c_char, usize) =
            sym!(b"espeak_ng_GetStatusCodeMessage\0");
        let message = |s: c_uint| {
            let mut buf = [0 as c_char; 256];
            status_message(s, buf.as_mut_ptr(), buf.len());
            CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
        };
        init_path(std::ptr::null());
        let mut ctx: *mut c_void = std::ptr::null_mut();
        let s = init(&mut ctx);
        clear_context(&mut ctx);
        if s != 0 {
            return Err(format!(
                "espeak-ng is installed but cannot start ({}); reinstall its voices (Debian: `sudo apt-get install --reinstall espeak-ng-data`)",
                message(s).trim_end_matches('.')
            ));
        }
        let s = init_output(OUTPUT_SYNCHRONOUS, 0, std::ptr::null());
        if s != 0 {
            return Err(format!(
                "espeak-ng cannot start its output ({})",
                message(s).trim_end_matches('.')
            ));
        }
        set_callback(Some(callback));
        Ok(Lib {
            synthesize: sym!(b"espeak_ng_Synthesize\0"),
            set_voice: sym!(b"espeak_ng_SetVoiceByName\0"),
            set_voice_by_properties: sym!(b"espeak_ng_SetVoiceByProperties\0"),
            set_parameter: sym!(b"espeak_ng_SetParameter\0"),
            status_message,
            list_voices: sym!(b"espeak_ListVoices\0"),
            text_to_phonemes: sym!(b"espeak_TextToPhonemes\0"),
            rate: u32::try_from(sample_rate())
                .unwrap_or(22050)
                .clamp(8000, 96_000),
            _lib: lib,
        })
    }
}

/// What one synthesis collects.
struct Collect {
    samples: Vec<i16>,
    /// (character index, 0-based; sample) of each word.
    words: Vec<(usize, usize)>,
}

unsafe extern "C" fn callback(wav: *mut c_short, n: c_int, events: *mut Event) -> c_int {
    let run = std::panic::catch_unwind(|| {
        if events.is_null() {
            return 1;
        }
        // SAFETY: the library passes the `user_data` we gave (a live `&mut Collect`) in every
        // event, and a list that ends with an event of type 0.
        let acc = unsafe { (*events).user_data as *mut Collect };
        if acc.is_null() {
            return 1;
        }
        let acc = unsafe { &mut *acc };
        if !wav.is_null() && n > 0 {
            let n = usize::try_from(n).unwrap_or(0);
            // SAFETY: `wav` holds `n` samples.
            let chunk = unsafe { std::slice::from_raw_parts(wav, n) };
            if acc.samples.len() + n > MAX_SAMPLES {
                return 1;
            }
            acc.samples.extend_from_slice(chunk);
        }
        let mut e = events;
        for _ in 0..100_000 {
            // SAFETY: within the list, which ends with type 0.
            let ev = unsafe { &*e };
            if ev.kind == EVENT_END_OF_LIST {
                break;
            }
            if ev.kind == EVENT_WORD && ev.text_position > 0 && ev.sample >= 0 {
                acc.words
                    .push((ev.text_position as usize - 1, ev.sample as usize));
            }
            e = unsafe { e.add(1) };
        }
        0
    });
    run.unwrap_or(1)
}

impl Lib {
    fn message(&self, s: c_uint) -> String {
        let mut buf = [0 as c_char; 256];
        // SAFETY: the buffer's length is given.
        unsafe {
            (self.status_message)(s, buf.as_mut_ptr(), buf.len());
            CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
        }
    }

    fn speak(&self, voice: &str, wpm: u32, text: &str) -> Result<Collect, ProviderError> {
        self.select(voice)?;
        // SAFETY: plain integers.
        unsafe { (self.set_parameter)(RATE, wpm.clamp(80, 450) as c_int, 0) };
        self.synthesize(text)
    }

    /// Makes `voice` (a voice's name, or a language) the library's current voice.
    fn select(&self, voice: &str) -> Result<(), ProviderError> {
        let name = CString::new(voice).map_err(|_| {
            ProviderError::terminal("bad_voice", "The espeak-ng voice name has a NUL in it.")
        })?;
        // SAFETY: a NUL-terminated name.
        let mut s = unsafe { (self.set_voice)(name.as_ptr()) };
        if s != 0 {
            // A language (`fr-fr`) rather than a voice's name: the best voice for it, as
            // espeak-ng's own program does.
            let mut spec = VoiceRecord {
                name: std::ptr::null(),
                languages: name.as_ptr(),
                identifier: std::ptr::null(),
                gender: 0,
                age: 0,
                variant: 0,
                xx1: 0,
                score: 0,
                spare: std::ptr::null_mut(),
            };
            // SAFETY: a zeroed selector with a NUL-terminated language that outlives the call.
            s = unsafe { (self.set_voice_by_properties)(&mut spec) };
        }
        if s != 0 {
            return Err(ProviderError::terminal(
                "unknown_voice",
                format!(
                    "espeak-ng has no voice `{voice}` ({}); choose one of its voices, such as en-us, fr-fr or de.",
                    self.message(s).trim_end_matches('.')
                ),
            ));
        }
        Ok(())
    }

    /// The IPA phonemes of `text` in the current voice, a clause at a time (espeak-ng's own
    /// phonemizer, as Piper's voices were trained on); with `tie`, the letters of one
    /// phoneme are joined by it (`a^ɪ`), as Kokoro's phonemizer asks.
    fn phonemes(&self, text: &str, tie: Option<char>) -> Vec<String> {
        const PHONEMES_IPA: c_int = 0x02;
        const PHONEMES_TIE: c_int = 0x80;
        let mode = match tie {
            Some(t) => PHONEMES_IPA | PHONEMES_TIE | ((t as c_int & 0xFFFF) << 8),
            None => PHONEMES_IPA,
        };
        let text = CString::new(text.replace('\0', " ")).unwrap_or_default();
        let mut ptr = text.as_ptr() as *const c_void;
        let mut out = Vec::new();
        for _ in 0..10_000 {
            if ptr.is_null() {
                break;
            }
            // SAFETY: `ptr` points into `text` (NUL-terminated, alive across the loop); the
            // library advances it clause by clause and sets it to NULL at the end. The answer
            // is the library's buffer, copied before the next call.
            let got = unsafe { (self.text_to_phonemes)(&mut ptr, CHARS_UTF8 as c_int, mode) };
            if got.is_null() {
                break;
            }
            // SAFETY: a NUL-terminated string of the library's.
            let clause = unsafe { CStr::from_ptr(got) }
                .to_string_lossy()
                .into_owned();
            if !clause.trim().is_empty() {
                out.push(clause.trim().to_string());
            }
        }
        out
    }

    fn synthesize(&self, text: &str) -> Result<Collect, ProviderError> {
        let text = CString::new(text.replace('\0', " ")).unwrap_or_default();
        let mut acc = Collect {
            samples: Vec::new(),
            words: Vec::new(),
        };
        let bytes = text.as_bytes_with_nul().len();
        // SAFETY: `text` is NUL-terminated and `acc` lives across the call, which is
        // synchronous (the callback runs inside it, on this thread).
        let s = unsafe {
            (self.synthesize)(
                text.as_ptr() as *const c_void,
                bytes,
                0,
                POS_CHARACTER,
                0,
                CHARS_UTF8 | END_PAUSE,
                std::ptr::null_mut(),
                &mut acc as *mut Collect as *mut c_void,
            )
        };
        if s != 0 {
            return Err(ProviderError::transient(
                "voice_failed",
                format!(
                    "espeak-ng stopped ({})",
                    self.message(s).trim_end_matches('.')
                ),
            ));
        }
        Ok(acc)
    }

    fn voices(&self) -> Vec<VoiceInfo> {
        let mut out = Vec::new();
        // SAFETY: a NULL spec lists every voice; the list ends with NULL and its records
        // belong to the library (valid until the next call, made under the same lock).
        unsafe {
            let list = (self.list_voices)(std::ptr::null_mut());
            if list.is_null() {
                return out;
            }
            let mut i = 0;
            while i < 2000 {
                let v = *list.add(i);
                if v.is_null() {
                    break;
                }
                let text = |p: *const c_char| {
                    if p.is_null() {
                        String::new()
                    } else {
                        CStr::from_ptr(p).to_string_lossy().into_owned()
                    }
                };
                // `languages` is a priority byte, then the language, then more pairs.
                let lang = if (*v).languages.is_null() {
                    String::new()
                } else {
                    text((*v).languages.add(1))
                };
                out.push(VoiceInfo {
                    id: lang.clone(),
                    name: text((*v).name),
                    language: lang,
                });
                i += 1;
            }
        }
        out
    }
}

/// espeak-ng, with the voice for the story's language (or the one configured).
/// The IPA phonemes of each clause of `text`, read by espeak-ng's voice for `voice` (a voice's
/// name or a language, as a Piper model's `espeak.voice` names it).
pub(super) fn phonemize(voice: &str, text: &str) -> Result<Vec<String>, ProviderError> {
    phonemize_tied(voice, text, None)
}

/// [`phonemize`], the letters of each phoneme joined by `tie` when given.
pub(super) fn phonemize_tied(
    voice: &str,
    text: &str,
    tie: Option<char>,
) -> Result<Vec<String>, ProviderError> {
    let lib = lib()
        .as_ref()
        .map_err(|m| ProviderError::terminal("voice_missing", format!("{m}.")))?;
    let lib = lib.lock().unwrap_or_else(|p| p.into_inner());
    lib.select(voice)?;
    Ok(lib.phonemes(text, tie))
}

pub struct Espeak {
    /// An espeak-ng voice chosen in the config; empty: the story's language.
    pub voice: String,
    pub rate_wpm: u32,
}

impl Espeak {
    fn unavailable(why: &str) -> ProviderError {
        ProviderError::terminal("voice_missing", format!("{why}."))
    }
}

/// Why espeak-ng's `voice` cannot read `text` aloud, when it cannot: its Japanese voice reads
/// kana but names each kanji ("Chinese letter") in English, which no one would publish.
fn unreadable(voice: &str, text: &str) -> Option<String> {
    let han = |c: char| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF);
    (voice.starts_with("ja") && text.chars().any(han)).then(|| {
        "espeak-ng reads Japanese kana but not kanji, so it would name each kanji instead of \
         reading it; a Piper or cloud voice reads it"
            .to_string()
    })
}

#[async_trait]
impl Voice for Espeak {
    fn name(&self) -> &str {
        "espeak-ng"
    }

    async fn speak(&self, req: &SpeechRequest) -> Result<Spoken, ProviderError> {
        let voice = if self.voice.is_empty() {
            req.language.espeak.to_string()
        } else {
            self.voice.clone()
        };
        let text = req.words.concat();
        if let Some(why) = unreadable(&voice, &text) {
            return Err(ProviderError::terminal("cannot_read", format!("{why}.")));
        }
        let wpm = self.rate_wpm;
        let v = voice.clone();
        let done = tokio::task::spawn_blocking(move || {
            let lib = lib().as_ref().map_err(|e| Espeak::unavailable(e))?;
            let lib = lib.lock().unwrap_or_else(|p| p.into_inner());
            let got = lib.speak(&v, wpm, &text)?;
            Ok::<_, ProviderError>((got, lib.rate))
        })
        .await
        .map_err(|e| {
            ProviderError::transient("voice_failed", format!("espeak-ng stopped: {e}"))
        })??;
        let (got, rate) = done;
        let pcm = Pcm {
            rate,
            samples: got.samples,
        };
        if pcm.samples.is_empty() {
            return Err(ProviderError::transient(
                "no_audio",
                "espeak-ng made no sound for this text.",
            ));
        }
        let total = pcm.seconds();
        let marks: Vec<(usize, f32)> = got
            .words
            .iter()
            .map(|&(c, s)| (c, s as f32 / rate as f32))
            .collect();
        let estimated = marks.is_empty();
        Ok(Spoken {
            words: from_marks(&req.words, &marks, total),
            pcm: Some(pcm),
            estimated,
            provider: "espeak-ng".into(),
            voice,
            fallback: Vec::new(),
            passed: Vec::new(),
        })
    }

    async fn availability(&self) -> Availability {
        let voices = tokio::task::spawn_blocking(|| match lib() {
            Ok(l) => Ok(l.lock().unwrap_or_else(|p| p.into_inner()).voices()),
            Err(e) => Err(e.clone()),
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match voices {
            Ok(v) => Availability::ready(v),
            Err(why) => Availability::not(why),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn japanese_with_kanji_is_not_read_but_kana_and_other_scripts_are() {
        assert!(super::unreadable("ja", "灯台の光は回り続けた。").is_some());
        assert!(super::unreadable("ja", "むかしむかし、あるところに。").is_none());
        assert!(super::unreadable("cmn", "灯塔的光整夜旋转。").is_none());
        assert!(super::unreadable("en-us", "The lamp turned.").is_none());
    }
}
