//! What a script must pass before production: structural validation (seed §7.0), continuity rules on the
//! structured story memory, and quality scores (seed §7.2). Findings say what, where, and how bad.

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

/// The autoworker's `_auto_clip_priority`: position first (hooks high, outro low, the midpoint high), then
/// emotion, then keywords in the Korean visual note; budget-saving "low" otherwise. `index` is 1-based.
pub fn auto_clip_priority(index: usize, total: usize, emotion: &str, visual: &str) -> ClipPriority {
    if index <= 2 {
        return ClipPriority::High;
    }
    if index + 1 >= total {
        return ClipPriority::Low;
    }
    if index == total / 2 {
        return ClipPriority::High;
    }
    let e = emotion.to_lowercase();
    const HIGH_EMOTIONS: &[&str] = &[
        "dramatic",
        "exciting",
        "emotional",
        "intense",
        "climax",
        "충격",
        "분노",
        "긴장",
        "슬픔",
        "설렘",
    ];
    const LOW_EMOTIONS: &[&str] = &["neutral", "calm", "background", "평온", "차분"];
    if HIGH_EMOTIONS.iter().any(|h| e == *h) {
        return ClipPriority::High;
    }
    if LOW_EMOTIONS.iter().any(|l| e == *l) {
        return ClipPriority::Low;
    }
    const HIGH_KEYWORDS: &[&str] = &["인물", "등장", "대화", "충격", "결말", "반전", "클라이맥스"];
    const LOW_KEYWORDS: &[&str] = &["배경", "풍경", "전환", "통계", "그래프", "자막"];
    if HIGH_KEYWORDS.iter().any(|k| visual.contains(k)) {
        return ClipPriority::High;
    }
    if LOW_KEYWORDS.iter().any(|k| visual.contains(k)) {
        return ClipPriority::Low;
    }
    ClipPriority::Low
}

/// Fills in missing clip priorities, and redoes all of them when the writer's choice is implausible (every shot
/// high, or none); returns notes saying so.
pub fn settle_clip_priorities(script: &mut EpisodeScript, parse: &ParseNotes) -> Vec<String> {
    let total = script.storyboard.len();
    let mut notes = Vec::new();
    if total == 0 {
        return notes;
    }
    let highs = script
        .storyboard
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            !parse.clip_priority_missing.contains(i) && s.clip_priority == ClipPriority::High
        })
        .count();
    let given = total - parse.clip_priority_missing.len();
    let implausible = total >= 4 && given == total && (highs == total || highs == 0);
    for (i, shot) in script.storyboard.iter_mut().enumerate() {
        if implausible || parse.clip_priority_missing.contains(&i) {
            shot.clip_priority = auto_clip_priority(i + 1, total, &shot.emotion, &shot.visual);
        }
    }
    if implausible {
        notes.push(format!(
            "clip_priority: the writer marked {} of {total} shots high; all priorities were re-decided by the autoworker rules",
            highs
        ));
    } else if !parse.clip_priority_missing.is_empty() {
        notes.push(format!(
            "clip_priority: missing or invalid on storyboard {:?}; decided by the autoworker rules",
            parse.clip_priority_missing
        ));
    }
    notes
}

/// Words a video prompt must not contain: they make models draw text.
const BANNED_PROMPT_WORDS: &[&str] = &[
    "text",
    "subtitle",
    "subtitles",
    "caption",
    "captions",
    "watermark",
    "logo",
    "letters",
    "typography",
];

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
        || ('\u{1100}'..='\u{11FF}').contains(&c)
        || ('\u{3130}'..='\u{318F}').contains(&c)
}

