//! Production: queue an episode, the studio's status, the job queue.

use serde::Deserialize;
use studio_store::JobRow;

use super::{EpisodeArgs, NoArgs};
use crate::production::{ProduceReport, StatusReport};
use crate::queue::{CancelReport, JobLogLine};

/// The queue, or one series' part of it.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct JobsListArgs {
    /// A series id or title; every series when not given.
    #[serde(default)]
    #[ts(optional)]
    pub series: Option<String>,
}

/// One job, by its number.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct JobArgs {
    pub id: i64,
}

/// How many of the latest items.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct RecentArgs {
    pub limit: u32,
}

commands! {
    /// Queues every stage of an episode (idempotent: stages already done are kept).
    produce(EpisodeArgs) -> ProduceReport = |e, a| e.produce(&a.series, a.episode).await;
    /// The queue, each episode's stage progress, today's costs and what needs attention.
    status(NoArgs) -> StatusReport = |e, _| e.status().await;
    /// The jobs, newest first, of one series (by id or title) or all.
    jobs_list(JobsListArgs) -> Vec<JobRow> = |e, a| e.jobs(a.series.as_deref()).await;
    /// Queues a parked, cancelled or waiting job again.
    job_retry(JobArgs) -> JobRow = |e, a| e.retry_job(a.id).await;
    /// Cancels an episode's jobs (running ones stop at their next checkpoint; finished work is kept).
    jobs_cancel(EpisodeArgs) -> CancelReport = |e, a| e.cancel_episode(&a.series, a.episode).await;
    /// The jobs that finished last, newest first (the stage history a reloaded screen shows).
    jobs_recent(RecentArgs) -> Vec<JobRow> = |e, a| e.recent_jobs(a.limit).await;
    /// A job's log, oldest line first.
    job_log(JobArgs) -> Vec<JobLogLine> = |e, a| e.job_log(a.id).await;
}
