//! Keys without a system keychain. Where no Secret Service runs (a bare window manager, a
//! container, some remote desktops), the person can choose, key by key, to have StoryReel read
//! it from an environment variable instead. The choice (the variable's name, never its value) is
//! a preference of this app; Settings says which source each key comes from.

use std::collections::BTreeMap;

use storyreel_engine::secrets::Secret;

use crate::error::{ApiError, ApiResult};
use crate::keychain::KeyStore;

/// The keychain first, except for the keys the person moved to an environment variable.
pub struct KeySources<'a> {
    keychain: &'a dyn KeyStore,
    /// Keychain account → the name of the variable that holds that key instead.
    env: &'a BTreeMap<String, String>,
}

impl<'a> KeySources<'a> {
    pub fn new(keychain: &'a dyn KeyStore, env: &'a BTreeMap<String, String>) -> KeySources<'a> {
        KeySources { keychain, env }
    }
}

/// The value of an environment variable as a key (trimmed; unset or blank is none).
pub fn env_key(var: &str) -> Option<Secret> {
    std::env::var(var)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .map(Secret::new)
}

impl KeyStore for KeySources<'_> {
    fn get(&self, account: &str) -> Result<Option<Secret>, ApiError> {
        match self.env.get(account) {
            Some(var) => Ok(env_key(var)),
            None => self.keychain.get(account),
        }
    }
    fn set(&self, account: &str, value: &str) -> Result<(), ApiError> {
        match self.env.get(account) {
            Some(var) => Err(from_env(var)),
            None => self.keychain.set(account, value),
        }
    }
    fn delete(&self, account: &str) -> Result<(), ApiError> {
        match self.env.get(account) {
            Some(var) => Err(from_env(var)),
            None => self.keychain.delete(account),
        }
    }
}

fn from_env(var: &str) -> ApiError {
    ApiError::input(format!(
        "This key is read from the environment variable {var}: change it there (then restart StoryReel), or switch the key back to the system keychain."
    ))
}

/// A variable name as shells and desktop sessions accept it: letters, digits and `_`, not
/// starting with a digit, at most 128 characters.
pub fn check_var_name(name: &str) -> ApiResult<String> {
    let n = name.trim();
    let ok = !n.is_empty()
        && n.len() <= 128
        && !n.starts_with(|c: char| c.is_ascii_digit())
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(n.to_string())
    } else {
        Err(ApiError::input(format!(
            "`{n}` is not a variable name: use letters, digits and _ only, such as OPENAI_API_KEY."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keychain::MemoryKeys;

    #[test]
    fn a_key_moved_to_a_variable_is_read_from_it_and_never_written() {
        let keychain = MemoryKeys::default();
        keychain.set("provider:fal", "from-keychain").unwrap();
        keychain.set("provider:openai", "old").unwrap();
        let var = "STORYREEL_UNIT_TEST_KEY_SOURCES";
        std::env::set_var(var, "  from-env \n");
        let env = BTreeMap::from([("provider:openai".to_string(), var.to_string())]);
        let keys = KeySources::new(&keychain, &env);
        assert_eq!(
            keys.get("provider:openai").unwrap().unwrap().expose(),
            "from-env"
        );
        assert_eq!(
            keys.get("provider:fal").unwrap().unwrap().expose(),
            "from-keychain"
        );
        let e = keys.set("provider:openai", "x").unwrap_err();
        assert!(e.message.contains(var), "{}", e.message);
        assert!(keys.delete("provider:openai").is_err());
        std::env::set_var(var, "   ");
        assert!(keys.get("provider:openai").unwrap().is_none());
        std::env::remove_var(var);
        assert!(keys.get("provider:openai").unwrap().is_none());
    }

    #[test]
    fn variable_names_are_checked() {
        assert_eq!(
            check_var_name(" OPENAI_API_KEY ").unwrap(),
            "OPENAI_API_KEY"
        );
        for bad in ["", "1ABC", "A-B", "A B", "$HOME", &"A".repeat(200)] {
            assert!(check_var_name(bad).is_err(), "{bad}");
        }
    }
}
