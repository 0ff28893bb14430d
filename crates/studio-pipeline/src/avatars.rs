//! Lip-synced avatars for the main cast (seed §4.3): full avatars for main characters, partial ones (about 70% of
//! their lines) for major supporting characters while the plan's usage is under 70%, voice-only otherwise (the render
//! shows their portrait still with emphasised subtitles).
//!
//! Avatars are made as **takes**, one per character and scene, not one per line: HeyGen bills every video by the
//! started 30 seconds (`assets/pricing.toml`), so a 3-second line made alone costs as much as 30 seconds of talking.
//! A take's audio is the character's lines of the scene joined in script order with [`TAKE_GAP_SEC`] of rest
//! between them; the offsets are known from the samples, so each line's [`AvatarCut`] points into the take where its
//! words are, and the render shows that stretch in the line's slot. Every take is a write-ahead paid job; a take is
//! made again only when the audio of one of its lines changes (its name carries a hash of the lines' audio).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_domain::{Character, EpisodeScript, Importance};
use studio_store::Store;

use crate::Pricing;
use crate::remote::{JobEnd, RemoteProvider, RemoteRunner};
use crate::stage::StageError;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AvatarConfig {
    /// Avatar id per character id; characters not listed get one of the account's avatars by gender.
    pub by_character: BTreeMap<String, String>,
    /// The avatar a character's take is made with when its own avatar's render fails (per character id); not
    /// listed: another of the account's avatars of the character's gender that no other character on screen wears.
    /// After that the lines go voice-only.
    pub fallback_by_character: BTreeMap<String, String>,
    /// The plan's quota in HeyGen's unit (seconds), to know how much of it is used.
    pub plan_quota: f64,
    /// Above this share of the plan used, major supporting characters go voice-only.
    pub partial_until_usage: f64,
    /// The share of a major supporting character's lines that get an avatar.
    pub partial_share: f64,
    pub poll_interval_sec: f64,
    pub job_deadline_min: f64,
}

impl Default for AvatarConfig {
    fn default() -> Self {
        Self {
            by_character: BTreeMap::new(),
            fallback_by_character: BTreeMap::new(),
            plan_quota: 6000.0,
            partial_until_usage: 0.7,
            partial_share: 0.7,
            poll_interval_sec: 12.0,
            job_deadline_min: 30.0,
        }
    }
}

/// Silence between two lines in a take (seconds): the mouth comes to rest, and a line's cut never shows the
/// start of the next one.
pub const TAKE_GAP_SEC: f64 = 0.4;

/// Joins line audio into one track, for a take.
pub trait AudioJoin: Send + Sync {
    /// Writes `parts` joined in order, with `gap_sec` of silence between them, to `dst` (48 kHz mono WAV).
    /// Returns each part's (offset, duration) in seconds in the joined track.
    ///
    /// # Errors
    /// A sentence naming the part that could not be read, or the output that could not be written.
    fn join(&self, parts: &[PathBuf], gap_sec: f64, dst: &Path) -> Result<Vec<(f64, f64)>, String>;
}

/// Where a line's lip-synced picture is: a stretch of its character's take for the scene. Saved as
/// `avatars/<line_id>.cut.json` in the episode folder once the take is downloaded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AvatarCut {
    /// The take, relative to the episode folder (`avatars/scene01-CHAR001-<hash>.mp4`).
    pub clip: String,
    /// Where the line starts in the take, seconds.
    pub offset_sec: f64,
    /// The line's length, seconds.
    pub duration_sec: f64,
    /// SHA-256 of the line audio the take was made from: once the line is voiced again, the cut no longer fits.
    pub audio_sha256: String,
}

impl AvatarCut {
    /// `avatars/<line_id>.cut.json` under the episode folder `ep_dir`.
    pub fn path(ep_dir: &Path, line_id: &str) -> PathBuf {
        ep_dir.join(format!("avatars/{line_id}.cut.json"))
    }

    /// The line's cut, when there is one that can be read and whose take is on disk.
    pub fn read(ep_dir: &Path, line_id: &str) -> Option<Self> {
        let text = std::fs::read_to_string(Self::path(ep_dir, line_id)).ok()?;
        let cut: Self = serde_json::from_str(&text).ok()?;
        let clip = ep_dir.join(&cut.clip);
        // The clip must stay inside the episode folder (plain relative parts only), and be there.
        let inside = Path::new(&cut.clip)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        (inside
            && cut.offset_sec.is_finite()
            && cut.offset_sec >= 0.0
            && cut.duration_sec.is_finite()
            && cut.duration_sec > 0.0
            && std::fs::metadata(&clip).is_ok_and(|m| m.is_file() && m.len() > 0))
        .then_some(cut)
    }

