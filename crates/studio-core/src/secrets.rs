//! API keys and tokens. They live in the OS keyring (desktop) or in `AIDAS_<PROVIDER>_API_KEY` variables (headless,
//! CI) — never in SQLite, config files, logs, events or error messages. `Secret` has a redacted `Debug`, no
//! `Display` and no `Serialize`, so it cannot leak through formatting or JSON by accident.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// A secret value. Read it with [`Secret::expose`] at the one place that sends it to a provider.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(«redacted»)")
    }
}

/// Providers that take a key. Names are what the CLI and UI use; the environment variable is
/// `AIDAS_<NAME>_API_KEY` in upper case.
pub const PROVIDERS: &[&str] = &[
    "openai",
    "anthropic",
    "elevenlabs",
    "google_tts",
    "azure_tts",
    "fal",
    "hf",
    "heygen",
    "youtube",
    "webhook",
    "slack",
    "discord",
    "telegram",
    "smtp",
];

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("unknown provider \"{0}\" (known: {known})", known = PROVIDERS.join(", "))]
    UnknownProvider(String),
    #[error("the {backend} secret store is read-only; use the keyring backend to store keys")]
    ReadOnly { backend: &'static str },
    #[error("the OS keyring is not reachable: {0}")]
    Unavailable(String),
    #[error("the OS keyring refused the operation: {0}")]
    Keyring(String),
    #[error("an empty value cannot be stored as a secret")]
    Empty,
}

impl SecretError {
    pub fn code(&self) -> studio_domain::ErrorCode {
        use studio_domain::ErrorCode;
        match self {
            Self::UnknownProvider(_) => ErrorCode::UnknownProvider,
            Self::ReadOnly { .. } => ErrorCode::SecretsReadOnly,
            Self::Unavailable(_) => ErrorCode::KeyringUnavailable,
            Self::Keyring(_) => ErrorCode::KeyringError,
            Self::Empty => ErrorCode::EmptySecret,
        }
    }
}

/// Providers that take further keys (`fal#2` … `fal#5`), used in order when one is set aside (see
/// `studio_pipeline::remote::Accounts`): those whose paid work goes through the remote-job runner.
pub const MULTI_KEY_PROVIDERS: &[&str] = &["fal", "heygen"];

/// The most keys one provider may have (`fal`, `fal#2`, … `fal#5`).
pub const MAX_KEYS: u32 = 5;

/// Every account name of a provider in order of use: `fal`, `fal#2`, … `fal#5` (just the name for others).
pub fn account_names(provider: &str) -> Vec<String> {
    if MULTI_KEY_PROVIDERS.contains(&provider) {
        std::iter::once(provider.to_string())
            .chain((2..=MAX_KEYS).map(|i| format!("{provider}#{i}")))
            .collect()
    } else {
        vec![provider.to_string()]
    }
}

/// The provider and number of a further key's name (`fal#2` → ("fal", 2)); `None` for anything else.
pub fn account_of(name: &str) -> Option<(&str, u32)> {
    let (p, n) = name.split_once('#')?;
    let n: u32 = n.parse().ok()?;
    (MULTI_KEY_PROVIDERS.contains(&p) && (2..=MAX_KEYS).contains(&n)).then_some((p, n))
}

