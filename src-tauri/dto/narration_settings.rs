//! The Settings screen's narration and captions: whether new stories are narrated, the voice
//! asked first, the default language, and how captions look (on or off, size, colours,
//! position). Read from and written to `[voice]` and `[render]`.

use serde::{Deserialize, Serialize};
use storyreel_engine::config::{Config, KNOWN_VOICES};
use ts_rs::TS;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NarrationSettings {
    /// New stories are narrated.
    pub enabled: bool,
    /// The voice asked first; the rest of the chain follows it, silence last.
    pub first_voice: String,
    /// `auto` (from each story's text) or a language code.
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CaptionSettings {
    pub enabled: bool,
    /// 0.5 to 2 (1: the default size).
    pub size: f32,
    /// `#rrggbb`.
    pub color: String,
    /// The word being spoken, `#rrggbb`.
    pub highlight: String,
    /// bottom, middle or top.
    pub position: String,
}

impl Default for NarrationSettings {
    fn default() -> Self {
        narration_view(&Config::default())
    }
}

impl Default for CaptionSettings {
    fn default() -> Self {
        caption_view(&Config::default())
    }
}

pub fn narration_view(cfg: &Config) -> NarrationSettings {
    let v = &cfg.voice;
    NarrationSettings {
        enabled: v.enabled,
        first_voice: v
            .voices
            .first()
            .cloned()
            .unwrap_or_else(|| "espeak-ng".into()),
        language: v.language.clone(),
    }
}

pub fn caption_view(cfg: &Config) -> CaptionSettings {
    let r = &cfg.render;
    CaptionSettings {
        enabled: r.captions,
        size: r.caption_size,
        color: r.caption_color.clone(),
        highlight: r.caption_highlight.clone(),
        position: r.caption_position.clone(),
    }
}

/// `c` with the narration and caption settings applied; a bad value is a sentence (the
/// config's own check follows in the caller).
pub fn apply_narration(
    c: &mut Config,
    n: &NarrationSettings,
    cap: &CaptionSettings,
) -> ApiResult<()> {
    let first = n.first_voice.trim().to_ascii_lowercase();
    if !KNOWN_VOICES.contains(&first.as_str()) {
        return Err(ApiError::input(format!(
            "`{first}` is not a voice StoryReel knows ({}).",
            KNOWN_VOICES.join(", ")
        )));
    }
    let language = n.language.trim().to_ascii_lowercase();
    if language != "auto" && storyreel_engine::language::by_code(&language).is_none() {
        return Err(ApiError::input(format!(
            "`{language}` is not a language StoryReel narrates; choose one from the list."
        )));
    }
    c.voice.enabled = n.enabled;
    // The chosen voice first; the others keep their order.
    let rest: Vec<String> = c
        .voice
        .voices
        .iter()
        .filter(|v| **v != first)
        .cloned()
        .collect();
    if c.voice.voices.first() != Some(&first) {
        c.voice.voices = std::iter::once(first).chain(rest).collect();
    }
    c.voice.language = language;
    if !cap.size.is_finite() || !(0.5..=2.0).contains(&cap.size) {
        return Err(ApiError::input(format!(
            "The caption size is {}; choose between 0.5 and 2 (1 is the default).",
            cap.size
        )));
    }
    c.render.captions = cap.enabled;
    c.render.caption_size = cap.size;
    c.render.caption_color = cap.color.trim().to_string();
    c.render.caption_highlight = cap.highlight.trim().to_string();
    c.render.caption_position = cap.position.trim().to_string();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_settings_change_nothing_and_choices_land_in_the_config() {
        let cfg = Config::default();
        let mut c = cfg.clone();
        apply_narration(&mut c, &narration_view(&cfg), &caption_view(&cfg)).unwrap();
        assert_eq!(c, cfg);

        let mut chain = Config::default();
        chain.voice.voices = vec!["openai".into(), "espeak-ng".into()];
        let n = NarrationSettings {
            enabled: false,
            first_voice: "espeak-ng".into(),
            language: "FR".into(),
        };
        let cap = CaptionSettings {
            enabled: true,
            size: 1.5,
            color: "#ffeeaa".into(),
            highlight: "#00ff00".into(),
            position: "top".into(),
        };
        apply_narration(&mut chain, &n, &cap).unwrap();
        assert_eq!(chain.voice.voices, ["espeak-ng", "openai"]);
        assert_eq!(
            (chain.voice.enabled, chain.voice.language.as_str()),
            (false, "fr")
        );
        assert_eq!(chain.render.caption_position, "top");
        assert!(chain.validate("t").is_ok());

        let bad = |n: NarrationSettings, cap: CaptionSettings| {
            apply_narration(&mut Config::default(), &n, &cap)
                .unwrap_err()
                .message
        };
        let mut n2 = n.clone();
        n2.first_voice = "coqui".into();
        assert!(bad(n2, cap.clone()).contains("coqui"));
        let mut n3 = n.clone();
        n3.language = "klingon".into();
        assert!(bad(n3, cap.clone()).contains("klingon"));
        let mut c2 = cap.clone();
        c2.size = f32::NAN;
        assert!(bad(n.clone(), c2).contains("caption size"));
        // A colour the config refuses is refused when the settings are checked.
        let mut c3 = cap;
        c3.color = "blue-ish".into();
        let mut cfg = Config::default();
        apply_narration(&mut cfg, &n, &c3).unwrap();
        assert!(cfg
            .validate("t")
            .unwrap_err()
            .to_string()
            .contains("caption_color"));
    }
}