    /// Saves the cut (written aside and renamed, so a reader never sees half of it).
    ///
    /// # Errors
    /// The file system's error.
    pub fn write(&self, ep_dir: &Path, line_id: &str) -> std::io::Result<()> {
        let path = Self::path(ep_dir, line_id);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.part");
        std::fs::write(
            &tmp,
            serde_json::to_vec(self).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(&tmp, &path)
    }
}

/// Where a take's lines go when it was not made.
#[derive(Clone, Copy)]
enum Outcome {
    Failed,
    Attention,
    VoiceOnly,
}

/// One avatar video to make: a character's wanted lines of one scene.
struct Take<'a> {
    scene: u32,
    character: String,
    avatar: String,
    lines: Vec<&'a studio_domain::LineAudio>,
}

impl Take<'_> {
    /// `scene01-CHAR001-<12 hex of SHA-256 over the lines and their audio>`: another set of lines, or a line
    /// voiced again, is another take.
    fn name(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for a in &self.lines {
            h.update(a.line_id.as_bytes());
            h.update([0u8]);
            h.update(a.sha256.as_bytes());
            h.update([0u8]);
        }
        let hash: String = h
            .finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        let character: String = self
            .character
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        format!("scene{:02}-{character}-{hash}", self.scene)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AvatarStrategy {
    Full,
    Partial,
    VoiceOnly,
}

pub fn strategy(importance: Importance, usage: f64, cfg: &AvatarConfig) -> AvatarStrategy {
    match importance {
        Importance::Main => AvatarStrategy::Full,
        Importance::MajorSupporting if usage < cfg.partial_until_usage => AvatarStrategy::Partial,
        _ => AvatarStrategy::VoiceOnly,
    }
}

/// A line that gets an avatar by its character's strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct AvatarLine {
    /// The scene's number in the script.
    pub scene: u32,
    /// The character's id.
    pub character: String,
    /// The line's id in the script.
    pub line_id: String,
}

/// Which lines of `script` get an avatar (in script order) and each speaking character's strategy, with the
/// plan's `usage` (0–1) — what the stage makes and what the episode estimate counts. Silent beats and lines of
/// characters not in the cast get none.
pub fn avatar_lines(
    script: &EpisodeScript,
    characters: &[Character],
    usage: f64,
    cfg: &AvatarConfig,
) -> (Vec<AvatarLine>, BTreeMap<String, AvatarStrategy>) {
    let by_id: HashMap<&str, &Character> = characters
        .iter()
        .flat_map(|c| [(c.id.as_str(), c), (c.name.as_str(), c)])
        .collect();
    let mut strategies = BTreeMap::new();
    let mut per_char_index: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::new();
    for scene in &script.scenes {
        for line in &scene.lines {
            let Some(c) = by_id.get(line.character.as_str()) else {
                continue;
            };
            // A silent beat (nothing to say) has no voice to lip-sync.
            if !line.spoken().is_speakable() {
                continue;
            }
            let st = strategy(c.importance, usage, cfg);
            strategies.insert(c.id.clone(), st);
            let k = per_char_index.entry(c.id.as_str()).or_default();
            let i = *k;
            *k += 1;
            let wanted = match st {
                AvatarStrategy::Full => true,
                // A steady spread: the first 7 of every 10 lines (for the default 70%).
                AvatarStrategy::Partial => ((i % 10) as f64) < cfg.partial_share * 10.0,
                AvatarStrategy::VoiceOnly => false,
            };
            if wanted {
                out.push(AvatarLine {
                    scene: scene.number,
                    character: c.id.clone(),
                    line_id: line.id.clone(),
                });
            }
        }
    }
    (out, strategies)
}