/// Providers' keys (and further keys of those in [`MULTI_KEY_PROVIDERS`]), plus one sign-in per connected YouTube
/// channel (`youtube_channel:<channel id>`).
///
/// # Errors
/// `UnknownProvider` naming the provider and the known ones.
pub fn check_provider(p: &str) -> Result<(), SecretError> {
    let channel = p.strip_prefix("youtube_channel:").is_some_and(|id| {
        !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    if PROVIDERS.contains(&p)
        || channel
        || account_of(p).is_some()
        || p == crate::feedback::AUTHOR_KEY_SECRET
    {
        Ok(())
    } else {
        Err(SecretError::UnknownProvider(p.into()))
    }
}

/// `AIDAS_<NAME>_API_KEY`, the name upper-cased with anything but letters and digits as `_`
/// (`youtube_channel:UCx` → `AIDAS_YOUTUBE_CHANNEL_UCX_API_KEY`).
pub fn env_var_for(provider: &str) -> String {
    let name: String = provider
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("AIDAS_{name}_API_KEY")
}

/// Where secrets are kept. Blocking: call from `spawn_blocking` on an async runtime.
pub trait SecretStore: Send + Sync {
    fn backend(&self) -> &'static str;
    fn get(&self, provider: &str) -> Result<Option<Secret>, SecretError>;
    fn set(&self, provider: &str, value: &Secret) -> Result<(), SecretError>;
    /// Returns whether something was deleted.
    fn delete(&self, provider: &str) -> Result<bool, SecretError>;
}

/// What the UI and `--json` may know about a key: whether it is there, and from where. Never the value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
pub struct SecretStatus {
    pub provider: String,
    pub configured: bool,
    pub source: Option<&'static str>,
}

/// The OS keyring through keyring-core (Secret Service on Linux via zbus).
pub struct KeyringSecretStore {
    store: Arc<keyring_core::CredentialStore>,
    service: String,
}

impl KeyringSecretStore {
    /// Connects to the platform keyring. Fails when no keyring is reachable (no session bus, locked store).
    ///
    /// # Errors
    /// `KeyringUnavailable` when no Secret Service answers (with what to start); `KeyringError` for its other
    /// failures.
    pub fn connect(service: &str) -> Result<Self, SecretError> {
        let store: Arc<keyring_core::CredentialStore> =
            zbus_secret_service_keyring_store::Store::new()
                .map_err(|e| SecretError::Unavailable(e.to_string()))?;
        Ok(Self {
            store,
            service: service.to_string(),
        })
    }

    fn entry(&self, provider: &str) -> Result<keyring_core::Entry, SecretError> {
        check_provider(provider)?;
        self.store
            .build(&self.service, provider, None)
            .map_err(|e| SecretError::Keyring(e.to_string()))
    }
}

impl SecretStore for KeyringSecretStore {
    fn backend(&self) -> &'static str {
        "keyring"
    }
    fn get(&self, provider: &str) -> Result<Option<Secret>, SecretError> {
        match self.entry(provider)?.get_password() {
            Ok(v) => Ok(Some(Secret(v))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::Keyring(e.to_string())),
        }
    }
    fn set(&self, provider: &str, value: &Secret) -> Result<(), SecretError> {
        if value.0.is_empty() {
            return Err(SecretError::Empty);
        }
        self.entry(provider)?
            .set_password(&value.0)
            .map_err(|e| SecretError::Keyring(e.to_string()))
    }
    fn delete(&self, provider: &str) -> Result<bool, SecretError> {
        match self.entry(provider)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(SecretError::Keyring(e.to_string())),
        }
    }
}

/// Reads `AIDAS_<PROVIDER>_API_KEY` from a snapshot of the environment taken at start-up. Read-only.
pub struct EnvSecretStore {
    vars: HashMap<String, String>,
}

impl EnvSecretStore {
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars())
    }
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            vars: vars
                .into_iter()
                .filter(|(k, v)| {
                    k.starts_with("AIDAS_") && k.ends_with("_API_KEY") && !v.is_empty()
                })
                .collect(),
        }
    }
}

impl SecretStore for EnvSecretStore {
    fn backend(&self) -> &'static str {
        "env"
    }
    fn get(&self, provider: &str) -> Result<Option<Secret>, SecretError> {
        check_provider(provider)?;
        Ok(self.vars.get(&env_var_for(provider)).cloned().map(Secret))
    }
    fn set(&self, _: &str, _: &Secret) -> Result<(), SecretError> {
        Err(SecretError::ReadOnly { backend: "env" })
    }
    fn delete(&self, _: &str) -> Result<bool, SecretError> {
        Err(SecretError::ReadOnly { backend: "env" })
    }
}

/// In-memory store for tests and for machines where the user chose no persistence.
#[derive(Default)]
pub struct MemorySecretStore {
    map: Mutex<HashMap<String, Secret>>,
}

impl SecretStore for MemorySecretStore {
    fn backend(&self) -> &'static str {
        "memory"
    }
    fn get(&self, provider: &str) -> Result<Option<Secret>, SecretError> {
        check_provider(provider)?;
        Ok(self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(provider)
            .cloned())
    }
    fn set(&self, provider: &str, value: &Secret) -> Result<(), SecretError> {
        check_provider(provider)?;
        if value.0.is_empty() {
            return Err(SecretError::Empty);
        }
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(provider.into(), value.clone());
        Ok(())
    }
    fn delete(&self, provider: &str) -> Result<bool, SecretError> {
        check_provider(provider)?;
        Ok(self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(provider)
            .is_some())
    }
}

/// Environment first (so CI and headless servers can override), then a writable store.
pub struct LayeredSecretStore {
    env: EnvSecretStore,
    inner: Option<Box<dyn SecretStore>>,
}

