//! The production queue: one job per stage per episode, with the stage DAG as `job_deps`. Claiming is one
//! `UPDATE … RETURNING` inside `BEGIN IMMEDIATE`, so any number of workers (threads or processes) on one database
//! never get the same job; every later change is compare-and-set on (status, lease owner), so a worker whose lease
//! ran out cannot overwrite what its successor did.

use serde::Serialize;
use sqlx::{FromRow, Row, sqlite::SqliteRow};
use studio_domain::{ErrorCode, JobStatus, Stage};

use crate::{Store, StoreError};

/// One stage job of one episode as stored. Times are Unix milliseconds (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct JobRow {
    pub id: i64,
    pub series_id: String,
    pub episode_number: i64,
    pub stage: Stage,
    pub status: JobStatus,
    pub priority: i64,
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_until_ms: Option<i64>,
    pub run_after_ms: i64,
    pub last_error: Option<String>,
    /// Why it stopped; `None` when it has not failed or for a kind this version does not know.
    pub error_kind: Option<ErrorCode>,
    pub result_json: Option<String>,
    pub cancel_requested: i64,
    pub started_ms: Option<i64>,
    pub completed_ms: Option<i64>,
}

/// Reads a name column into its enum; a name this version does not know is a decode error naming the column.
fn named<T: std::str::FromStr>(row: &SqliteRow, column: &str) -> Result<T, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.try_get(column)?;
    text.parse().map_err(|e: T::Err| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: Box::new(e),
    })
}

impl<'r> FromRow<'r, SqliteRow> for JobRow {
    fn from_row(row: &'r SqliteRow) -> Result<Self, sqlx::Error> {
        Ok(JobRow {
            id: row.try_get("id")?,
            series_id: row.try_get("series_id")?,
            episode_number: row.try_get("episode_number")?,
            stage: named(row, "stage")?,
            status: named(row, "status")?,
            priority: row.try_get("priority")?,
            attempts: row.try_get("attempts")?,
            lease_owner: row.try_get("lease_owner")?,
            lease_until_ms: row.try_get("lease_until_ms")?,
            run_after_ms: row.try_get("run_after_ms")?,
            last_error: row.try_get("last_error")?,
            error_kind: row
                .try_get::<Option<String>, _>("error_kind")?
                .as_deref()
                .and_then(ErrorCode::parse),
            result_json: row.try_get("result_json")?,
            cancel_requested: row.try_get("cancel_requested")?,
            started_ms: row.try_get("started_ms")?,
            completed_ms: row.try_get("completed_ms")?,
        })
    }
}

/// Every stage this version runs, as an SQL list, so a claim never takes a job it cannot read (checked against
/// `Stage::ALL` by a test).
macro_rules! known_stages {
    () => {
        "'script', 'memory_update', 'storyboard', 'voices', 'visuals', 'avatars', 'render', 'package', \
         'review_gate', 'publish', 'finalize'"
    };
}

/// The rows this version can read. A row it cannot (a stage or status from a newer version, a hand edit) is left out
/// with a warning, so one odd row does not stop a listing, the status board or the orphan sweep.
fn readable(rows: &[SqliteRow]) -> Vec<JobRow> {
    rows.iter()
        .filter_map(|r| match JobRow::from_row(r) {
            Ok(j) => Some(j),
            Err(e) => {
                let id: Option<i64> = r.try_get("id").ok();
                tracing::warn!(job = ?id, error = %e, "a job row this version cannot read was left out");
                None
            }
        })
        .collect()
}

/// The columns of a `JobRow`, as a literal so queries stay static strings.
macro_rules! job_columns {
    () => {
        "id, series_id, episode_number, stage, status, priority, attempts, lease_owner, lease_until_ms, \
         run_after_ms, last_error, error_kind, result_json, cancel_requested, started_ms, completed_ms"
    };
}

/// How a job stopped when it did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum JobFailure {
    /// Run again at this time (rate limit reset, backoff).
    Retry {
        at_ms: i64,
        kind: studio_domain::ErrorCode,
        message: String,
    },
    /// Only a person can fix it (quota, auth, bad input): parked with the cause.
    Attention {
        kind: studio_domain::ErrorCode,
        message: String,
    },
    /// Stopped on request; nothing half-done was kept.
    Cancelled { message: String },
}

