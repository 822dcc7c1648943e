//! The story so far, while its JSON is still arriving: the text is closed where it stops
//! (an open string ended, open arrays and objects shut), cut back to the last whole value
//! when that is not enough, and read leniently, so the person watches the scenes appear.

use super::story::Written;

/// The story the first `text` bytes of an answer describe (empty when nothing can be read yet).
pub fn so_far(text: &str) -> Written {
    let t = text.trim_start();
    let t = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .unwrap_or(t);
    let Some(start) = t.find('{') else {
        return Written::default();
    };
    let t = &t[start..];
    // Cut points: after each whole value and before each key, from the end back.
    let mut cut = t.len();
    for _ in 0..64 {
        if let Some(closed) = close(&t[..cut]) {
            if let Ok(w) = serde_json::from_str::<Written>(&closed) {
                return w;
            }
        }
        match t[..cut].rfind([',', '{', '[']) {
            Some(0) | None => break,
            Some(i) => cut = if t.as_bytes()[i] == b',' { i } else { i + 1 },
        }
    }
    Written::default()
}

/// `text` with its open string and brackets closed; none when it cannot be (a key without
/// its value, a dangling escape).
fn close(text: &str) -> Option<String> {
    let mut stack: Vec<char> = Vec::new();
    let (mut in_str, mut escaped) = (false, false);
    for c in text.chars() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' => stack.push('}'),
            '[' => stack.push(']'),
            '}' | ']' => {
                stack.pop()?;
            }
            _ => {}
        }
    }
    let mut out = text.to_string();
    if in_str {
        if escaped {
            out.pop();
        }
        // A `\u12` cut short.
        if let Some(i) = out.rfind("\\u") {
            if out.len() - i < 6 {
                out.truncate(i);
            }
        }
        out.push('"');
    }
    let trimmed = out.trim_end();
    if trimmed.ends_with(':') {
        out = format!("{trimmed} \"\"");
    } else if trimmed.ends_with(',') {
        out = trimmed.trim_end_matches(',').to_string();
    }
    while let Some(c) = stack.pop() {
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_an_answer_reads_and_grows() {
        let full = r#"{"title": "The Last \"Night\"", "look": "ink", "cast": [{"name": "Elias", "description": "old"}], "scenes": [{"title": "One", "words": "He climbs.\nStep é \u00e9.", "picture": "stairs"}, {"title": "Two", "words": "The lamp.", "picture": "a lamp"}]}"#;
        let mut most = 0;
        for (i, _) in full.char_indices() {
            let w = so_far(&full[..i]);
            assert!(
                w.scenes.len() >= most || w.scenes.len() + 1 >= most,
                "at {i}"
            );
            most = most.max(w.scenes.len());
        }
        let w = so_far(full);
        assert_eq!(w.scenes.len(), 2);
        assert_eq!(w.title, "The Last \"Night\"");
        let mid = so_far(&full[..full.find("The lamp").unwrap() + 5]);
        assert_eq!(mid.scenes.len(), 2);
        assert_eq!(mid.scenes[1].words, "The l");
        assert_eq!(so_far("").scenes.len(), 0);
        assert_eq!(so_far("```json\n{\"title\": \"Hal").title, "Hal");
    }
}