impl LayeredSecretStore {
    pub fn new(env: EnvSecretStore, inner: Option<Box<dyn SecretStore>>) -> Self {
        Self { env, inner }
    }

    /// Where a provider's key comes from, if anywhere.
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub fn status(&self, provider: &str) -> Result<SecretStatus, SecretError> {
        if self.env.get(provider)?.is_some() {
            return Ok(SecretStatus {
                provider: provider.into(),
                configured: true,
                source: Some("env"),
            });
        }
        let found = match &self.inner {
            Some(s) => s.get(provider)?.map(|_| s.backend()),
            None => None,
        };
        Ok(SecretStatus {
            provider: provider.into(),
            configured: found.is_some(),
            source: found,
        })
    }
}

impl SecretStore for LayeredSecretStore {
    fn backend(&self) -> &'static str {
        self.inner.as_ref().map(|s| s.backend()).unwrap_or("env")
    }
    fn get(&self, provider: &str) -> Result<Option<Secret>, SecretError> {
        if let Some(s) = self.env.get(provider)? {
            return Ok(Some(s));
        }
        match &self.inner {
            Some(s) => s.get(provider),
            None => Ok(None),
        }
    }
    fn set(&self, provider: &str, value: &Secret) -> Result<(), SecretError> {
        match &self.inner {
            Some(s) => s.set(provider, value),
            None => Err(SecretError::ReadOnly { backend: "env" }),
        }
    }
    fn delete(&self, provider: &str) -> Result<bool, SecretError> {
        match &self.inner {
            Some(s) => s.delete(provider),
            None => Err(SecretError::ReadOnly { backend: "env" }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn further_keys_are_numbered_from_two_to_five_for_the_remote_providers() {
        assert_eq!(
            account_names("fal"),
            ["fal", "fal#2", "fal#3", "fal#4", "fal#5"]
        );
        assert_eq!(account_names("openai"), ["openai"]);
        assert_eq!(account_of("fal#2"), Some(("fal", 2)));
        assert_eq!(account_of("heygen#5"), Some(("heygen", 5)));
        for bad in ["fal#1", "fal#6", "fal#", "fal#x", "openai#2", "#2", "fal"] {
            assert_eq!(account_of(bad), None, "{bad}");
        }
        assert!(check_provider("fal#3").is_ok());
        assert!(check_provider("fal#9").is_err());
        assert_eq!(env_var_for("fal#2"), "AIDAS_FAL_2_API_KEY");
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("sk-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(«redacted»)");
        assert!(!format!("{:?}", Some(&s)).contains("sk-"));
    }

    #[test]
    fn env_store_reads_only_aidas_keys_and_is_read_only() {
        let env = EnvSecretStore::from_vars([
            ("AIDAS_OPENAI_API_KEY".to_string(), "k1".to_string()),
            ("OPENAI_API_KEY".to_string(), "nope".to_string()),
            ("AIDAS_FAL_API_KEY".to_string(), String::new()),
        ]);
        assert_eq!(env.get("openai").unwrap().unwrap().expose(), "k1");
        assert!(env.get("fal").unwrap().is_none());
        assert!(matches!(
            env.get("nope"),
            Err(SecretError::UnknownProvider(_))
        ));
        assert!(matches!(
            env.set("openai", &Secret::new("x")),
            Err(SecretError::ReadOnly { .. })
        ));
    }

    #[test]
    fn layered_prefers_env_and_writes_inner() {
        let env = EnvSecretStore::from_vars([(
            "AIDAS_OPENAI_API_KEY".to_string(),
            "from-env".to_string(),
        )]);
        let l = LayeredSecretStore::new(env, Some(Box::new(MemorySecretStore::default())));
        l.set("openai", &Secret::new("stored")).unwrap();
        l.set("fal", &Secret::new("fal-key")).unwrap();
        assert_eq!(l.get("openai").unwrap().unwrap().expose(), "from-env");
        assert_eq!(l.get("fal").unwrap().unwrap().expose(), "fal-key");
        assert_eq!(l.status("openai").unwrap().source, Some("env"));
        assert_eq!(l.status("fal").unwrap().source, Some("memory"));
        assert!(!l.status("heygen").unwrap().configured);
        assert!(l.delete("fal").unwrap());
        assert!(!l.delete("fal").unwrap());
        assert!(matches!(
            l.set("fal", &Secret::new("")),
            Err(SecretError::Empty)
        ));
    }
}
