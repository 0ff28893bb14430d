//! Characters (seed §4.1.3), their per-episode state and their relationships, with the rules that apply an
//! episode's developments to them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{TransitionError, string_enum};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    Main,
    MajorSupporting,
    Supporting,
    Minor,
}
string_enum!(Importance, "importance");

/// How a character sounds; casting matches voices against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct VoiceProfile {
    /// "male" | "female" | anything a provider describes.
    pub gender: String,
    /// "young" | "young_adult" | "adult" | "middle_age" | "senior".
    pub age_group: String,
    #[serde(default = "neutral")]
    pub tone: String,
    #[serde(default = "natural")]
    pub speaking_style: String,
}

fn neutral() -> String {
    "neutral".into()
}
fn natural() -> String {
    "natural".into()
}

/// How a character looks, for avatars and image prompts. Free-form beyond the seed's three fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct AppearanceProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_appearance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// An English description for image prompts ("a woman in her mid-20s with a short bob, …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Character {
    /// Stable within a series ("CHAR001").
    pub id: String,
    pub name: String,
    pub role: String,
    pub importance: Importance,
    #[serde(default)]
    pub age: Option<u32>,
    #[serde(default)]
    pub occupation: String,
    #[serde(default)]
    pub personality: Vec<String>,
    #[serde(default)]
    pub background: String,
    #[serde(default)]
    pub goals: Vec<String>,
    #[serde(default)]
    pub secrets: Vec<String>,
    pub voice_profile: VoiceProfile,
    #[serde(default)]
    pub appearance_profile: AppearanceProfile,
}

impl Character {
    /// The state a character starts the series in (as of episode 0), taken from the profile.
    pub fn initial_state(&self) -> CharacterState {
        CharacterState {
            character_id: self.id.clone(),
            emotional_state: "평온".into(),
            location: String::new(),
            active_goals: self.goals.clone(),
            resolved_goals: Vec::new(),
            traits: self.personality.clone(),
            situation: self.background.clone(),
            alive: true,
            present: true,
            outfit: String::new(),
            outfit_prompt: String::new(),
        }
    }
}

/// Where a character stands after an episode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CharacterState {
    pub character_id: String,
    pub emotional_state: String,
    pub location: String,
    pub active_goals: Vec<String>,
    pub resolved_goals: Vec<String>,
    pub traits: Vec<String>,
    pub situation: String,
    pub alive: bool,
    /// Whether the character is in the story's present (not abroad, not missing) and can appear on screen.
    pub present: bool,
    /// What the character wears by the end of the episode, in the writer's words ("검은 정장"); empty while they
    /// wear what their appearance profile (and reference image) shows.
    #[serde(default)]
    pub outfit: String,
    /// The same outfit in English words for the image and video models ("white wedding dress"); empty when the
    /// writer gave none (the models then get `outfit` as it is).
    #[serde(default)]
    pub outfit_prompt: String,
}

/// What an episode changed about one character. `character` is an id or a name; the store resolves it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CharacterDevelopment {
    pub character: String,
    /// What happened to the character, in a sentence (the seed's `character_developments` value).
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emotional_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals_added: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals_resolved: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_traits: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub situation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alive: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    /// The clothes the character changes into in this episode ("하얀 웨딩드레스"); an empty text means back to
    /// their usual look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outfit: Option<String>,
    /// The scene of this episode from which the new `outfit` is worn (the whole episode when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outfit_scene: Option<u32>,
    /// The new outfit in English words for the image and video models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outfit_prompt: Option<String>,
}