/// The length of a take (seconds) speaking lines of these lengths, with the rests between them.
pub fn take_seconds(lines: &[f64]) -> f64 {
    lines.iter().sum::<f64>() + TAKE_GAP_SEC * lines.len().saturating_sub(1) as f64
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct AvatarReport {
    pub series_id: String,
    pub episode: u32,
    /// Share of the HeyGen plan used before this episode, when known.
    pub usage: Option<f64>,
    pub strategies: BTreeMap<String, AvatarStrategy>,
    pub lines_with_avatar: usize,
    /// Lines whose take was made now / was there already.
    pub made_now: usize,
    pub already_done: usize,
    /// Takes (avatar videos, one per character and scene) the episode has, and how many were made now.
    pub takes: usize,
    pub takes_made: usize,
    pub failed: Vec<crate::LineFailure>,
    /// Lines whose avatar waits for a person (a quota, a refused request).
    pub needs_attention: Vec<crate::LineFailure>,
    /// Lines left voice-only (portrait still and subtitles), with the reason: their take would pass a spending cap
    /// — the episode's, the day's or HeyGen's — and was not sent, or its render failed with the character's avatar
    /// and with its fallback avatar (failed renders are not billed).
    pub voice_only: Vec<crate::LineFailure>,
    pub notes: Vec<String>,
    pub estimated_usd: f64,
}

pub struct AvatarStage<'a> {
    pub provider: Arc<dyn RemoteProvider>,
    /// Joins a take's line audio.
    pub audio: Arc<dyn AudioJoin>,
    /// The account's avatars: (avatar id, gender).
    pub avatars: Vec<(String, String)>,
    /// HeyGen's remaining quota, when it could be read.
    pub remaining_quota: Option<f64>,
    pub store: &'a Store,
    pub data_dir: PathBuf,
    pub pricing: &'a Pricing,
    pub cfg: AvatarConfig,
    /// Spending caps: the day's, each provider's and the episode's (a take that would pass one is not sent; its
    /// lines stay voice-only).
    pub caps: Vec<studio_store::SpendCap>,
}

