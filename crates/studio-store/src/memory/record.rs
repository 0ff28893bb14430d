//! Recording what an episode did: its outcome (and script) as deltas over the world before it.

use super::*;

impl Store {
    pub async fn episodes(
        &self,
        series_id: &str,
    ) -> Result<Vec<studio_domain::Episode>, StoreError> {
        self.series(series_id).await?;
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT episode_number, title, summary, status FROM episodes WHERE series_id = ? ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(n, title, summary, status)| {
                Ok(studio_domain::Episode {
                    series_id: series_id.into(),
                    number: n as u32,
                    title,
                    summary,
                    status: parse_name(&status, "episode status")?,
                })
            })
            .collect()
    }

    /// Episode numbers whose outcome is recorded, ascending.
    pub async fn recorded_episodes(&self, series_id: &str) -> Result<Vec<u32>, StoreError> {
        let v: Vec<i64> = sqlx::query_scalar(
            "SELECT episode_number FROM episodes WHERE series_id = ? AND recorded_at IS NOT NULL \
             ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(|n| n as u32).collect())
    }

    /// Records what an accepted episode changed — summary, key events, character developments, relationship
    /// changes, threads opened and resolved, cliffhanger — in one transaction. Episodes are recorded in order.
    pub async fn record_outcome(
        &self,
        series_id: &str,
        o: &EpisodeOutcome,
    ) -> Result<(), StoreError> {
        self.record_outcome_with_script(series_id, o, None).await
    }

    /// Like [`Store::record_outcome`], and keeps the accepted script and its check report in the same
    /// transaction, so an accepted script is never recorded without its memory (or the other way round).
    pub async fn record_outcome_with_script(
        &self,
        series_id: &str,
        o: &EpisodeOutcome,
        script: Option<(&serde_json::Value, &serde_json::Value)>,
    ) -> Result<(), StoreError> {
        let n = o.episode_number;
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let row: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT recorded_at, status FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_optional(&mut *tx)
        .await?;
        let (recorded_at, status) = row.ok_or_else(|| StoreError::Corrupt {
            what: format!("episode {n} of series {series_id}"),
            detail: "the planned episode row is missing".into(),
        })?;
        if recorded_at.is_some() {
            return Err(StoreError::DuplicateEpisode {
                series: series_id.into(),
                episode: n,
            });
        }
        if n > 1 {
            let prev: Option<Option<String>> = sqlx::query_scalar(
                "SELECT recorded_at FROM episodes WHERE series_id = ? AND episode_number = ?",
            )
            .bind(series_id)
            .bind((n - 1) as i64)
            .fetch_optional(&mut *tx)
            .await?;
            if !matches!(prev, Some(Some(_))) {
                return Err(StoreError::EpisodeGap {
                    series: series_id.into(),
                    episode: n,
                    missing: n - 1,
                });
            }
        }
        let mut problems = Vec::new();
        if o.summary.trim().is_empty() {
            problems.push(PlanProblem {
                path: "summary".into(),
                message: "is empty".into(),
            });
        }
        for (i, r) in o.relationship_changes.iter().enumerate() {
            if r.intimacy.is_some_and(|x| !(1..=10).contains(&x)) {
                problems.push(PlanProblem {
                    path: format!("relationship_changes[{i}].intimacy"),
                    message: format!("{} is outside 1–10", r.intimacy.unwrap_or(0)),
                });
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::InvalidOutcome(problems));
        }
        let next_status: EpisodeStatus =
            parse_name::<EpisodeStatus>(&status, "episode status")?.script()?;

        let chars: Vec<CharacterRow> =
            sqlx::query_as("SELECT * FROM characters WHERE series_id = ?")
                .bind(series_id)
                .fetch_all(&mut *tx)
                .await?;
        let chars: Vec<Character> = chars
            .into_iter()
            .map(CharacterRow::into_character)
            .collect::<Result<_, _>>()?;
        let cast = Cast::new(&chars);
        let prev = n - 1;

        // Character developments, applied to the state as of the previous episode (several for one character
        // accumulate).
        let mut states: HashMap<String, (CharacterState, Vec<String>)> = HashMap::new();
        for d in &o.character_developments {
            let id = cast.id(series_id, &d.character)?;
            let current = match states.remove(&id) {
                Some(x) => x,
                None => {
                    let s = state_as_of(&mut tx, series_id, &id, prev).await?;
                    (s, Vec::new())
                }
            };
            let next = current.0.apply(d)?;
            let mut notes = current.1;
            if !d.note.trim().is_empty() {
                notes.push(d.note.trim().to_string());
            }
            states.insert(id, (next, notes));
        }
        let mut ids: Vec<&String> = states.keys().collect();
        ids.sort();
        for id in ids {
            let (s, notes) = &states[id];
            insert_state(&mut tx, series_id, n, s, &notes.join(" ")).await?;
            if !notes.is_empty() {
                insert_memory(
                    &mut tx,
                    series_id,
                    n,
                    "character_event",
                    serde_json::json!({ "character_id": id, "note": notes.join(" ") }),
                    3,
                )
                .await?;
            }
        }

        let mut rels: HashMap<(String, String), Relationship> = HashMap::new();
        for c in &o.relationship_changes {
            let (a, b) = Relationship::pair(&cast.id(series_id, &c.a)?, &cast.id(series_id, &c.b)?);
            if a == b {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: "relationship_changes".into(),
                    message: format!("\"{}\" cannot relate to itself", c.a),
                }]));
            }
            let key = (a.clone(), b.clone());
            let current = match rels.remove(&key) {
                Some(r) => r,
                None => rel_as_of(&mut tx, series_id, &a, &b, prev)
                    .await?
                    .unwrap_or_else(|| Relationship {
                        a: a.clone(),
                        b: b.clone(),
                        kind: "지인".into(),
                        intimacy: NEW_RELATIONSHIP_INTIMACY as u8,
                        status: String::new(),
                        recent_events: vec![],
                    }),
            };
            let next = current.apply(c);
            if let Some(e) = &c.event {
                insert_memory(
                    &mut tx,
                    series_id,
                    n,
                    "relationship_event",
                    serde_json::json!({ "a": a, "b": b, "event": e, "intimacy": next.intimacy }),
                    3,
                )
                .await?;
            }
            rels.insert(key, next);
        }
        let mut keys: Vec<&(String, String)> = rels.keys().collect();
        keys.sort();
        for k in keys {
            insert_rel(&mut tx, series_id, n, &rels[k]).await?;
        }

        for t in &o.threads_opened {
            if t.id.trim().is_empty() {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: "threads_opened".into(),
                    message: "a thread needs an id".into(),
                }]));
            }
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM plot_threads WHERE series_id = ? AND id = ?",
            )
            .bind(series_id)
            .bind(&t.id)
            .fetch_one(&mut *tx)
            .await?;
            if exists > 0 {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: format!("threads_opened.{}", t.id),
                    message: "a thread with this id already exists".into(),
                }]));
            }
            sqlx::query(
                "INSERT INTO plot_threads (series_id, id, title, description, opened_in) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(series_id)
            .bind(&t.id)
            .bind(&t.title)
            .bind(&t.description)
            .bind(n as i64)
            .execute(&mut *tx)
            .await?;
        }
        for r in &o.threads_resolved {
            let row: Option<ThreadRow> = sqlx::query_as(
                "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
                 WHERE series_id = ? AND id = ?",
            )
            .bind(series_id)
            .bind(&r.id)
            .fetch_optional(&mut *tx)
            .await?;
            let thread: PlotThread = row
                .ok_or_else(|| StoreError::UnknownThread {
                    series: series_id.into(),
                    id: r.id.clone(),
                })?
                .into();
            let closed = thread.resolve(n, &r.resolution)?;
            sqlx::query("UPDATE plot_threads SET resolved_in = ?, resolution = ? WHERE series_id = ? AND id = ?")
                .bind(n as i64)
                .bind(&closed.resolution)
                .bind(series_id)
                .bind(&r.id)
                .execute(&mut *tx)
                .await?;
        }

        for (i, r) in o.secrets_revealed.iter().enumerate() {
            let id = cast.id(series_id, &r.character)?;
            let owner = chars.iter().find(|c| c.id == id);
            if !owner.is_some_and(|c| c.secrets.iter().any(|x| x == &r.secret)) {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: format!("secrets_revealed[{i}].secret"),
                    message: format!("\"{}\" is not one of {}'s secrets", r.secret, r.character),
                }]));
            }
            insert_memory(
                &mut tx,
                series_id,
                n,
                "secret_revealed",
                serde_json::json!({ "character_id": id, "secret": r.secret }),
                5,
            )
            .await?;
        }
        if !o.appearances.is_empty() {
            let mut ids: Vec<String> = Vec::new();
            for a in &o.appearances {
                let id = cast.id(series_id, a)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            insert_memory(
                &mut tx,
                series_id,
                n,
                "appearances",
                serde_json::json!({ "character_ids": ids }),
                2,
            )
            .await?;
        }
        for (i, e) in o.key_events.iter().enumerate() {
            insert_memory(
                &mut tx,
                series_id,
                n,
                "key_event",
                serde_json::json!({ "order": i, "event": e }),
                4,
            )
            .await?;
        }
        if !o.cliffhanger.trim().is_empty() {
            insert_memory(
                &mut tx,
                series_id,
                n,
                "cliffhanger",
                serde_json::json!({ "text": o.cliffhanger }),
                5,
            )
            .await?;
        }
        let title = if o.title.trim().is_empty() {
            None
        } else {
            Some(o.title.as_str())
        };
        sqlx::query(
            "UPDATE episodes SET title = COALESCE(?, title), summary = ?, key_events_json = ?, cliffhanger = ?, \
             outcome_json = ?, status = ?, recorded_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), \
             script_json = COALESCE(?, script_json), check_report_json = COALESCE(?, check_report_json), \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE series_id = ? AND episode_number = ?",
        )
        .bind(title)
        .bind(&o.summary)
        .bind(to_json(&o.key_events))
        .bind(&o.cliffhanger)
        .bind(to_json(o))
        .bind(next_status.to_string())
        .bind(script.map(|(s, _)| s.to_string()))
        .bind(script.map(|(_, r)| r.to_string()))
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
