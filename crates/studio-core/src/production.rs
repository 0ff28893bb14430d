//! # Production: the durable stage DAG and its workers
//!
//! `produce` queues one job per stage of an episode (script → memory update → storyboard → voices ∥ visuals →
//! avatars → render → package → review gate → publish → finalize); workers claim jobs whose inputs have succeeded
//! (`studio-store::jobs`: one `UPDATE … RETURNING` in `BEGIN IMMEDIATE`), hold them with a lease they renew by
//! heartbeat, and finish them compare-and-set. Stages are idempotent — each engine step redoes only what is missing
//! (voices and clips are checked against their hashes, the render against its inputs fingerprint, paid jobs follow
//! the write-ahead rule) — so a job re-run after a crash costs only the unfinished part. A failure is classified:
//! rate limit → retry after the reset, transient → exponential backoff with jitter, anything a person must fix →
//! parked as "needs attention" with the cause, never silently dropped.

use std::sync::Arc;
use tokio_util::sync::CancellationToken;

use serde::{Deserialize, Serialize};
use studio_domain::{EpisodeStatus, JobStatus, Stage};
use studio_store::JobRow;

use crate::clock::now_ms;
use crate::{CoreError, Engine};
use studio_domain::ErrorCode;

/// Production settings (`[production]` in config.toml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct ProductionConfig {
    /// Jobs run side by side in the daemon.
    pub workers: usize,
    /// How long a claimed job stays a worker's without a heartbeat.
    pub lease_sec: u64,
    pub heartbeat_sec: u64,
    /// How often an idle worker looks for work.
    pub poll_sec: f64,
    /// Attempts before a transient failure is parked for a person.
    pub max_attempts: i64,
    /// First retry delay (seconds); doubles per attempt, plus a random jitter of up to the same again, at most
    /// `backoff_max_sec` ([`studio_providers::backoff_delay`]).
    pub backoff_base_sec: f64,
    pub backoff_max_sec: f64,
    /// The review gate: "always" (a person approves every episode), "flagged" (only when checks flagged
    /// something), "never" (unattended).
    pub review: String,
    /// Episodes started per day by the daily plan (across active series, fairly).
    pub episodes_per_day: u32,
    /// Whether the daemon queues the daily plan itself (else it only works off what was queued).
    pub auto_plan: bool,
    /// Spending per day (the creator's day, in `time_zone`) over all providers; no paid job is sent past it.
    pub daily_cap_usd: f64,
    /// Spending per episode over every paid provider, all time (USD; 0 lets nothing paid through): no paid job or
    /// paid voice line of an episode is sent past it — the stage uses its cheaper way instead (a still for a video
    /// shot, an offline still for a paid one, the next voice down to the offline one, voice-only for an avatar
    /// line) and says why. The writer's tokens count towards it but are not reserved beforehand (a script costs
    /// cents and its size is known only afterwards).
    pub episode_cap_usd: f64,
    /// Spending per day per provider ("fal", "heygen", "elevenlabs", …).
    pub provider_daily_cap_usd: std::collections::BTreeMap<String, f64>,
    /// Requests per minute per provider ("fal", "heygen", "elevenlabs", "openai", "youtube", …), spaced out
    /// in this process; bursts up to a tenth of a minute's worth (at least 1).
    pub provider_rate_per_min: std::collections::BTreeMap<String, f64>,
    /// Alerts are also POSTed here as JSON (`{source, rule, level, message}`), when set.
    pub alert_webhook_url: Option<String>,
    /// When new jobs may start, "HH:MM-HH:MM" in local time (may wrap past midnight, e.g. "22:00-07:00"); empty
    /// means always. Jobs already running finish.
    pub work_window: String,
    /// The creator's time zone (IANA name, e.g. "Asia/Seoul", "America/New_York") for the work window and
    /// publish times; daylight saving is followed.
    pub time_zone: String,
}