impl Store {
    /// Queues every stage of episode `n` (idempotent: existing jobs are kept as they are). Returns how many were new.
    pub async fn enqueue_episode(
        &self,
        series_id: &str,
        n: u32,
        priority: i64,
        run_after_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for stage in Stage::ALL {
            added += sqlx::query(
                "INSERT OR IGNORE INTO jobs (series_id, episode_number, stage, status, priority, run_after_ms) \
                 VALUES (?, ?, ?, 'queued', ?, ?)",
            )
            .bind(series_id)
            .bind(n as i64)
            .bind(stage.to_string())
            .bind(priority)
            .bind(run_after_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        for stage in Stage::ALL {
            for dep in stage.inputs() {
                sqlx::query(
                    "INSERT OR IGNORE INTO job_deps (job_id, depends_on) \
                     SELECT a.id, b.id FROM jobs a, jobs b \
                     WHERE a.series_id = ?1 AND a.episode_number = ?2 AND a.stage = ?3 \
                       AND b.series_id = ?1 AND b.episode_number = ?2 AND b.stage = ?4",
                )
                .bind(series_id)
                .bind(n as i64)
                .bind(stage.to_string())
                .bind(dep.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Claims the most urgent job that is due, whose inputs have all succeeded and whose series is not paused.
    pub async fn claim_job(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<JobRow>, StoreError> {
        let mut tx = self.begin_write().await?;
        let conn = &mut *tx;
        let claimed = sqlx::query_as::<_, JobRow>(concat!(
            "UPDATE jobs SET status = 'running', lease_owner = ?1, lease_until_ms = ?2 + ?3, \
               attempts = attempts + 1, started_ms = ?2, last_error = NULL, error_kind = NULL \
             WHERE id = ( \
               SELECT j.id FROM jobs j JOIN series s ON s.id = j.series_id \
               WHERE j.status IN ('queued', 'retry_waiting') AND j.run_after_ms <= ?2 AND s.paused = 0 \
                 AND j.stage IN (",
            known_stages!(),
            ") \
                 AND j.cancel_requested = 0 \
                 AND NOT EXISTS (SELECT 1 FROM job_deps d JOIN jobs p ON p.id = d.depends_on \
                                 WHERE d.job_id = j.id AND p.status != 'succeeded') \
               ORDER BY j.priority DESC, j.episode_number, j.run_after_ms, j.id LIMIT 1) \
             RETURNING ",
            job_columns!()
        ))
        .bind(owner)
        .bind(now_ms)
        .bind(lease_ms)
        .fetch_optional(&mut *conn)
        .await;
        // Dropping the transaction on an error rolls it back.
        let row = claimed?;
        tx.commit().await?;
        Ok(row)
    }

    /// Extends a running job's lease; false when the job is no longer this owner's (its lease ran out and it was
    /// re-queued, or it was cancelled) — the worker must stop.
    pub async fn heartbeat_job(
        &self,
        id: i64,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE jobs SET lease_until_ms = ? + ? \
             WHERE id = ? AND status = 'running' AND lease_owner = ? AND cancel_requested = 0",
        )
        .bind(now_ms)
        .bind(lease_ms)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Marks a running job done (compare-and-set on owner); false when it was not this owner's any more.
    pub async fn complete_job(
        &self,
        id: i64,
        owner: &str,
        now_ms: i64,
        result_json: &str,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE jobs SET status = 'succeeded', result_json = ?, completed_ms = ?, lease_owner = NULL, \
               lease_until_ms = NULL, completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE id = ? AND status = 'running' AND lease_owner = ?",
        )
        .bind(result_json)
        .bind(now_ms)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records how a running job stopped (compare-and-set on owner).
    pub async fn fail_job(
        &self,
        id: i64,
        owner: &str,
        now_ms: i64,
        failure: &JobFailure,
    ) -> Result<bool, StoreError> {
        let (status, at, kind, message) = match failure {
            JobFailure::Retry {
                at_ms,
                kind,
                message,
            } => ("retry_waiting", *at_ms, kind.as_str(), message.as_str()),
            JobFailure::Attention { kind, message } => {
                ("needs_attention", now_ms, kind.as_str(), message.as_str())
            }
            JobFailure::Cancelled { message } => {
                ("cancelled", now_ms, "cancelled", message.as_str())
            }
        };
        let r = sqlx::query(
            "UPDATE jobs SET status = ?, run_after_ms = ?, error_kind = ?, last_error = ?, completed_ms = ?, \
               lease_owner = NULL, lease_until_ms = NULL \
             WHERE id = ? AND status = 'running' AND lease_owner = ?",
        )
        .bind(status)
        .bind(at)
        .bind(kind)
        .bind(message)
        .bind(now_ms)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Running jobs whose lease ran out (their worker died) go back to the queue. Returns how many.
    pub async fn requeue_stale_jobs(&self, now_ms: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_until_ms = NULL, \
               last_error = 'the worker stopped before finishing; re-queued', error_kind = 'lease_expired' \
             WHERE status = 'running' AND lease_until_ms < ?",
        )
        .bind(now_ms)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Running jobs held by `owner` go back to the queue now (their worker is known to be dead).
    pub async fn requeue_jobs_of(&self, owner: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_until_ms = NULL, \
               last_error = 'the worker stopped before finishing; re-queued', error_kind = 'worker_died' \
             WHERE status = 'running' AND lease_owner = ?",
        )
        .bind(owner)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    pub async fn jobs(
        &self,
        series_id: Option<&str>,
        episode: Option<u32>,
    ) -> Result<Vec<JobRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE (?1 IS NULL OR series_id = ?1) AND (?2 IS NULL OR episode_number = ?2) \
             ORDER BY series_id, episode_number, id"
        ))
        .bind(series_id)
        .bind(episode.map(i64::from))
        .fetch_all(&self.pool)
        .await?;
        Ok(readable(&rows))
    }

    /// The `limit` jobs that finished last (succeeded, failed or cancelled), newest first: the studio's history of
    /// stage events, which outlives a reload of the UI.
    pub async fn recently_finished_jobs(&self, limit: u32) -> Result<Vec<JobRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE completed_ms IS NOT NULL ORDER BY completed_ms DESC, id DESC LIMIT ?"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(readable(&rows))
    }

    pub async fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        Ok(sqlx::query_as::<_, JobRow>(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A person asks for another attempt of a parked, cancelled or waiting job: it is queued now.
    pub async fn retry_job(&self, id: i64, now_ms: i64) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE jobs SET status = 'queued', run_after_ms = ?, cancel_requested = 0, last_error = NULL, \
               error_kind = NULL \
             WHERE id = ? AND status IN ('needs_attention', 'cancelled', 'retry_waiting')",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Cancels an episode's unfinished jobs: waiting ones at once, running ones are asked to stop (their worker
    /// sees it at the next heartbeat). Returns (cancelled now, asked to stop).
    pub async fn cancel_episode_jobs(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<(u64, u64), StoreError> {
        let now = sqlx::query(
            "UPDATE jobs SET status = 'cancelled', error_kind = 'cancelled', last_error = 'cancelled by request' \
             WHERE series_id = ? AND episode_number = ? AND status IN ('queued', 'retry_waiting', 'needs_attention')",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let asked = sqlx::query(
            "UPDATE jobs SET cancel_requested = 1 WHERE series_id = ? AND episode_number = ? AND status = 'running'",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok((now, asked))
    }

    /// Whether a running job has been asked to stop.
    pub async fn job_cancel_requested(&self, id: i64) -> Result<bool, StoreError> {
        let v: Option<i64> = sqlx::query_scalar("SELECT cancel_requested FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v == Some(1))
    }

    pub async fn set_series_paused(
        &self,
        series_id: &str,
        paused: bool,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE series SET paused = ? WHERE id = ?")
            .bind(i64::from(paused))
            .bind(series_id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn series_paused(&self, series_id: &str) -> Result<bool, StoreError> {
        let v: Option<i64> = sqlx::query_scalar("SELECT paused FROM series WHERE id = ?")
            .bind(series_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v == Some(1))
    }

    /// Appends a line to a job's log.
    pub async fn log_job(
        &self,
        id: i64,
        level: &str,
        message: &str,
        details: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO job_logs (job_id, level, message, details_json) VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(level)
        .bind(message)
        .bind(details.map(|d| d.to_string()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn job_logs(&self, id: i64) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT created_at, level, message FROM job_logs WHERE job_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Episodes of a series whose production was queued since `since` (ISO-8601 UTC).
    pub async fn episodes_started_since(
        &self,
        series_id: &str,
        since: &str,
    ) -> Result<u32, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT episode_number) FROM jobs WHERE series_id = ? AND stage = 'script' AND created_at >= ?",
        )
        .bind(series_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(n as u32)
    }

    /// Spending entered in the ledger since `since` (an ISO-8601 UTC timestamp), per provider.
    pub async fn spend_since(&self, since: &str) -> Result<Vec<(String, f64)>, StoreError> {
        let rows: Vec<(String, f64)> = sqlx::query_as(
            "SELECT provider, SUM(COALESCE(actual_usd, estimated_usd)) FROM api_usage \
             WHERE created_at >= ? GROUP BY provider ORDER BY provider",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        // Reservations and their reconciliations sum to float remainders: read as whole micro-dollars.
        Ok(rows
            .into_iter()
            .map(|(p, v)| (p, studio_domain::money::usd(v)))
            .collect())
    }

    /// One series' ledger grouped by episode and provider: (episode, provider, US dollars; actual where known, else
    /// the estimate). Spending not tied to an episode (the plan, casting) has episode 0.
    pub async fn spend_by_episode(
        &self,
        series_id: &str,
    ) -> Result<Vec<(u32, String, f64)>, StoreError> {
        let rows: Vec<(i64, String, f64)> = sqlx::query_as(
            "SELECT COALESCE(episode_number, 0), provider, SUM(COALESCE(actual_usd, estimated_usd)) FROM api_usage \
             WHERE series_id = ? GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(n, p, v)| {
                (
                    u32::try_from(n).unwrap_or(0),
                    p,
                    studio_domain::money::usd(v),
                )
            })
            .collect())
    }

    /// One series' ledger by UTC day and provider since `since` (RFC 3339): (day `YYYY-MM-DD`, provider, US dollars).
    pub async fn spend_by_day(
        &self,
        series_id: &str,
        since: &str,
    ) -> Result<Vec<(String, String, f64)>, StoreError> {
        let rows: Vec<(String, String, f64)> = sqlx::query_as(
            "SELECT substr(created_at, 1, 10), provider, SUM(COALESCE(actual_usd, estimated_usd)) FROM api_usage \
             WHERE series_id = ? AND created_at >= ? GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(series_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(d, p, v)| (d, p, studio_domain::money::usd(v)))
            .collect())
    }
}

/// Queues one stage of an episode again from the start (attempts, errors, results and leases cleared), inside the
/// caller's transaction. A stage the creator cancelled stays cancelled: an edit never restarts production (and its
/// spending) that was stopped on purpose; the edit's items are made when production is started again.
pub(crate) async fn requeue_stage(
    conn: &mut sqlx::SqliteConnection,
    series_id: &str,
    n: u32,
    stage: Stage,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_after_ms = ?, cancel_requested = 0, \
           last_error = NULL, error_kind = NULL, result_json = NULL, lease_owner = NULL, \
           lease_until_ms = NULL, completed_ms = NULL \
         WHERE series_id = ? AND episode_number = ? AND stage = ? AND status != 'cancelled'",
    )
    .bind(now_ms)
    .bind(series_id)
    .bind(n as i64)
    .bind(stage.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_claim_knows_every_stage() {
        let listed: Vec<String> = known_stages!()
            .split(',')
            .map(|s| s.trim().trim_matches('\'').to_string())
            .collect();
        let all: Vec<String> = studio_domain::Stage::ALL
            .iter()
            .map(|s| s.as_str().to_string())
            .collect();
        assert_eq!(listed, all);
    }
}
