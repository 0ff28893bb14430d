//! A series plan — the series, its characters, relationships, outlines and opening threads — and the checks that
//! decide whether it can be stored (integrity) and whether it is ready for production (readiness, seed §7.0).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::{Character, EpisodeOutline, Relationship, Series, ThreadSeed};

/// The format tag our series JSON carries.
pub const SERIES_FORMAT: &str = "aidas.series/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SeriesPlan {
    #[serde(default = "format_tag")]
    pub format: String,
    pub series: Series,
    pub characters: Vec<Character>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    #[serde(default)]
    pub outlines: Vec<EpisodeOutline>,
    /// Threads open before episode 1 (the premise's questions).
    #[serde(default)]
    pub threads: Vec<ThreadSeed>,
}

fn format_tag() -> String {
    SERIES_FORMAT.into()
}

/// One thing wrong with a plan, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PlanProblem {
    /// A JSON-pointer-like location: `characters[3].name`, `outlines[15].episode_number`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The smallest cast that can carry a series (seed §4.1.3, §7.0).
pub const MIN_CHARACTERS: usize = 10;
/// Episodes in one series, at most: the same limit for the CLI, the API, the UI and imports. Ten a day for twenty
/// days; a typo ("1600") is refused instead of planning a thousand outlines.
pub const MAX_EPISODES: u32 = 200;
/// Episodes a new series gets when none are asked for (the design documents' sample series has 16).
pub const DEFAULT_EPISODES: u32 = 16;
/// Minutes per episode when none are asked for: the design documents' 10-minute episodes (seed §4.2, "10분 분량").
pub const DEFAULT_EPISODE_MINUTES: u32 = 10;
/// Minutes per episode, at most.
pub const MAX_EPISODE_MINUTES: u32 = 30;
/// Characters in a series title, at most (a YouTube title also carries the episode number and title).
pub const MAX_TITLE_CHARS: usize = 80;
/// Characters in a premise, at most.
pub const MAX_PREMISE_CHARS: usize = 2000;

