//! # Accounts
//!
//! Several keys per paid provider (`fal`, `fal#2`, … `fal#5`; `heygen`, `heygen#2`, …; seed
//! `002_7a7d0767da382c77.txt` §8.2 "계정 풀"), used in order. A key whose account cannot pay or that the provider
//! refuses is set aside with the provider's reason by [`studio_pipeline::remote::Accounts`] and the next one takes
//! the job; storing a new key under that name, or putting it back, ends that. Each key's spend is kept apart in the
//! ledger (`api_usage.account`). The settings and status screens show which key is in use.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use studio_pipeline::remote::{Account, Accounts, RemoteProvider};
use studio_store::AccountAside;

use crate::secrets::{MULTI_KEY_PROVIDERS, account_names};
use crate::{CoreError, Engine, Secret};

/// One key of a provider, as the settings and status screens show it (never the key itself).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AccountView {
    /// "fal", "heygen".
    pub provider: String,
    /// The key's name: "fal", "fal#2", …
    pub account: String,
    /// 1 for the provider's first key, 2 for `#2`, …
    pub ordinal: u32,
    pub configured: bool,
    /// Set aside, with the provider's reason and when.
    pub set_aside: Option<AccountAside>,
    /// The key the provider's next job goes to.
    pub in_use: bool,
    /// Spent on this key today (the creator's day) and all time, US dollars.
    pub spent_today_usd: f64,
    pub spent_usd: f64,
}

/// Put a set-aside key back in use.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct AccountRestoreArgs {
    /// "fal", "fal#2", …
    pub account: String,
}

/// A key's fingerprint: the first 16 hex digits of its SHA-256 — enough to tell two keys apart, useless for
/// finding the key.
pub fn key_fingerprint(key: &Secret) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(key.expose().trim().as_bytes());
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl Engine {
    /// Why the key stored as `name` is set aside, when it is: a set-aside of another key under that name (one the
    /// creator has replaced since) does not count.
    ///
    /// # Errors
    /// `Database` from the store.
    pub async fn key_aside(
        &self,
        name: &str,
        key: &Secret,
    ) -> Result<Option<AccountAside>, CoreError> {
        Ok(self
            .store()
            .account_aside(name)
            .await?
            .filter(|a| a.fingerprint == key_fingerprint(key)))
    }

    /// The stored keys of a provider in order of use, with their names (`fal`, `fal#2`, …).
    ///
    /// # Errors
    /// Keyring errors.
    pub async fn provider_keys(&self, provider: &str) -> Result<Vec<(String, Secret)>, CoreError> {
        let mut out = Vec::new();
        for name in account_names(provider) {
            if let Some(k) = self
                .secret(&name)
                .await?
                .filter(|k| !k.expose().trim().is_empty())
            {
                out.push((name, k));
            }
        }
        Ok(out)
    }

    /// Whether a provider has a key that is not set aside.
    ///
    /// # Errors
    /// Keyring and store errors.
    pub async fn has_usable_key(&self, provider: &str) -> Result<bool, CoreError> {
        for (name, key) in self.provider_keys(provider).await? {
            if self.key_aside(&name, &key).await?.is_none() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A provider's keys as one remote provider that moves to the next key when one is set aside; `None` without
    /// keys. `make` builds the provider for one key.
    ///
    /// # Errors
    /// Keyring errors.
    pub(crate) async fn remote_accounts(
        &self,
        provider: &str,
        make: impl Fn(&Secret) -> Arc<dyn RemoteProvider>,
    ) -> Result<Option<Arc<dyn RemoteProvider>>, CoreError> {
        let keys = self.provider_keys(provider).await?;
        if keys.is_empty() {
            return Ok(None);
        }
        let keys = keys
            .iter()
            .map(|(name, k)| Account {
                name: name.clone(),
                fingerprint: key_fingerprint(k),
                provider: make(k),
            })
            .collect();
        Ok(Some(Arc::new(Accounts::new(
            provider,
            keys,
            self.store().clone(),
        ))))
    }

    /// Every key of the providers that take several, configured or not, with its state and spend.
    ///
    /// # Errors
    /// Keyring errors; `Database` from the store.
    pub async fn accounts(&self) -> Result<Vec<AccountView>, CoreError> {
        let today = self
            .store()
            .spend_by_account(Some(&self.day_start()))
            .await?;
        let all = self.store().spend_by_account(None).await?;
        let spent = |rows: &[(String, String, f64)], p: &str, a: &str| {
            studio_domain::money::total_usd(
                rows.iter()
                    .filter(|(rp, ra, _)| rp == p && ra == a)
                    .map(|(_, _, v)| *v),
            )
        };
        let mut out = Vec::new();
        for p in MULTI_KEY_PROVIDERS {
            let mut chosen = false;
            for (i, name) in account_names(p).into_iter().enumerate() {
                let key = self
                    .secret(&name)
                    .await?
                    .filter(|k| !k.expose().trim().is_empty());
                let configured = key.is_some();
                let set_aside = match &key {
                    Some(k) => self.key_aside(&name, k).await?,
                    // A key set aside and then deleted: still shown, so the reason is not lost.
                    None => self.store().account_aside(&name).await?,
                };
                let in_use = configured && set_aside.is_none() && !chosen;
                chosen |= in_use;
                out.push(AccountView {
                    provider: p.to_string(),
                    ordinal: i as u32 + 1,
                    configured,
                    in_use,
                    spent_today_usd: spent(&today, p, &name),
                    spent_usd: spent(&all, p, &name),
                    set_aside,
                    account: name,
                });
            }
        }
        Ok(out)
    }

    /// Puts a set-aside key back in use (after topping up the account, say).
    ///
    /// # Errors
    /// `UnknownProvider` for a name that is not a key of a provider with several keys; `Database` from the store.
    pub async fn restore_account(&self, account: &str) -> Result<Vec<AccountView>, CoreError> {
        let known = MULTI_KEY_PROVIDERS
            .iter()
            .any(|p| account_names(p).iter().any(|n| n == account));
        if !known {
            return Err(crate::secrets::SecretError::UnknownProvider(account.to_string()).into());
        }
        self.store().clear_account_aside(account).await?;
        self.accounts().await
    }
}
