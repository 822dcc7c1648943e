//! Calling a remote service, for both chains (image providers and voices): the HTTP client
//! with its redirect and secret rules (`http`), the retry policy and statistics (`retry`), the
//! circuit breaker (`breaker`), and the error a call ends in. It sits below `providers` and
//! `voices` and knows neither.

pub mod breaker;
pub mod http;
pub mod retry;

use crate::model::UserError;

/// Why a provider did not deliver. `retryable` errors may succeed on another try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub code: String,
    pub message: String,
    pub retryable: bool,
    /// How long the provider asked us to wait before the next try.
    pub retry_after: Option<std::time::Duration>,
}

impl ProviderError {
    /// An error no retry mends. Its message loses every URL's user info and query (a
    /// `base_url` may carry credentials there) before anyone stores or shows it.
    pub fn terminal(code: &str, message: impl Into<String>) -> Self {
        ProviderError {
            code: code.into(),
            message: crate::redact::scrub(&message.into(), &[]),
            retryable: false,
            retry_after: None,
        }
    }
    /// An error worth another try; its message is scrubbed as [`ProviderError::terminal`]'s.
    pub fn transient(code: &str, message: impl Into<String>) -> Self {
        ProviderError {
            code: code.into(),
            message: crate::redact::scrub(&message.into(), &[]),
            retryable: true,
            retry_after: None,
        }
    }
    pub fn to_user(&self) -> UserError {
        UserError::new(self.code.clone(), self.message.clone())
    }
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