/// Structural validation (seed §7.0 for scripts).
pub fn validate_structure(
    script: &EpisodeScript,
    ctx: &EpisodeContext,
    cfg: &CheckConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if script.episode_number != ctx.episode_number {
        out.push(Finding::error(
            FindingKind::WrongEpisode,
            "episode_number",
            format!(
                "the script is for episode {}, expected {}",
                script.episode_number, ctx.episode_number
            ),
        ));
    }
    for (field, v) in [
        ("title", &script.title),
        ("summary", &script.summary),
        ("cliffhanger", &script.cliffhanger),
    ] {
        if v.trim().is_empty()
            && !(field == "cliffhanger" && ctx.episode_number == ctx.total_episodes)
        {
            out.push(Finding::error(FindingKind::EmptyField, field, "is empty"));
        }
    }
    if script.scenes.is_empty() {
        out.push(Finding::error(
            FindingKind::EmptyField,
            "scenes",
            "the script has no scenes",
        ));
    }
    let mut scene_numbers = HashSet::new();
    let mut line_ids = HashSet::new();
    for (i, s) in script.scenes.iter().enumerate() {
        if !scene_numbers.insert(s.number) {
            out.push(Finding::error(
                FindingKind::DuplicateScene,
                format!("scenes[{i}].number"),
                format!("scene {} appears twice", s.number),
            ));
        }
        if s.lines.is_empty() {
            out.push(Finding::error(
                FindingKind::EmptyField,
                format!("scenes[{i}].lines"),
                "the scene has no dialogue",
            ));
        }
        for (j, l) in s.lines.iter().enumerate() {
            if !line_ids.insert(l.id.as_str()) {
                out.push(Finding::error(
                    FindingKind::DuplicateLineId,
                    format!("scenes[{i}].lines[{j}].id"),
                    format!("line id \"{}\" is used twice", l.id),
                ));
            }
            let said = l.spoken();
            if l.text.trim().is_empty() && l.direction.is_empty() {
                out.push(Finding::error(
                    FindingKind::EmptyField,
                    format!("scenes[{i}].lines[{j}].text"),
                    "is empty",
                ));
            } else if !said.is_speakable() {
                out.push(Finding::error(
                    FindingKind::NothingToSpeak,
                    format!("scenes[{i}].lines[{j}].text"),
                    if said.directions.is_empty() {
                        format!(
                            "\"{}\" has nothing to speak: write the words the character says",
                            l.text.trim()
                        )
                    } else {
                        format!(
                            "is only a stage direction ({}): write the words the character says and keep directions out of dialogue",
                            said.directions.join(", ")
                        )
                    },
                ));
            }
        }
    }
    let minutes = ctx.series.episode_duration_min.max(1) as f64;
    let (lo, hi) = cfg.lines_per_10_min;
    let (lo, hi) = (
        (lo as f64 * minutes / 10.0).floor() as usize,
        (hi as f64 * minutes / 10.0).ceil() as usize,
    );
    let n = script.line_count();
    if n < lo || n > hi {
        out.push(Finding::error(
            FindingKind::DialogueCount,
            "scenes",
            format!("{n} dialogue lines; a {minutes}-minute episode needs {lo}–{hi}"),
        ));
    }
    let shot_scenes: HashSet<u32> = script.storyboard.iter().map(|s| s.scene).collect();
    for (i, s) in script.scenes.iter().enumerate() {
        if !shot_scenes.contains(&s.number) {
            out.push(Finding::error(
                FindingKind::SceneWithoutShots,
                format!("scenes[{i}]"),
                format!("scene {} has no storyboard shot", s.number),
            ));
        }
    }
    for (i, shot) in script.storyboard.iter().enumerate() {
        if !scene_numbers.contains(&shot.scene) {
            out.push(Finding::error(
                FindingKind::ShotForUnknownScene,
                format!("storyboard[{i}].scene"),
                format!("there is no scene {}", shot.scene),
            ));
        }
        if !(shot.duration_sec > 0.0 && shot.duration_sec <= 60.0) {
            out.push(Finding::error(
                FindingKind::ShotDuration,
                format!("storyboard[{i}].duration_sec"),
                format!("{} s is outside 0–60 s", shot.duration_sec),
            ));
        }
        let p = &shot.video_prompt;
        let path = format!("storyboard[{i}].video_prompt");
        if p.chars().any(is_hangul) {
            out.push(Finding::error(
                FindingKind::VideoPrompt,
                &path,
                "must be English (it contains Hangul)",
            ));
        }
        let words: Vec<&str> = p.split_whitespace().collect();
        if words.len() < 15 || words.len() > 50 {
            out.push(Finding::error(
                FindingKind::VideoPrompt,
                &path,
                format!("{} words; 15–50 are needed", words.len()),
            ));
        }
        let lower = p.to_lowercase();
        for w in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
            if BANNED_PROMPT_WORDS.contains(&w) {
                out.push(Finding::error(
                    FindingKind::VideoPrompt,
                    &path,
                    format!("must not ask for \"{w}\" (models draw it)"),
                ));
            }
        }
        if shot.visual.trim().is_empty() {
            out.push(Finding::error(
                FindingKind::EmptyField,
                format!("storyboard[{i}].visual"),
                "the Korean visual note is empty",
            ));
        }
    }
    out
}

