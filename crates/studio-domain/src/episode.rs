//! Episodes, their lifecycle, their script parts (scenes, lines, shots) and the outcome an episode leaves in
//! story memory.

use serde::{Deserialize, Serialize};

use crate::{CharacterDevelopment, RelationshipChange, ThreadSeed, TransitionError, string_enum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeStatus {
    /// Outlined in the plan; nothing written yet.
    Planned,
    /// Script accepted and its outcome recorded in story memory.
    Scripted,
    InProduction,
    Rendered,
    InReview,
    Approved,
    Rejected,
    Scheduled,
    Published,
    /// Stopped on something a person must look at (a failed check, a provider quota, bad input).
    NeedsAttention,
}
string_enum!(EpisodeStatus, "episode status");

impl EpisodeStatus {
    fn go(self, ok: bool, to: Self, action: &str) -> Result<Self, TransitionError> {
        if ok {
            Ok(to)
        } else {
            Err(TransitionError::new("episode", self, action))
        }
    }
    pub fn script(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(self, Self::Planned | Self::NeedsAttention),
            Self::Scripted,
            "script",
        )
    }
    pub fn start_production(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(self, Self::Scripted | Self::NeedsAttention | Self::Rejected),
            Self::InProduction,
            "produce",
        )
    }
    pub fn rendered(self) -> Result<Self, TransitionError> {
        self.go(
            self == Self::InProduction,
            Self::Rendered,
            "finish rendering",
        )
    }
    pub fn submit_for_review(self) -> Result<Self, TransitionError> {
        self.go(self == Self::Rendered, Self::InReview, "submit for review")
    }
    /// Approved from review — or after a rejection, when the creator decides the episode is good after all (the
    /// video is the one they watched; nothing was made again).
    pub fn approve(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(self, Self::InReview | Self::Rendered | Self::Rejected),
            Self::Approved,
            "approve",
        )
    }
    /// Chosen scenes are made again after review: back into production.
    pub fn regenerate(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(self, Self::InReview | Self::Rejected),
            Self::InProduction,
            "regenerate",
        )
    }
    pub fn reject(self) -> Result<Self, TransitionError> {
        self.go(self == Self::InReview, Self::Rejected, "reject")
    }
    pub fn schedule(self) -> Result<Self, TransitionError> {
        self.go(self == Self::Approved, Self::Scheduled, "schedule")
    }
    pub fn publish(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(self, Self::Approved | Self::Scheduled),
            Self::Published,
            "publish",
        )
    }
    pub fn park(self) -> Result<Self, TransitionError> {
        self.go(self != Self::Published, Self::NeedsAttention, "park")
    }
    /// Back to the plan: allowed for anything that has not reached viewers.
    pub fn roll_back(self) -> Result<Self, TransitionError> {
        self.go(self != Self::Published, Self::Planned, "roll back")
    }
    pub fn is_published(self) -> bool {
        self == Self::Published
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Episode {
    pub series_id: String,
    pub number: u32,
    pub title: String,
    pub summary: String,
    pub status: EpisodeStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ClipPriority {
    /// AI video (Kling).
    High,
    /// Still image + Ken Burns.
    #[default]
    Low,
}
string_enum!(ClipPriority, "clip priority");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct DialogueLine {
    pub id: String,
    /// Character id or name as the writer gave it.
    pub character: String,
    /// What is said (see [`crate::speech`]: directions are split off when a script is accepted).
    pub text: String,
    #[serde(default = "neutral")]
    pub emotion: String,
    #[serde(default)]
    pub listener_reaction: String,
    /// How it is said, as written by the writer inside the line (`한숨`, `웃으며`): never voiced or subtitled.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub direction: String,
}

impl DialogueLine {
    /// The words to voice and subtitle and every direction (the stored one and any still inside the text of a
    /// script written before directions were split off).
    pub fn spoken(&self) -> crate::speech::Spoken {
        let mut s = crate::speech::split_directions(&self.text);
        if !self.direction.is_empty() {
            s.directions.insert(0, self.direction.clone());
        }
        s
    }

    /// Moves directions written inside the text into `direction`; returns whether anything moved.
    pub fn split_directions(&mut self) -> bool {
        let s = crate::speech::split_directions(&self.text);
        if s.directions.is_empty() {
            return false;
        }
        let mut all: Vec<String> = Vec::new();
        if !self.direction.is_empty() {
            all.push(self.direction.clone());
        }
        all.extend(s.directions);
        self.direction = all.join(", ");
        self.text = s.text;
        true
    }
}

fn neutral() -> String {
    "neutral".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Scene {
    pub number: u32,
    pub location: String,
    /// "아침", "밤", "day", "night", …
    pub time: String,
    #[serde(default)]
    pub atmosphere: String,
    #[serde(default)]
    pub characters: Vec<String>,
    #[serde(default)]
    pub lines: Vec<DialogueLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Shot {
    pub scene: u32,
    /// What the viewer sees, in Korean (for people).
    pub visual: String,
    /// The same in English, 15–50 words, for video/image models.
    pub video_prompt: String,
    #[serde(default)]
    pub emotion: String,
    pub duration_sec: f64,
    #[serde(default)]
    pub clip_priority: ClipPriority,
}

/// What an accepted episode leaves in story memory (seed §4.1.2 `update_episode`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeOutcome {
    pub episode_number: u32,
    #[serde(default)]
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub key_events: Vec<String>,
    #[serde(default)]
    pub character_developments: Vec<CharacterDevelopment>,
    #[serde(default)]
    pub relationship_changes: Vec<RelationshipChange>,
    #[serde(default)]
    pub threads_opened: Vec<ThreadSeed>,
    /// Threads closed in this episode: id and how.
    #[serde(default)]
    pub threads_resolved: Vec<ThreadResolution>,
    /// Secrets that became known in this episode; before this, no one but their owner may use them.
    #[serde(default)]
    pub secrets_revealed: Vec<SecretReveal>,
    /// Characters (ids or names) who appeared on screen.
    #[serde(default)]
    pub appearances: Vec<String>,
    #[serde(default)]
    pub cliffhanger: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SecretReveal {
    /// Whose secret (id or name).
    pub character: String,
    /// The secret as written in the character's profile.
    pub secret: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ThreadResolution {
    pub id: String,
    #[serde(default)]
    pub resolution: String,
}

#[cfg(test)]
mod tests {
    use super::EpisodeStatus as S;

    #[test]
    fn happy_path_to_published() {
        let s = S::Planned.script().unwrap();
        let s = s.start_production().unwrap();
        let s = s.rendered().unwrap();
        let s = s.submit_for_review().unwrap();
        let s = s.approve().unwrap();
        let s = s.schedule().unwrap();
        let s = s.publish().unwrap();
        assert!(s.is_published());
    }

    #[test]
    fn review_rejection_and_regeneration() {
        let s = S::InReview.reject().unwrap();
        assert_eq!(s, S::Rejected);
        assert_eq!(s.start_production().unwrap(), S::InProduction);
        // Approved after all: the creator changed their mind about the same video.
        assert_eq!(S::Rejected.approve().unwrap(), S::Approved);
        assert!(S::Rejected.reject().is_err());
    }

    #[test]
    fn invalid_moves_are_refused() {
        assert!(S::Planned.publish().is_err());
        assert!(S::Planned.rendered().is_err());
        assert!(S::Published.roll_back().is_err());
        assert!(S::Published.park().is_err());
        assert_eq!(S::Scripted.roll_back().unwrap(), S::Planned);
        assert_eq!(S::InProduction.park().unwrap(), S::NeedsAttention);
        assert_eq!(S::NeedsAttention.script().unwrap(), S::Scripted);
        let e = S::Planned.publish().unwrap_err();
        assert_eq!(e.to_string(), "cannot publish a episode that is planned");
    }

    #[test]
    fn names_round_trip() {
        for s in [S::Planned, S::InReview, S::NeedsAttention, S::Published] {
            assert_eq!(s.to_string().parse::<S>().unwrap(), s);
        }
        assert_eq!(S::NeedsAttention.to_string(), "needs_attention");
    }
}