impl SeriesPlan {
    /// Problems that make the plan unusable: it must not be stored with any of these.
    pub fn integrity_problems(&self) -> Vec<PlanProblem> {
        let mut out = Vec::new();
        let mut p = |path: String, message: String| out.push(PlanProblem { path, message });
        let s = &self.series;
        if s.id.trim().is_empty()
            || !s
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            p(
                "series.id".into(),
                format!("\"{}\" is not a valid id (letters, digits, - and _)", s.id),
            );
        }
        if s.title.trim().is_empty() {
            p("series.title".into(), "is empty".into());
        }
        if s.total_episodes == 0 || s.total_episodes > MAX_EPISODES {
            p(
                "series.total_episodes".into(),
                format!("{} is outside 1–{MAX_EPISODES}", s.total_episodes),
            );
        }
        if s.episode_duration_min == 0 || s.episode_duration_min > 180 {
            p(
                "series.episode_duration_min".into(),
                format!("{} minutes is outside 1–180", s.episode_duration_min),
            );
        }
        let mut ids = BTreeMap::new();
        let mut names = BTreeMap::new();
        for (i, c) in self.characters.iter().enumerate() {
            if c.id.trim().is_empty() {
                p(format!("characters[{i}].id"), "is empty".into());
            }
            if c.name.trim().is_empty() {
                p(format!("characters[{i}].name"), "is empty".into());
            }
            if let Some(j) = ids.insert(c.id.as_str(), i) {
                p(
                    format!("characters[{i}].id"),
                    format!("\"{}\" is also characters[{j}].id", c.id),
                );
            }
            if let Some(j) = names.insert(c.name.as_str(), i) {
                p(
                    format!("characters[{i}].name"),
                    format!("\"{}\" is also characters[{j}].name", c.name),
                );
            }
        }
        let known = |r: &str| ids.contains_key(r) || names.contains_key(r);
        let mut pairs = BTreeSet::new();
        for (i, r) in self.relationships.iter().enumerate() {
            for (f, v) in [("a", &r.a), ("b", &r.b)] {
                if !known(v) {
                    p(
                        format!("relationships[{i}].{f}"),
                        format!("unknown character \"{v}\""),
                    );
                }
            }
            if r.a == r.b {
                p(
                    format!("relationships[{i}]"),
                    "a character cannot relate to itself".into(),
                );
            }
            if !(Relationship::MIN_INTIMACY..=Relationship::MAX_INTIMACY).contains(&r.intimacy) {
                p(
                    format!("relationships[{i}].intimacy"),
                    format!("{} is outside 1–10", r.intimacy),
                );
            }
            if !pairs.insert(Relationship::pair(&r.a, &r.b)) {
                p(
                    format!("relationships[{i}]"),
                    format!("the pair {}–{} is listed twice", r.a, r.b),
                );
            }
        }
        let mut seen = BTreeMap::new();
        for (i, o) in self.outlines.iter().enumerate() {
            if o.episode_number == 0 || o.episode_number > s.total_episodes {
                p(
                    format!("outlines[{i}].episode_number"),
                    format!("{} is outside 1–{}", o.episode_number, s.total_episodes),
                );
            }
            if let Some(j) = seen.insert(o.episode_number, i) {
                p(
                    format!("outlines[{i}].episode_number"),
                    format!("episode {} is also outlines[{j}]", o.episode_number),
                );
            }
            for (k, c) in o.character_focus.iter().enumerate() {
                if !known(c) {
                    p(
                        format!("outlines[{i}].character_focus[{k}]"),
                        format!("unknown character \"{c}\""),
                    );
                }
            }
        }
        let mut tids = BTreeSet::new();
        for (i, t) in self.threads.iter().enumerate() {
            if t.id.trim().is_empty() {
                p(format!("threads[{i}].id"), "is empty".into());
            }
            if !tids.insert(t.id.as_str()) {
                p(
                    format!("threads[{i}].id"),
                    format!("\"{}\" is listed twice", t.id),
                );
            }
        }
        out
    }

    /// Problems that block production but not storage: a plan can be saved and edited until these are gone.
    pub fn readiness_problems(&self) -> Vec<PlanProblem> {
        let mut out = Vec::new();
        if self.characters.len() < MIN_CHARACTERS {
            out.push(PlanProblem {
                path: "characters".into(),
                message: format!(
                    "{} characters; a series needs at least {MIN_CHARACTERS}",
                    self.characters.len()
                ),
            });
        }
        if !self.series.plot.overall_arc.is_complete() {
            out.push(PlanProblem {
                path: "series.plot.overall_arc".into(),
                message: "the arc needs exposition, rising action, climax and resolution".into(),
            });
        }
        let have: BTreeSet<u32> = self.outlines.iter().map(|o| o.episode_number).collect();
        let missing: Vec<String> = (1..=self.series.total_episodes)
            .filter(|n| !have.contains(n))
            .map(|n| n.to_string())
            .collect();
        if !missing.is_empty() {
            out.push(PlanProblem {
                path: "outlines".into(),
                message: format!("no outline for episode(s) {}", missing.join(", ")),
            });
        }
        for (i, o) in self.outlines.iter().enumerate() {
            if o.hook.trim().is_empty() {
                out.push(PlanProblem {
                    path: format!("outlines[{i}].hook"),
                    message: "is empty".into(),
                });
            }
            if o.cliffhanger.trim().is_empty() && o.episode_number != self.series.total_episodes {
                out.push(PlanProblem {
                    path: format!("outlines[{i}].cliffhanger"),
                    message: "is empty".into(),
                });
            }
        }
        for (i, c) in self.characters.iter().enumerate() {
            if c.voice_profile.gender.trim().is_empty()
                || c.voice_profile.age_group.trim().is_empty()
            {
                out.push(PlanProblem {
                    path: format!("characters[{i}].voice_profile"),
                    message: "needs a gender and an age group".into(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ArcPhase, Genre, Importance, SeriesPlot, SeriesStatus, StoryArc, VoiceProfile};

    fn character(id: &str, name: &str) -> Character {
        Character {
            id: id.into(),
            name: name.into(),
            role: "r".into(),
            importance: Importance::Minor,
            age: None,
            occupation: String::new(),
            personality: vec![],
            background: String::new(),
            goals: vec![],
            secrets: vec![],
            voice_profile: VoiceProfile {
                gender: "female".into(),
                age_group: "young".into(),
                tone: "soft".into(),
                speaking_style: "calm".into(),
            },
            appearance_profile: Default::default(),
        }
    }

    fn plan(n_chars: usize, episodes: u32) -> SeriesPlan {
        SeriesPlan {
            format: SERIES_FORMAT.into(),
            series: Series {
                id: "s1".into(),
                title: "T".into(),
                genre: Genre::Romance,
                genre_label: String::new(),
                total_episodes: episodes,
                episode_duration_min: 10,
                main_theme: String::new(),
                target_audience: String::new(),
                premise: String::new(),
                status: SeriesStatus::Draft,
                plot: SeriesPlot {
                    overall_arc: StoryArc {
                        exposition: "a".into(),
                        rising_action: "b".into(),
                        climax: "c".into(),
                        resolution: "d".into(),
                    },
                    ..Default::default()
                },
            },
            characters: (0..n_chars)
                .map(|i| character(&format!("C{i}"), &format!("이름{i}")))
                .collect(),
            relationships: vec![],
            outlines: (1..=episodes)
                .map(|n| EpisodeOutline {
                    episode_number: n,
                    title: String::new(),
                    arc_phase: ArcPhase::Exposition,
                    main_event: "e".into(),
                    sub_events: vec![],
                    character_focus: vec!["C0".into()],
                    target_emotions: vec![],
                    hook: "h".into(),
                    cliffhanger: "c".into(),
                })
                .collect(),
            threads: vec![],
        }
    }

    #[test]
    fn a_good_plan_has_no_problems() {
        let p = plan(10, 4);
        assert!(p.integrity_problems().is_empty());
        assert!(p.readiness_problems().is_empty());
    }

    #[test]
    fn integrity_problems_name_the_place() {
        let mut p = plan(10, 4);
        p.characters[3].name = "이름1".into();
        p.characters[4].id = "C0".into();
        p.outlines[2].episode_number = 9;
        p.outlines.push(p.outlines[0].clone());
        p.relationships.push(Relationship {
            a: "C0".into(),
            b: "nobody".into(),
            kind: "친구".into(),
            intimacy: 11,
            status: String::new(),
            recent_events: vec![],
        });
        let probs = p.integrity_problems();
        let paths: Vec<&str> = probs.iter().map(|x| x.path.as_str()).collect();
        assert!(paths.contains(&"characters[3].name"), "{probs:?}");
        assert!(paths.contains(&"characters[4].id"));
        assert!(paths.contains(&"outlines[2].episode_number"));
        assert!(paths.contains(&"outlines[4].episode_number"));
        assert!(paths.contains(&"relationships[0].b"));
        assert!(paths.contains(&"relationships[0].intimacy"));
    }

    #[test]
    fn readiness_needs_ten_characters_and_every_outline() {
        let mut p = plan(9, 4);
        p.outlines.remove(1);
        let probs = p.readiness_problems();
        assert_eq!(probs.len(), 2, "{probs:?}");
        assert!(probs[1].message.contains("episode(s) 2"));
    }
}
