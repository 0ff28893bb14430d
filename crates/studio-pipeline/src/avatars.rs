//! Lip-synced avatars for the main cast (seed §4.3): full avatars for main characters, partial ones (about 70% of
//! their lines) for major supporting characters while the plan's usage is under 70%, voice-only otherwise (the render
//! shows their portrait still with emphasised subtitles). Every avatar is a write-ahead paid job.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
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
            plan_quota: 6000.0,
            partial_until_usage: 0.7,
            partial_share: 0.7,
            poll_interval_sec: 12.0,
            job_deadline_min: 30.0,
        }
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

#[derive(Debug, Clone, Serialize, Default)]
pub struct AvatarReport {
    pub series_id: String,
    pub episode: u32,
    /// Share of the HeyGen plan used before this episode, when known.
    pub usage: Option<f64>,
    pub strategies: BTreeMap<String, AvatarStrategy>,
    pub lines_with_avatar: usize,
    pub made_now: usize,
    pub already_done: usize,
    pub failed: Vec<crate::LineFailure>,
    /// Lines whose avatar waits for a person (a quota, a refused request).
    pub needs_attention: Vec<crate::LineFailure>,
    pub notes: Vec<String>,
    pub estimated_usd: f64,
}

pub struct AvatarStage<'a> {
    pub provider: Arc<dyn RemoteProvider>,
    /// The account's avatars: (avatar id, gender).
    pub avatars: Vec<(String, String)>,
    /// HeyGen's remaining quota, when it could be read.
    pub remaining_quota: Option<f64>,
    pub store: &'a Store,
    pub data_dir: PathBuf,
    pub pricing: &'a Pricing,
    pub cfg: AvatarConfig,
    /// Daily and per-provider spending caps.
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

    pub async fn make_avatars(&self, series_id: &str, n: u32) -> Result<AvatarReport, StageError> {
        let script: EpisodeScript = match self.store.script(series_id, n).await? {
            Some(v) if !v.is_null() => serde_json::from_value(v).map_err(|e| {
                StageError::Invalid(format!("the script of episode {n} is unreadable: {e}"))
            })?,
            _ => {
                return Err(StageError::Invalid(format!(
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
        let mut per_char_index: HashMap<String, usize> = HashMap::new();
        let runner = RemoteRunner {
            store: self.store,
            provider: self.provider.as_ref(),
            deadline: Duration::from_secs_f64(self.cfg.job_deadline_min.max(0.0) * 60.0),
            caps: &self.caps,
        };
        for line in script.scenes.iter().flat_map(|s| &s.lines) {
            let Some(c) = by_id.get(line.character.as_str()) else {
                continue;
            };
            // A silent beat (nothing to say) has no voice to lip-sync.
            if !line.spoken().is_speakable() {
                continue;
            }
            let st = strategy(c.importance, usage.unwrap_or(0.0), &self.cfg);
            report.strategies.insert(c.id.clone(), st);
            let k = per_char_index.entry(c.id.clone()).or_default();
            let i = *k;
            *k += 1;
            let wanted = match st {
                AvatarStrategy::Full => true,
                // A steady spread: the first 7 of every 10 lines (for the default 70%).
                AvatarStrategy::Partial => ((i % 10) as f64) < self.cfg.partial_share * 10.0,
                AvatarStrategy::VoiceOnly => false,
            };
            if !wanted {
                continue;
            }
            let Some(avatar) = assigned.get(&c.id) else {
                report.notes.push(format!(
                    "{} has no avatar (none configured or available)",
                    c.name
                ));
                continue;
            };
            let Some(a) = audio.get(&line.id) else {
                report.failed.push(crate::LineFailure {
                    line_id: line.id.clone(),
                    reason: "the line is not voiced yet: voice the episode first".into(),
                });
                continue;
            };
            report.lines_with_avatar += 1;
            let estimate = self
                .pricing
                .avatar_cost("heygen", a.duration_sec)
                .unwrap_or(0.0);
            let out = self.data_dir.join(format!(
                "series/{series_id}/ep{n:03}/avatars/{}.mp4",
                line.id
            ));
            let purpose = format!("avatar:{}", line.id);
            let before = self
                .store
                .remote_job(series_id, n, &purpose)
                .await?
                .map(|j| j.state);
            let input = serde_json::json!({ "audio_path": self.data_dir.join(&a.path).to_string_lossy(), "width": 1920, "height": 1080 });
            match runner
                .run(series_id, n, &purpose, avatar, &input, estimate, &out)
                .await?
            {
                JobEnd::Done { .. } => {
                    if before.as_deref() == Some("downloaded") {
                        report.already_done += 1;
                    } else {
                        report.made_now += 1;
                        report.estimated_usd += estimate;
                    }
                }
                JobEnd::Failed { reason } => report.failed.push(crate::LineFailure {
                    line_id: line.id.clone(),
                    reason,
                }),
                JobEnd::Stuck { reason } | JobEnd::Unknown { reason } => {
                    report.needs_attention.push(crate::LineFailure {
                        line_id: line.id.clone(),
                        reason,
                    })
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
