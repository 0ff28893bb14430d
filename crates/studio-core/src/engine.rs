//! The Engine: the one facade the CLI, the desktop shell and the HTTP server call.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use studio_domain::{EpisodeContext, EpisodeOutcome, SeriesPlan};
use studio_store::{RollbackReport, SeriesSummary, Store};

use crate::CoreError;
use crate::config::{Config, SecretsBackend};
use crate::doctor::{self, Check, DoctorReport};
use crate::events::{EngineEvent, EventBus};
use crate::import::{self, Imported};
use crate::secrets::{
    EnvSecretStore, KeyringSecretStore, LayeredSecretStore, PROVIDERS, Secret, SecretStatus,
    SecretStore,
};

pub const DB_FILE: &str = "aidas.db";

#[derive(Default)]
pub struct EngineOptions {
    /// `--data-dir`; else `AIDAS_DATA_DIR`; else the platform data directory.
    pub data_dir: Option<PathBuf>,
    /// The environment to read `AIDAS_*` settings from; `None` reads the process environment.
    pub env: Option<BTreeMap<String, String>>,
    /// A writable secret store to use instead of the configured backend (tests, embedding).
    pub secret_store: Option<Box<dyn SecretStore>>,
}

pub struct Engine {
    data_dir: PathBuf,
    /// The settings in force; replaced whole when the settings screen saves (readers keep the copy they took).
    config: std::sync::RwLock<Arc<Config>>,
    store: Store,
    events: EventBus,
    env: BTreeMap<String, String>,
    secrets: OnceLock<Arc<LayeredSecretStore>>,
    secret_override: std::sync::Mutex<Option<Box<dyn SecretStore>>>,
    /// Why the keyring is not in use, when the backend is `auto` and it could not be reached.
    keyring_problem: OnceLock<Option<String>>,
    /// `[production] provider_rate_per_min`, shared by every client this engine builds.
    rate_limits: studio_providers::ratelimit::RateLimits,
}

/// Where an import went.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportReport {
    Series {
        series_id: String,
        title: String,
        characters: usize,
        episodes: u32,
        readiness: Vec<String>,
    },
    Settings {
        sections: Vec<String>,
        warnings: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SeriesDetail {
    pub plan: SeriesPlan,
    pub episodes: Vec<studio_domain::Episode>,
    pub readiness: Vec<String>,
}

/// `--data-dir`, then `AIDAS_DATA_DIR`, then the platform data dir (`~/.local/share/aidas-studio` on Linux).
///
/// # Errors
/// `InvalidInput` when no folder is given and the platform has no home directory.
pub fn resolve_data_dir(
    explicit: Option<&Path>,
    env: &BTreeMap<String, String>,
) -> Result<PathBuf, CoreError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = env.get("AIDAS_DATA_DIR").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("studio", "AIDAS", "aidas-studio")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            CoreError::invalid(
                "no home directory to keep the studio's data in: choose a data folder (AIDAS_DATA_DIR)",
            )
        })
}

/// The assets folder: `AIDAS_ASSETS_DIR`, else next to the installed binary, else the source tree.
pub fn resolve_assets_dir(env: &BTreeMap<String, String>) -> PathBuf {
    if let Some(p) = env.get("AIDAS_ASSETS_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        for c in [dir.join("assets"), dir.join("../share/aidas-studio/assets")] {
            if c.join("fonts").is_dir() {
                return c;
            }
        }
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets"))
}