impl Default for ProductionConfig {
    fn default() -> Self {
        Self {
            workers: 2,
            lease_sec: 120,
            heartbeat_sec: 15,
            poll_sec: 2.0,
            max_attempts: 5,
            backoff_base_sec: 30.0,
            backoff_max_sec: 1800.0,
            review: "always".into(),
            episodes_per_day: 10,
            auto_plan: false,
            daily_cap_usd: 25.0,
            episode_cap_usd: 10.0,
            provider_daily_cap_usd: Default::default(),
            provider_rate_per_min: Default::default(),
            alert_webhook_url: None,
            work_window: String::new(),
            time_zone: crate::clock::DEFAULT_TIME_ZONE.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProduceReport {
    pub series_id: String,
    pub episode: u32,
    pub jobs_added: u64,
}

impl Engine {
    /// Where today began for daily caps, the daily plan and "spent today": midnight in the creator's time zone
    /// (`[production] time_zone`), as a UTC time like the ledger's.
    pub fn day_start(&self) -> String {
        crate::clock::local_day_start(now_ms(), &self.config().time_zone())
    }

    /// When a stage's paid jobs are accepted but the provider could not answer for them (a rate limit beyond the
    /// run's patience, a gateway error, a rejected key while polling), the stage is retried by the queue with
    /// backoff — the jobs are kept and never submitted again — instead of waiting for a person.
    ///
    /// # Errors
    /// [`CoreError::Remote`] (`provider_busy`, transient) when such jobs exist; store errors.
    async fn provider_waits(&self, s: &str, n: u32) -> Result<(), CoreError> {
        let waiting = self.store().remote_jobs_waiting(s, n).await?;
        let Some(j) = waiting.first() else {
            return Ok(());
        };
        Err(CoreError::Remote {
            code: ErrorCode::ProviderBusy,
            message: format!(
                "{} paid job(s) at {} are done or running but could not be fetched yet (first: {}); they are kept \
                 and asked again later, never sent twice",
                waiting.len(),
                j.provider,
                j.purpose
            ),
            transient: true,
        })
    }

    /// Today's spending caps from the config, for every paid call.
    pub fn spend_caps(&self) -> Vec<studio_store::SpendCap> {
        let p = &self.config().production;
        let since = self.day_start();
        let mut caps = vec![studio_store::SpendCap {
            name: "daily cap".into(),
            provider: None,
            since: since.clone(),
            limit_usd: p.daily_cap_usd,
            ..Default::default()
        }];
        caps.push(studio_store::SpendCap {
            name: "episode cap".into(),
            limit_usd: p.episode_cap_usd,
            per_episode: true,
            ..Default::default()
        });
        for (provider, limit) in &p.provider_daily_cap_usd {
            caps.push(studio_store::SpendCap {
                name: format!("{provider} daily cap"),
                provider: Some(provider.clone()),
                since: since.clone(),
                limit_usd: *limit,
                ..Default::default()
            });
        }
        caps
    }

    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` when the series has no such episode;
    /// `Database` (and `CorruptData`) from the store.
    pub async fn episode_status(&self, series: &str, n: u32) -> Result<EpisodeStatus, CoreError> {
        self.store()
            .episodes(series)
            .await?
            .into_iter()
            .find(|e| e.number == n)
            .map(|e| e.status)
            .ok_or_else(|| CoreError::invalid(format!("{series} has no episode {n}")))
    }

    /// Moves the episode one step along its lifecycle; a step that does not apply (already past it) is skipped.
    async fn advance(
        &self,
        series: &str,
        n: u32,
        step: fn(EpisodeStatus) -> Result<EpisodeStatus, studio_domain::TransitionError>,
    ) -> Result<(), CoreError> {
        match self.store().transition_episode(series, n, step).await {
            Ok(_) | Err(studio_store::StoreError::Transition(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Queues every stage of episode `n` (idempotent).
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` for an episode outside the series' plan;
    /// `Database` (and `CorruptData`) from the store.
    pub async fn produce(&self, series: &str, n: u32) -> Result<ProduceReport, CoreError> {
        let s = self.store().find_series(series).await?;
        if n == 0 || n > s.total_episodes {
            return Err(CoreError::invalid(format!(
                "{} has episodes 1–{}, not {n}",
                s.title, s.total_episodes
            )));
        }
        let added = self.store().enqueue_episode(&s.id, n, 5, now_ms()).await?;
        Ok(ProduceReport {
            series_id: s.id,
            episode: n,
            jobs_added: added,
        })
    }

    pub(crate) async fn run_stage(
        &self,
        job: &JobRow,
        cancel: CancellationToken,
    ) -> Result<serde_json::Value, CoreError> {
        let stage = job.stage;
        let (s, n) = (job.series_id.as_str(), job.episode_number as u32);
        let json = |v: &dyn erased::Ser| v.value();
        match stage {
            Stage::Script => {
                if self.store().recorded_episodes(s).await?.contains(&n) {
                    return Ok(
                        serde_json::json!({ "kept": "the script is already written and recorded" }),
                    );
                }
                let r = self.write_episode(s, n, None).await?;
                if r.verdict != studio_pipeline::Verdict::Accepted {
                    return Err(CoreError::invalid(format!(
                        "the script needs review: {}",
                        r.cause.clone().unwrap_or_else(|| "checks failed".into())
                    )));
                }
                Ok(serde_json::json!({ "verdict": "accepted", "attempts": r.attempts }))
            }
            Stage::MemoryUpdate => {
                if self.store().recorded_episodes(s).await?.contains(&n) {
                    Ok(serde_json::json!({ "recorded": true }))
                } else {
                    Err(CoreError::invalid(format!(
                        "episode {n} is written but not recorded in story memory"
                    )))
                }
            }
            Stage::Storyboard => {
                let (_, plan) = self.storyboard(s, n).await?;
                // The whole episode's estimate, recorded before voices, pictures and avatars are paid for. It is
                // a record for comparing afterwards: failing to make it does not stop production.
                if let Err(e) = self.record_estimate(s, n).await {
                    tracing::warn!(series = s, episode = n, error = %e, "the episode's estimate was not recorded");
                }
                Ok(json(&plan))
            }
            Stage::Voices => {
                self.advance(s, n, EpisodeStatus::start_production).await?;
                let r = self.voice_episode(s, n).await?;
                if !r.failed.is_empty() {
                    return Err(CoreError::invalid(format!(
                        "{} line(s) could not be voiced (first: {} — {})",
                        r.failed.len(),
                        r.failed[0].line_id,
                        r.failed[0].reason
                    )));
                }
                Ok(json(&r))
            }
            Stage::Visuals => {
                let r = self.make_visuals(s, n).await?;
                if !r.failed.is_empty() {
                    self.provider_waits(s, n).await?;
                    return Err(CoreError::invalid(format!(
                        "{} shot(s) have no visual (first: shot {} — {})",
                        r.failed.len(),
                        r.failed[0].shot + 1,
                        r.failed[0].reason
                    )));
                }
                Ok(json(&r))
            }
            Stage::Avatars => {
                let r = self.make_avatars(s, n).await?;
                if !r.failed.is_empty() || !r.needs_attention.is_empty() {
                    self.provider_waits(s, n).await?;
                }
                if let Some(studio_pipeline::LineFailure {
                    line_id: line,
                    reason: why,
                }) = r.needs_attention.first()
                {
                    return Err(CoreError::invalid(format!("avatar for {line}: {why}")));
                }
                Ok(json(&r))
            }
            Stage::Render => {
                let r = self
                    .render_episode(
                        s,
                        n,
                        &crate::RenderOptions::default(),
                        Arc::new(|_, _| {}),
                        cancel,
                    )
                    .await?;
                self.advance(s, n, EpisodeStatus::start_production).await?;
                self.advance(s, n, EpisodeStatus::rendered).await?;
                Ok(json(&r))
            }
            Stage::Package => Ok(json(&self.package(s, n).await?)),
            Stage::ReviewGate => {
                let policy = self.config().production.review.clone();
                self.advance(s, n, EpisodeStatus::submit_for_review).await?;
                if self.episode_status(s, n).await? == EpisodeStatus::InReview {
                    let flags = self.episode_flags(s, n).await;
                    let why = match policy.as_str() {
                        "never" => Some("approved unattended (review = never)".to_string()),
                        "flagged" if flags.is_empty() => Some(
                            "approved unattended: nothing flagged (review = flagged)".to_string(),
                        ),
                        _ => None,
                    };
                    if let Some(why) = why {
                        let r = self.approve_episode(s, n, &why, None).await?;
                        return Ok(
                            serde_json::json!({ "review": why, "publish_at": r.publish_at }),
                        );
                    }
                }
                match self.episode_status(s, n).await? {
                    EpisodeStatus::Approved
                    | EpisodeStatus::Scheduled
                    | EpisodeStatus::Published => Ok(serde_json::json!({ "review": "approved" })),
                    EpisodeStatus::Rejected => Err(CoreError::invalid(format!(
                        "{s} episode {n} was rejected in review; regenerate what was wrong and render again"
                    ))),
                    _ => Err(CoreError::AwaitingReview(format!(
                        "waiting for review: watch {s} episode {n}, then approve it (or reject it, saying why)"
                    ))),
                }
            }
            Stage::Publish => {
                // The folder copy always; YouTube when the series publishes to a channel.
                Ok(json(&self.publish_approved(s, n, None, cancel).await?))
            }
            Stage::Finalize => Ok(serde_json::json!({
                "status": self.episode_status(s, n).await?.to_string()
            })),
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeProgress {
    pub series_id: String,
    pub episode: u32,
    /// Where the episode stands (`None` when its record could not be read).
    pub status: Option<EpisodeStatus>,
    /// When it goes public (RFC 3339 UTC), when a time was chosen at approval: an uploaded episode whose time is
    /// ahead is private until then.
    pub publish_at: Option<String>,
    /// Stage jobs that succeeded, of `total`.
    pub done: usize,
    pub total: usize,
    /// Each stage job and its status, in DAG order.
    pub stages: Vec<StageProgress>,
}

/// One stage job of an episode and where it stands.
#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StageProgress {
    pub stage: Stage,
    pub status: JobStatus,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AttentionItem {
    pub job_id: i64,
    pub series_id: String,
    pub episode: u32,
    pub stage: Stage,
    /// Why it waits (`None` for a kind this version does not know).
    pub kind: Option<ErrorCode>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StatusReport {
    /// How many jobs are in each status.
    pub jobs_by_status: std::collections::BTreeMap<JobStatus, usize>,
    pub episodes: Vec<EpisodeProgress>,
    /// Ledger spending since midnight UTC, per provider, and the total.
    pub cost_today: Vec<ProviderSpend>,
    pub cost_today_usd: f64,
    /// The creator's time zone, where "today" begins (IANA name).
    pub time_zone: String,
    pub attention: Vec<AttentionItem>,
    pub paused_series: Vec<String>,
    /// YouTube today: quota used (units, uploads), the limits, and the uploads with their state.
    pub youtube: YouTubeStatus,
    /// The stored keys of the providers that take several (fal, HeyGen): which is in use, which are set aside and
    /// why, what each spent.
    pub accounts: Vec<crate::accounts::AccountView>,
}

/// What one provider was paid (US dollars, from the ledger: actual where known, else the estimate).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProviderSpend {
    pub provider: String,
    pub usd: f64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct YouTubeStatus {
    pub units_used: i64,
    pub units_limit: i64,
    pub uploads_used: i64,
    pub uploads_limit: i64,
    /// YouTube said the quota is used up today.
    pub exhausted: bool,
    /// When the quota resets (RFC 3339 UTC).
    pub resets_at: String,
    pub uploads: Vec<studio_store::UploadRow>,
}

impl Engine {
    /// The queue, every episode's stage progress, today's spending and what needs a person.
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn status(&self) -> Result<StatusReport, CoreError> {
        let jobs = self.store().jobs(None, None).await?;
        let mut by_status = std::collections::BTreeMap::new();
        for j in &jobs {
            *by_status.entry(j.status).or_insert(0) += 1;
        }
        let mut episodes: Vec<EpisodeProgress> = Vec::new();
        for j in &jobs {
            let n = j.episode_number as u32;
            let idx = match episodes
                .iter()
                .position(|e| e.series_id == j.series_id && e.episode == n)
            {
                Some(i) => i,
                None => {
                    episodes.push(EpisodeProgress {
                        series_id: j.series_id.clone(),
                        episode: n,
                        status: self.episode_status(&j.series_id, n).await.ok(),
                        publish_at: self
                            .approved_publish_at(&j.series_id, n)
                            .await
                            .ok()
                            .flatten(),
                        done: 0,
                        total: 0,
                        stages: Vec::new(),
                    });
                    episodes.len() - 1
                }
            };
            let e = &mut episodes[idx];
            e.total += 1;
            if j.status == JobStatus::Succeeded {
                e.done += 1;
            }
            e.stages.push(StageProgress {
                stage: j.stage,
                status: j.status,
            });
        }
        let cost_today = self.store().spend_since(&self.day_start()).await?;
        let attention = jobs
            .iter()
            .filter(|j| j.status == JobStatus::NeedsAttention)
            .map(|j| AttentionItem {
                job_id: j.id,
                series_id: j.series_id.clone(),
                episode: j.episode_number as u32,
                stage: j.stage,
                kind: j.error_kind,
                message: j.last_error.clone().unwrap_or_default(),
            })
            .collect();
        let mut paused_series = Vec::new();
        for s in self.store().list_series().await? {
            if self.store().series_paused(&s.id).await? {
                paused_series.push(s.id);
            }
        }
        let q = self.youtube_quota().await?;
        let y = &self.config().youtube;
        let youtube = YouTubeStatus {
            units_used: q.units,
            units_limit: y.daily_units,
            uploads_used: q.uploads,
            uploads_limit: y.uploads_per_day,
            exhausted: q.exhausted != 0,
            resets_at: crate::clock::rfc3339_utc(q.day_reset_ms),
            uploads: self.store().uploads().await?,
        };
        Ok(StatusReport {
            youtube,
            jobs_by_status: by_status,
            episodes,
            cost_today_usd: studio_domain::money::total_usd(cost_today.iter().map(|(_, c)| *c)),
            cost_today: cost_today
                .into_iter()
                .map(|(provider, usd)| ProviderSpend { provider, usd })
                .collect(),
            time_zone: self.config().production.time_zone.clone(),
            attention,
            paused_series,
            accounts: self
                .accounts()
                .await?
                .into_iter()
                .filter(|a| a.configured || a.set_aside.is_some())
                .collect(),
        })
    }
}

mod erased {
    /// Serialises any report to JSON for the job's result.
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
