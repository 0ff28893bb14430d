//! Settings: API keys (only whether each is set ever leaves the engine), the machine check, the config file's
//! editable sections, imports.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use studio_pipeline::visuals::VisualConfig;

use super::NoArgs;
use crate::config::{Config, RenderConfig};
use crate::doctor::DoctorReport;
use crate::youtube::YouTubeConfig;
use crate::{CoreError, Engine, ImportReport, ProductionConfig, SecretStatus};

/// Store an API key in the OS keyring.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct SecretSetArgs {
    /// "openai", "anthropic", "elevenlabs", "fal", …
    pub provider: String,
    pub value: String,
}

/// Change settings in config.toml.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct SettingsSetArgs {
    /// Dotted keys (`visuals.budget_per_episode_usd`) and their new values.
    #[ts(type = "Record<string, unknown>")]
    pub changes: serde_json::Map<String, serde_json::Value>,
}

/// Import a file handed in through the UI: the seeds' settings.json or a series plan.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct SettingsImportArgs {
    pub file_name: String,
    pub content: String,
}

/// The sections of config.toml the settings screen edits, as saved; `restart_needed` when a saved value that only
/// applies at start (workers, the daily plan, provider rates) differs from what the running studio started with.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SettingsView {
    pub restart_needed: bool,
    pub data_dir: String,
    pub visuals: VisualConfig,
    pub production: ProductionConfig,
    pub youtube: YouTubeConfig,
    pub render: RenderConfig,
    pub alerts: crate::alerts::channels::AlertsConfig,
    pub endpoints: BTreeMap<String, String>,
}

/// Test one provider's key.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct SecretTestArgs {
    pub provider: String,
}

/// What testing a key found (`result` is `None` when no key is set).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct KeyTestReport {
    pub provider: String,
    pub result: Option<studio_providers::keycheck::KeyCheck>,
}

/// What a settings change did: every change is in force at once, except the keys in `at_start`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SettingsChange {
    /// The keys written.
    pub changed: Vec<String>,
    /// Keys whose new values apply when the studio starts again (`production.workers`, …).
    pub at_start: Vec<String>,
    pub restart_needed: bool,
}

impl Engine {
    /// The saved settings the settings screen edits.
    ///
    /// # Errors
    /// `invalid_config` when config.toml cannot be read or parsed.
    pub fn settings_view(&self) -> Result<SettingsView, CoreError> {
        let saved = Config::load_or_create(self.data_dir())?;
        let running = self.config();
        Ok(SettingsView {
            restart_needed: running.production.workers != saved.production.workers
                || running.production.auto_plan != saved.production.auto_plan
                || running.production.provider_rate_per_min
                    != saved.production.provider_rate_per_min,
            data_dir: self.data_dir().display().to_string(),
            visuals: saved.visuals,
            production: saved.production,
            youtube: saved.youtube,
            render: saved.render,
            alerts: saved.alerts,
            endpoints: saved.endpoints,
        })
    }

