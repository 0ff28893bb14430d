//! Review before upload: the episodes waiting for a person, and their decisions — approve (the episode gets its
//! publish slot and production continues to publishing), reject with a reason, or regenerate chosen scenes (only
//! their voices and visuals are made again; the episode renders again and comes back to review). Every decision is
//! stored with its time and reason.

use serde::Serialize;
use studio_domain::{EpisodeStatus, JobStatus, Stage};
use studio_store::ReviewDecision;

use crate::clock::now_ms;
use crate::clock::{parse_rfc3339_utc, publish_slots, rfc3339_utc};
use crate::{CoreError, Engine};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReviewItem {
    pub series_id: String,
    pub series_title: String,
    pub episode: u32,
    pub title: String,
    pub status: EpisodeStatus,
    /// Relative to the data directory, when rendered.
    pub video: Option<String>,
    /// Problems the script checks and metadata validation flagged.
    pub flags: Vec<String>,
    pub decisions: Vec<ReviewDecision>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ApproveReport {
    pub series_id: String,
    pub episode: u32,
    pub status: EpisodeStatus,
    /// When the episode goes public (RFC 3339 UTC), if scheduled.
    pub publish_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RegenerateReport {
    pub series_id: String,
    pub episode: u32,
    pub scenes: Vec<u32>,
    pub lines: usize,
    pub shots: Vec<usize>,
    pub stages_reopened: Vec<String>,
}

/// Where things are in an episode's video, for the review player: scenes (markers), shots (to redo one) and lines
/// (the script following playback). Seconds from the start of the video (the intro included).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReviewTimeline {
    pub total_sec: f64,
    /// The subtitles (WebVTT) as a media URL path, when the episode was packaged.
    pub subtitles: Option<String>,
    pub scenes: Vec<SceneMark>,
    pub shots: Vec<ShotMark>,
    pub lines: Vec<LineMark>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SceneMark {
    pub number: u32,
    pub location: String,
    pub start_sec: f64,
    pub end_sec: f64,
}

/// A storyboard shot's span in the video (index from 0, as the storyboard counts).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ShotMark {
    pub index: usize,
    pub scene: u32,
    pub start_sec: f64,
    pub end_sec: f64,
}

/// A script line's span in the video, with its speaker's name and the words spoken.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LineMark {
    pub id: String,
    pub scene: u32,
    pub speaker: String,
    pub text: String,
    pub start_sec: f64,
    pub end_sec: f64,
}

impl Engine {
    /// Episodes waiting for a decision (in review, rejected, or rendered and parked at the gate), oldest first.
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn review_list(&self) -> Result<Vec<ReviewItem>, CoreError> {
        let mut out = Vec::new();
        for s in self.store().list_series().await? {
            for e in self.store().episodes(&s.id).await? {
                if !matches!(e.status, EpisodeStatus::InReview | EpisodeStatus::Rejected) {
                    continue;
                }
                let rel = format!("series/{}/ep{:03}/episode.mp4", s.id, e.number);
                let flags = self.episode_flags(&s.id, e.number).await;
                out.push(ReviewItem {
                    series_id: s.id.clone(),
                    series_title: s.title.clone(),
                    episode: e.number,
                    title: e.title.clone(),
                    status: e.status,
                    video: self.data_dir().join(&rel).is_file().then_some(rel),
                    flags,
                    decisions: self.store().review_decisions(&s.id, Some(e.number)).await?,
                });
            }
        }
        Ok(out)
    }

