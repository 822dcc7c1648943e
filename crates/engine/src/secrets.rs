//! API keys. A `Secret` never shows itself in Debug or Display, and is never stored in sled, an
//! event, a log line or an error message. The CLI reads keys from environment variables; the app
//! from the OS keychain; tests hand them in explicitly.

use std::collections::HashMap;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The key itself, for the one header that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where the engine finds a provider's key.
pub trait SecretSource: Send + Sync {
    /// The key of `provider`, whose config names `env` as the variable that holds it.
    fn get(&self, provider: &str, env: Option<&str>) -> Option<Secret>;
}

/// No keys at all (the default: only keyless providers run).
pub struct NoSecrets;

impl SecretSource for NoSecrets {
    fn get(&self, _: &str, _: Option<&str>) -> Option<Secret> {
        None
    }
}

/// Keys from environment variables (the CLI).
pub struct EnvSecrets;

impl SecretSource for EnvSecrets {
    fn get(&self, _: &str, env: Option<&str>) -> Option<Secret> {
        std::env::var(env?)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(Secret)
    }
}

/// Keys given by provider name (tests, and the app after reading the keychain).
#[derive(Default)]
pub struct StaticSecrets(pub HashMap<String, Secret>);

impl StaticSecrets {
    pub fn with(mut self, provider: &str, key: &str) -> Self {
        self.0.insert(provider.to_string(), Secret::new(key));
        self
    }
}

impl SecretSource for StaticSecrets {
    fn get(&self, provider: &str, _: Option<&str>) -> Option<Secret> {
        self.0.get(provider).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let s = Secret::new("sk-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        let src = StaticSecrets::default().with("openai", "sk-very-secret");
        assert!(!format!("{:?}", src.get("openai", None)).contains("very"));
        assert_eq!(src.get("openai", None).unwrap().expose(), "sk-very-secret");
        assert!(NoSecrets.get("openai", Some("PATH")).is_none());
    }
}