    /// Writes changes to config.toml (validated as a whole first) and puts them in force in this running studio:
    /// budgets, caps, work window, publish times, review policy and endpoints apply to the next job or call; the
    /// few that shape the running service itself are listed in `at_start`.
    ///
    /// # Errors
    /// As [`Engine::edit_settings`]; `invalid_config` when the saved file does not read back.
    pub fn change_settings(
        &self,
        changes: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<SettingsChange, CoreError> {
        let changed = self.edit_settings(changes)?;
        let at_start = self.reload_config()?;
        Ok(SettingsChange {
            changed,
            restart_needed: !at_start.is_empty(),
            at_start,
        })
    }

    /// Imports a JSON file handed in as text: it is kept under `imports/` (named after the file, reduced to safe
    /// characters) and imported like `aidas series import`.
    ///
    /// # Errors
    /// `invalid_input` for a name that is not a `.json` file; `io` when it cannot be saved; as
    /// [`Engine::import_file`].
    pub async fn import_upload(
        &self,
        file_name: &str,
        content: &str,
    ) -> Result<ImportReport, CoreError> {
        let name: String = file_name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        if !name.ends_with(".json") || name.starts_with('.') {
            return Err(CoreError::invalid(
                "import a .json file (the seeds' settings.json or a series plan)",
            ));
        }
        let dir = self.data_dir().join("imports");
        std::fs::create_dir_all(&dir).map_err(|err| CoreError::io("creating imports/", err))?;
        let path = dir.join(&name);
        std::fs::write(&path, content).map_err(|err| CoreError::io("saving the import", err))?;
        self.import_file(&path).await
    }

    /// Tests a provider's stored key with one cheap, unbilled request to the configured endpoint (see
    /// [`studio_providers::keycheck`]).
    ///
    /// # Errors
    /// `unknown_provider` for a name the studio does not know; keyring errors reading the key.
    pub async fn test_secret(&self, provider: &str) -> Result<KeyTestReport, CoreError> {
        // A further key (`fal#2`) is tested like its provider's first.
        let service = crate::secrets::account_of(provider).map_or(provider, |(p, _)| p);
        if !crate::secrets::PROVIDERS.contains(&service) {
            return Err(crate::secrets::SecretError::UnknownProvider(provider.to_string()).into());
        }
        let Some(key) = self.secret(provider).await? else {
            return Ok(KeyTestReport {
                provider: provider.to_string(),
                result: None,
            });
        };
        let endpoint = if service == "fal" {
            "fal_queue"
        } else {
            service
        };
        let base = self
            .config()
            .endpoint(endpoint)
            .unwrap_or_default()
            .to_string();
        let result = studio_providers::keycheck::check_key(service, &base, key.expose()).await;
        Ok(KeyTestReport {
            provider: provider.to_string(),
            result: Some(result),
        })
    }

    /// Stores a key and answers with that provider's status (never the value).
    async fn secret_set(&self, provider: &str, value: String) -> Result<SecretStatus, CoreError> {
        self.set_secret(provider, crate::Secret::new(value)).await
    }
}

commands! {
    /// Which API keys are set (never their values) and where they come from.
    secrets_status(NoArgs) -> Vec<SecretStatus> = |e, _| e.secret_status().await;
    /// Stores an API key in the OS keyring.
    secret_set(SecretSetArgs) -> SecretStatus = |e, a| e.secret_set(&a.provider, a.value).await;
    /// Tests a provider's key with one cheap, unbilled request ("test connection").
    secret_test(SecretTestArgs) -> KeyTestReport = |e, a| e.test_secret(&a.provider).await;
    /// Every key of the providers that take several (fal, HeyGen): stored or not, set aside (why), in use, spent.
    accounts_list(NoArgs) -> Vec<crate::accounts::AccountView> = |e, _| e.accounts().await;
    /// Puts a set-aside key back in use (after topping up its account).
    account_restore(crate::accounts::AccountRestoreArgs) -> Vec<crate::accounts::AccountView> = |e, a| e.restore_account(&a.account).await;
    /// Sends a test alert to every alert channel that is set up and answers what became of it on each.
    alerts_test(NoArgs) -> Vec<crate::alerts::channels::AlertDelivery> = |e, _| e.send_test_alert().await;
    /// What this machine can and cannot do for the studio, and what to do about it.
    system_doctor(NoArgs) -> DoctorReport = |e, _| Ok::<_, CoreError>(e.doctor().await);
    /// The saved settings the settings screen edits.
    settings_get(NoArgs) -> SettingsView = |e, _| e.settings_view();
    /// Writes changes to config.toml; they apply when the studio starts again.
    settings_set(SettingsSetArgs) -> SettingsChange = |e, a| e.change_settings(&a.changes);
    /// Imports the seeds' settings.json or a series plan handed in as text.
    settings_import(SettingsImportArgs) -> ImportReport = |e, a| e.import_upload(&a.file_name, &a.content).await;
}