    /// What the checks flagged on an episode: script findings (errors and warnings), a script that did not pass,
    /// and metadata problems.
    pub async fn episode_flags(&self, series_id: &str, n: u32) -> Vec<String> {
        let mut flags = Vec::new();
        if let Ok(Some(r)) = self.store().check_report(series_id, n).await
            && let Ok(r) = serde_json::from_value::<studio_pipeline::CheckReport>(r)
        {
            flags.extend(r.findings.iter().map(|f| f.to_string()));
            if !r.passed {
                flags.push("the script did not pass its checks".into());
            }
        }
        let meta = self
            .data_dir()
            .join(format!("series/{series_id}/ep{n:03}/package/metadata.json"));
        if let Ok(Some(t)) = crate::textfile::read_text_if_present(&meta)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&t)
        {
            flags.extend(
                v["problems"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(|p| format!("metadata: {p}"))),
            );
        }
        flags
    }

    /// The next free publish slot from the calendar, when scheduling is on and the series publishes to a channel.
    async fn next_publish_slot(&self, series_id: &str) -> Result<Option<String>, CoreError> {
        let y = &self.config().youtube;
        if !y.schedule || self.publish_channel(series_id).await?.is_none() {
            return Ok(None);
        }
        self.free_publish_slot(now_ms(), None).await
    }

    /// The calendar's first free slot at least an hour after `after_ms` (YouTube needs time to process before the
    /// video goes public), not counting `giving_up` (a slot being moved) as taken.
    pub(crate) async fn free_publish_slot(
        &self,
        after_ms: i64,
        giving_up: Option<&str>,
    ) -> Result<Option<String>, CoreError> {
        let y = &self.config().youtube;
        let taken: Vec<i64> = self
            .store()
            .taken_publish_times()
            .await?
            .iter()
            .filter(|t| Some(t.as_str()) != giving_up)
            .filter_map(|t| parse_rfc3339_utc(t))
            .collect();
        let slots = publish_slots(
            after_ms + 3_600_000,
            1,
            &y.publish_times,
            &self.config().time_zone(),
            y.publish_per_day.max(1),
            &taken,
        );
        Ok(slots.first().map(|ms| rfc3339_utc(*ms)))
    }

    /// The publish time of the episode's latest approval, if it has one.
    pub(crate) async fn approved_publish_at(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Option<String>, CoreError> {
        Ok(self
            .store()
            .review_decisions(series_id, Some(n))
            .await?
            .into_iter()
            .rev()
            .find(|d| d.decision == "approve")
            .and_then(|d| d.publish_at))
    }

    /// A person approves an episode in review: the decision (and its publish slot) is stored, and the gate opens.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidTransition` when the episode is not in review (or
    /// rejected: it can be approved after all);
    /// `InvalidInput` for a publish time that does not parse or has passed; `Database` (and `CorruptData`) from the
    /// store.
    pub async fn approve_episode(
        &self,
        series: &str,
        n: u32,
        reason: &str,
        publish_at: Option<&str>,
    ) -> Result<ApproveReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let at = match publish_at {
            Some(t) => {
                let ms = parse_rfc3339_utc(t).ok_or_else(|| {
                    CoreError::invalid(format!(
                        "publish time \"{t}\" is not an RFC 3339 UTC time like 2026-12-01T10:00:00Z"
                    ))
                })?;
                if ms <= now_ms() {
                    return Err(CoreError::invalid(format!(
                        "publish time {t} is in the past"
                    )));
                }
                Some(rfc3339_utc(ms))
            }
            None => self.next_publish_slot(&s.id).await?,
        };
        let st = self
            .store()
            .transition_episode(&s.id, n, EpisodeStatus::approve)
            .await?;
        self.store()
            .add_review_decision(&s.id, n, "approve", reason, &[], at.as_deref(), now_ms())
            .await?;
        for j in self.store().jobs(Some(&s.id), Some(n)).await? {
            if j.stage == Stage::ReviewGate && j.status == JobStatus::NeedsAttention {
                self.store().retry_job(j.id, now_ms()).await?;
            }
        }
        Ok(ApproveReport {
            series_id: s.id,
            episode: n,
            status: st,
            publish_at: at,
        })
    }

    /// A person rejects an episode in review, saying why. It stays out of publishing until scenes are regenerated
    /// (or it is approved after all).
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` for an empty reason; `InvalidTransition`
    /// when the episode is not in review; `Database` (and `CorruptData`) from the store.
    pub async fn reject_episode(
        &self,
        series: &str,
        n: u32,
        reason: &str,
    ) -> Result<EpisodeStatus, CoreError> {
        if reason.trim().is_empty() {
            return Err(CoreError::invalid(
                "say why the episode is rejected: the reason is kept with the decision",
            ));
        }
        let s = self.store().find_series(series).await?;
        let st = self
            .store()
            .transition_episode(&s.id, n, EpisodeStatus::reject)
            .await?;
        self.store()
            .add_review_decision(&s.id, n, "reject", reason.trim(), &[], None, now_ms())
            .await?;
        Ok(st)
    }

    /// Regenerates chosen scenes of an episode in review (or rejected): their lines' voices and their shots'
    /// visuals are made again (new seeds, new paid jobs where paid), the episode renders again and returns to
    /// review. Other scenes keep their media; the earlier takes are moved aside and listed, not deleted.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` when the episode is not in review, for
    /// no scenes or for a scene the script does not have; `Database` (and `CorruptData`) from the store.
    pub async fn regenerate_scenes(
        &self,
        series: &str,
        n: u32,
        scenes: &[u32],
        reason: &str,
    ) -> Result<RegenerateReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let status = self.episode_status(&s.id, n).await?;
        if !matches!(status, EpisodeStatus::InReview | EpisodeStatus::Rejected) {
            return Err(CoreError::invalid(format!(
                "{} episode {n} is {status}: scenes can be regenerated only in review (or after a rejection)",
                s.title
            )));
        }
        if scenes.is_empty() {
            return Err(CoreError::invalid("name at least one scene to regenerate"));
        }
        let (_, script) = self.series_and_script(&s.id, n).await?;
        let known: Vec<u32> = script.scenes.iter().map(|c| c.number).collect();
        if let Some(bad) = scenes.iter().find(|c| !known.contains(c)) {
            return Err(CoreError::invalid(format!(
                "{} episode {n} has no scene {bad} (scenes: {known:?})",
                s.title
            )));
        }
        let lines: Vec<String> = script
            .scenes
            .iter()
            .filter(|c| scenes.contains(&c.number))
            .flat_map(|c| c.lines.iter().map(|l| l.id.clone()))
            .collect();
        let shots: Vec<usize> = script
            .storyboard
            .iter()
            .enumerate()
            .filter(|(_, sh)| scenes.contains(&sh.scene))
            .map(|(i, _)| i)
            .collect();
        let mut sorted = scenes.to_vec();
        sorted.sort();
        sorted.dedup();
        // The current takes are copied aside and listed; in one transaction the items are forgotten and every stage
        // from voices and visuals to the review gate is queued again (refused while work is under way).
        let takes = self.copy_takes(&s.id, n, &lines, &shots).await?;
        let mut edit = crate::directing::Redo::of(
            &lines,
            &shots,
            &[Stage::Voices, Stage::Visuals],
            sorted.clone(),
        );
        edit.why.reason = reason.to_string();
        // New takes: new seeds for the offline stills (paid jobs got new purposes when the old ones were retired).
        edit.new_seeds = &shots;
        let (redo, _, _) = self.commit_edit(&s, n, takes, edit, None).await?;
        Ok(RegenerateReport {
            series_id: s.id,
            episode: n,
            scenes: sorted,
            lines: lines.len(),
            shots,
            stages_reopened: redo.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// Where scenes, shots and lines fall in the episode's video (the same placement the render and the subtitles
    /// use: the voiced lines at their measured lengths after the intro).
    ///
    /// # Errors
    /// `unknown_series`; `invalid_input` when the episode has no script; store errors.
    pub async fn review_timeline(&self, series: &str, n: u32) -> Result<ReviewTimeline, CoreError> {
        use studio_pipeline::timeline::{SlotSource, place, video_slots};
        let (s, script) = self.series_and_script(series, n).await?;
        let audio = self.store().line_audio(&s.id, n).await?;
        let tl = place(&script, &audio, self.config().render.intro_sec);
        let names: std::collections::HashMap<String, String> = self
            .store()
            .characters(&s.id)
            .await?
            .into_iter()
            .flat_map(|c| [(c.id.clone(), c.name.clone()), (c.name.clone(), c.name)])
            .collect();
        let vtt = self
            .data_dir()
            .join(format!("series/{}/ep{n:03}/package/subtitles.ko.vtt", s.id));
        let shots = video_slots(&script, &tl, &std::collections::HashSet::new())
            .into_iter()
            .filter_map(|sl| match sl.source {
                SlotSource::Shot { index, .. } => Some(ShotMark {
                    index,
                    scene: sl.scene,
                    start_sec: sl.start,
                    end_sec: sl.end,
                }),
                _ => None,
            })
            .collect();
        Ok(ReviewTimeline {
            total_sec: tl.total_sec,
            subtitles: vtt.is_file().then(|| self.media_path(&vtt)),
            scenes: tl
                .scenes
                .iter()
                .map(|c| SceneMark {
                    number: c.number,
                    location: c.location.clone(),
                    start_sec: c.start,
                    end_sec: c.end,
                })
                .collect(),
            shots,
            lines: tl
                .lines
                .iter()
                .map(|l| LineMark {
                    id: l.line_id.clone(),
                    scene: l.scene,
                    speaker: names
                        .get(&l.character)
                        .cloned()
                        .unwrap_or_else(|| l.character.clone()),
                    text: l.text.clone(),
                    start_sec: l.offset,
                    end_sec: l.offset + l.duration,
                })
                .collect(),
        })
    }
}
