//! A scene's words as the narrator's and its characters' lines: a quotation that follows a
//! character's name (`Mira said, "We go at dawn."`) is that character's line, spoken in their
//! voice; everything else, and any quotation with no name before it, is the narrator's. The
//! lines together are the scene's text, in order, so the captions read the same.

/// A run of the scene's words and who speaks it (none: the narrator).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub speaker: Option<String>,
    pub text: String,
}

/// Quotation marks: each opening mark with the closing marks that end it.
const QUOTES: &[(char, &[char])] = &[
    ('"', &['"']),
    ('\u{201c}', &['\u{201d}']),
    ('\u{00ab}', &['\u{00bb}']),
    ('\u{201e}', &['\u{201c}', '\u{201d}']),
    ('\u{300c}', &['\u{300d}']),
    ('\u{300e}', &['\u{300f}']),
];

/// `text` cut into lines: each quotation whose nearest name before it (since the previous
/// quotation) is one of `speakers` goes to that speaker. Empty runs are left out.
pub fn lines(text: &str, speakers: &[&str]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut push = |speaker: Option<String>, part: &str| {
        if part.trim().is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.speaker == speaker => last.text.push_str(part),
            _ => out.push(Line {
                speaker,
                text: part.to_string(),
            }),
        }
    };
    let mut from = 0; // where the narrator's current run starts
    let mut since = 0; // where names are looked for (after the previous quotation)
    let mut at = 0;
    while at < text.len() {
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        let Some((_, closers)) = QUOTES.iter().find(|(open, _)| *open == c) else {
            at += c.len_utf8();
            continue;
        };
        let body = at + c.len_utf8();
        let Some(close) = text[body..].find(|x: char| closers.contains(&x)) else {
            break; // an unclosed quotation: the narrator reads on
        };
        let end = body + close;
        let end = end + text[end..].chars().next().map_or(0, char::len_utf8);
        let speaker = nearest_name(&text[since..at], speakers);
        if let Some(name) = speaker {
            push(None, &text[from..at]);
            push(Some(name.to_string()), &text[at..end]);
            from = end;
        }
        since = end;
        at = end;
    }
    push(None, &text[from..]);
    out
}

/// The speaker whose name comes last in `before`, if any.
fn nearest_name<'a>(before: &str, speakers: &[&'a str]) -> Option<&'a str> {
    speakers
        .iter()
        .filter_map(|name| {
            let last = crate::model::named_at(before, name).pop()?;
            Some((last, *name))
        })
        .max_by_key(|(at, _)| *at)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(lines: &[Line]) -> Vec<(Option<&str>, &str)> {
        lines
            .iter()
            .map(|l| (l.speaker.as_deref(), l.text.as_str()))
            .collect()
    }

    #[test]
    fn a_quotation_after_a_name_is_that_characters_line() {
        let l = lines(
            "Mira said, \"We go at dawn.\" Tom laughed. \"Not me,\" he said.",
            &["Mira", "Tom"],
        );
        assert_eq!(
            who(&l),
            [
                (None, "Mira said, "),
                (Some("Mira"), "\"We go at dawn.\""),
                (None, " Tom laughed. "),
                (Some("Tom"), "\"Not me,\""),
                (None, " he said."),
            ]
        );
        assert_eq!(
            l.iter().map(|l| l.text.as_str()).collect::<String>(),
            "Mira said, \"We go at dawn.\" Tom laughed. \"Not me,\" he said."
        );
    }

    #[test]
    fn quotations_without_a_name_and_other_marks_stay_with_the_narrator() {
        let l = lines("\u{201c}Who is there?\u{201d} asked a voice.", &["Mira"]);
        assert_eq!(
            who(&l),
            [(None, "\u{201c}Who is there?\u{201d} asked a voice.")]
        );
        let l = lines("Samira whispered \u{00ab}Viens.\u{00bb}", &["Mira"]);
        assert_eq!(l.len(), 1, "Samira is not Mira");
        let l = lines("MIRA: \u{00ab}Viens.\u{00bb} Un \"oubli", &["Mira"]);
        assert_eq!(
            who(&l),
            [
                (None, "MIRA: "),
                (Some("Mira"), "\u{00ab}Viens.\u{00bb}"),
                (None, " Un \"oubli")
            ]
        );
        let l = lines("健太は「行こう」と言った。", &["健太"]);
        assert_eq!(
            l[1],
            Line {
                speaker: Some("健太".into()),
                text: "「行こう」".into()
            }
        );
        assert!(lines("   ", &["Mira"]).is_empty());
        assert_eq!(lines("No one speaks.", &[]).len(), 1);
    }
}