impl CharacterState {
    /// The state after an episode's development. A dead character stays dead unless the development says
    /// `alive: true` explicitly (a twist the writer must own), and cannot be made present while dead.
    pub fn apply(&self, dev: &CharacterDevelopment) -> Result<CharacterState, TransitionError> {
        let mut next = self.clone();
        if let Some(alive) = dev.alive {
            next.alive = alive;
        }
        if !next.alive {
            if dev.present == Some(true) {
                return Err(TransitionError::new("character", "dead", "make present"));
            }
            next.present = false;
        } else if let Some(present) = dev.present {
            next.present = present;
        }
        if let Some(e) = &dev.emotional_state {
            next.emotional_state = e.clone();
        }
        if let Some(l) = &dev.location {
            next.location = l.clone();
        }
        if let Some(s) = &dev.situation {
            next.situation = s.clone();
        }
        if let Some(o) = &dev.outfit {
            next.outfit = o.trim().to_string();
            next.outfit_prompt = dev
                .outfit_prompt
                .as_deref()
                .map(str::trim)
                .filter(|_| !next.outfit.is_empty())
                .unwrap_or("")
                .to_string();
        }
        for g in &dev.goals_added {
            if !next.active_goals.contains(g) {
                next.active_goals.push(g.clone());
            }
        }
        for g in &dev.goals_resolved {
            next.active_goals.retain(|a| a != g);
            if !next.resolved_goals.contains(g) {
                next.resolved_goals.push(g.clone());
            }
        }
        for t in &dev.new_traits {
            if !next.traits.contains(t) {
                next.traits.push(t.clone());
            }
        }
        Ok(next)
    }
}

/// A relationship between two characters. Stored with the pair in id order, so (a, b) and (b, a) are one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Relationship {
    pub a: String,
    pub b: String,
    /// 친구, 연인, 라이벌, 가족, … (free text, as the writer gives it)
    #[serde(rename = "type")]
    pub kind: String,
    /// 1 (strangers) to 10 (inseparable).
    pub intimacy: u8,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub recent_events: Vec<String>,
}

impl Relationship {
    pub const MIN_INTIMACY: u8 = 1;
    pub const MAX_INTIMACY: u8 = 10;

    /// The pair in canonical order.
    pub fn pair(a: &str, b: &str) -> (String, String) {
        if a <= b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        }
    }

    pub fn normalized(mut self) -> Self {
        if self.a > self.b {
            std::mem::swap(&mut self.a, &mut self.b);
        }
        self
    }

    /// The relationship after an episode's change. Intimacy is clamped to 1–10.
    pub fn apply(&self, change: &RelationshipChange) -> Relationship {
        let mut next = self.clone();
        if let Some(k) = &change.kind {
            next.kind = k.clone();
        }
        if let Some(i) = change.intimacy {
            next.intimacy = i.clamp(Self::MIN_INTIMACY, Self::MAX_INTIMACY);
        } else if let Some(d) = change.intimacy_delta {
            let v = next.intimacy as i16 + d as i16;
            next.intimacy = v.clamp(Self::MIN_INTIMACY as i16, Self::MAX_INTIMACY as i16) as u8;
        }
        if let Some(s) = &change.status {
            next.status = s.clone();
        }
        if let Some(e) = &change.event {
            next.recent_events.push(e.clone());
            // Only the last few events matter for a script's context.
            let keep = 5;
            if next.recent_events.len() > keep {
                next.recent_events.drain(..next.recent_events.len() - keep);
            }
        }
        next
    }
}