impl Engine {
    /// # Errors
    /// `Io` when the data directory cannot be created; `InvalidConfig` for a broken `config.toml` or override;
    /// `Database`/`Migration` when the database cannot be opened or migrated.
    pub async fn open(opts: EngineOptions) -> Result<Engine, CoreError> {
        let env = opts.env.unwrap_or_else(|| std::env::vars().collect());
        let data_dir = resolve_data_dir(opts.data_dir.as_deref(), &env)?;
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            CoreError::io(
                format!("creating the data directory {}", data_dir.display()),
                e,
            )
        })?;
        let mut config = Config::load_or_create(&data_dir)?;
        config.apply_env(&env)?;
        let store = Store::open(&data_dir.join(DB_FILE)).await?;
        let rate_limits = studio_providers::ratelimit::RateLimits::new(
            config
                .production
                .provider_rate_per_min
                .iter()
                .map(|(p, r)| (p.as_str(), *r)),
        );
        Ok(Engine {
            rate_limits,
            data_dir,
            config: std::sync::RwLock::new(Arc::new(config)),
            store,
            events: EventBus::default(),
            env,
            secrets: OnceLock::new(),
            secret_override: std::sync::Mutex::new(opts.secret_store),
            keyring_problem: OnceLock::new(),
        })
    }

    /// The request rates every provider client of this engine waits for.
    pub(crate) fn rate_limits(&self) -> studio_providers::ratelimit::RateLimits {
        self.rate_limits.clone()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    pub fn database_path(&self) -> &Path {
        self.store.path()
    }
    /// The settings in force now (a snapshot: a save on the settings screen replaces them for later readers).
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Reads config.toml again (with this engine's environment overrides) and puts it in force. Returns the keys
    /// whose new values only apply when the studio starts again: the number of workers, whether the daily plan
    /// runs, and provider request rates (the running workers, planner and rate limiters were built from them).
    ///
    /// # Errors
    /// `invalid_config` when the file or an override does not read.
    pub(crate) fn reload_config(&self) -> Result<Vec<String>, CoreError> {
        let mut next = Config::load_or_create(self.data_dir())?;
        next.apply_env(&self.env)?;
        let before = self.config();
        let mut at_start = Vec::new();
        if next.production.workers != before.production.workers {
            at_start.push("production.workers".to_string());
        }
        if next.production.auto_plan != before.production.auto_plan {
            at_start.push("production.auto_plan".to_string());
        }
        if next.production.provider_rate_per_min != before.production.provider_rate_per_min {
            at_start.push("production.provider_rate_per_min".to_string());
        }
        // What shapes the running service itself stays as it started, so the running config says what runs (and
        // the settings screen keeps asking for a restart after later saves).
        next.production.workers = before.production.workers;
        next.production.auto_plan = before.production.auto_plan;
        next.production.provider_rate_per_min = before.production.provider_rate_per_min.clone();
        match self.config.write() {
            Ok(mut c) => *c = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
        Ok(at_start)
    }
    /// The story memory and queue database. Shells never reach it: every operation they need is an Engine
    /// method (or a command in [`crate::api`]). Tests and benchmarks that seed or inspect the database get it with
    /// the `test-support` feature.
    #[cfg(feature = "test-support")]
    pub fn store(&self) -> &Store {
        &self.store
    }
    #[cfg(not(feature = "test-support"))]
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }
    pub fn events(&self) -> &EventBus {
        &self.events
    }
    /// An `AIDAS_*` setting from the environment the engine was opened with.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
    }

    pub fn assets_dir(&self) -> PathBuf {
        resolve_assets_dir(&self.env)
    }

    /// The secret store, connected on first use (connecting to the OS keyring costs a D-Bus round trip).
    fn secrets(&self) -> Result<Arc<LayeredSecretStore>, CoreError> {
        if let Some(s) = self.secrets.get() {
            return Ok(s.clone());
        }
        let env = EnvSecretStore::from_vars(self.env.clone());
        let injected = self
            .secret_override
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let (inner, problem): (Option<Box<dyn SecretStore>>, Option<String>) = match injected {
            Some(s) => (Some(s), None),
            None => match self.config().secrets.backend {
                SecretsBackend::Env => (None, Some("the secrets backend is set to env".into())),
                SecretsBackend::Keyring => {
                    let k = KeyringSecretStore::connect(&self.config().secrets.keyring_service)?;
                    (Some(Box::new(k)), None)
                }
                SecretsBackend::Auto => {
                    match KeyringSecretStore::connect(&self.config().secrets.keyring_service) {
                        Ok(k) => (Some(Box::new(k)), None),
                        Err(e) => {
                            tracing::info!(error = %e, "OS keyring unavailable; API keys come from AIDAS_*_API_KEY only");
                            (None, Some(e.to_string()))
                        }
                    }
                }
            },
        };
        let _ = self.keyring_problem.set(problem);
        let layered = Arc::new(LayeredSecretStore::new(env, inner));
        Ok(self.secrets.get_or_init(|| layered).clone())
    }

    async fn with_secrets<T: Send + 'static>(
        &self,
        f: impl FnOnce(&LayeredSecretStore) -> Result<T, crate::secrets::SecretError> + Send + 'static,
    ) -> Result<T, CoreError> {
        let s = self.secrets()?;
        tokio::task::spawn_blocking(move || f(&s))
            .await
            .map_err(|e| CoreError::Internal(format!("secret store task failed: {e}")))?
            .map_err(CoreError::from)
    }

    /// # Errors
    /// `UnknownProvider`; `EmptySecret`; `SecretsReadOnly` when the keys come from the environment only;
    /// `KeyringUnavailable`/`KeyringError` from the OS keyring.
    pub async fn set_secret(
        &self,
        provider: &str,
        value: Secret,
    ) -> Result<SecretStatus, CoreError> {
        crate::secrets::check_provider(provider)?;
        let p = provider.to_string();
        let status = self
            .with_secrets(move |s| {
                s.set(&p, &value)?;
                s.status(&p)
            })
            .await?;
        // A new key under a set-aside name is a new start for that account.
        self.store().clear_account_aside(provider).await?;
        self.events.publish(EngineEvent::SecretChanged {
            provider: provider.into(),
            configured: true,
        });
        tracing::info!(
            provider,
            backend = status.source.unwrap_or("none"),
            "stored an API key"
        );
        Ok(status)
    }

    /// # Errors
    /// `UnknownProvider`; `KeyringUnavailable`/`KeyringError` from the OS keyring.
    pub async fn delete_secret(&self, provider: &str) -> Result<bool, CoreError> {
        crate::secrets::check_provider(provider)?;
        let p = provider.to_string();
        let removed = self.with_secrets(move |s| s.delete(&p)).await?;
        self.store().clear_account_aside(provider).await?;
        self.events.publish(EngineEvent::SecretChanged {
            provider: provider.into(),
            configured: false,
        });
        Ok(removed)
    }

    /// Whether each provider has a key, and from where. Never the values.
    ///
    /// # Errors
    /// `KeyringUnavailable`/`KeyringError` when the OS keyring cannot be read.
    pub async fn secret_status(&self) -> Result<Vec<SecretStatus>, CoreError> {
        // Every provider, and the further keys (`fal#2`, …) that are stored.
        self.with_secrets(|s| {
            let mut out = Vec::new();
            for p in PROVIDERS {
                out.push(s.status(p)?);
                if crate::secrets::MULTI_KEY_PROVIDERS.contains(p) {
                    for name in crate::secrets::account_names(p).into_iter().skip(1) {
                        let st = s.status(&name)?;
                        if st.configured {
                            out.push(st);
                        }
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    /// The key for a provider, for the one call that sends it.
    ///
    /// # Errors
    /// `UnknownProvider`; `KeyringUnavailable`/`KeyringError` from the OS keyring.
    pub async fn secret(&self, provider: &str) -> Result<Option<Secret>, CoreError> {
        crate::secrets::check_provider(provider)?;
        let p = provider.to_string();
        self.with_secrets(move |s| s.get(&p)).await
    }

    /// Imports a file: a series plan (stored in one transaction) or the seeds' settings.json.
    ///
    /// # Errors
    /// `BadFile` for a file that is not UTF-8 text (with the advice to save it as UTF-8) or cannot be read;
    /// `InvalidPlan`/`InvalidInput` for content that does not validate (with the path of the field);
    /// `DuplicateSeries`; `Database` (and `CorruptData`) from the store.
    pub async fn import_file(&self, path: &Path) -> Result<ImportReport, CoreError> {
        match import::read_import(path)? {
            Imported::Series(plan) => self.import_plan(&plan).await,
            Imported::Settings(s) => {
                for (section, value) in &s.sections {
                    if section == "channel" {
                        let name = value
                            .get("name")
                            .and_then(|v| v.as_str())
                            .unwrap_or("default");
                        let id = value
                            .get("id")
                            .and_then(|v| v.as_str())
                            .filter(|s| !s.is_empty())
                            .unwrap_or(name);
                        let yt = value
                            .get("youtube_channel_id")
                            .and_then(|v| v.as_str())
                            .filter(|s| !s.is_empty());
                        self.store.upsert_channel(id, name, yt, value).await?;
                    }
                    self.store.set_setting(section, value).await?;
                }
                self.events.publish(EngineEvent::SettingsImported {
                    sections: s.section_names.clone(),
                });
                Ok(ImportReport::Settings {
                    sections: s.section_names,
                    warnings: s.warnings,
                })
            }
        }
    }

    /// # Errors
    /// `InvalidPlan` listing what is wrong; `DuplicateSeries`; `Database` (and `CorruptData`) from the store.
    pub async fn import_plan(&self, plan: &SeriesPlan) -> Result<ImportReport, CoreError> {
        self.store.save_plan(plan).await?;
        self.events.publish(EngineEvent::SeriesImported {
            series_id: plan.series.id.clone(),
            title: plan.series.title.clone(),
        });
        Ok(ImportReport::Series {
            series_id: plan.series.id.clone(),
            title: plan.series.title.clone(),
            characters: plan.characters.len(),
            episodes: plan.series.total_episodes,
            readiness: plan
                .readiness_problems()
                .iter()
                .map(|p| p.to_string())
                .collect(),
        })
    }

    /// The database's schema version (its last applied migration).
    ///
    /// # Errors
    /// Store errors.
    pub async fn schema_version(&self) -> Result<i64, CoreError> {
        Ok(self.store().schema_version().await?)
    }

    /// A series' characters (by series id or title), in plan order.
    ///
    /// # Errors
    /// `unknown_series`; store errors.
    pub async fn characters(
        &self,
        series: &str,
    ) -> Result<Vec<studio_domain::Character>, CoreError> {
        let s = self.store().find_series(series).await?;
        Ok(self.store().characters(&s.id).await?)
    }

    /// A file under the data directory as the media server's URL path (`/media/series/…`), for players in the
    /// UI; empty for a file outside the data directory (the media server never serves those).
    pub fn media_path(&self, file: &Path) -> String {
        file.strip_prefix(self.data_dir())
            .map(|p| format!("/media/{}", p.to_string_lossy()))
            .unwrap_or_default()
    }

    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn list_series(&self) -> Result<Vec<SeriesSummary>, CoreError> {
        Ok(self.store.list_series().await?)
    }

    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `Database` (and `CorruptData`) from the store.
    pub async fn show_series(&self, id_or_title: &str) -> Result<SeriesDetail, CoreError> {
        let s = self.store.find_series(id_or_title).await?;
        let plan = self.store.plan(&s.id).await?;
        let episodes = self.store.episodes(&s.id).await?;
        let readiness = plan
            .readiness_problems()
            .iter()
            .map(|p| p.to_string())
            .collect();
        Ok(SeriesDetail {
            plan,
            episodes,
            readiness,
        })
    }

    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `EpisodeOutOfRange` for an episode outside the plan;
    /// `Database` (and `CorruptData`) from the store.
    pub async fn memory_context(
        &self,
        id_or_title: &str,
        n: u32,
    ) -> Result<EpisodeContext, CoreError> {
        let s = self.store.find_series(id_or_title).await?;
        Ok(self.store.context_for(&s.id, n).await?)
    }

    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidOutcome` (with what is wrong); `EpisodeGap` or
    /// `DuplicateEpisode` when it is not the next episode; `Database` (and `CorruptData`) from the store.
    pub async fn record_outcome(
        &self,
        id_or_title: &str,
        o: &EpisodeOutcome,
    ) -> Result<(), CoreError> {
        let s = self.store.find_series(id_or_title).await?;
        self.store.record_outcome(&s.id, o).await?;
        self.events.publish(EngineEvent::EpisodeRecorded {
            series_id: s.id,
            episode: o.episode_number,
        });
        Ok(())
    }

    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `PublishedLater` when a later episode is already
    /// published; `Database` (and `CorruptData`) from the store.
    pub async fn roll_back(&self, id_or_title: &str, n: u32) -> Result<RollbackReport, CoreError> {
        let s = self.store.find_series(id_or_title).await?;
        let r = self.store.roll_back(&s.id, n).await?;
        self.events.publish(EngineEvent::EpisodeRolledBack {
            series_id: s.id,
            episodes: r.episodes.clone(),
        });
        Ok(r)
    }

    pub async fn doctor(&self) -> DoctorReport {
        let mut checks = Vec::new();
        match self.store.integrity_check().await {
            Ok(s) if s == "ok" => {
                let v = self.store.schema_version().await.unwrap_or(0);
                checks.push(Check::ok(
                    "database",
                    format!("{} (schema {v}, WAL)", self.store.path().display()),
                ))
            }
            Ok(s) => checks.push(Check::fail(
                "database",
                format!("integrity check: {s}"),
                "restore the newest copy from the backups folder next to the database",
            )),
            Err(e) => checks.push(Check::fail(
                "database",
                e.to_string(),
                "check the data directory's permissions",
            )),
        }
        let assets = self.assets_dir();
        let (ffmpeg, font, espeak) = tokio::task::spawn_blocking(move || {
            (
                doctor::check_ffmpeg(),
                doctor::check_korean_font(&assets),
                doctor::check_espeak(),
            )
        })
        .await
        .unwrap_or_else(|e| {
            let f = |n| Check::fail(n, format!("check crashed: {e}"), "report this");
            (f("ffmpeg"), f("korean_font"), f("espeak_ng"))
        });
        checks.extend([ffmpeg, font, espeak]);
        checks.push(self.keyring_check().await);
        checks.push(doctor::check_disk(&self.data_dir));
        match self.secret_status().await {
            Ok(st) => {
                let configured: Vec<&str> = st
                    .iter()
                    .filter(|s| s.configured)
                    .map(|s| s.provider.as_str())
                    .collect();
                checks.push(if configured.is_empty() {
                    Check::ok(
                        "providers",
                        "no API keys configured: episodes are produced offline",
                    )
                } else {
                    Check::ok(
                        "providers",
                        format!("keys configured for {}", configured.join(", ")),
                    )
                });
            }
            Err(e) => checks.push(Check::warn(
                "providers",
                e.to_string(),
                "see the keyring check",
            )),
        }
        DoctorReport::new(checks)
    }

    async fn keyring_check(&self) -> Check {
        let probe = self
            .with_secrets(|s| s.status("openai").map(|_| s.backend()))
            .await;
        let problem = self.keyring_problem.get().cloned().flatten();
        match (probe, problem) {
            (Ok(backend), None) if backend != "env" => Check::ok(
                "keyring",
                format!(
                    "{backend} reachable (service \"{}\")",
                    self.config().secrets.keyring_service
                ),
            ),
            (Ok(_), Some(p)) | (Err(_), Some(p)) => Check::warn(
                "keyring",
                format!("OS keyring not in use: {p}"),
                "API keys are read from AIDAS_<PROVIDER>_API_KEY; on a desktop, unlock the keyring (Secret Service)",
            ),
            (Ok(_), None) => Check::warn(
                "keyring",
                "environment variables only",
                "set secrets.backend = \"auto\"",
            ),
            (Err(e), None) => Check::fail(
                "keyring",
                e.to_string(),
                "unlock or start the OS keyring (Secret Service)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn open_with(dir: &Path, production: &str) -> Engine {
        std::fs::write(
            dir.join("config.toml"),
            format!("version = 1\n[production]\n{production}\n"),
        )
        .unwrap();
        Engine::open(EngineOptions {
            data_dir: Some(dir.to_path_buf()),
            env: Some(BTreeMap::new()),
            secret_store: Some(Box::new(crate::secrets::MemorySecretStore::default())),
        })
        .await
        .unwrap()
    }

    /// Before, every `Engine::open` rewrote one process-global rate table, so a second engine (a test, the desktop
    /// app beside a server) changed the first one's limits. Now each engine owns its limits.
    #[tokio::test]
    async fn each_engine_owns_its_provider_rates() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = open_with(
            a.path(),
            "provider_rate_per_min = { fal = 120, youtube = 30 }",
        )
        .await;
        let second = open_with(b.path(), "provider_rate_per_min = { fal = 6 }").await;
        assert_eq!(first.rate_limits().rate("fal"), Some(120.0));
        assert_eq!(first.rate_limits().rate("youtube"), Some(30.0));
        assert_eq!(second.rate_limits().rate("fal"), Some(6.0));
        assert_eq!(second.rate_limits().rate("youtube"), None);
        assert_eq!(first.rate_limits().rate("elevenlabs"), None);
    }
}