/// Salient words of a secret, for spotting it in dialogue: Hangul/ASCII runs of 2+ characters, minus particles.
fn secret_terms(secret: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "것을", "있음", "있다", "으로", "인한", "하고", "에게", "에서", "사실", "과거",
    ];
    secret
        .split(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
        .map(|w| w.trim_end_matches(['을', '를', '이', '가', '은', '는', '의', '에', '로']))
        .filter(|w| w.chars().count() >= 2 && !STOP.contains(w))
        .map(|w| w.to_string())
        .collect()
}

/// Continuity rules on the structured memory: who may speak, how fast relationships move, threads, secrets,
/// absent main characters.
pub fn check_continuity(
    script: &EpisodeScript,
    ctx: &EpisodeContext,
    characters: &[Character],
    cfg: &CheckConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let cast = Cast::new(characters);
    let states: HashMap<&str, &studio_domain::CharacterSnapshot> = ctx
        .character_states
        .iter()
        .map(|s| (s.state.character_id.as_str(), s))
        .collect();
    let revived: HashSet<String> = script
        .character_developments
        .iter()
        .filter(|d| d.alive == Some(true))
        .filter_map(|d| cast.get(&d.character).map(|c| c.id.clone()))
        .collect();
    let returning: HashSet<String> = script
        .character_developments
        .iter()
        .filter(|d| d.present == Some(true))
        .filter_map(|d| cast.get(&d.character).map(|c| c.id.clone()))
        .collect();

    for (i, s) in script.scenes.iter().enumerate() {
        let scene_cast: HashSet<String> = s
            .characters
            .iter()
            .filter_map(|c| cast.get(c).map(|x| x.id.clone()))
            .collect();
        for (k, c) in s.characters.iter().enumerate() {
            if cast.get(c).is_none() {
                out.push(Finding::error(
                    FindingKind::UnknownCharacter,
                    format!("scenes[{i}].characters[{k}]"),
                    format!("\"{c}\" is not in the cast"),
                ));
            }
        }
        for (j, l) in s.lines.iter().enumerate() {
            let path = format!("scenes[{i}].lines[{j}]");
            let Some(c) = cast.get(&l.character) else {
                out.push(Finding::error(
                    FindingKind::UnknownSpeaker,
                    &path,
                    format!("\"{}\" is not a character of this series", l.character),
                ));
                continue;
            };
            if let Some(st) = states.get(c.id.as_str()) {
                if !st.state.alive && !revived.contains(&c.id) {
                    out.push(Finding::error(
                        FindingKind::DeadSpeaker,
                        &path,
                        format!(
                            "{} died (as of episode {}) and cannot speak",
                            c.name, st.as_of_episode
                        ),
                    ));
                } else if st.state.alive && !st.state.present && !returning.contains(&c.id) {
                    out.push(Finding::error(
                        FindingKind::AbsentSpeaker,
                        &path,
                        format!("{} is absent ({}) since episode {}; bring them back first (present: true)", c.name, st.state.location, st.as_of_episode),
                    ));
                }
            }
            if !scene_cast.is_empty() && !scene_cast.contains(&c.id) {
                out.push(Finding::warning(
                    FindingKind::SpeakerNotInScene,
                    &path,
                    format!("{} speaks but is not listed in scene {}", c.name, s.number),
                ));
            }
        }
    }

    for (i, d) in script.character_developments.iter().enumerate() {
        let path = format!("character_developments[{i}]");
        let Some(c) = cast.get(&d.character) else {
            out.push(Finding::error(
                FindingKind::UnknownCharacter,
                &path,
                format!("\"{}\" is not in the cast", d.character),
            ));
            continue;
        };
        if let Some(st) = states.get(c.id.as_str())
            && !st.state.alive
            && d.alive != Some(true)
        {
            out.push(Finding::error(
                FindingKind::DeadCharacterDevelopment,
                &path,
                format!(
                    "{} is dead; a development needs an explicit revival",
                    c.name
                ),
            ));
        }
    }

    let rels: HashMap<(String, String), &Relationship> = ctx
        .relationships
        .iter()
        .map(|r| {
            (
                (r.relationship.a.clone(), r.relationship.b.clone()),
                &r.relationship,
            )
        })
        .collect();
    for (i, r) in script.relationship_changes.iter().enumerate() {
        let path = format!("relationship_changes[{i}]");
        let (Some(a), Some(b)) = (cast.get(&r.a), cast.get(&r.b)) else {
            out.push(Finding::error(
                FindingKind::UnknownCharacter,
                &path,
                format!("\"{}\"–\"{}\" names someone outside the cast", r.a, r.b),
            ));
            continue;
        };
        let key = Relationship::pair(&a.id, &b.id);
        let before = rels.get(&key).map(|x| x.intimacy as i32).unwrap_or(3);
        let after = match (r.intimacy, r.intimacy_delta) {
            (Some(v), _) => v as i32,
            (None, Some(d)) => before + d as i32,
            _ => before,
        };
        if (after - before).abs() > cfg.max_intimacy_step as i32 {
            out.push(Finding::error(
                FindingKind::IntimacyJump,
                &path,
                format!(
                    "{}–{} intimacy jumps {before}→{after} in one episode (at most ±{})",
                    a.name, b.name, cfg.max_intimacy_step
                ),
            ));
        }
        if !(1..=10).contains(&after) {
            out.push(Finding::error(
                FindingKind::IntimacyJump,
                &path,
                format!("intimacy {after} is outside 1–10"),
            ));
        }
    }

    // Threads: what is open, and what was resolved, as of N−1. The context lists open threads; the memory of
    // resolved ones comes from the plan's previous episodes through the thread ids the script mentions.
    let open: HashSet<&str> = ctx.open_threads.iter().map(|t| t.id.as_str()).collect();
    let opened_now: HashSet<&str> = script
        .threads_opened
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    for (i, t) in script.threads_resolved.iter().enumerate() {
        if !open.contains(t.id.as_str()) && !opened_now.contains(t.id.as_str()) {
            out.push(Finding::error(
                FindingKind::UnknownThread,
                format!("threads_resolved[{i}]"),
                format!("thread \"{}\" is not open", t.id),
            ));
        }
    }
    for (i, t) in script.threads_opened.iter().enumerate() {
        let reused = open.contains(t.id.as_str()) || ctx.resolved_thread_ids().any(|r| r == t.id);
        let same_title = ctx.resolved_threads.iter().any(|r| r.title == t.title);
        if (reused || same_title)
            && t.reopen_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            out.push(Finding::error(
                FindingKind::ThreadReopened,
                format!("threads_opened[{i}]"),
                format!(
                    "\"{}\" was already {} — reopening needs a reopen_reason",
                    t.title,
                    if open.contains(t.id.as_str()) {
                        "open"
                    } else {
                        "resolved"
                    }
                ),
            ));
        }
    }

    // Secrets: until revealed, only their owner may speak of them.
    let revealed: HashSet<(&str, &str)> = ctx
        .revealed_secrets
        .iter()
        .map(|r| (r.character_id.as_str(), r.secret.as_str()))
        .collect();
    let revealed_now: HashSet<(String, &str)> = script
        .secrets_revealed
        .iter()
        .filter_map(|r| {
            cast.get(&r.character)
                .map(|c| (c.id.clone(), r.secret.as_str()))
        })
        .collect();
    for owner in characters {
        for secret in &owner.secrets {
            if revealed.contains(&(owner.id.as_str(), secret.as_str()))
                || revealed_now.contains(&(owner.id.clone(), secret.as_str()))
            {
                continue;
            }
            let terms = secret_terms(secret);
            if terms.is_empty() {
                continue;
            }
            for (i, s) in script.scenes.iter().enumerate() {
                for (j, l) in s.lines.iter().enumerate() {
                    if cast.get(&l.character).is_some_and(|c| c.id == owner.id) {
                        continue;
                    }
                    let hits = terms.iter().filter(|t| l.text.contains(t.as_str())).count();
                    if hits >= 2.min(terms.len()) {
                        out.push(Finding::error(
                            FindingKind::SecretBeforeReveal,
                            format!("scenes[{i}].lines[{j}]"),
                            format!(
                                "{} speaks of {}'s secret (\"{secret}\") before it is revealed",
                                l.character, owner.name
                            ),
                        ));
                    }
                }
            }
        }
    }

    // Main characters may not disappear for longer than allowed.
    let on_screen: HashSet<String> = script
        .appearances()
        .iter()
        .filter_map(|a| cast.get(a).map(|c| c.id.clone()))
        .collect();
    for c in characters
        .iter()
        .filter(|c| c.importance == Importance::Main)
    {
        let alive_present = states
            .get(c.id.as_str())
            .is_none_or(|s| s.state.alive && s.state.present);
        if !alive_present || on_screen.contains(&c.id) {
            continue;
        }
        let last = ctx.last_appearances.get(&c.id).copied().unwrap_or(0);
        let missing_for = ctx.episode_number - last; // episodes without them, counting this one
        if missing_for > cfg.max_main_absence {
            out.push(Finding::error(
                FindingKind::MainCharacterMissing,
                "scenes",
                format!(
                    "main character {} has not appeared for {missing_for} episodes (at most {})",
                    c.name, cfg.max_main_absence
                ),
            ));
        }
    }
    out
}

