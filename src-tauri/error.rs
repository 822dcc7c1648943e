//! Errors as they cross IPC: `{code, message, line}`. The message is a sentence for a person;
//! it never holds a secret (engine errors never do, and keychain errors are reworded here).

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// One of `input`, `story`, `not_found`, `busy`, `config`, `keychain`, `engine`, `io`.
    pub code: String,
    pub message: String,
    /// For `story`: the 1-based line of the story the message is about.
    pub line: Option<u32>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            code: code.into(),
            message: message.into(),
            line: None,
        }
    }
    pub fn input(message: impl Into<String>) -> ApiError {
        ApiError::new("input", message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new("not_found", message)
    }

    /// A story that does not parse: the message names the line, and `line` carries it.
    pub fn story(e: storyreel_engine::Error) -> ApiError {
        let message = e.to_string();
        let line = line_of(&message);
        ApiError {
            code: if matches!(e, storyreel_engine::Error::Input(_)) {
                "story".into()
            } else {
                ApiError::from(e).code
            },
            message,
            line,
        }
    }
}

/// The first "line N" in a message.
fn line_of(message: &str) -> Option<u32> {
    let lower = message.to_ascii_lowercase();
    lower.match_indices("line ").find_map(|(i, m)| {
        let digits: String = lower[i + m.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

impl From<storyreel_engine::Error> for ApiError {
    fn from(e: storyreel_engine::Error) -> Self {
        use storyreel_engine::Error as E;
        let code = match &e {
            E::Input(_) | E::NotReady(_) => "input",
            E::Config(_) => "config",
            E::NotFound(_) => "not_found",
            E::Locked { .. } | E::Stale(_) => "busy",
            E::Io { .. } | E::DiskFull { .. } => "io",
            E::Corrupt { .. } | E::NewerSchema { .. } | E::Db(_) | E::Image(_) => "engine",
        };
        ApiError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_errors_carry_their_line() {
        let e = ApiError::story(storyreel_engine::Error::Input(
            "story.json: line 7, column 3: expected `,`".into(),
        ));
        assert_eq!((e.code.as_str(), e.line), ("story", Some(7)));
        let e = ApiError::story(storyreel_engine::Error::Input("no text at all".into()));
        assert_eq!(e.line, None);
        let e: ApiError = storyreel_engine::Error::NotFound("gone".into()).into();
        assert_eq!(e.code, "not_found");
    }
}
