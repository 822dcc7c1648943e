//! API keys and storage credentials live in the OS keychain (through `keyring`), never in sled,
//! the config file, logs, events or IPC answers. The engine reads them through a
//! [`SecretSource`] filled from the keychain when it opens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use storyreel_engine::secrets::{Secret, SecretSource};

use crate::error::ApiError;

/// The keychain service name all of StoryReel's entries are filed under.
pub const SERVICE: &str = "app.storyreel.desktop";

/// The keychain account of a provider's API key.
pub fn provider_account(name: &str) -> String {
    format!("provider:{name}")
}
/// The keychain accounts of the storage credentials (the engine's sync secret names).
pub const STORAGE_ACCESS: &str = storyreel_engine::sync::target::ACCESS_KEY;
pub const STORAGE_SECRET: &str = storyreel_engine::sync::target::SECRET_KEY;

/// Where secrets are kept: the OS keychain in the app, memory in tests.
pub trait KeyStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<Secret>, ApiError>;
    fn set(&self, account: &str, value: &str) -> Result<(), ApiError>;
    fn delete(&self, account: &str) -> Result<(), ApiError>;
}

fn unavailable(e: keyring::Error) -> ApiError {
    // keyring's errors name the platform's failure, never the secret itself.
    ApiError::new(
        crate::error::ErrorCode::Keychain,
        format!(
            "The system keychain is not available ({e}). On Linux, StoryReel keeps keys in the Secret Service (GNOME Keyring or KWallet): start it, then try again, or have StoryReel read keys from environment variables instead (Settings, under each key)."
        ),
    )
}

/// The OS keychain (Keychain on macOS, Credential Manager on Windows, Secret Service on Linux).
pub struct OsKeychain;

impl KeyStore for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<Secret>, ApiError> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(unavailable)?;
        match entry.get_password() {
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => Ok(Some(Secret::new(v.trim()))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }
    fn set(&self, account: &str, value: &str) -> Result<(), ApiError> {
        keyring::Entry::new(SERVICE, account)
            .and_then(|e| e.set_password(value))
            .map_err(unavailable)
    }
    fn delete(&self, account: &str) -> Result<(), ApiError> {
        match keyring::Entry::new(SERVICE, account).and_then(|e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// Secrets in memory (tests, and a stand-in where no keychain runs). `set_unavailable` makes
/// it answer as a machine without a Secret Service does.
#[derive(Default)]
pub struct MemoryKeys {
    keys: Mutex<HashMap<String, Secret>>,
    unavailable: std::sync::atomic::AtomicBool,
}

impl MemoryKeys {
    pub fn set_unavailable(&self, yes: bool) {
        self.unavailable
            .store(yes, std::sync::atomic::Ordering::SeqCst);
    }
    fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, Secret>>, ApiError> {
        if self.unavailable.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(unavailable(keyring::Error::NoStorageAccess(
                std::io::Error::other("no Secret Service on the session bus").into(),
            )));
        }
        self.keys.lock().map_err(|_| {
            ApiError::new(
                crate::error::ErrorCode::Keychain,
                "The key store is unusable.",
            )
        })
    }
}

impl KeyStore for MemoryKeys {
    fn get(&self, account: &str) -> Result<Option<Secret>, ApiError> {
        Ok(self.map()?.get(account).cloned())
    }
    fn set(&self, account: &str, value: &str) -> Result<(), ApiError> {
        self.map()?.insert(account.into(), Secret::new(value));
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), ApiError> {
        self.map()?.remove(account);
        Ok(())
    }
}

/// The keys the engine may use, read from a [`KeyStore`] once when the engine opens.
pub struct KeychainSecrets(HashMap<String, Secret>);

impl std::fmt::Debug for KeychainSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeychainSecrets")
            .field("entries", &self.0.len())
            .finish()
    }
}

impl KeychainSecrets {
    /// Reads every provider key and the storage credentials. A keychain that cannot be read
    /// yields no keys and one notice (the app still works: title cards, local images).
    pub fn load(store: &dyn KeyStore, providers: &[&str]) -> (KeychainSecrets, Option<String>) {
        let mut map = HashMap::new();
        let mut trouble = None;
        let accounts = providers
            .iter()
            .map(|p| (p.to_string(), provider_account(p)))
            .chain([STORAGE_ACCESS, STORAGE_SECRET].map(|a| (a.to_string(), a.to_string())));
        for (name, account) in accounts {
            match store.get(&account) {
                Ok(Some(s)) => {
                    map.insert(name, s);
                }
                Ok(None) => {}
                // Keys read from environment variables still come through (key_sources.rs).
                Err(e) => {
                    trouble.get_or_insert(e.message);
                }
            }
        }
        (KeychainSecrets(map), trouble)
    }
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

impl SecretSource for KeychainSecrets {
    fn get(&self, name: &str, _env: Option<&str>) -> Option<Secret> {
        self.0.get(name).cloned()
    }
}

pub type SharedKeys = Arc<dyn KeyStore>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_load_by_provider_and_never_print() {
        let store = MemoryKeys::default();
        store
            .set(&provider_account("openai"), "sk-secret-1")
            .unwrap();
        store.set(STORAGE_SECRET, "storage-secret").unwrap();
        let (keys, trouble) = KeychainSecrets::load(&store, &["openai", "fal"]);
        assert!(trouble.is_none());
        assert_eq!(keys.get("openai", None).unwrap().expose(), "sk-secret-1");
        assert!(keys.get("fal", None).is_none());
        assert_eq!(
            keys.get(STORAGE_SECRET, None).unwrap().expose(),
            "storage-secret"
        );
        let shown = format!("{keys:?}");
        assert!(!shown.contains("secret-1") && !shown.contains("storage-secret"));
        store.delete(&provider_account("openai")).unwrap();
        let (keys, _) = KeychainSecrets::load(&store, &["openai"]);
        assert!(!keys.has("openai"));
    }
}