/// What an episode changed between two characters (ids or names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RelationshipChange {
    pub a: String,
    pub b: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The new intimacy, when the writer states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intimacy: Option<u8>,
    /// Or the change in intimacy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intimacy_delta: Option<i8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> CharacterState {
        CharacterState {
            character_id: "CHAR001".into(),
            emotional_state: "평온".into(),
            location: "서울".into(),
            active_goals: vec!["사업 성공".into(), "진정한 사랑 찾기".into()],
            resolved_goals: vec![],
            traits: vec!["열정적".into()],
            situation: String::new(),
            alive: true,
            present: true,
            outfit: String::new(),
            outfit_prompt: String::new(),
        }
    }

    #[test]
    fn an_outfit_change_is_kept_until_the_next_and_an_empty_one_goes_back() {
        let change = |o: &str| CharacterDevelopment {
            character: "CHAR001".into(),
            outfit: Some(o.into()),
            outfit_scene: Some(2),
            outfit_prompt: Some(" white wedding dress ".into()),
            ..Default::default()
        };
        let dressed = state().apply(&change(" 하얀 웨딩드레스 ")).unwrap();
        assert_eq!(dressed.outfit, "하얀 웨딩드레스");
        assert_eq!(dressed.outfit_prompt, "white wedding dress");
        let later = dressed
            .apply(&CharacterDevelopment {
                character: "CHAR001".into(),
                emotional_state: Some("설렘".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(later.outfit, "하얀 웨딩드레스");
        let back = later.apply(&change("")).unwrap();
        assert_eq!(
            (back.outfit.as_str(), back.outfit_prompt.as_str()),
            ("", "")
        );
    }

    #[test]
    fn development_moves_goals_and_sets_fields() {
        let dev = CharacterDevelopment {
            character: "CHAR001".into(),
            emotional_state: Some("설렘".into()),
            goals_resolved: vec!["사업 성공".into()],
            goals_added: vec!["투자 유치".into(), "진정한 사랑 찾기".into()],
            new_traits: vec!["열정적".into(), "신중함".into()],
            ..Default::default()
        };
        let next = state().apply(&dev).unwrap();
        assert_eq!(next.emotional_state, "설렘");
        assert_eq!(next.location, "서울");
        assert_eq!(next.active_goals, vec!["진정한 사랑 찾기", "투자 유치"]);
        assert_eq!(next.resolved_goals, vec!["사업 성공"]);
        assert_eq!(next.traits, vec!["열정적", "신중함"]);
    }

    #[test]
    fn death_is_sticky_and_absence_follows() {
        let dead = state()
            .apply(&CharacterDevelopment {
                character: "CHAR001".into(),
                alive: Some(false),
                ..Default::default()
            })
            .unwrap();
        assert!(!dead.alive && !dead.present);
        let still_dead = dead
            .apply(&CharacterDevelopment {
                character: "CHAR001".into(),
                emotional_state: Some("x".into()),
                ..Default::default()
            })
            .unwrap();
        assert!(!still_dead.alive);
        let err = dead
            .apply(&CharacterDevelopment {
                character: "CHAR001".into(),
                present: Some(true),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.action, "make present");
        let revived = dead
            .apply(&CharacterDevelopment {
                character: "CHAR001".into(),
                alive: Some(true),
                present: Some(true),
                ..Default::default()
            })
            .unwrap();
        assert!(revived.alive && revived.present);
    }

    #[test]
    fn relationship_changes_clamp_and_keep_recent_events() {
        let r = Relationship {
            a: "CHAR002".into(),
            b: "CHAR001".into(),
            kind: "초면".into(),
            intimacy: 9,
            status: String::new(),
            recent_events: vec![],
        }
        .normalized();
        assert_eq!((r.a.as_str(), r.b.as_str()), ("CHAR001", "CHAR002"));
        let up = r.apply(&RelationshipChange {
            intimacy_delta: Some(5),
            event: Some("e1".into()),
            ..Default::default()
        });
        assert_eq!(up.intimacy, 10);
        let down = up.apply(&RelationshipChange {
            intimacy_delta: Some(-20),
            kind: Some("라이벌".into()),
            ..Default::default()
        });
        assert_eq!(down.intimacy, 1);
        assert_eq!(down.kind, "라이벌");
        let mut x = down;
        for i in 0..8 {
            x = x.apply(&RelationshipChange {
                event: Some(format!("e{i}")),
                ..Default::default()
            });
        }
        assert_eq!(x.recent_events.len(), 5);
        assert_eq!(x.recent_events.last().unwrap(), "e7");
        assert_eq!(
            Relationship::pair("b", "a"),
            ("a".to_string(), "b".to_string())
        );
    }

    #[test]
    fn voice_profile_defaults() {
        let v: VoiceProfile =
            serde_json::from_str(r#"{"gender":"female","age_group":"young"}"#).unwrap();
        assert_eq!(v.tone, "neutral");
        assert_eq!(v.speaking_style, "natural");
    }
}
