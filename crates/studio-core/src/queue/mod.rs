//! # The job queue as shells see it
//!
//! Listing an episode's jobs (by series id or title), retrying a parked job, cancelling an episode's jobs, reading
//! a job's log and pausing a series — the same operations for the CLI, the HTTP API and the desktop app. The
//! workers are in [`worker`] (claims, heartbeats, retries, orphans); the stages they run are in
//! [`crate::production`], and [`crate::background`] runs them as a service.

mod worker;

pub use worker::{JobEnd, JobOutcome, classify, worker_id};

use serde::Serialize;
use studio_store::JobRow;

use crate::clock::now_ms;
use crate::{CoreError, Engine};

/// What cancelling an episode's jobs did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CancelReport {
    pub series_id: String,
    pub episode: u32,
    /// Jobs that had not started and will not.
    pub cancelled: u32,
    /// Running jobs asked to stop at their next checkpoint.
    pub asked_to_stop: u32,
}

/// One line of a job's log.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct JobLogLine {
    /// When, as the store writes times (UTC, `YYYY-MM-DDTHH:MM:SS`).
    pub at: String,
    pub level: String,
    pub message: String,
}

/// A series' pause state after a change.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PauseState {
    pub series_id: String,
    pub paused: bool,
}

impl Engine {
    /// The queue, newest first; only one series' jobs when `series` (an id or a title) is given.
    ///
    /// # Errors
    /// `unknown_series` when `series` names none; store errors.
    pub async fn jobs(&self, series: Option<&str>) -> Result<Vec<JobRow>, CoreError> {
        let sid = match series {
            Some(s) => Some(self.store().find_series(s).await?.id),
            None => None,
        };
        Ok(self.store().jobs(sid.as_deref(), None).await?)
    }

    /// The jobs that finished last, newest first (at most `limit`, capped at 500).
    ///
    /// # Errors
    /// `Database` from the store.
    pub async fn recent_jobs(&self, limit: u32) -> Result<Vec<JobRow>, CoreError> {
        Ok(self
            .store()
            .recently_finished_jobs(limit.clamp(1, 500))
            .await?)
    }

    /// Queues a parked, cancelled or waiting job again, now.
    ///
    /// # Errors
    /// `invalid_input` when the job does not exist or is queued, running or done; store errors.
    pub async fn retry_job(&self, id: i64) -> Result<JobRow, CoreError> {
        if !self.store().retry_job(id, now_ms()).await? {
            return Err(CoreError::invalid(format!(
                "job {id} is not parked, cancelled or waiting, so there is nothing to retry"
            )));
        }
        self.store()
            .job(id)
            .await?
            .ok_or_else(|| CoreError::Internal(format!("job {id} vanished after its retry")))
    }

    /// Cancels an episode's jobs: those not started never start; running ones are asked to stop at their next
    /// checkpoint (finished artifacts are kept).
    ///
    /// # Errors
    /// `unknown_series`; store errors.
    pub async fn cancel_episode(&self, series: &str, n: u32) -> Result<CancelReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let (now, asked) = self.store().cancel_episode_jobs(&s.id, n).await?;
        Ok(CancelReport {
            series_id: s.id,
            episode: n,
            cancelled: u32::try_from(now).unwrap_or(u32::MAX),
            asked_to_stop: u32::try_from(asked).unwrap_or(u32::MAX),
        })
    }

    /// A job's log, oldest line first.
    ///
    /// # Errors
    /// Store errors.
    pub async fn job_log(&self, id: i64) -> Result<Vec<JobLogLine>, CoreError> {
        Ok(self
            .store()
            .job_logs(id)
            .await?
            .into_iter()
            .map(|(at, level, message)| JobLogLine { at, level, message })
            .collect())
    }

    /// Pauses a series (no new jobs start; running ones finish) or lets it run again.
    ///
    /// # Errors
    /// `unknown_series`; store errors.
    pub async fn set_series_paused(
        &self,
        series: &str,
        paused: bool,
    ) -> Result<PauseState, CoreError> {
        let s = self.store().find_series(series).await?;
        self.store().set_series_paused(&s.id, paused).await?;
        Ok(PauseState {
            series_id: s.id,
            paused,
        })
    }
}
