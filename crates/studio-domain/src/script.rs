//! An episode script as a writer produces it: scenes with dialogue, the storyboard, and what the episode changes
//! in the story (which becomes its outcome in story memory once the script is accepted).

use serde::{Deserialize, Serialize};

use crate::{
    CharacterDevelopment, EpisodeOutcome, RelationshipChange, Scene, SecretReveal, Shot,
    ThreadResolution, ThreadSeed,
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PlotProgression {
    /// "main_plot", a sub-plot title, or a thread id.
    pub plot: String,
    pub progress: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeScript {
    pub episode_number: u32,
    pub title: String,
    pub summary: String,
    pub scenes: Vec<Scene>,
    pub storyboard: Vec<Shot>,
    #[serde(default)]
    pub key_events: Vec<String>,
    #[serde(default)]
    pub character_developments: Vec<CharacterDevelopment>,
    #[serde(default)]
    pub relationship_changes: Vec<RelationshipChange>,
    #[serde(default)]
    pub threads_opened: Vec<ThreadSeed>,
    #[serde(default)]
    pub threads_resolved: Vec<ThreadResolution>,
    #[serde(default)]
    pub secrets_revealed: Vec<SecretReveal>,
    #[serde(default)]
    pub plot_progressions: Vec<PlotProgression>,
    pub cliffhanger: String,
    /// Which writer produced it ("offline-template", "openai:gpt-4o", …); "offline" outputs say so.
    #[serde(default)]
    pub written_by: String,
}

impl EpisodeScript {
    pub fn line_count(&self) -> usize {
        self.scenes.iter().map(|s| s.lines.len()).sum()
    }

    /// Every speaker, in order of first line, without repeats.
    pub fn speakers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for l in self.scenes.iter().flat_map(|s| &s.lines) {
            if !out.contains(&l.character.as_str()) {
                out.push(&l.character);
            }
        }
        out
    }

    /// Everyone on screen: scene casts and speakers.
    pub fn appearances(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.scenes {
            for c in s
                .characters
                .iter()
                .chain(s.lines.iter().map(|l| &l.character))
            {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    /// What the accepted script leaves in story memory.
    pub fn to_outcome(&self) -> EpisodeOutcome {
        EpisodeOutcome {
            episode_number: self.episode_number,
            title: self.title.clone(),
            summary: self.summary.clone(),
            key_events: self.key_events.clone(),
            character_developments: self.character_developments.clone(),
            relationship_changes: self.relationship_changes.clone(),
            threads_opened: self.threads_opened.clone(),
            threads_resolved: self.threads_resolved.clone(),
            secrets_revealed: self.secrets_revealed.clone(),
            appearances: self.appearances(),
            cliffhanger: self.cliffhanger.clone(),
        }
    }
}
