//! Key/value settings and publishing channels.

use serde::{Serialize, de::DeserializeOwned};

use crate::{Store, StoreError};

/// [`Store::set_setting`] inside a transaction.
pub(crate) async fn set_setting_in<T: Serialize>(
    conn: &mut sqlx::SqliteConnection,
    key: &str,
    value: &T,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
        what: format!("setting {key}"),
        detail: e.to_string(),
    })?;
    sqlx::query(
        "INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET \
         value_json = excluded.value_json, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    )
    .bind(key)
    .bind(json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// [`Store::setting`] inside a transaction.
pub(crate) async fn setting_in<T: DeserializeOwned>(
    conn: &mut sqlx::SqliteConnection,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let v: Option<String> = sqlx::query_scalar("SELECT value_json FROM settings WHERE key = ?")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    v.map(|s| {
        serde_json::from_str(&s).map_err(|e| StoreError::Corrupt {
            what: format!("setting {key}"),
            detail: e.to_string(),
        })
    })
    .transpose()
}

/// A key set aside: the provider said its account cannot pay (quota, balance, billing) or no longer accepts the key
/// (revoked), so the next key of the provider is used until a person stores a new key or puts this one back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct AccountAside {
    /// The provider's own words (never the key).
    pub reason: String,
    /// The fingerprint of the key that was set aside (see `studio_pipeline::remote::Account`): a key stored under
    /// the same name since is not set aside.
    #[serde(default)]
    pub fingerprint: String,
    /// When (Unix ms).
    pub at_ms: i64,
}

fn aside_key(account: &str) -> String {
    format!("account.aside.{account}")
}

impl Store {
    /// Sets an account (`fal`, `fal#2`, …) aside with the provider's reason.
    pub async fn set_account_aside(
        &self,
        account: &str,
        reason: &str,
        fingerprint: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        self.set_setting(
            &aside_key(account),
            &AccountAside {
                reason: reason.to_string(),
                fingerprint: fingerprint.to_string(),
                at_ms,
            },
        )
        .await
    }

    /// Why an account is set aside, when it is.
    pub async fn account_aside(&self, account: &str) -> Result<Option<AccountAside>, StoreError> {
        self.setting(&aside_key(account)).await
    }

    /// Puts an account back in use; true when it was set aside.
    pub async fn clear_account_aside(&self, account: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(aside_key(account))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn set_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        set_setting_in(&mut conn, key, value).await
    }

    /// Claims `key` for the period ending `every_ms` after `now_ms` (Unix ms): true for the one caller — in any
    /// process on this database — that claims it first; false while the last claim is younger than `every_ms`.
    /// One statement (an upsert with a condition), so two processes asking at once cannot both win.
    pub async fn claim_once_per(
        &self,
        key: &str,
        now_ms: i64,
        every_ms: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO settings (key, value_json) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET \
             value_json = excluded.value_json, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE CAST(settings.value_json AS INTEGER) <= ?3",
        )
        .bind(key)
        .bind(now_ms.to_string())
        .bind(now_ms.saturating_sub(every_ms))
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        setting_in(&mut conn, key).await
    }

    /// Adds or updates a publishing channel.
    pub async fn upsert_channel(
        &self,
        id: &str,
        name: &str,
        youtube_channel_id: Option<&str>,
        settings: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO channels (id, name, youtube_channel_id, settings_json) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, youtube_channel_id = excluded.youtube_channel_id, \
             settings_json = excluded.settings_json",
        )
        .bind(id)
        .bind(name)
        .bind(youtube_channel_id)
        .bind(settings.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn channels(&self) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, youtube_channel_id FROM channels ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Scripts, check reports and the cost ledger.
impl Store {
    /// Keeps the accepted (or last attempted) script of an episode.
    pub async fn save_script(
        &self,
        series_id: &str,
        n: u32,
        script: &serde_json::Value,
        report: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        let r = sqlx::query(
            "UPDATE episodes SET script_json = ?, check_report_json = ?, \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE series_id = ? AND episode_number = ?",
        )
        .bind(script.to_string())
        .bind(report.map(|r| r.to_string()))
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::UnknownSeries(format!(
                "{series_id} (episode {n})"
            )));
        }
        Ok(())
    }

    pub async fn script(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let sql = "SELECT script_json FROM episodes WHERE series_id = ? AND episode_number = ?";
        self.episode_json(sql, series_id, n, "script").await
    }

    pub async fn check_report(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let sql =
            "SELECT check_report_json FROM episodes WHERE series_id = ? AND episode_number = ?";
        self.episode_json(sql, series_id, n, "check report").await
    }

    async fn episode_json(
        &self,
        sql: &'static str,
        series_id: &str,
        n: u32,
        what: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let v: Option<Option<String>> = sqlx::query_scalar(sql)
            .bind(series_id)
            .bind(n as i64)
            .fetch_optional(&self.pool)
            .await?;
        v.flatten()
            .map(|s| {
                serde_json::from_str(&s).map_err(|e| StoreError::Corrupt {
                    what: format!("{what} of episode {n}"),
                    detail: e.to_string(),
                })
            })
            .transpose()
    }

    /// One line of the cost ledger; returns its id.
    pub async fn record_usage(&self, e: &studio_domain::CostEntry) -> Result<i64, StoreError> {
        insert_usage(&self.pool, e).await
    }

    /// Reserves a ledger line only if every cap still has room for its estimate: the sums and the insert happen in
    /// one `BEGIN IMMEDIATE` transaction, so workers racing for the last dollars cannot overshoot a cap together.
    pub async fn reserve_usage(
        &self,
        e: &studio_domain::CostEntry,
        caps: &[SpendCap],
    ) -> Result<Result<i64, CapHit>, StoreError> {
        let mut tx = self.begin_write().await?;
        let conn = &mut *tx;
        let result: Result<Result<i64, CapHit>, StoreError> = async {
            // A provider's cap limits only that provider's spending.
            for cap in caps
                .iter()
                .filter(|c| c.provider.as_ref().is_none_or(|p| *p == e.provider))
            {
                let episode = match (cap.per_episode, &e.series_id, e.episode_number) {
                    (false, _, _) => None,
                    (true, Some(s), Some(n)) if n > 0 => Some((s.as_str(), i64::from(n))),
                    // Work outside any episode — planning a series, its characters' reference stills (recorded
                    // as episode 0) — is not an episode's spending.
                    (true, _, _) => continue,
                };
                let spent: f64 = sqlx::query_scalar(
                    "SELECT COALESCE(SUM(COALESCE(actual_usd, estimated_usd)), 0.0) FROM api_usage \
                     WHERE created_at >= ?1 AND (?2 IS NULL OR provider = ?2) \
                     AND (?3 IS NULL OR (series_id = ?3 AND episode_number = ?4))",
                )
                .bind(&cap.since)
                .bind(&cap.provider)
                .bind(episode.map(|x| x.0))
                .bind(episode.map(|x| x.1))
                .fetch_one(&mut *conn)
                .await?;
                if spent + e.estimated_usd > cap.limit_usd + 1e-9 {
                    return Ok(Err(CapHit {
                        name: cap.name.clone(),
                        provider: cap.provider.clone(),
                        per_episode: cap.per_episode,
                        limit_usd: cap.limit_usd,
                        spent_usd: spent,
                        wanted_usd: e.estimated_usd,
                    }));
                }
            }
            let id = insert_usage(&mut *conn, e).await?;
            Ok(Ok(id))
        }
        .await;
        // Dropping the transaction without a commit rolls it back.
        if result.is_ok() {
            tx.commit().await?;
        }
        result
    }

    /// Cost-ledger lines, newest last.
    pub async fn usage(
        &self,
        series_id: Option<&str>,
    ) -> Result<Vec<studio_domain::CostEntry>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct UsageRow {
            provider: String,
            operation: String,
            series_id: Option<String>,
            episode_number: Option<i64>,
            units: f64,
            unit: String,
            estimated_usd: f64,
            actual_usd: Option<f64>,
        }
        let rows: Vec<UsageRow> = sqlx::query_as(
            "SELECT provider, operation, series_id, episode_number, units, unit, estimated_usd, actual_usd \
             FROM api_usage WHERE (?1 IS NULL OR series_id = ?1) ORDER BY id",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| studio_domain::CostEntry {
                provider: r.provider,
                operation: r.operation,
                series_id: r.series_id,
                episode_number: r.episode_number.map(|n| n as u32),
                units: r.units,
                unit: r.unit,
                estimated_usd: r.estimated_usd,
                actual_usd: r.actual_usd,
            })
            .collect())
    }
}

