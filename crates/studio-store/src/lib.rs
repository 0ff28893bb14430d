//! AIDAS Studio persistence: the SQLite story memory (series plans, per-episode deltas of character states,
//! relationships, memories and plot threads), and the tables production needs (jobs, cost ledger, settings,
//! channels, artifacts), publishing and viewer feedback (comments, audience snapshots, analyses, outline changes).
//!
//! It owns the schema (`migrations/` at the workspace root, embedded) and every SQL statement; callers get domain
//! types and typed errors. It depends on `studio-domain` only — never on providers, media or a UI shell.

mod casting;
mod db;
mod error;
mod feedback;
mod jobs;
mod memory;
mod publishing;
mod remote;
mod settings;

pub use casting::{
    ReferenceMap, ReferenceVersion, is_creators_reference, look_key, outfit_tag, reference_slot,
    references_key,
};
pub use db::{OpenOptions, Store};
pub use error::StoreError;
pub use feedback::{
    AudienceRow, ChangeOutcome, ChannelSnapshot, CommentReading, NewComment, OutlineChangeRow,
    PublishedVideo, ReportRow, StoredComment,
};
pub use jobs::{JobFailure, JobRow};
pub use memory::{RollbackReport, SeriesSummary};
pub use publishing::{
    ChannelRow, QuotaDay, QuotaHit, RedoItems, ReviewDecision, SHOT_JOB_KINDS, ScriptEdit,
    UploadRow, UploadStep,
};
pub use remote::{RemoteJob, RemoteJobUpdate};
pub use settings::{AccountAside, CapHit, SpendCap};
