//! The AIDAS Studio pipeline: capability traits the providers implement ([`Writer`], voices, still generators,
//! remote paid jobs), the prompts, the writers' JSON schemas, parsing of untrusted replies, script validation,
//! continuity and quality checks, and the stages: the script stage (writer → checks → regeneration → story memory),
//! voices (each paid line reserved within the spending caps before it is sent), visuals (priority routing within
//! the budget; stills stay stills for the render to move; shots with characters made from their reference images
//! and checked for outfit drift) and avatars (one take per character and scene). Every paid
//! job goes through the write-ahead runner ([`remote`]) that reserves its cost within the day's, the provider's and
//! the episode's caps. [`feedback`] reads viewers' comments and proposes outline changes within the plan's bounds.
//!
//! It depends on the domain and the store; it never names a vendor, and nothing here depends on a shell.

pub mod artifact;
pub mod avatars;
pub mod checks;
pub mod dialogue;
pub mod feedback;
pub mod genre;
pub mod metadata;
pub mod parse;
pub mod pricing;
pub mod prompts;
pub mod remote;
pub mod schema;
pub mod stage;
pub mod subtitles;
pub mod timeline;
pub mod visuals;
pub mod voice;
pub mod voicing;
pub mod writer;

pub use checks::{CheckConfig, CheckReport, Finding, FindingKind, Severity};
pub use pricing::Pricing;
pub use stage::{
    LineFailure, PlanResult, ScriptResult, ScriptStage, ShotFailure, StageError, Verdict,
};
pub use writer::{
    PlanCall, PlanRequest, Prompt, Reply, RetryClass, ScriptCall, Usage, Writer, WriterError,
};
