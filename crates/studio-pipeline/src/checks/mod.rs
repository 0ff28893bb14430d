//! What a script must pass before production: structural validation (seed §7.0), continuity rules on the
//! structured story memory, and quality scores (seed §7.2). Findings say what, where, and how bad.

mod continuity;
mod quality;
mod structure;

pub use continuity::check_continuity;
pub use quality::score_quality;
pub use structure::{auto_clip_priority, settle_clip_priorities, validate_structure};

use std::collections::{HashMap, HashSet};

use regex::Regex;
use serde::{Deserialize, Serialize};
use studio_domain::{
    Character, ClipPriority, EpisodeContext, EpisodeScript, Importance, Relationship, SeriesPlan,
};

use crate::parse::ParseNotes;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CheckConfig {
    /// The largest intimacy change one episode may make between two characters.
    pub max_intimacy_step: u8,
    /// A main character may be off screen for at most this many consecutive episodes.
    pub max_main_absence: u32,
    /// Overall quality below this regenerates the script.
    pub quality_threshold: f64,
    /// Any single quality score below this regenerates it too (one bad dimension should not hide in the mean).
    pub quality_floor: f64,
    /// Writer attempts per episode before it is parked for review.
    pub max_attempts: u32,
    /// Dialogue lines per 10 minutes of episode (seed: 80–100).
    pub lines_per_10_min: (u32, u32),
}

impl Default for CheckConfig {
    fn default() -> Self {
        Self {
            max_intimacy_step: 3,
            max_main_absence: 2,
            quality_threshold: 0.8,
            quality_floor: 0.6,
            max_attempts: 3,
            lines_per_10_min: (80, 100),
        }
    }
}

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    // structure
    WrongEpisode,
    EmptyField,
    DuplicateLineId,
    DuplicateScene,
    DialogueCount,
    SceneWithoutShots,
    ShotForUnknownScene,
    /// A development's outfit change that cannot be drawn: a scene the episode does not have, a scene without an
    /// outfit, or an outfit that is not a short line.
    OutfitChange,
    VideoPrompt,
    ShotDuration,
    /// A line with no words once stage directions and symbols are set aside (`……`, `(한숨)`, `😊`).
    NothingToSpeak,
    // continuity
    UnknownSpeaker,
    UnknownCharacter,
    AbsentSpeaker,
    DeadSpeaker,
    DeadCharacterDevelopment,
    IntimacyJump,
    ThreadReopened,
    UnknownThread,
    SecretBeforeReveal,
    MainCharacterMissing,
    SpeakerNotInScene,
    LlmContinuity,
    // quality
    UnnaturalDialogue,
    Pacing,
    Coverage,
    /// The same sentences or tails over and over across the episode's lines.
    Repetition,
    /// A speaker names themself in the third person.
    SelfThirdPerson,
    /// Narration or outline text inside what a character says (it would be voiced).
    NarrationInDialogue,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// Where in the script: `scenes[2].lines[5]`, `storyboard[3].video_prompt`, …
    pub path: String,
    pub message: String,
}

impl Finding {
    fn error(kind: FindingKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            severity: Severity::Error,
            path: path.into(),
            message: message.into(),
        }
    }
    fn warning(kind: FindingKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            severity: Severity::Warning,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct QualityScores {
    pub naturalness: f64,
    pub pacing: f64,
    pub coverage: f64,
    /// How little the dialogue repeats itself (see [`crate::dialogue::repetition`]).
    #[serde(default = "full")]
    pub variety: f64,
    pub overall: f64,
}

fn full() -> f64 {
    1.0
}

impl QualityScores {
    pub fn acceptable(&self, cfg: &CheckConfig) -> bool {
        self.overall >= cfg.quality_threshold
            && self
                .naturalness
                .min(self.pacing)
                .min(self.coverage)
                .min(self.variety)
                >= cfg.quality_floor
    }
}

/// The whole verdict on one script.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct CheckReport {
    pub findings: Vec<Finding>,
    pub quality: QualityScores,
    /// Notes on what the checker decided for the writer (clip priorities filled in by rule, …).
    pub notes: Vec<String>,
    pub passed: bool,
}

impl CheckReport {
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
    /// The problems to feed back to the writer on the next attempt.
    pub fn feedback(&self, cfg: &CheckConfig) -> Vec<String> {
        let mut out: Vec<String> = self.errors().map(|f| f.to_string()).collect();
        if !self.quality.acceptable(cfg) {
            out.push(format!(
                "quality {:.2} (naturalness {:.2}, pacing {:.2}, coverage {:.2}) is below the bar: overall {:.2}, each at least {:.2}",
                self.quality.overall,
                self.quality.naturalness,
                self.quality.pacing,
                self.quality.coverage,
                cfg.quality_threshold,
                cfg.quality_floor
            ));
            out.extend(
                self.findings
                    .iter()
                    .filter(|f| f.severity == Severity::Warning)
                    .take(10)
                    .map(|f| f.to_string()),
            );
        }
        out
    }
}

/// Looks characters up by id or name.
pub struct Cast<'a> {
    by_ref: HashMap<&'a str, &'a Character>,
}

impl<'a> Cast<'a> {
    pub fn new(chars: &'a [Character]) -> Self {
        let mut by_ref = HashMap::new();
        for c in chars {
            by_ref.insert(c.id.as_str(), c);
            by_ref.insert(c.name.as_str(), c);
        }
        Self { by_ref }
    }
    pub fn get(&self, r: &str) -> Option<&'a Character> {
        self.by_ref.get(r.trim()).copied()
    }
}

/// Runs validation, continuity and quality; `llm_findings` are added from a writer's continuity check.
pub fn check_script(
    script: &EpisodeScript,
    ctx: &EpisodeContext,
    characters: &[Character],
    cfg: &CheckConfig,
    notes: Vec<String>,
    llm_findings: Vec<Finding>,
) -> CheckReport {
    let mut findings = validate_structure(script, ctx, cfg);
    findings.extend(check_continuity(script, ctx, characters, cfg));
    findings.extend(llm_findings);
    let (quality, qf) = score_quality(script, ctx, characters);
    findings.extend(qf);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)));
    let passed = !findings.iter().any(|f| f.severity == Severity::Error) && quality.acceptable(cfg);
    CheckReport {
        findings,
        quality,
        notes,
        passed,
    }
}

/// Plan validation before production (seed §7.0): storage integrity, readiness, and the genre's needs.
pub fn validate_plan(plan: &SeriesPlan) -> Vec<studio_domain::PlanProblem> {
    let mut out = plan.integrity_problems();
    out.extend(plan.readiness_problems());
    let template = crate::genre::template(plan.series.genre);
    for el in template.required_elements {
        if !plan.series.plot.milestones.contains_key(*el) {
            out.push(studio_domain::PlanProblem {
                path: "series.plot.milestones".into(),
                message: format!(
                    "the {} structure needs a \"{el}\" milestone",
                    plan.series.genre
                ),
            });
        }
    }
    for (k, ep) in &plan.series.plot.milestones {
        if *ep == 0 || *ep > plan.series.total_episodes {
            out.push(studio_domain::PlanProblem {
                path: format!("series.plot.milestones.{k}"),
                message: format!("episode {ep} is outside 1–{}", plan.series.total_episodes),
            });
        }
    }
    out
}
