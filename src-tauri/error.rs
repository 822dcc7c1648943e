//! Errors as they cross IPC: `{code, message, line}`. The message is a sentence for a person;
//! it never holds a secret (engine errors never do, and keychain errors are reworded here).

use serde::Serialize;
use ts_rs::TS;

pub use storyreel_engine::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// For `story`: the 1-based line of the story the message is about.
    pub line: Option<u32>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            line: None,
        }
    }
    pub fn input(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Input, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// An error from reading a story the user gave: anything wrong with what they gave is a
    /// story error (and carries its line when the engine knows it).
    pub fn story(e: storyreel_engine::Error) -> ApiError {
        let mut api = ApiError::from(e);
        if api.code == ErrorCode::Input {
            api.code = ErrorCode::Story;
        }
        api
    }
}

impl From<storyreel_engine::Error> for ApiError {
    fn from(e: storyreel_engine::Error) -> Self {
        ApiError {
            code: e.code(),
            line: e.line(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_errors_carry_their_line() {
        let e = ApiError::story(storyreel_engine::Error::story(
            Some(7),
            "story.json: line 7, column 3: expected `,`",
        ));
        assert_eq!((e.code.as_str(), e.line), ("story", Some(7)));
        let e = ApiError::story(storyreel_engine::Error::Input("no text at all".into()));
        assert_eq!((e.code.as_str(), e.line), ("story", None));
        // The line is the engine's, never read back out of the words.
        let e = ApiError::story(storyreel_engine::Error::Input("see line 9".into()));
        assert_eq!(e.line, None);
        let e: ApiError = storyreel_engine::Error::NotFound("gone".into()).into();
        assert_eq!(e.code, "not_found");
    }
}
