//! The Engine: the one facade the CLI, the desktop shell and the HTTP server call.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use studio_domain::{EpisodeContext, EpisodeOutcome, JobStatus, SeriesPlan, Stage};
use studio_store::{RollbackReport, SeriesSummary, Store};

use crate::CoreError;
use crate::config::{Config, SecretsBackend};
use crate::doctor::{self, Check, DoctorReport};
use crate::events::{EngineEvent, EventBus};
use crate::import::{self, Imported};
use crate::queue::JobEnd;
use crate::secrets::{
    EnvSecretStore, KeyringSecretStore, LayeredSecretStore, PROVIDERS, Secret, SecretStatus,
    SecretStore,
};

pub const DB_FILE: &str = "aidas.db";

/// The sample series `aidas demo` uses, embedded so the demo works from any directory.
pub const SAMPLE_SERIES_JSON: &str = include_str!("../../../assets/samples/first-love.series.json");
pub const SAMPLE_OUTCOMES_JSON: &str =
    include_str!("../../../assets/samples/first-love.outcomes.json");

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
    config: Config,
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

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub offline: bool,
    pub data_dir: PathBuf,
    pub database: PathBuf,
    pub series_id: String,
    pub title: String,
    /// False when the series was already there (a re-run).
    pub imported: bool,
    pub recorded_now: Vec<u32>,
    pub recorded_before: Vec<u32>,
    pub context: EpisodeContext,
    /// A series planned offline by the template writer, with episode 1 written, checked and recorded.
    pub planned: PlannedDemo,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedDemo {
    pub series_id: String,
    pub title: String,
    pub writer: String,
    pub planned_now: bool,
    pub characters: usize,
    pub episodes: u32,
    pub episode_1: ScriptSummary,
    /// Episode 1 voiced offline (espeak-ng), one file per line at 48 kHz.
    pub voices: studio_pipeline::voicing::VoicingReport,
    /// Episode 1's shots: offline stills animated with Ken Burns, 1080p30, each as long as its voiced shot.
    pub visuals: studio_pipeline::visuals::VisualsReport,
    /// Episode 1 rendered to MP4 (1080p30 H.264 High + AAC, subtitles burned in, −14 LUFS).
    pub render: crate::EpisodeRender,
    /// Episode 1's subtitles, upload metadata and thumbnail.
    pub package: crate::PackageReport,
    /// The production stages this run did (empty when everything was done before).
    pub stages_run_now: Vec<Stage>,
    /// Episode 1 waits at the review gate (`aidas review approve offline-demo 1` exports it).
    pub waiting_for_review: bool,
}

/// The gist of a script for terminal and JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptSummary {
    pub written_now: bool,
    pub accepted: bool,
    pub title: String,
    pub summary: String,
    pub scenes: usize,
    pub lines: usize,
    pub shots: usize,
    pub high_priority_shots: usize,
    pub quality: Option<f64>,
    pub written_by: String,
    pub opening_lines: Vec<String>,
}

impl ScriptSummary {
    pub fn of(
        script: &studio_domain::EpisodeScript,
        chars: &[studio_domain::Character],
        written_now: bool,
        accepted: bool,
        quality: Option<f64>,
    ) -> Self {
        let name = |id: &str| {
            chars
                .iter()
                .find(|c| c.id == id || c.name == id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.to_string())
        };
        Self {
            written_now,
            accepted,
            title: script.title.clone(),
            summary: script.summary.clone(),
            scenes: script.scenes.len(),
            lines: script.line_count(),
            shots: script.storyboard.len(),
            high_priority_shots: script
                .storyboard
                .iter()
                .filter(|s| s.clip_priority == studio_domain::ClipPriority::High)
                .count(),
            quality,
            written_by: script.written_by.clone(),
            opening_lines: script
                .scenes
                .iter()
                .flat_map(|s| &s.lines)
                .take(4)
                .map(|l| format!("{}: {}", name(&l.character), l.text))
                .collect(),
        }
    }
}

/// The offline-planned demo series.
pub const DEMO_SERIES_ID: &str = "offline-demo";
pub const DEMO_SERIES_TITLE: &str = "서울, 봄날의 계약";

