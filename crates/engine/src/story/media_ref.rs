//! A scene's own media named in the story itself: a picture or video link inside a Markdown
//! scene (`![a gull](photos/gull.jpg)`, or `[the harbour](clips/harbour.mp4)`), or a script's
//! `media` field (a file name, or `{"file", "fit", "focus", "in", "out", "volume", "end"}`).
//! Names are resolved against the story's folder when the story is imported.

use serde::Deserialize;

use crate::model::{ClipEnd, Fit, MediaLook};

/// A file a scene shows, as the story names it, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRef {
    pub file: String,
    pub look: MediaLook,
}

/// Extensions a plain `[text](file)` link must have to be taken as a scene's media.
const LINKED: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "heic", "heif", "avif", "gif", "tif", "tiff", "bmp", "mp4",
    "mov", "m4v", "mkv", "webm", "avi", "mts", "3gp", "ogv",
];

fn decode_percent(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Takes the media links out of a line of Markdown: the line without them, and the first
/// link's file. A link to anything else stays as its text.
pub fn take_links(line: &str) -> (String, Option<String>) {
    let mut out = String::with_capacity(line.len());
    let mut found = None;
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let image = open > 0 && rest[..open].ends_with('!');
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close + 2..].find(')').map(|e| close + 2 + e) else {
            break;
        };
        let label = &rest[open + 1..close];
        let target = rest[close + 2..end].trim();
        // `(file "title")` and `(<file name>)`.
        let target = match target.strip_prefix('<') {
            Some(t) => t.split('>').next().unwrap_or(t),
            None => target.split_whitespace().next().unwrap_or(""),
        };
        let target = decode_percent(target);
        let ext = std::path::Path::new(&target)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let media = !target.is_empty() && (image || LINKED.contains(&ext.as_str()));
        let before = if image {
            &rest[..open - 1]
        } else {
            &rest[..open]
        };
        out.push_str(before);
        if media {
            found.get_or_insert(target);
        } else {
            // An ordinary link reads as its words.
            out.push_str(label);
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    (out.split_whitespace().collect::<Vec<_>>().join(" "), found)
}

/// A script's `media` field in its long form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaObject {
    file: String,
    fit: Option<String>,
    focus: Option<[f64; 2]>,
    #[serde(rename = "in")]
    clip_in: Option<f64>,
    out: Option<f64>,
    volume: Option<f64>,
    end: Option<String>,
}

/// A script's `media` field, or what is wrong with it in the story's words.
pub fn from_json(v: &serde_json::Value) -> std::result::Result<Option<MediaRef>, String> {
    const SHAPE: &str = r#""media": "photos/dusk.jpg" or {"file": "clips/sea.mp4", "fit": "cover" or "contain", "focus": [0.5, 0.3], "in": 2, "out": 9, "volume": 0.3, "end": "hold" or "loop"}"#;
    let obj = match v {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(s) if s.trim().is_empty() => return Ok(None),
        serde_json::Value::String(s) => {
            return Ok(Some(MediaRef {
                file: s.trim().to_string(),
                look: MediaLook::default(),
            }))
        }
        other => serde_json::from_value::<MediaObject>(other.clone())
            .map_err(|_| format!("`media` must be a file name or an object like {SHAPE}."))?,
    };
    let fit = match obj.fit.as_deref() {
        None | Some("cover") => Fit::Cover,
        Some("contain") => Fit::Contain,
        Some(other) => {
            return Err(format!(
                "`media.fit` is \"{other}\"; use \"cover\" or \"contain\"."
            ))
        }
    };
    let end = match obj.end.as_deref() {
        None | Some("hold") => ClipEnd::Hold,
        Some("loop") => ClipEnd::Loop,
        Some(other) => {
            return Err(format!(
                "`media.end` is \"{other}\"; use \"hold\" or \"loop\"."
            ))
        }
    };
    let mut look = MediaLook {
        fit,
        end,
        ..MediaLook::default()
    };
    let num = |v: f64, what: &str, lo: f64, hi: f64| {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(v as f32)
        } else {
            Err(format!(
                "`media.{what}` is {}; use a number from {lo} to {hi}.",
                super::show_number(v)
            ))
        }
    };
    if let Some([x, y]) = obj.focus {
        look.focus_x = num(x, "focus", 0.0, 1.0)?;
        look.focus_y = num(y, "focus", 0.0, 1.0)?;
    }
    if let Some(v) = obj.volume {
        look.volume = num(v, "volume", 0.0, 1.0)?;
    }
    if let Some(v) = obj.clip_in {
        look.clip_in = num(v, "in", 0.0, 86_400.0)?;
    }
    if let Some(v) = obj.out {
        let out = num(v, "out", 0.0, 86_400.0)?;
        if out <= look.clip_in {
            return Err(format!(
                "`media.out` ({out}) must come after `media.in` ({}).",
                look.clip_in
            ));
        }
        look.clip_out = Some(out);
    }
    if obj.file.trim().is_empty() {
        return Err("`media.file` is empty; name the picture or clip.".into());
    }
    Ok(Some(MediaRef {
        file: obj.file.trim().to_string(),
        look,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_links_leave_the_text_and_other_links_keep_their_words() {
        let (t, m) =
            take_links("![a gull](photos/gull%20one.jpg) The gull [turned](https://x.org) away.");
        assert_eq!(t, "The gull turned away.");
        assert_eq!(m.as_deref(), Some("photos/gull one.jpg"));
        let (t, m) = take_links("See [the harbour](<clips/the harbour.MP4> \"title\").");
        assert_eq!(
            (t.as_str(), m.as_deref()),
            ("See .", Some("clips/the harbour.MP4"))
        );
        let (t, m) = take_links("No [link here");
        assert_eq!((t.as_str(), m), ("No [link here", None));
        let (t, m) = take_links("50% off! [x](y) %zz");
        assert_eq!((t.as_str(), m), ("50% off! x %zz", None));
    }

    #[test]
    fn a_scripts_media_field_is_checked_in_the_storys_words() {
        let r = from_json(&serde_json::json!("a.jpg")).unwrap().unwrap();
        assert_eq!(r.file, "a.jpg");
        let r = from_json(&serde_json::json!({"file": "c.mp4", "fit": "contain", "in": 1, "out": 3, "volume": 0.5, "end": "loop", "focus": [0.1, 0.9]}))
            .unwrap()
            .unwrap();
        assert_eq!(r.look.fit, Fit::Contain);
        assert_eq!(
            (r.look.clip_in, r.look.clip_out, r.look.end),
            (1.0, Some(3.0), ClipEnd::Loop)
        );
        for (bad, says) in [
            (serde_json::json!(4), "must be a file name"),
            (
                serde_json::json!({"file": "c.mp4", "fit": "stretch"}),
                "use \"cover\"",
            ),
            (
                serde_json::json!({"file": "c.mp4", "volume": 7}),
                "`media.volume` is 7",
            ),
            (
                serde_json::json!({"file": "c.mp4", "in": 5, "out": 2}),
                "must come after",
            ),
            (
                serde_json::json!({"file": "c.mp4", "speed": 2}),
                "must be a file name",
            ),
        ] {
            let e = from_json(&bad).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
