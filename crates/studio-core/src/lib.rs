//! The AIDAS Studio engine: the facade every shell (the `aidas` CLI, the Tauri desktop app, the HTTP server)
//! calls. It owns configuration, the data directory, secrets (OS keyring or environment), the event bus, the clock,
//! and the composition of store, media, providers and the pipeline's stages; it runs the production queue and the
//! background service ([`background`]), with per-provider request rates it owns and one backoff; it answers the
//! screens' questions (a series' [`dashboard`], the status board, the stage history, the review player's timeline)
//! with typed values the UI words in the creator's language, estimates a whole episode's cost before spending
//! ([`estimate`]), keeps several keys per paid provider in line ([`accounts`]), sends alerts to the creator's
//! channels ([`alerts`]), and takes the creator's edits of one shot, line or
//! character ([`directing`]) keeping earlier takes and redoing only what depends on them, reads viewers' reactions
//! to published episodes and proposes outline changes from them ([`feedback`]), keeps the characters' reference
//! images the creator chose, uploaded or went back to ([`references`]); saved settings are put in
//! force without a restart. Shells reach it through the command table ([`api`]) or its methods, and through what
//! it re-exports ([`domain`], [`reports`]) — never through the store.
//!
//! It must not depend on any shell (no `tauri`, no `clap`): shells are thin adapters over [`Engine`].

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod background;
pub mod clock;
pub mod config;
pub mod dashboard;
mod demo;
pub mod directing;
pub mod doctor;
pub mod editing;
mod engine;
mod error;
pub mod estimate;
pub mod events;
pub mod feedback;
pub mod import;
mod package;
pub mod production;
mod publish;
pub mod queue;
pub mod references;
pub mod render;
pub mod review;
pub mod scheduler;
pub mod secrets;
mod task;
pub mod textfile;
mod voices;
mod writing;
pub mod youtube;

/// The shared vocabulary the commands take and return (series, characters, scripts, shots, jobs, money), so shells
/// need no other crate of ours.
pub use studio_domain as domain;

/// Reports of the pipeline's stages and rows of the store that commands return.
pub mod reports {
    pub use studio_pipeline::visuals::{RouteDecision, RoutePlan, VisualsReport};
    pub use studio_pipeline::voicing::VoicingReport;
    pub use studio_pipeline::{
        CheckReport, Finding, LineFailure, ScriptResult, Severity, ShotFailure, Verdict,
    };
    pub use studio_store::{ChannelRow, JobRow, SeriesSummary};
}

pub use background::BackgroundOptions;
pub use demo::{DEMO_SERIES_ID, DemoReport, PlannedDemo, ScriptSummary};
pub use engine::{
    DB_FILE, Engine, EngineOptions, ImportReport, SeriesDetail, resolve_assets_dir,
    resolve_data_dir,
};
pub use error::{CoreError, ErrorPayload};
pub use events::{AlertLevel, EngineEvent, EventBus};
pub use package::PackageReport;
pub use production::{ProduceReport, ProductionConfig};
pub use publish::{ExportReport, PublishReport};
pub use queue::{JobEnd, JobOutcome};
pub use render::{EpisodeRender, RenderOptions};
pub use secrets::{Secret, SecretStatus, SecretStore};
/// How a background service, a job or a render is asked to stop (cooperatively, at safe points).
pub use tokio_util::sync::CancellationToken;
pub use voices::{CastRow, CastView, RenderMedia};
pub use writing::{NewSeries, NewSeriesReport, series_id_for};
