//! # A series' home
//!
//! Every episode of one series with where it stands (planned → scripted → producing → in review → approved →
//! scheduled/published), its stage progress, when it goes public (the upload calendar), where it went (the YouTube
//! video or the export folder), what it cost, what stops it, and the next step — plus the channel it publishes to
//! and the series' spending per day and provider. One read of the store; the screens draw it.

use serde::Serialize;
use studio_domain::{EpisodeStatus, ErrorCode, JobStatus, Stage};

use crate::clock::{now_ms, rfc3339_utc};
use crate::production::ProviderSpend;
use crate::{CoreError, Engine};

/// How many days of spending the dashboard charts.
pub const SPEND_DAYS: i64 = 14;

/// One series at a glance.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SeriesDashboard {
    pub series_id: String,
    pub title: String,
    pub paused: bool,
    /// The connected channel (`UC…`) its episodes are uploaded to; `None`: the export folder only.
    pub publish_channel: Option<String>,
    pub episodes: Vec<EpisodeCard>,
    /// Spending per UTC day (`YYYY-MM-DD`) and provider over the last [`SPEND_DAYS`] days, oldest first.
    pub spend_by_day: Vec<DaySpend>,
    /// Everything the series has cost so far (US dollars).
    pub total_usd: f64,
}

/// What one provider was paid on one day (US dollars).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DaySpend {
    pub day: String,
    pub provider: String,
    pub usd: f64,
}

/// One episode on the dashboard.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeCard {
    pub number: u32,
    pub title: String,
    pub status: EpisodeStatus,
    /// Stage jobs done, of all (0 of 0 before production).
    pub stages_done: usize,
    pub stages_total: usize,
    /// When it goes (or went) public, RFC 3339 UTC, when a time was chosen at approval.
    pub publish_at: Option<String>,
    /// When it was last approved, RFC 3339 UTC (what the upload calendar shows for an episode without a time).
    pub approved_at: Option<String>,
    /// The YouTube video, once uploaded.
    pub video_id: Option<String>,
    /// The export folder (relative to the data directory), once exported.
    pub export_dir: Option<String>,
    /// What the episode cost so far (US dollars), and per provider.
    pub cost_usd: f64,
    pub spend: Vec<ProviderSpend>,
    /// The stage that waits for a person, and why.
    pub attention: Option<EpisodeAttention>,
    pub next: NextStep,
}

/// A stage that waits for a person.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeAttention {
    pub job_id: i64,
    pub stage: Stage,
    pub code: Option<ErrorCode>,
}

/// What to do next with an episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Planned: write its script.
    WriteScript,
    /// Scripted: start production.
    Produce,
    /// Production runs; nothing to do.
    Producing,
    /// A stage waits for a person (see `attention`).
    FixAttention,
    /// Waiting for review (or rejected: decide again).
    Review,
    /// Approved: the queue publishes it (at its time, when scheduled).
    Publishing,
    /// Published: nothing left.
    Done,
}

impl Engine {
    /// The dashboard of one series.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `Database` (and `CorruptData`) from the store.
    pub async fn series_dashboard(&self, series: &str) -> Result<SeriesDashboard, CoreError> {
        let s = self.store().find_series(series).await?;
        let outlines = self.store().outlines(&s.id).await?;
        let episodes = self.store().episodes(&s.id).await?;
        let jobs = self.store().jobs(Some(&s.id), None).await?;
        let spend = self.store().spend_by_episode(&s.id).await?;
        let uploads = self.store().uploads().await?;
        let decisions = self.store().review_decisions(&s.id, None).await?;
        let since = rfc3339_utc(now_ms() - (SPEND_DAYS - 1) * 86_400_000);
        let by_day = self
            .store()
            .spend_by_day(&s.id, &since[..10])
            .await?
            .into_iter()
            .map(|(day, provider, usd)| DaySpend { day, provider, usd })
            .collect();
        let mut cards = Vec::new();
        for o in &outlines {
            let n = o.episode_number;
            let status = episodes
                .iter()
                .find(|e| e.number == n)
                .map(|e| e.status)
                .unwrap_or(EpisodeStatus::Planned);
            let mine: Vec<_> = jobs
                .iter()
                .filter(|j| j.episode_number == i64::from(n))
                .collect();
            let attention = mine
                .iter()
                .find(|j| j.status == JobStatus::NeedsAttention && j.stage != Stage::ReviewGate)
                .map(|j| EpisodeAttention {
                    job_id: j.id,
                    stage: j.stage,
                    code: j.error_kind,
                });
            let export = format!("export/{}/ep{n:03}", s.id);
            let episode_spend: Vec<ProviderSpend> = spend
                .iter()
                .filter(|(e, _, _)| *e == n)
                .map(|(_, provider, usd)| ProviderSpend {
                    provider: provider.clone(),
                    usd: *usd,
                })
                .collect();
            let exported = self.data_dir().join(&export).join("episode.mp4").is_file();
            let next = match status {
                _ if attention.is_some() => NextStep::FixAttention,
                // Approved and in the export folder (no channel): nothing is left to do.
                EpisodeStatus::Approved if exported => NextStep::Done,
                EpisodeStatus::Planned => NextStep::WriteScript,
                EpisodeStatus::Scripted if mine.is_empty() => NextStep::Produce,
                EpisodeStatus::Scripted | EpisodeStatus::InProduction | EpisodeStatus::Rendered => {
                    NextStep::Producing
                }
                EpisodeStatus::NeedsAttention => NextStep::FixAttention,
                EpisodeStatus::InReview | EpisodeStatus::Rejected => NextStep::Review,
                EpisodeStatus::Approved | EpisodeStatus::Scheduled => NextStep::Publishing,
                EpisodeStatus::Published => NextStep::Done,
            };
            let approval = decisions
                .iter()
                .rev()
                .find(|d| d.episode_number == i64::from(n) && d.decision == "approve");
            cards.push(EpisodeCard {
                number: n,
                title: o.title.clone(),
                status,
                stages_done: mine
                    .iter()
                    .filter(|j| j.status == JobStatus::Succeeded)
                    .count(),
                stages_total: mine.len(),
                publish_at: approval.as_ref().and_then(|d| d.publish_at.clone()),
                approved_at: approval.as_ref().map(|d| rfc3339_utc(d.at_ms)),
                video_id: uploads
                    .iter()
                    .find(|u| u.series_id == s.id && u.episode_number == i64::from(n))
                    .and_then(|u| u.video_id.clone()),
                export_dir: exported.then_some(export),
                cost_usd: studio_domain::money::total_usd(episode_spend.iter().map(|p| p.usd)),
                spend: episode_spend,
                attention,
                next,
            });
        }
        Ok(SeriesDashboard {
            paused: self.store().series_paused(&s.id).await?,
            publish_channel: self.publish_channel(&s.id).await?,
            total_usd: studio_domain::money::total_usd(spend.iter().map(|(_, _, v)| *v)),
            series_id: s.id,
            title: s.title,
            episodes: cards,
            spend_by_day: by_day,
        })
    }
}