/// `--data-dir`, then `AIDAS_DATA_DIR`, then the platform data dir (`~/.local/share/aidas-studio` on Linux).
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
            config,
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
    pub fn config(&self) -> &Config {
        &self.config
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
            None => match self.config.secrets.backend {
                SecretsBackend::Env => (None, Some("the secrets backend is set to env".into())),
                SecretsBackend::Keyring => {
                    let k = KeyringSecretStore::connect(&self.config.secrets.keyring_service)?;
                    (Some(Box::new(k)), None)
                }
                SecretsBackend::Auto => {
                    match KeyringSecretStore::connect(&self.config.secrets.keyring_service) {
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

    pub async fn delete_secret(&self, provider: &str) -> Result<bool, CoreError> {
        crate::secrets::check_provider(provider)?;
        let p = provider.to_string();
        let removed = self.with_secrets(move |s| s.delete(&p)).await?;
        self.events.publish(EngineEvent::SecretChanged {
            provider: provider.into(),
            configured: false,
        });
        Ok(removed)
    }

    /// Whether each provider has a key, and from where. Never the values.
    pub async fn secret_status(&self) -> Result<Vec<SecretStatus>, CoreError> {
        self.with_secrets(|s| PROVIDERS.iter().map(|p| s.status(p)).collect())
            .await
    }

    /// The key for a provider, for the one call that sends it.
    pub async fn secret(&self, provider: &str) -> Result<Option<Secret>, CoreError> {
        crate::secrets::check_provider(provider)?;
        let p = provider.to_string();
        self.with_secrets(move |s| s.get(&p)).await
    }

    /// Imports a file: a series plan (stored in one transaction) or the seeds' settings.json.
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

    pub async fn list_series(&self) -> Result<Vec<SeriesSummary>, CoreError> {
        Ok(self.store.list_series().await?)
    }

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

    pub async fn memory_context(
        &self,
        id_or_title: &str,
        n: u32,
    ) -> Result<EpisodeContext, CoreError> {
        let s = self.store.find_series(id_or_title).await?;
        Ok(self.store.context_for(&s.id, n).await?)
    }

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
                    self.config.secrets.keyring_service
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

    /// The main job, as far as the studio goes today: the sample series in story memory with three recorded
    /// episodes, and the continuity context for episode 4. Re-running adds nothing.
    pub async fn demo(&self) -> Result<DemoReport, CoreError> {
        let plan: SeriesPlan = serde_json::from_str(SAMPLE_SERIES_JSON).map_err(|e| {
            CoreError::Internal(format!("the embedded sample series is malformed: {e}"))
        })?;
        let outcomes: Vec<EpisodeOutcome> =
            serde_json::from_str(SAMPLE_OUTCOMES_JSON).map_err(|e| {
                CoreError::Internal(format!("the embedded sample outcomes are malformed: {e}"))
            })?;
        let id = plan.series.id.clone();
        let imported = if self.store.series_exists(&id).await? {
            let existing = self.store.series(&id).await?;
            if existing.title != plan.series.title {
                return Err(CoreError::invalid(format!(
                    "the data directory already has a different series with id \"{id}\" (\"{}\"); run the demo in another data folder",
                    existing.title
                )));
            }
            false
        } else {
            self.import_plan(&plan).await?;
            true
        };
        let recorded_before = self.store.recorded_episodes(&id).await?;
        let mut recorded_now = Vec::new();
        for o in &outcomes {
            if !recorded_before.contains(&o.episode_number) {
                self.record_outcome(&id, o).await?;
                recorded_now.push(o.episode_number);
            }
        }
        let next = outcomes.iter().map(|o| o.episode_number).max().unwrap_or(0) + 1;
        let context = self.store.context_for(&id, next).await?;
        let planned = self.demo_planned().await?;
        Ok(DemoReport {
            offline: true,
            data_dir: self.data_dir.clone(),
            database: self.store.path().to_path_buf(),
            series_id: id,
            title: plan.series.title,
            imported,
            recorded_now,
            recorded_before,
            context,
            planned,
        })
    }

    async fn demo_planned(&self) -> Result<PlannedDemo, CoreError> {
        let planned_now = if self.store.series_exists(DEMO_SERIES_ID).await? {
            false
        } else {
            let r = self
                .new_series(crate::NewSeries {
                    title: DEMO_SERIES_TITLE.into(),
                    genre: Some(studio_domain::Genre::Romance),
                    episodes: 16,
                    episode_duration_min: 10,
                    premise:
                        "계약 연애로 시작한 두 사람이 서울의 봄을 지나며 진짜 마음을 알게 된다"
                            .into(),
                    main_theme: "가짜로 시작한 진심".into(),
                    target_audience: "20-30대".into(),
                    writer: Some("offline".into()),
                    id: Some(DEMO_SERIES_ID.into()),
                    seed: Some(2026),
                })
                .await?;
            if !r.problems.is_empty() {
                return Err(CoreError::Internal(format!(
                    "the offline plan did not validate: {}",
                    r.problems.join("; ")
                )));
            }
            true
        };
        let chars = self.store.characters(DEMO_SERIES_ID).await?;
        let series = self.store.series(DEMO_SERIES_ID).await?;
        // Episode 1 through the production engine: every stage as a job, so an interrupted demo resumes where it
        // stopped (the dead process's job is re-queued) instead of starting over.
        self.produce(DEMO_SERIES_ID, 1).await?;
        self.requeue_orphans().await?;
        let owner = crate::queue::worker_id(0);
        let mut stages_run_now = Vec::new();
        while let Some(o) = self.work_one(&owner).await? {
            if o.status != JobEnd::Succeeded && o.stage != Stage::ReviewGate {
                return Err(CoreError::invalid(format!(
                    "the demo stopped at {} of episode 1: {} (the job list of {DEMO_SERIES_ID} shows each stage)",
                    o.stage, o.message
                )));
            }
            stages_run_now.push(o.stage);
        }
        let jobs = self.store.jobs(Some(DEMO_SERIES_ID), Some(1)).await?;
        let result = |stage: Stage| -> Result<serde_json::Value, CoreError> {
            let j = jobs.iter().find(|j| j.stage == stage);
            match j.and_then(|j| j.result_json.as_deref()) {
                Some(text) if j.is_some_and(|j| j.status == JobStatus::Succeeded) => {
                    serde_json::from_str(text).map_err(|e| {
                        CoreError::Internal(format!("the {stage} job's result is unreadable: {e}"))
                    })
                }
                _ => Err(CoreError::invalid(format!(
                    "episode 1's {stage} stage has not finished (the job list of {DEMO_SERIES_ID} shows why)"
                ))),
            }
        };
        fn parse<T: serde::de::DeserializeOwned>(
            v: serde_json::Value,
            what: &str,
        ) -> Result<T, CoreError> {
            serde_json::from_value(v).map_err(|e| {
                CoreError::Internal(format!("the {what} job's result is unreadable: {e}"))
            })
        }
        let script = self
            .episode_script(DEMO_SERIES_ID, 1)
            .await?
            .ok_or_else(|| CoreError::Internal("episode 1 has no script after its stage".into()))?;
        let q = self
            .store
            .check_report(DEMO_SERIES_ID, 1)
            .await?
            .and_then(|r| r.pointer("/quality/overall").and_then(|x| x.as_f64()));
        let episode_1 = ScriptSummary::of(
            &script,
            &chars,
            stages_run_now.contains(&Stage::Script),
            true,
            q,
        );
        // A stage that did not run now is verified instead (each is idempotent: checksums, inputs fingerprint),
        // so the report says what is true now — nothing redone — rather than repeating the first run's figures.
        let ran = |s: Stage| stages_run_now.contains(&s);
        let voices = if ran(Stage::Voices) {
            parse(result(Stage::Voices)?, "voices")?
        } else {
            self.voice_episode(DEMO_SERIES_ID, 1).await?
        };
        let visuals = if ran(Stage::Visuals) {
            parse(result(Stage::Visuals)?, "visuals")?
        } else {
            self.make_visuals(DEMO_SERIES_ID, 1).await?
        };
        let render = if ran(Stage::Render) {
            parse(result(Stage::Render)?, "render")?
        } else {
            self.render_episode(
                DEMO_SERIES_ID,
                1,
                &crate::RenderOptions::default(),
                std::sync::Arc::new(|_, _| {}),
                tokio_util::sync::CancellationToken::new(),
            )
            .await?
        };
        let package = parse(result(Stage::Package)?, "package")?;
        let waiting_for_review = jobs
            .iter()
            .any(|j| j.stage == Stage::ReviewGate && j.status == JobStatus::NeedsAttention);
        Ok(PlannedDemo {
            voices,
            visuals,
            render,
            package,
            stages_run_now,
            waiting_for_review,
            series_id: DEMO_SERIES_ID.into(),
            title: series.title,
            writer: studio_providers::offline::TEMPLATE_WRITER_ID.into(),
            planned_now,
            characters: chars.len(),
            episodes: series.total_episodes,
            episode_1,
        })
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