/// Quality scores (seed §7.2): natural Korean dialogue, pacing, character coverage — each 0–1.
pub fn score_quality(
    script: &EpisodeScript,
    ctx: &EpisodeContext,
    characters: &[Character],
) -> (QualityScores, Vec<Finding>) {
    let mut findings = Vec::new();
    // The seed's DialogueNaturalnessChecker patterns, plus lines too long to say in one breath.
    let patterns = [r"나는.*입니다", r"당신은.*입니까", r"그것은.*것입니다"];
    let res: Vec<Regex> = patterns.iter().filter_map(|p| Regex::new(p).ok()).collect();
    let mut total = 0usize;
    let mut natural = 0usize;
    let cast_for_names = Cast::new(characters);
    let cast_names: Vec<&str> = characters.iter().map(|c| c.name.as_str()).collect();
    let outline_texts: Vec<String> = ctx
        .outline
        .as_ref()
        .map(|o| {
            let mut v = vec![o.main_event.clone(), o.hook.clone(), o.cliffhanger.clone()];
            v.extend(o.sub_events.iter().cloned());
            v
        })
        .unwrap_or_default();
    for (i, s) in script.scenes.iter().enumerate() {
        for (j, l) in s.lines.iter().enumerate() {
            total += 1;
            let said = l.spoken().text;
            let path = format!("scenes[{i}].lines[{j}]");
            let speaker = cast_for_names.get(&l.character).map(|c| c.name.as_str());
            // Narration or outline text: a character would read a synopsis aloud.
            let pasted = outline_texts.iter().find_map(|o| {
                crate::dialogue::pasted_from(&said, o, crate::dialogue::PASTE_MIN_CHARS)
            });
            if let Some(p) = pasted {
                findings.push(Finding::error(
                    FindingKind::NarrationInDialogue,
                    &path,
                    format!("the line copies the outline (\"{p}\"): write what the character says, not the synopsis"),
                ));
                continue;
            }
            // A heuristic (a named subject and the plain present "-ㄴ다"), so a warning that lowers naturalness,
            // not a refusal: "송시우가 온다!" can be speech.
            if crate::dialogue::is_narration(&said, &cast_names) {
                findings.push(Finding::warning(
                    FindingKind::NarrationInDialogue,
                    &path,
                    format!("reads as narration, not speech: {said}"),
                ));
                continue;
            }
            if speaker.is_some_and(|n| crate::dialogue::names_self(&said, n)) {
                findings.push(Finding::warning(
                    FindingKind::SelfThirdPerson,
                    &path,
                    format!(
                        "{} speaks of themself by name: {said}",
                        speaker.unwrap_or_default()
                    ),
                ));
                continue;
            }
            let stiff = res.iter().find(|r| r.is_match(&l.text));
            let too_long = l.text.chars().count() > 120;
            if let Some(r) = stiff {
                findings.push(Finding::warning(
                    FindingKind::UnnaturalDialogue,
                    format!("scenes[{i}].lines[{j}]"),
                    format!(
                        "stiff, translated-sounding line (matches {}): {}",
                        r.as_str(),
                        l.text
                    ),
                ));
            } else if too_long {
                findings.push(Finding::warning(
                    FindingKind::UnnaturalDialogue,
                    format!("scenes[{i}].lines[{j}]"),
                    "a line of over 120 characters cannot be said naturally",
                ));
            } else {
                natural += 1;
            }
        }
    }
    let naturalness = if total == 0 {
        0.0
    } else {
        natural as f64 / total as f64
    };

    // Pacing: a scene every 1–3 minutes, and no scene hogging the episode or left as a fragment.
    let minutes = ctx.series.episode_duration_min.max(1) as f64;
    let scenes = script.scenes.len() as f64;
    let mut pacing: f64 = 1.0;
    if scenes < (minutes / 3.0).ceil().max(2.0) || scenes > (minutes * 1.5).max(4.0) {
        pacing -= 0.4;
        findings.push(Finding::warning(
            FindingKind::Pacing,
            "scenes",
            format!("{scenes} scenes for {minutes} minutes"),
        ));
    }
    if total > 0 {
        let uneven = script
            .scenes
            .iter()
            .filter(|s| s.lines.len() < 3 || s.lines.len() as f64 > 0.45 * total as f64)
            .count();
        if uneven > 0 {
            pacing -= 0.3 * uneven as f64 / scenes.max(1.0);
            findings.push(Finding::warning(
                FindingKind::Pacing,
                "scenes",
                format!("{uneven} scene(s) are fragments or hog the episode"),
            ));
        }
    }
    let pacing = pacing.clamp(0.0, 1.0);

    // Coverage: the outline's focus characters and the (present) main characters are on screen.
    let cast = Cast::new(characters);
    let on_screen: HashSet<String> = script
        .appearances()
        .iter()
        .filter_map(|a| cast.get(a).map(|c| c.id.clone()))
        .collect();
    let available = |id: &str| {
        ctx.character_states
            .iter()
            .find(|s| s.state.character_id == id)
            .is_none_or(|s| s.state.alive && s.state.present)
    };
    let mut wanted: Vec<String> = ctx
        .outline
        .as_ref()
        .map(|o| o.character_focus.clone())
        .unwrap_or_default();
    for c in characters
        .iter()
        .filter(|c| c.importance == Importance::Main)
    {
        if !wanted.contains(&c.id) {
            wanted.push(c.id.clone());
        }
    }
    wanted.retain(|w| available(w));
    let covered = wanted.iter().filter(|w| on_screen.contains(*w)).count();
    let coverage = if wanted.is_empty() {
        1.0
    } else {
        covered as f64 / wanted.len() as f64
    };
    for w in wanted.iter().filter(|w| !on_screen.contains(*w)) {
        findings.push(Finding::warning(
            FindingKind::Coverage,
            "scenes",
            format!(
                "{} should appear in this episode",
                cast.get(w).map(|c| c.name.as_str()).unwrap_or(w)
            ),
        ));
    }
    // Variety: the same sentences and tails over and over.
    let spoken: Vec<String> = script
        .scenes
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| l.spoken().text))
        .collect();
    let rep = crate::dialogue::repetition(&spoken.iter().map(String::as_str).collect::<Vec<_>>());
    for (sentence, n) in rep.overused.iter().take(5) {
        findings.push(Finding::warning(
            FindingKind::Repetition,
            "scenes",
            format!("\"{sentence}\" is said in {n} lines: vary it"),
        ));
    }
    if rep.distinct_2 < crate::dialogue::DISTINCT_2_FULL {
        findings.push(Finding::warning(
            FindingKind::Repetition,
            "scenes",
            format!(
                "the lines reuse the same phrases (distinct word pairs {:.2}, {:.2} or more reads as varied)",
                rep.distinct_2,
                crate::dialogue::DISTINCT_2_FULL
            ),
        ));
    }
    let variety = rep.variety;
    let overall = (naturalness + pacing + coverage + variety) / 4.0;
    (
        QualityScores {
            naturalness,
            pacing,
            coverage,
            variety,
            overall,
        },
        findings,
    )
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