impl AvatarStage<'_> {
    /// Each character's avatar id: configured, else a distinct account avatar of the right gender.
    pub fn assign(&self, characters: &[Character]) -> HashMap<String, String> {
        let mut out = HashMap::new();
        let mut used: Vec<String> = self.cfg.by_character.values().cloned().collect();
        for c in characters {
            if let Some(a) = self.cfg.by_character.get(&c.id) {
                out.insert(c.id.clone(), a.clone());
                continue;
            }
            let pick = self
                .avatars
                .iter()
                .find(|(id, g)| {
                    !used.contains(id) && (g.is_empty() || *g == c.voice_profile.gender)
                })
                .or_else(|| self.avatars.iter().find(|(id, _)| !used.contains(id)));
            if let Some((id, _)) = pick {
                used.push(id.clone());
                out.insert(c.id.clone(), id.clone());
            }
        }
        out
    }

    /// The avatar a character's take falls back to when `primary` fails: configured, else one of the account's
    /// avatars of the character's gender that no other character wears in this episode (`on_screen`), so the
    /// fallback does not make two characters look alike; `None` when there is none (the lines go voice-only).
    pub fn fallback_avatar(
        &self,
        c: &Character,
        primary: &str,
        on_screen: &[String],
    ) -> Option<String> {
        if let Some(a) = self.cfg.fallback_by_character.get(&c.id) {
            return (a != primary).then(|| a.clone());
        }
        self.avatars
            .iter()
            .find(|(id, g)| {
                id != primary
                    && !on_screen.contains(id)
                    && (g.is_empty() || *g == c.voice_profile.gender)
            })
            .map(|(id, _)| id.clone())
    }

    pub async fn make_avatars(&self, series_id: &str, n: u32) -> Result<AvatarReport, StageError> {
        let script: EpisodeScript = match self.store.script(series_id, n).await? {
            Some(v) if !v.is_null() => serde_json::from_value(v).map_err(|e| {
                StageError::Invalid(format!("the script of episode {n} is unreadable: {e}"))
            })?,
            _ => {
                return Err(StageError::StepMissing(format!(
                    "episode {n} of {series_id} has no script"
                )));
            }
        };
        let characters = self.store.characters(series_id).await?;
        let audio: HashMap<String, studio_domain::LineAudio> = self
            .store
            .line_audio(series_id, n)
            .await?
            .into_iter()
            .map(|a| (a.line_id.clone(), a))
            .collect();
        let usage = self
            .remaining_quota
            .map(|q| (1.0 - q / self.cfg.plan_quota.max(1.0)).clamp(0.0, 1.0));
        let mut report = AvatarReport {
            series_id: series_id.into(),
            episode: n,
            usage,
            ..Default::default()
        };
        if usage.is_none() {
            report.notes.push("HeyGen's remaining quota is unknown; major supporting characters get partial avatars".into());
        }
        let assigned = self.assign(&characters);
        let by_id: HashMap<&str, &Character> = characters
            .iter()
            .flat_map(|c| [(c.id.as_str(), c), (c.name.as_str(), c)])
            .collect();
        let runner = RemoteRunner {
            store: self.store,
            provider: self.provider.as_ref(),
            deadline: Duration::from_secs_f64(self.cfg.job_deadline_min.max(0.0) * 60.0),
            caps: &self.caps,
        };
        let (wanted, strategies) =
            avatar_lines(&script, &characters, usage.unwrap_or(0.0), &self.cfg);
        report.strategies = strategies;
        // The lines that get an avatar, as takes: one per character and scene, lines in script order.
        let mut takes: Vec<Take<'_>> = Vec::new();
        for w in &wanted {
            {
                let Some(c) = by_id.get(w.character.as_str()) else {
                    continue;
                };
                let Some(avatar) = assigned.get(&c.id) else {
                    let note = format!("{} has no avatar (none configured or available)", c.name);
                    if !report.notes.contains(&note) {
                        report.notes.push(note);
                    }
                    continue;
                };
                let Some(a) = audio.get(&w.line_id) else {
                    report.failed.push(crate::LineFailure {
                        line_id: w.line_id.clone(),
                        reason: "the line is not voiced yet: voice the episode first".into(),
                    });
                    continue;
                };
                report.lines_with_avatar += 1;
                match takes
                    .iter_mut()
                    .find(|t| t.scene == w.scene && t.character == c.id)
                {
                    Some(t) => t.lines.push(a),
                    None => takes.push(Take {
                        scene: w.scene,
                        character: c.id.clone(),
                        avatar: avatar.clone(),
                        lines: vec![a],
                    }),
                }
            }
        }
        let ep_dir = self.data_dir.join(format!("series/{series_id}/ep{n:03}"));
        // A take is made from all of its lines at once: one still unvoiced would change the take (and pay for it
        // again) once it is voiced, so such a take waits.
        let unvoiced: Vec<String> = report.failed.iter().map(|f| f.line_id.clone()).collect();
        let waits = |t: &Take<'_>| {
            wanted.iter().any(|w| {
                w.scene == t.scene && w.character == t.character && unvoiced.contains(&w.line_id)
            })
        };
        for take in takes.iter().filter(|t| waits(t)) {
            for a in &take.lines {
                report.failed.push(crate::LineFailure {
                    line_id: a.line_id.clone(),
                    reason: "its scene's avatar video waits for the character's other lines to be voiced".into(),
                });
            }
        }
        let on_screen: Vec<String> = takes.iter().map(|t| t.avatar.clone()).collect();
        for take in takes.iter().filter(|t| !waits(t)) {
            let name = take.name();
            let wav = ep_dir.join(format!("avatars/{name}.wav"));
            let out = ep_dir.join(format!("avatars/{name}.mp4"));
            let fail = |report: &mut AvatarReport, reason: &str, to: Outcome| {
                for a in &take.lines {
                    let f = crate::LineFailure {
                        line_id: a.line_id.clone(),
                        reason: reason.to_string(),
                    };
                    match to {
                        Outcome::Failed => report.failed.push(f),
                        Outcome::Attention => report.needs_attention.push(f),
                        Outcome::VoiceOnly => report.voice_only.push(f),
                    }
                }
            };
            // The take's audio: the character's lines of the scene joined with short rests (cheap and the same
            // every time, so it is joined again rather than trusted from an earlier run).
            let parts: Vec<PathBuf> = take
                .lines
                .iter()
                .map(|a| self.data_dir.join(&a.path))
                .collect();
            let spans = match self.audio.join(&parts, TAKE_GAP_SEC, &wav) {
                Ok(s) if s.len() == take.lines.len() => s,
                Ok(_) => {
                    fail(
                        &mut report,
                        "joining the lines' audio lost a line",
                        Outcome::Failed,
                    );
                    continue;
                }
                Err(e) => {
                    fail(
                        &mut report,
                        &format!("the lines' audio could not be joined: {e}"),
                        Outcome::Failed,
                    );
                    continue;
                }
            };
            let seconds = spans.last().map_or(0.0, |(o, d)| o + d);
            let estimate = self.pricing.avatar_cost("heygen", seconds).unwrap_or(0.0);
            let purpose = format!("avatar-take:{name}");
            let input = serde_json::json!({ "audio_path": wav.to_string_lossy(), "width": 1920, "height": 1080 });
            // The character's avatar, then its fallback avatar when that render fails (a job of its own: the failed
            // one is settled at no cost and never sent again), then voice-only.
            let mut tries = vec![(purpose.clone(), take.avatar.clone())];
            if let Some(f) = by_id
                .get(take.character.as_str())
                .and_then(|c| self.fallback_avatar(c, &take.avatar, &on_screen))
            {
                tries.push((format!("{purpose}:fallback"), f));
            }
            let mut outcome = None;
            for (i, (purpose, avatar)) in tries.iter().enumerate() {
                let before = self
                    .store
                    .remote_job(series_id, n, purpose)
                    .await?
                    .map(|j| j.state);
                let end = runner
                    .run(series_id, n, purpose, avatar, &input, estimate, &out)
                    .await?;
                match end {
                    // The avatar could not render: its fallback tries (a refused key or an account that cannot
                    // pay is not the avatar's fault, so that does not move to the fallback).
                    JobEnd::Failed { reason } if i + 1 < tries.len() => {
                        report.notes.push(format!(
                            "{} in scene {}: the avatar {} failed ({reason}); trying the fallback avatar {}",
                            take.character, take.scene, avatar, tries[i + 1].1
                        ));
                    }
                    end => {
                        if i > 0 && matches!(end, JobEnd::Done { .. }) {
                            report.notes.push(format!(
                                "{} in scene {}: the take was made with the fallback avatar {avatar}",
                                take.character, take.scene
                            ));
                        }
                        outcome = Some((end, before));
                        break;
                    }
                }
            }
            let Some((end, before)) = outcome else {
                continue;
            };
            match end {
                JobEnd::Done { .. } => {
                    for (a, (offset, duration)) in take.lines.iter().zip(&spans) {
                        let cut = AvatarCut {
                            clip: format!("avatars/{name}.mp4"),
                            offset_sec: *offset,
                            duration_sec: *duration,
                            audio_sha256: a.sha256.clone(),
                        };
                        if let Err(e) = cut.write(&ep_dir, &a.line_id) {
                            report.failed.push(crate::LineFailure {
                                line_id: a.line_id.clone(),
                                reason: format!(
                                    "the avatar take is made, but its cut could not be saved: {e}"
                                ),
                            });
                        }
                    }
                    if before.as_deref() == Some("downloaded") {
                        report.already_done += take.lines.len();
                    } else {
                        report.made_now += take.lines.len();
                        report.takes_made += 1;
                        report.estimated_usd += estimate;
                    }
                    report.takes += 1;
                }
                JobEnd::Failed { reason } => fail(
                    &mut report,
                    &format!("voice only: the avatar take failed ({reason})"),
                    Outcome::VoiceOnly,
                ),
                JobEnd::Refused { reason } => fail(
                    &mut report,
                    &format!("voice only for now: the avatar take was not sent ({reason})"),
                    Outcome::VoiceOnly,
                ),
                JobEnd::OverCap { reason, .. } => fail(
                    &mut report,
                    &format!("voice only: the avatar take was {reason}"),
                    Outcome::VoiceOnly,
                ),
                JobEnd::Stuck { reason } | JobEnd::Unknown { reason } => {
                    fail(&mut report, &reason, Outcome::Attention)
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_by_importance_and_usage() {
        let cfg = AvatarConfig::default();
        assert_eq!(strategy(Importance::Main, 0.95, &cfg), AvatarStrategy::Full);
        assert_eq!(
            strategy(Importance::MajorSupporting, 0.5, &cfg),
            AvatarStrategy::Partial
        );
        assert_eq!(
            strategy(Importance::MajorSupporting, 0.7, &cfg),
            AvatarStrategy::VoiceOnly
        );
        assert_eq!(
            strategy(Importance::Supporting, 0.0, &cfg),
            AvatarStrategy::VoiceOnly
        );
        assert_eq!(
            strategy(Importance::Minor, 0.0, &cfg),
            AvatarStrategy::VoiceOnly
        );
    }
}