/// A spending limit over the ledger: everything since `since` (ISO-8601 UTC, e.g. today's midnight; empty for all
/// time), for one provider or all, and — when `per_episode` — only what the reserved entry's own episode spent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpendCap {
    pub name: String,
    pub provider: Option<String>,
    pub since: String,
    pub limit_usd: f64,
    /// Counts only the ledger lines of the episode the reservation is for (an entry with no episode, or with
    /// episode 0 — series-level work such as reference stills — is not limited by it).
    pub per_episode: bool,
}

/// Why a reservation was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct CapHit {
    pub name: String,
    /// The cap's provider, for a provider's daily cap.
    pub provider: Option<String>,
    /// Whether it is the episode's cap.
    pub per_episode: bool,
    pub limit_usd: f64,
    pub spent_usd: f64,
    pub wanted_usd: f64,
}

impl std::fmt::Display for CapHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} of ${:.2} is reached (${:.2} spent, ${:.2} more wanted)",
            self.name, self.limit_usd, self.spent_usd, self.wanted_usd
        )
    }
}

async fn insert_usage<'e, X: sqlx::SqliteExecutor<'e>>(
    ex: X,
    e: &studio_domain::CostEntry,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_usage (provider, operation, series_id, episode_number, units, unit, estimated_usd, \
         actual_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&e.provider)
    .bind(&e.operation)
    .bind(&e.series_id)
    .bind(e.episode_number.map(|n| n as i64))
    .bind(e.units)
    .bind(&e.unit)
    .bind(e.estimated_usd)
    .bind(e.actual_usd)
    .fetch_one(ex)
    .await?)
}
