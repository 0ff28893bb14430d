//! The continuity context a script for episode N is written with: the world as of episode N−1.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{CharacterState, EpisodeOutline, Importance, PlotThread, Relationship, Series};

/// What one earlier episode left in memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeMemory {
    pub episode_number: u32,
    pub title: String,
    pub summary: String,
    pub key_events: Vec<String>,
    pub cliffhanger: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CharacterSnapshot {
    pub name: String,
    pub importance: Importance,
    /// The episode whose outcome produced this state (0 = the plan).
    pub as_of_episode: u32,
    #[serde(flatten)]
    pub state: CharacterState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RelationshipSnapshot {
    pub a_name: String,
    pub b_name: String,
    pub as_of_episode: u32,
    #[serde(flatten)]
    pub relationship: Relationship,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeContext {
    pub series: Series,
    pub episode_number: u32,
    pub total_episodes: u32,
    /// The world below is as of this episode (N−1).
    pub as_of_episode: u32,
    pub story_progress_percent: u32,
    pub outline: Option<EpisodeOutline>,
    /// Up to the last five recorded episodes, oldest first.
    pub previous_episodes: Vec<EpisodeMemory>,
    pub open_threads: Vec<PlotThread>,
    /// Threads closed by episode N−1 (a script may not reopen one without saying why).
    #[serde(default)]
    pub resolved_threads: Vec<PlotThread>,
    pub character_states: Vec<CharacterSnapshot>,
    pub relationships: Vec<RelationshipSnapshot>,
    /// Secrets revealed up to episode N−1, with the episode that revealed them.
    #[serde(default)]
    pub revealed_secrets: Vec<RevealedSecret>,
    /// The last episode (≤ N−1) each character appeared in, by character id; absent = never yet.
    #[serde(default)]
    pub last_appearances: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RevealedSecret {
    pub character_id: String,
    pub secret: String,
    pub episode: u32,
}

impl EpisodeContext {
    pub fn resolved_thread_ids(&self) -> impl Iterator<Item = &str> {
        self.resolved_threads.iter().map(|t| t.id.as_str())
    }

    /// The cliffhanger the episode must pick up, if the previous episode left one.
    pub fn previous_cliffhanger(&self) -> Option<&str> {
        self.previous_episodes
            .last()
            .filter(|e| e.episode_number + 1 == self.episode_number && !e.cliffhanger.is_empty())
            .map(|e| e.cliffhanger.as_str())
    }
}
