//! "The world as of episode N": the context a script is written from, folded from the deltas.

use super::*;

impl Store {
    /// The continuity context for writing episode `n`: the outline, the last five recorded episodes, and threads,
    /// character states and relationships as of episode n−1.
    pub async fn context_for(&self, series_id: &str, n: u32) -> Result<EpisodeContext, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let row: Option<SeriesRow> = sqlx::query_as("SELECT * FROM series WHERE id = ?")
            .bind(series_id)
            .fetch_optional(&mut *conn)
            .await?;
        let series = row
            .ok_or_else(|| StoreError::UnknownSeries(series_id.into()))?
            .into_series()?;
        check_range(&series, n)?;
        let prev = n - 1;
        let outline: Option<OutlineRow> = sqlx::query_as(
            "SELECT * FROM episode_outlines WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_optional(&mut *conn)
        .await?;
        let outline = outline.map(OutlineRow::into_outline).transpose()?;

        let prev_rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT episode_number, title, summary, key_events_json, cliffhanger FROM episodes \
             WHERE series_id = ? AND episode_number < ? AND recorded_at IS NOT NULL \
             ORDER BY episode_number DESC LIMIT ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(CONTEXT_EPISODES)
        .fetch_all(&mut *conn)
        .await?;
        let mut previous_episodes = prev_rows
            .into_iter()
            .map(|(num, title, summary, ke, cliffhanger)| {
                Ok(EpisodeMemory {
                    episode_number: num as u32,
                    key_events: from_json(&ke, format!("key events of episode {num}"))?,
                    title,
                    summary,
                    cliffhanger,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        previous_episodes.reverse();

        let open_threads: Vec<PlotThread> = sqlx::query_as::<_, ThreadRow>(
            "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
             WHERE series_id = ?1 AND opened_in <= ?2 AND (resolved_in IS NULL OR resolved_in > ?2) \
             ORDER BY opened_in, rowid",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| PlotThread {
            // Open as of n−1: how (and when) it is resolved later is the future, not context.
            resolved_in: None,
            resolution: None,
            ..PlotThread::from(r)
        })
        .collect();

        let resolved_threads: Vec<PlotThread> = sqlx::query_as::<_, ThreadRow>(
            "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
             WHERE series_id = ?1 AND resolved_in IS NOT NULL AND resolved_in <= ?2 ORDER BY resolved_in, rowid",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(PlotThread::from)
        .collect();

        let chars: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, name, importance FROM characters WHERE series_id = ? ORDER BY sort_order, id")
                .bind(series_id)
                .fetch_all(&mut *conn)
                .await?;
        let mut names: HashMap<String, (String, Importance)> = HashMap::new();
        for (id, name, imp) in &chars {
            names.insert(
                id.clone(),
                (name.clone(), parse_name(imp, "character importance")?),
            );
        }
        let state_rows: Vec<StateRow> = sqlx::query_as(
            "SELECT character_id, episode_number, emotional_state, location, active_goals_json, \
             resolved_goals_json, traits_json, situation, alive, present, outfit, outfit_prompt FROM character_states cs \
             WHERE cs.series_id = ?1 AND cs.episode_number = (SELECT MAX(x.episode_number) FROM character_states x \
             WHERE x.series_id = cs.series_id AND x.character_id = cs.character_id AND x.episode_number <= ?2)",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&mut *conn)
        .await?;
        let mut by_id: HashMap<String, (u32, CharacterState)> = HashMap::new();
        for r in state_rows {
            let (ep, s) = r.into_state()?;
            by_id.insert(s.character_id.clone(), (ep, s));
        }
        let mut character_states = Vec::with_capacity(chars.len());
        for (id, _, _) in &chars {
            if let Some((ep, state)) = by_id.remove(id) {
                let (name, importance) = names[id].clone();
                character_states.push(CharacterSnapshot {
                    name,
                    importance,
                    as_of_episode: ep,
                    state,
                });
            }
        }
        drop(conn);

        let cast_names: HashMap<&str, &str> = chars
            .iter()
            .map(|(id, name, _)| (id.as_str(), name.as_str()))
            .collect();
        let relationships = self
            .relationships_as_of(series_id, prev)
            .await?
            .into_iter()
            .map(|(ep, r)| RelationshipSnapshot {
                a_name: cast_names
                    .get(r.a.as_str())
                    .unwrap_or(&r.a.as_str())
                    .to_string(),
                b_name: cast_names
                    .get(r.b.as_str())
                    .unwrap_or(&r.b.as_str())
                    .to_string(),
                as_of_episode: ep,
                relationship: r,
            })
            .collect();

        let revealed: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT json_extract(content_json, '$.character_id'), json_extract(content_json, '$.secret'), \
             episode_number FROM story_memory WHERE series_id = ? AND memory_type = 'secret_revealed' \
             AND episode_number <= ? ORDER BY episode_number, id",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&self.pool)
        .await?;
        let revealed_secrets = revealed
            .into_iter()
            .map(|(character_id, secret, ep)| RevealedSecret {
                character_id,
                secret,
                episode: ep as u32,
            })
            .collect();
        let appearances: Vec<(String, i64)> = sqlx::query_as(
            "SELECT j.value, MAX(m.episode_number) FROM story_memory m, json_each(m.content_json, '$.character_ids') j \
             WHERE m.series_id = ? AND m.memory_type = 'appearances' AND m.episode_number <= ? GROUP BY j.value",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&self.pool)
        .await?;
        let last_appearances = appearances
            .into_iter()
            .map(|(id, ep)| (id, ep as u32))
            .collect();

        Ok(EpisodeContext {
            episode_number: n,
            total_episodes: series.total_episodes,
            as_of_episode: prev,
            story_progress_percent: series.progress_percent(n),
            series,
            outline,
            previous_episodes,
            open_threads,
            resolved_threads,
            character_states,
            relationships,
            revealed_secrets,
            last_appearances,
        })
    }

    /// Every relationship as it stood after episode `n`, with the episode that last changed it.
    pub async fn relationships_as_of(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Vec<(u32, Relationship)>, StoreError> {
        let rows: Vec<RelRow> = sqlx::query_as(
            "SELECT a, b, episode_number, kind, intimacy, status, recent_events_json FROM character_relationships r \
             WHERE r.series_id = ?1 AND r.episode_number = (SELECT MAX(x.episode_number) FROM \
             character_relationships x WHERE x.series_id = r.series_id AND x.a = r.a AND x.b = r.b \
             AND x.episode_number <= ?2) ORDER BY a, b",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(RelRow::into_rel).collect()
    }

    /// What each character wears after episode `n` (character id → (outfit, the same in English words for the
    /// image models)), for those not in their usual look.
    ///
    /// # Errors
    /// The database's.
    pub async fn outfits_as_of(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<std::collections::BTreeMap<String, (String, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT character_id, outfit, outfit_prompt FROM character_states cs WHERE cs.series_id = ?1 \
             AND cs.outfit != '' AND cs.episode_number = (SELECT MAX(x.episode_number) FROM character_states x \
             WHERE x.series_id = cs.series_id AND x.character_id = cs.character_id AND x.episode_number <= ?2)",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(c, o, p)| (c, (o, p))).collect())
    }

    /// The English words the writer gave for a character's outfit (its latest mention with words), `None` when
    /// it never gave any.
    ///
    /// # Errors
    /// The database's.
    pub async fn outfit_words(
        &self,
        series_id: &str,
        character_id: &str,
        outfit: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT outfit_prompt FROM character_states WHERE series_id = ? AND character_id = ? AND outfit = ? \
             AND outfit_prompt != '' ORDER BY episode_number DESC LIMIT 1",
        )
        .bind(series_id)
        .bind(character_id)
        .bind(outfit.trim())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every outfit the story has dressed a character in so far: (character id, outfit, the first episode it is
    /// worn by the end of), in order of first wear.
    ///
    /// # Errors
    /// The database's.
    pub async fn outfits_worn(
        &self,
        series_id: &str,
    ) -> Result<Vec<(String, String, u32)>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT character_id, outfit, MIN(episode_number) AS first FROM character_states \
             WHERE series_id = ? AND outfit != '' GROUP BY character_id, outfit ORDER BY first, character_id, outfit",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(c, o, e)| (c, o, e.max(0) as u32))
            .collect())
    }
}
