//! Rolling story memory back to before an episode, exactly.

use super::*;

impl Store {
    /// Undoes episode `n` and everything after it: their states, relationships, memories and threads go, their
    /// episodes return to "planned". Refused when any of those episodes is published.
    pub async fn roll_back(&self, series_id: &str, n: u32) -> Result<RollbackReport, StoreError> {
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let published: Vec<i64> = sqlx::query_scalar(
            "SELECT episode_number FROM episodes WHERE series_id = ? AND episode_number >= ? \
             AND (status = 'published' OR published_at IS NOT NULL) ORDER BY episode_number",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&mut *tx)
        .await?;
        if !published.is_empty() {
            return Err(StoreError::PublishedLater {
                series: series_id.into(),
                episode: n,
                published: published.into_iter().map(|x| x as u32).collect(),
            });
        }
        let episodes: Vec<i64> = sqlx::query_scalar(
            "SELECT episode_number FROM episodes WHERE series_id = ? AND episode_number >= ? \
             AND (recorded_at IS NOT NULL OR status != 'planned') ORDER BY episode_number",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&mut *tx)
        .await?;
        let del = |table: &'static str| -> &'static str {
            match table {
                "character_states" => {
                    "DELETE FROM character_states WHERE series_id = ? AND episode_number >= ?"
                }
                "character_relationships" => {
                    "DELETE FROM character_relationships WHERE series_id = ? AND episode_number >= ?"
                }
                _ => "DELETE FROM story_memory WHERE series_id = ? AND episode_number >= ?",
            }
        };
        let mut counts = [0u64; 3];
        for (i, t) in [
            "character_states",
            "character_relationships",
            "story_memory",
        ]
        .into_iter()
        .enumerate()
        {
            counts[i] = sqlx::query(del(t))
                .bind(series_id)
                .bind(n as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        // The voiced lines of rolled-back episodes belonged to scripts that are gone.
        // Paid jobs stay on record (they were paid for) but no longer stand for the rolled-back shots.
        sqlx::query(
            "UPDATE remote_jobs SET purpose = purpose || '@rolled-back-' || id \
             WHERE series_id = ? AND episode_number >= ? AND purpose NOT LIKE '%@rolled-back-%'",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM shot_media WHERE series_id = ? AND episode_number >= ?")
            .bind(series_id)
            .bind(n as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM line_audio WHERE series_id = ? AND episode_number >= ?")
            .bind(series_id)
            .bind(n as i64)
            .execute(&mut *tx)
            .await?;
        let threads_removed =
            sqlx::query("DELETE FROM plot_threads WHERE series_id = ? AND opened_in >= ?")
                .bind(series_id)
                .bind(n as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let threads_reopened = sqlx::query(
            "UPDATE plot_threads SET resolved_in = NULL, resolution = NULL WHERE series_id = ? AND resolved_in >= ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE episodes SET status = 'planned', summary = '', key_events_json = '[]', cliffhanger = '', \
             outcome_json = NULL, script_json = NULL, check_report_json = NULL, recorded_at = NULL, \
             title = COALESCE((SELECT o.title FROM episode_outlines o WHERE o.series_id = episodes.series_id \
                               AND o.episode_number = episodes.episode_number), ''), \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE series_id = ? AND episode_number >= ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RollbackReport {
            series_id: series_id.into(),
            episodes: episodes.into_iter().map(|x| x as u32).collect(),
            state_rows: counts[0],
            relationship_rows: counts[1],
            memory_rows: counts[2],
            threads_removed,
            threads_reopened,
        })
    }
}
