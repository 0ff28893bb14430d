//! An episode's lifecycle: state transitions and publishing.

use super::*;

impl Store {
    /// Marks an episode published (the publish stage calls this; tests use it to check rollback refusals).
    pub async fn mark_published(
        &self,
        series_id: &str,
        n: u32,
        video_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let status: String = sqlx::query_scalar(
            "SELECT status FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_one(&mut *tx)
        .await?;
        let current = parse_name::<EpisodeStatus>(&status, "episode status")?;
        // Publishing is reached through the review gate; the store enforces the same rule.
        let next = current.publish()?;
        sqlx::query(
            "UPDATE episodes SET status = ?, youtube_id = ?, published_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE series_id = ? AND episode_number = ?",
        )
        .bind(next.to_string())
        .bind(video_id)
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an episode through its lifecycle with a compare-and-set on the current status.
    pub async fn transition_episode(
        &self,
        series_id: &str,
        n: u32,
        step: impl FnOnce(EpisodeStatus) -> Result<EpisodeStatus, studio_domain::TransitionError>,
    ) -> Result<EpisodeStatus, StoreError> {
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let status: String = sqlx::query_scalar(
            "SELECT status FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_one(&mut *tx)
        .await?;
        let next = step(parse_name(&status, "episode status")?)?;
        sqlx::query(
            "UPDATE episodes SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE series_id = ? AND episode_number = ? AND status = ?",
        )
        .bind(next.to_string())
        .bind(series_id)
        .bind(n as i64)
        .bind(&status)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(next)
    }
}
