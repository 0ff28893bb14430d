//! The AIDAS Studio domain: series, characters, story memory, episodes, scenes, shots, jobs and costs,
//! with the rules that govern how they change (state machines, memory deltas, plan checks).
//!
//! This crate does no IO and depends on nothing but serde and thiserror, so every other crate — the store, the
//! pipeline, the shells — can share these types, and every rule here is tested in isolation.

pub mod character;
pub mod context;
pub mod episode;
pub mod error_code;
pub mod job;
pub mod money;
pub mod plan;
pub mod script;
pub mod series;
pub mod speech;
pub mod thread;
pub mod voice;

pub use character::{
    AppearanceProfile, Character, CharacterDevelopment, CharacterState, Importance, Relationship,
    RelationshipChange, VoiceProfile,
};
pub use context::{
    CharacterSnapshot, EpisodeContext, EpisodeMemory, RelationshipSnapshot, RevealedSecret,
};
pub use episode::{
    ClipPriority, DialogueLine, Episode, EpisodeOutcome, EpisodeStatus, Scene, SecretReveal, Shot,
    ThreadResolution,
};
pub use error_code::ErrorCode;
pub use job::{CostEntry, Job, JobStatus, Stage};
pub use plan::{PlanProblem, SeriesPlan};
pub use script::{EpisodeScript, PlotProgression};
pub use series::{
    ArcPhase, EpisodeOutline, Genre, Series, SeriesPlot, SeriesStatus, StoryArc, SubPlot,
};
pub use thread::{PlotThread, ThreadSeed};
pub use voice::{CastEntry, Cue, LineAudio, Modulation, TtsProvider, VoiceAssignment, VoiceInfo};

use serde::{Deserialize, Serialize};

/// A state change that the current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[error("cannot {action} a {entity} that is {from}")]
pub struct TransitionError {
    pub entity: String,
    pub from: String,
    pub action: String,
}

impl TransitionError {
    pub(crate) fn new(entity: &str, from: impl std::fmt::Display, action: &str) -> Self {
        Self {
            entity: entity.to_string(),
            from: from.to_string(),
            action: action.to_string(),
        }
    }
}

/// Implements `Display`/`FromStr` for a unit enum through its serde names, so the names in JSON, in SQLite and on
/// the command line are one and the same.
macro_rules! string_enum {
    ($ty:ty, $what:literal) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match ::serde_json::to_value(self) {
                    Ok(::serde_json::Value::String(s)) => f.write_str(&s),
                    _ => Err(::std::fmt::Error),
                }
            }
        }
        impl ::std::str::FromStr for $ty {
            type Err = $crate::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ::serde_json::from_value(::serde_json::Value::String(s.to_string())).map_err(|_| {
                    $crate::UnknownName {
                        what: $what,
                        name: s.to_string(),
                    }
                })
            }
        }
    };
}
pub(crate) use string_enum;

/// A name that is not one of an enum's values (a genre, a status, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} \"{name}\"")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}
