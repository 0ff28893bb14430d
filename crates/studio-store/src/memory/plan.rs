//! Series plans: storing a plan, adding a character, finding and listing series, reading a plan back.

use super::*;

impl Store {
    /// Stores a whole series plan — series, characters, outlines, the initial world (episode 0) and a planned row
    /// per episode — in one transaction.
    pub async fn save_plan(&self, plan: &SeriesPlan) -> Result<(), StoreError> {
        let problems = plan.integrity_problems();
        if !problems.is_empty() {
            return Err(StoreError::InvalidPlan(problems));
        }
        let s = &plan.series;
        let mut tx = self.begin_write().await?;
        let clash: Option<(String, String)> =
            sqlx::query_as("SELECT id, title FROM series WHERE id = ? OR title = ? LIMIT 1")
                .bind(&s.id)
                .bind(&s.title)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((id, _)) = clash {
            return Err(if id == s.id {
                StoreError::DuplicateSeries(s.id.clone())
            } else {
                StoreError::TitleTaken(s.title.clone())
            });
        }
        sqlx::query(
            "INSERT INTO series (id, title, genre, genre_label, total_episodes, episode_duration_min, main_theme, \
             target_audience, premise, status, plot_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.id)
        .bind(&s.title)
        .bind(s.genre.to_string())
        .bind(&s.genre_label)
        .bind(s.total_episodes as i64)
        .bind(s.episode_duration_min as i64)
        .bind(&s.main_theme)
        .bind(&s.target_audience)
        .bind(&s.premise)
        .bind(s.status.to_string())
        .bind(to_json(&s.plot))
        .execute(&mut *tx)
        .await?;
        for (i, c) in plan.characters.iter().enumerate() {
            insert_character(&mut tx, &s.id, c, i as i64).await?;
            insert_state(&mut tx, &s.id, 0, &c.initial_state(), "").await?;
        }
        let cast = Cast::new(&plan.characters);
        for r in &plan.relationships {
            let (a, b) = Relationship::pair(&cast.id(&s.id, &r.a)?, &cast.id(&s.id, &r.b)?);
            insert_rel(&mut tx, &s.id, 0, &Relationship { a, b, ..r.clone() }).await?;
        }
        let titles: HashMap<u32, &str> = plan
            .outlines
            .iter()
            .map(|o| (o.episode_number, o.title.as_str()))
            .collect();
        for o in &plan.outlines {
            let focus: Vec<String> = o
                .character_focus
                .iter()
                .map(|c| cast.id(&s.id, c))
                .collect::<Result<_, _>>()?;
            sqlx::query(
                "INSERT INTO episode_outlines (series_id, episode_number, title, arc_phase, main_event, \
                 sub_events_json, character_focus_json, target_emotions_json, hook, cliffhanger) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&s.id)
            .bind(o.episode_number as i64)
            .bind(&o.title)
            .bind(o.arc_phase.to_string())
            .bind(&o.main_event)
            .bind(to_json(&o.sub_events))
            .bind(to_json(&focus))
            .bind(to_json(&o.target_emotions))
            .bind(&o.hook)
            .bind(&o.cliffhanger)
            .execute(&mut *tx)
            .await?;
        }
        for n in 1..=s.total_episodes {
            sqlx::query("INSERT INTO episodes (series_id, episode_number, title) VALUES (?, ?, ?)")
                .bind(&s.id)
                .bind(n as i64)
                .bind(titles.get(&n).copied().unwrap_or(""))
                .execute(&mut *tx)
                .await?;
        }
        for t in &plan.threads {
            sqlx::query(
                "INSERT INTO plot_threads (series_id, id, title, description, opened_in) VALUES (?, ?, ?, ?, 0)",
            )
            .bind(&s.id)
            .bind(&t.id)
            .bind(&t.title)
            .bind(&t.description)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes a character's profile (name, role, age, occupation, personality, background, voice profile,
    /// appearance); its id, importance, goals, secrets and states stay. A name another character has is refused.
    ///
    /// # Errors
    /// `UnknownSeries`; `UnknownCharacter` when the series has no character with `c.id`; `NameCollision`.
    pub async fn update_character(&self, series_id: &str, c: &Character) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        series_in(&mut tx, series_id).await?;
        let clash: Option<String> = sqlx::query_scalar(
            "SELECT id FROM characters WHERE series_id = ? AND name = ? AND id != ? LIMIT 1",
        )
        .bind(series_id)
        .bind(&c.name)
        .bind(&c.id)
        .fetch_optional(&mut *tx)
        .await?;
        if clash.is_some() {
            return Err(StoreError::NameCollision {
                series: series_id.into(),
                name: c.name.clone(),
            });
        }
        let changed = sqlx::query(
            "UPDATE characters SET name = ?, role = ?, age = ?, occupation = ?, personality_json = ?, \
             background = ?, voice_profile_json = ?, appearance_profile_json = ? WHERE series_id = ? AND id = ?",
        )
        .bind(&c.name)
        .bind(&c.role)
        .bind(c.age.map(|a| a as i64))
        .bind(&c.occupation)
        .bind(to_json(&c.personality))
        .bind(&c.background)
        .bind(to_json(&c.voice_profile))
        .bind(to_json(&c.appearance_profile))
        .bind(series_id)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::UnknownCharacter {
                series: series_id.into(),
                reference: c.id.clone(),
            });
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a character to an existing series (its state starts at episode 0).
    pub async fn add_character(&self, series_id: &str, c: &Character) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        series_in(&mut tx, series_id).await?;
        let clash: Option<(String, String)> = sqlx::query_as(
            "SELECT id, name FROM characters WHERE series_id = ? AND (id = ? OR name = ?) LIMIT 1",
        )
        .bind(series_id)
        .bind(&c.id)
        .bind(&c.name)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id, _)) = clash {
            return Err(if id == c.id {
                StoreError::DuplicateCharacter {
                    series: series_id.into(),
                    id: c.id.clone(),
                }
            } else {
                StoreError::NameCollision {
                    series: series_id.into(),
                    name: c.name.clone(),
                }
            });
        }
        let order: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(sort_order) + 1, 0) FROM characters WHERE series_id = ?",
        )
        .bind(series_id)
        .fetch_one(&mut *tx)
        .await?;
        insert_character(&mut tx, series_id, c, order).await?;
        insert_state(&mut tx, series_id, 0, &c.initial_state(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn series_exists(&self, id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM series WHERE id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    pub async fn series(&self, id: &str) -> Result<Series, StoreError> {
        let row: Option<SeriesRow> = sqlx::query_as("SELECT * FROM series WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.ok_or_else(|| StoreError::UnknownSeries(id.into()))?
            .into_series()
    }

    /// Finds a series by id, or else by exact title (what a person types on the command line).
    pub async fn find_series(&self, id_or_title: &str) -> Result<Series, StoreError> {
        let row: Option<SeriesRow> = sqlx::query_as(
            "SELECT * FROM series WHERE id = ? OR title = ? ORDER BY id = ? DESC LIMIT 1",
        )
        .bind(id_or_title)
        .bind(id_or_title)
        .bind(id_or_title)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or_else(|| StoreError::UnknownSeries(id_or_title.into()))?
            .into_series()
    }

    pub async fn list_series(&self) -> Result<Vec<SeriesSummary>, StoreError> {
        #[derive(FromRow)]
        struct SummaryRow {
            id: String,
            title: String,
            genre: String,
            status: String,
            total: i64,
            chars: i64,
            recorded: i64,
            published: i64,
        }
        let rows: Vec<SummaryRow> = sqlx::query_as(
            "SELECT s.id, s.title, s.genre, s.status, s.total_episodes AS total, \
               (SELECT COUNT(*) FROM characters c WHERE c.series_id = s.id) AS chars, \
               (SELECT COUNT(*) FROM episodes e WHERE e.series_id = s.id AND e.recorded_at IS NOT NULL) AS recorded, \
               (SELECT COUNT(*) FROM episodes e WHERE e.series_id = s.id AND e.status = 'published') AS published \
             FROM series s ORDER BY s.created_at, s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SeriesSummary {
                    genre: parse_name(&r.genre, "series genre")?,
                    status: parse_name(&r.status, "series status")?,
                    id: r.id,
                    title: r.title,
                    total_episodes: r.total as u32,
                    characters: r.chars as u32,
                    recorded_episodes: r.recorded as u32,
                    published_episodes: r.published as u32,
                })
            })
            .collect()
    }

    pub async fn characters(&self, series_id: &str) -> Result<Vec<Character>, StoreError> {
        self.series(series_id).await?;
        let rows: Vec<CharacterRow> =
            sqlx::query_as("SELECT * FROM characters WHERE series_id = ? ORDER BY sort_order, id")
                .bind(series_id)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(CharacterRow::into_character).collect()
    }

    pub async fn outlines(&self, series_id: &str) -> Result<Vec<EpisodeOutline>, StoreError> {
        let rows: Vec<OutlineRow> = sqlx::query_as(
            "SELECT * FROM episode_outlines WHERE series_id = ? ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(OutlineRow::into_outline).collect()
    }

    /// [`Store::outlines`] inside a transaction.
    pub(crate) async fn outlines_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        series_id: &str,
    ) -> Result<Vec<EpisodeOutline>, StoreError> {
        let rows: Vec<OutlineRow> = sqlx::query_as(
            "SELECT * FROM episode_outlines WHERE series_id = ? ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&mut **tx)
        .await?;
        rows.into_iter().map(OutlineRow::into_outline).collect()
    }

    /// The plan as stored, with the world as of episode 0.
    pub async fn plan(&self, series_id: &str) -> Result<SeriesPlan, StoreError> {
        let series = self.series(series_id).await?;
        let characters = self.characters(series_id).await?;
        let outlines = self.outlines(series_id).await?;
        let relationships = self
            .relationships_as_of(series_id, 0)
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let threads = sqlx::query_as::<_, ThreadRow>(
            "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
             WHERE series_id = ? AND opened_in = 0 ORDER BY rowid",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|t| studio_domain::ThreadSeed {
            id: t.id,
            title: t.title,
            description: t.description,
            reopen_reason: None,
        })
        .collect();
        Ok(SeriesPlan {
            format: studio_domain::plan::SERIES_FORMAT.into(),
            series,
            characters,
            relationships,
            outlines,
            threads,
        })
    }
}
