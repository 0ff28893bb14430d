//! Paid remote jobs, persisted before they are polled (write-ahead), and cost-ledger reconciliation.

use serde::Serialize;
use sqlx::FromRow;

use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, FromRow)]
pub struct RemoteJob {
    pub id: i64,
    pub series_id: String,
    pub episode_number: i64,
    pub purpose: String,
    pub provider: String,
    pub model: String,
    pub state: String,
    pub request_id: Option<String>,
    pub status_url: Option<String>,
    pub response_url: Option<String>,
    pub cancel_url: Option<String>,
    pub result_url: Option<String>,
    pub result_path: Option<String>,
    pub result_sha256: Option<String>,
    pub estimate_usd: f64,
    pub ledger_id: Option<i64>,
    pub error: Option<String>,
    pub submitted_unix: Option<i64>,
    /// The name of the key it was sent with ("fal", "fal#2"); `None` for jobs sent before keys had names (the
    /// provider's first key).
    pub account: Option<String>,
}

/// Fields a job gains as it moves on; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct RemoteJobUpdate<'a> {
    pub state: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub status_url: Option<&'a str>,
    pub response_url: Option<&'a str>,
    pub cancel_url: Option<&'a str>,
    pub result_url: Option<&'a str>,
    pub result_path: Option<&'a str>,
    pub result_sha256: Option<&'a str>,
    pub ledger_id: Option<i64>,
    pub error: Option<&'a str>,
    pub submitted_unix: Option<i64>,
    pub account: Option<&'a str>,
}

impl Store {
    pub async fn remote_job(
        &self,
        series_id: &str,
        n: u32,
        purpose: &str,
    ) -> Result<Option<RemoteJob>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM remote_jobs WHERE series_id = ? AND episode_number = ? AND purpose = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records the intent to submit (state "submitting") before anything is sent. Fails if the purpose already has
    /// a job: the caller must look at that one instead of submitting again.
    pub async fn begin_remote_job(
        &self,
        series_id: &str,
        n: u32,
        purpose: &str,
        provider: &str,
        model: &str,
        estimate_usd: f64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO remote_jobs (series_id, episode_number, purpose, provider, model, state, estimate_usd) \
             VALUES (?, ?, ?, ?, ?, 'submitting', ?) RETURNING id",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(purpose)
        .bind(provider)
        .bind(model)
        .bind(estimate_usd)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn update_remote_job(
        &self,
        id: i64,
        u: &RemoteJobUpdate<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE remote_jobs SET state = COALESCE(?, state), request_id = COALESCE(?, request_id), \
             status_url = COALESCE(?, status_url), response_url = COALESCE(?, response_url), \
             cancel_url = COALESCE(?, cancel_url), result_url = COALESCE(?, result_url), \
             result_path = COALESCE(?, result_path), result_sha256 = COALESCE(?, result_sha256), \
             ledger_id = COALESCE(?, ledger_id), error = COALESCE(?, error), \
             submitted_unix = COALESCE(?, submitted_unix), account = COALESCE(?, account), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE id = ?",
        )
        .bind(u.state)
        .bind(u.request_id)
        .bind(u.status_url)
        .bind(u.response_url)
        .bind(u.cancel_url)
        .bind(u.result_url)
        .bind(u.result_path)
        .bind(u.result_sha256)
        .bind(u.ledger_id)
        .bind(u.error)
        .bind(u.submitted_unix)
        .bind(u.account)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a job whose submit never reached the provider (safe to try again).
    pub async fn drop_unsent_remote_job(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM remote_jobs WHERE id = ? AND state = 'submitting'")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An episode's paid jobs that were accepted and are kept for a later run (submitted and still polled, or
    /// completed with the result not fetched yet): the provider could not answer, the job itself did not fail.
    pub async fn remote_jobs_waiting(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Vec<RemoteJob>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM remote_jobs WHERE series_id = ? AND episode_number = ? \
             AND state IN ('submitted', 'completed') ORDER BY id",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Jobs a person should look at: outcome unknown, stuck past their deadline, or failed.
    pub async fn remote_jobs_needing_attention(&self) -> Result<Vec<RemoteJob>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM remote_jobs WHERE state IN ('unknown', 'stuck', 'failed') ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records which account (key) a ledger line is spent on, once the job was accepted by that account.
    pub async fn set_usage_account(&self, ledger_id: i64, account: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_usage SET account = ? WHERE id = ?")
            .bind(account)
            .bind(ledger_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Spending per provider and account (US dollars, actual where known, else the estimate), since `since` (an
    /// RFC 3339 UTC time like the ledger's) or all time; a line without an account is the provider's first key.
    pub async fn spend_by_account(
        &self,
        since: Option<&str>,
    ) -> Result<Vec<(String, String, f64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT provider, COALESCE(account, provider) AS acct, \
             SUM(COALESCE(actual_usd, estimated_usd)) FROM api_usage \
             WHERE (?1 IS NULL OR created_at >= ?1) GROUP BY provider, acct ORDER BY provider, acct",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Sets what a reserved ledger line actually cost (0 when the provider did not bill, e.g. a failed job).
    pub async fn reconcile_usage(&self, ledger_id: i64, actual_usd: f64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_usage SET actual_usd = ? WHERE id = ?")
            .bind(actual_usd)
            .bind(ledger_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Each episode's spending, all time (US dollars), for the episodes with ledger lines since `since` (an RFC 3339
    /// UTC time like the ledger's): `(series id, episode, spent)`. Episode 0 (series-level work) is left out.
    pub async fn episodes_spending_since(
        &self,
        since: &str,
    ) -> Result<Vec<(String, i64, f64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT series_id, episode_number, SUM(COALESCE(actual_usd, estimated_usd)) FROM api_usage \
             WHERE series_id IS NOT NULL AND episode_number > 0 AND (series_id, episode_number) IN \
             (SELECT series_id, episode_number FROM api_usage WHERE created_at >= ?) \
             GROUP BY series_id, episode_number ORDER BY series_id, episode_number",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// What the ledger says an episode has committed: actual where known, else the estimate.
    pub async fn episode_spend(&self, series_id: &str, n: u32) -> Result<f64, StoreError> {
        let v: Option<f64> = sqlx::query_scalar(
            "SELECT SUM(COALESCE(actual_usd, estimated_usd)) FROM api_usage WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_one(&self.pool)
        .await?;
        Ok(studio_domain::money::usd(v.unwrap_or(0.0)))
    }
}

impl Store {
    /// Where a file with content `sha256` was uploaded to `provider`, and when (Unix ms): the URL model inputs name
    /// it by.
    ///
    /// # Errors
    /// The database's.
    pub async fn reference_upload(
        &self,
        sha256: &str,
        provider: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT url, uploaded_ms FROM reference_uploads WHERE sha256 = ? AND provider = ?",
        )
        .bind(sha256)
        .bind(provider)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records (or replaces) the upload of the file with content `sha256` to `provider`.
    ///
    /// # Errors
    /// The database's.
    pub async fn save_reference_upload(
        &self,
        sha256: &str,
        provider: &str,
        url: &str,
        uploaded_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO reference_uploads (sha256, provider, url, uploaded_ms) VALUES (?, ?, ?, ?) \
             ON CONFLICT (sha256, provider) DO UPDATE SET url = excluded.url, uploaded_ms = excluded.uploaded_ms",
        )
        .bind(sha256)
        .bind(provider)
        .bind(url)
        .bind(uploaded_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
